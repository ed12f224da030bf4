"""Motion transfer on figures over photos: the general motion model (frames only) against the
supervised pose-to-frame model (given keypoints) and the copies, by the keypoint error of the result.

Both are trained on the `figures_photo` data (64 px figures in patterned clothes over photo crops,
eight actions): the motion model is the `figures_photo` preset; the pose-to-frame model is
`posegen_quick` on the same data (trained here unless OUT/posegen holds it). On fixed held-out pairs
(eval/protocols/pose_transfer.py) the target figure b is to be drawn in the source a's poses; the
truth is rendered. A keypoint regressor trained on real frames of the data (eval/judges/
keypoint_regressor.py) reads each output's 15 joints; the score is their mean distance in pixels
from the truth's joints (its error on the true frames is the floor), with PSNR and SSIM. Two
diagnostics on the same pairs say where a failure lies: the motion model driven by the truth's
frames (poses read right, so what is left is drawing) and within b's own clip (beside copying its
first frame).

    python benchmarks/figures_transfer.py --motion runs/figures/motion [--out runs/figures]
        [--split val|test] [--json docs/results/figures_transfer_val.json] [--picture PNG]
        [--set section.key=value ...]   (pose-to-frame overrides, e.g. train.steps=2 for a smoke run)

Issue 37's target (test split): the motion model's keypoint error within 1.5x of the pose-to-frame
model's, at least 40% below copying the source's frames and cut-and-paste, and PSNR above it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from common import machine, train_once, write_json
from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.eval.judges.keypoint_regressor import keypoint_regressor
from contentpose.eval.metrics.intervals import format_cell
from contentpose.eval.protocols.pose_transfer import (
    frame_scores,
    frame_transfer_scores,
    transfer_pairs,
    transfer_scores,
)
from contentpose.trained import load_pose_generator, load_run
from contentpose.viz.grid import save_grid

DATA_KEYS = ("name", "frame_size", "colour", "background", "clothing", "motions", "test_clips", "test_seed")
SHOWN = 8  # frames per row of the picture


def posegen_overrides(motion_run) -> list[str]:
    """`posegen_quick` on the motion run's figures."""
    d = motion_run.config.data
    return [f"data.{k}={getattr(d, k)}" for k in DATA_KEYS if k != "name"]


@torch.no_grad()
def diagnostics(motion, data, pairs: int, regressor) -> dict:
    """Where a frames-only transfer fails, on the same pairs: driven by the truth's frames (the model
    reads the poses from b drawn in a's poses: what is left is drawing), and within b's own clip (b's
    first frame driven by b's frames) beside copying that first frame."""
    a, b, truth = transfer_pairs(data, pairs)
    oracle = data.keypoints(b.factors, a.positions)
    first = b.frames[:, :1]
    return {
        "driven by the truth's frames": frame_scores(motion.transfer(first, truth), truth, regressor, oracle),
        "within b's clip": frame_scores(motion.transfer(first, b.frames), b.frames, regressor, b.keypoints),
        "within b's clip, copy its first frame": frame_scores(
            first.expand_as(b.frames), b.frames, regressor, b.keypoints
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--motion", type=Path, required=True, help="a trained figures_photo run (or any autoencoder run on figures)"
    )
    parser.add_argument("--out", type=Path, default=Path("runs/figures"), help="where the pose-to-frame run lives")
    parser.add_argument("--split", choices=("val", "test"), default="val")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--picture", type=Path)
    parser.add_argument("--pairs", type=int, default=64)
    parser.add_argument("--set", nargs="*", default=[], metavar="section.key=value", help="pose-to-frame overrides")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"machine: {machine()}")
    try:
        motion = load_run(args.motion)
    except UserError as err:
        raise SystemExit(f"figures_transfer: {err}") from None
    if motion.config.data.name != "figures":
        raise SystemExit(f"{args.motion} was not trained on figures")
    timing = train_once("posegen_quick", args.out / "posegen", [*posegen_overrides(motion), *args.set])
    posegen = load_pose_generator(args.out / "posegen")
    for k in DATA_KEYS:
        if getattr(posegen.config.data, k) != getattr(motion.config.data, k):
            raise SystemExit(f"{args.out / 'posegen'} was trained on other figures (data.{k})")
    data = posegen.dataset(args.split)
    regressor = keypoint_regressor(posegen.path, posegen.dataset("train"))
    result = transfer_scores(posegen.render, data, pairs=args.pairs, regressor=regressor)
    result["methods"]["motion model (frames only)"] = frame_transfer_scores(
        motion.transfer, data, pairs=args.pairs, regressor=regressor
    )
    result["diagnostics"] = diagnostics(motion, data, args.pairs, regressor)
    rows = {**result["baselines"], **result["methods"]}
    print(
        f"\n{args.split} split, {result['pairs']} pairs of {result['frames']} frames: b's figure in a's poses "
        f"(keypoint regressor on the true frames: {result['regressor_error_px']:.2f} px)"
    )
    print(f"{'':42} {'keypoint error px':>20} {'PSNR':>21} {'SSIM':>7}")
    for name, s in rows.items():
        print(
            f"{name:42} {format_cell(s, 'keypoint_error_px', '.2f'):>20} {format_cell(s, 'psnr', '.2f'):>21} "
            f"{s['ssim']:7.3f}"
        )
    print("diagnostics (where the transfer fails):")
    for name, s in result["diagnostics"].items():
        print(f"  {name:40} {format_cell(s, 'keypoint_error_px', '.2f'):>20} {format_cell(s, 'psnr', '.2f'):>21}")
    best = min(result["baselines"], key=lambda k: result["baselines"][k]["keypoint_error_px"])
    ours = result["methods"]["motion model (frames only)"]["keypoint_error_px"]
    supervised = result["methods"]["generated (normalised keypoints)"]["keypoint_error_px"]
    print(
        f"strongest baseline on keypoints: {best}; motion model / pose-to-frame = {ours / supervised:.2f}x; "
        f"motion model / {best} = {ours / result['baselines'][best]['keypoint_error_px']:.2f}x"
    )
    config = load_config("figures_photo").data
    same = all(getattr(config, k) == getattr(motion.config.data, k) for k in DATA_KEYS)
    write_json(
        args.json,
        {
            "machine": machine(),
            "split": args.split,
            "motion_run": str(args.motion),
            "motion_steps": motion.step,
            "figures_photo_data": same,
            "posegen_training": timing,
            "transfer": result,
        },
    )
    if args.picture:
        a, b, truth = transfer_pairs(data, 4)
        ours_frames = motion.transfer(b.frames[:, :1], a.frames)
        columns = torch.linspace(0, a.frames.shape[1] - 1, SHOWN).round().long()
        rows = [x[i, columns] for i in range(4) for x in (a.frames, truth, ours_frames)]
        path = save_grid(torch.stack(rows), args.picture)
        print(f"picture (per pair: source a, truth, motion model with b's first frame as content): {path}")


if __name__ == "__main__":
    main()
