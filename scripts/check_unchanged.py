"""Check that a refactor left every preset's behaviour unchanged: train each preset for a few
steps (seeded, one thread, CPU), evaluate it with small judges, and compare a fingerprint of the
trained weights, the logged losses and the evaluation numbers with one written before the change.

    python scripts/check_unchanged.py --write before.json     # on the old code
    python scripts/check_unchanged.py --against before.json   # on the new code: exit 1 on a difference

Presets whose data is missing here (Sprites without CONTENTPOSE_SPRITES or ../shared/data/lpc-sprites)
are skipped and named. The fingerprints hold on one machine and torch build, not across them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

import contentpose.eval.judges.content_classifier as content_classifier  # noqa: E402
import contentpose.eval.judges.keypoint_regressor as keypoint_regressor  # noqa: E402
import contentpose.eval.judges.object_judge as object_judge  # noqa: E402
import contentpose.eval.judges.sprites_judge as sprites_judge  # noqa: E402
import contentpose.eval.judges.video_classifier as video_scores  # noqa: E402
from contentpose.config import load_config, presets  # noqa: E402
from contentpose.eval.evaluate import evaluate_runs  # noqa: E402
from contentpose.train.loop import train  # noqa: E402

SPRITES = Path(os.environ.get("CONTENTPOSE_SPRITES", Path(__file__).parents[2] / "shared/data/lpc-sprites"))
STEPS = 4
SHORT = (  # every preset: a few steps of a small batch, checkpoints at the end
    f"train.steps={STEPS}",
    "train.batch_size=4",
    "train.log_every=1",
    f"train.checkpoint_every={STEPS}",
    "train.device=cpu",
    "train.threads=1",
    "train.precision=fp32",
)
DATA = {  # what each data source needs to be small and present here
    "moving_digits": ["data.test_clips=24"],
    "moving_sprites": ["data.test_clips=24"],
    "figures": ["data.test_clips=24"],
}


def small_judges() -> None:
    """Judges of a few steps: fingerprints compare code, not judges' quality."""
    content_classifier.STEPS = object_judge.STEPS = keypoint_regressor.STEPS = video_scores.STEPS = 30
    sprites_judge.STEPS = 30


def videos(folder: Path) -> Path:
    """Four 32 px MP4s of a square moving over a background of its own colour."""
    from PIL import Image

    from contentpose.viz.video import write_video

    folder.mkdir(parents=True, exist_ok=True)
    for v, colour in enumerate(((200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40))):
        images = [Image.new("RGB", (40, 40), colour) for _ in range(24)]
        for i, im in enumerate(images):
            im.paste((255, 255, 255), (i, 12 + v, i + 8, 20 + v))
        write_video(images, folder / f"v{v}.mp4")
    return folder


def rounded(value):
    """Numbers to 6 significant digits (JSON floats); paths, plots and timings left out."""
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items() if k not in ("plot", "path", "report") and "seconds" not in k}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    if isinstance(value, float):
        return value if not math.isfinite(value) else float(f"{value:.6g}")
    return value


def fingerprint(preset: str, root: Path) -> dict:
    overrides = list(SHORT)
    name = load_config(preset).data.name
    overrides += DATA.get(name, [])
    if name == "lpc_sprites":
        overrides.append(f"data.path={SPRITES}")
    if name == "videos":
        overrides.append(f"data.path={videos(root / 'videos')}")
    if name == "moving_mnist":
        return {"skipped": "needs a Moving MNIST .npy"}
    cfg = load_config(preset, overrides)
    run = root / preset
    torch.manual_seed(0)
    train(cfg, run, quiet=True)
    weights = load_file(run / "checkpoint.safetensors")
    digest = hashlib.sha256()
    for key in sorted(weights):
        digest.update(key.encode())
        digest.update(weights[key].float().numpy().tobytes())
    losses = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    losses = [{k: v for k, v in row.items() if "time" not in k and "per_s" not in k} for row in losses]
    evaluate_runs([run], "cpu", split="val", pairs=16 if cfg.objective.name in ("drnet", "mipae") else None)
    entry = json.loads((run / "eval.json").read_text())
    return {"weights": digest.hexdigest(), "losses": rounded(losses), "eval": rounded(entry)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write the fingerprints to this JSON file")
    parser.add_argument("--against", type=Path, help="compare with fingerprints written before")
    parser.add_argument("--presets", nargs="*", default=None, help="default: every preset")
    args = parser.parse_args()
    torch.set_num_threads(1)
    small_judges()
    chosen = args.presets or presets()
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        for preset in chosen:
            if load_config(preset).data.name == "lpc_sprites" and not SPRITES.is_dir():
                found[preset] = {"skipped": f"no Sprites at {SPRITES}"}
            else:
                found[preset] = fingerprint(preset, Path(tmp))
            print(f"{preset}: {found[preset].get('weights', found[preset].get('skipped'))}", flush=True)
            if args.write:  # after each preset, so a long check keeps what it found
                args.write.write_text(json.dumps(found, indent=1))
    if args.against:
        before = rounded(json.loads(args.against.read_text()))  # as this version rounds
        found = rounded(found)
        changed = [p for p in found if p in before and before[p] != found[p]]
        for p in changed:
            parts = [k for k in ("weights", "losses", "eval") if before[p].get(k) != found[p].get(k)]
            print(f"CHANGED {p}: {', '.join(parts)}")
        print("unchanged" if not changed else f"{len(changed)} of {len(found)} presets changed")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
