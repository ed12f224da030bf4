"""The published recipe on the first GPU: `make gpu-repro` (python scripts/gpu_repro.py).

Trains the `paper` preset (DrNet as published, on drnet-py's Moving MNIST) towards the published
sample count (120000 steps of batch 100 = 12M samples), or for as long as `--minutes` allows: the
training runs in a child process that is sent SIGTERM at the deadline, which stops it after the step
in progress with a checkpoint (so the next `make gpu-repro` resumes it). Then scores the run on the
test split by the per-object protocol (`contentpose evaluate --split test`) and writes
docs/results/gpu_repro.json: the GPU, the steps and samples reached out of the published ones, the
time and rate, and the scores beside cut-and-paste.

Where CUDA is absent it fails at once (exit 1, one line) and writes nothing.

    python scripts/gpu_repro.py [--preset paper] [--minutes 60] [--runs runs/gpu-repro]
                                [--json docs/results/gpu_repro.json]
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from gpu_check import cuda_missing  # noqa: E402

COMMAND = "make gpu-repro"
PUBLISHED_SAMPLES = 12_000_000  # drnet-py: 200 epochs x 600 iterations x batch 100
STOPPED = 130  # the exit code of a training stopped by a signal, its checkpoint written (-SIGTERM: stopped
# before it started, nothing written)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper", help="paper, paper_1digit or mipae_paper")
    parser.add_argument("--minutes", type=float, default=60.0, help="training time allowed in this call")
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "gpu-repro")
    parser.add_argument("--json", type=Path, default=ROOT / "docs" / "results" / "gpu_repro.json")
    args = parser.parse_args(argv)

    if cuda_missing("gpu-repro", "this run"):
        return 1
    import torch

    result = reproduce(args.preset, args.minutes, args.runs / args.preset, "cuda:0", [])
    result.update(gpu=torch.cuda.get_device_name(0), command=f"{COMMAND} (--preset {args.preset})")
    write_json(result, args.json)
    print(f"gpu-repro: {result['steps']} of {result['published_steps']} steps; wrote {args.json}")
    return 0


def reproduce(preset: str, minutes: float, run: Path, device: str, overrides: list[str]) -> dict:
    """Train `preset` into `run` (resuming it if it holds a checkpoint) for at most `minutes`, then score
    it on the test split. Returns what gpu_repro.json holds, but for the GPU's name."""
    from contentpose.config import load_config
    from contentpose.eval.evaluate import evaluate_runs
    from contentpose.trained import CHECKPOINT, read_meta

    cfg = load_config(preset, [f"train.device={device}", *overrides])
    published = PUBLISHED_SAMPLES // cfg.train.batch_size
    before = read_meta(run / CHECKPOINT).get("step", 0) if (run / CHECKPOINT).exists() else 0
    seconds = 0.0
    if before < cfg.train.steps:
        seconds = train_until(preset, run, minutes, [f"train.device={device}", *overrides], resume=before > 0)
    steps = read_meta(run / CHECKPOINT)["step"]
    scores = evaluate_runs([run], device=device, split="test")["runs"][str(run)]
    return {
        "preset": preset,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "steps": steps,
        "published_steps": published,
        "samples": steps * cfg.train.batch_size,
        "published_samples": PUBLISHED_SAMPLES,
        "steps_this_call": steps - before,
        "train_seconds_this_call": round(seconds, 1),
        "samples_per_s": round((steps - before) * cfg.train.batch_size / seconds, 1) if seconds else None,
        "test": headline(scores),
        "eval": scores,
    }


def train_until(preset: str, run: Path, minutes: float, overrides: list[str], resume: bool) -> float:
    """`contentpose train` in a child process, sent SIGTERM after `minutes` (it then stops after the
    step in progress, checkpointed); returns the seconds it ran. A failed training raises."""
    command = [sys.executable, "-m", "contentpose.cli", "train", "--out", str(run), "--quiet"]
    command += ["--resume"] if resume else [preset, *overrides]  # a resume keeps the run's own config
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT)
    stopped = False
    try:
        child.wait(timeout=minutes * 60)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGTERM)
        child.wait()
        stopped = True
    if child.returncode != 0 and not (stopped and child.returncode in (STOPPED, -signal.SIGTERM)):
        raise SystemExit(f"gpu-repro: training {preset} failed (exit {child.returncode}); see its output above")
    return time.perf_counter() - start


def headline(scores: dict) -> dict:
    """The swap protocol's headline numbers (eval.json) of the run, cut-and-paste and the true frames,
    with their intervals."""
    keep = ("all_objects", "object_accuracy", "psnr", "ssim")
    pick = lambda x: {k: v for k, v in x.items() if k.removesuffix("_ci") in keep}  # noqa: E731
    return {
        "model": pick(scores["swap"]),
        "cut_and_paste": pick(scores["baselines"]["cut_and_paste"]),
        "true_frames": pick(scores["object_judge"]["real_frames"]),
    }


def write_json(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
