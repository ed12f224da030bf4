"""Benchmark of the keypoint route on the articulated figures (data=figures).

Pose forecasting (The Pose Knows, first stage): trains the `poseforecast_quick` CVAE and the
same network without its latent (model.forecast_latent=0: a deterministic LSTM trained alike),
times both, then prints ADE/FDE (one sample and best of N), the spread of the samples and
per-step errors next to the last-pose-held and constant-velocity baselines, on the fixed
held-out windows.

    python benchmarks/pose.py [--out runs/pose] [--set section.key=value ...] [--json docs/results/pose.json]
                              [--picture docs/pose_forecasts.png]

Pose-to-frame motion transfer (Everybody Dance Now): trains `posegen_quick` with and without
the temporal discriminator, then scores transfers between held-out figures against the
renderer's ground truth (target drawn in the source's pose): PSNR, SSIM and flicker, from
EDN-normalised source keypoints and from the oracle keypoints, next to copying the target's
reference frame or the source's frames (eval/protocols/pose_transfer.py); and the keypoint error of every
method's frames, read by a keypoint regressor trained on real frames (eval/judges/keypoint_regressor.py,
cached in OUT/posegen), with its error on the true frames as the floor.

Runs already trained in OUT are reused (an interrupted one is resumed). The pictures show the
CVAE's sampled skeletons over the true future frames of held-out windows, and transfers
(rows per pair: source, truth, generated with and without the temporal discriminator).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import machine, train_once
from contentpose.eval.judges.keypoint_regressor import keypoint_regressor
from contentpose.eval.protocols.pose_forecast import evaluate_forecasters, table_rows
from contentpose.eval.protocols.pose_transfer import format_row, format_transfer, frame_transfer_scores, transfer_scores
from contentpose.trained import load_forecaster, load_pose_generator, load_run
from contentpose.viz.grid import save_grid
from contentpose.viz.pose_forecast import forecast_grid
from contentpose.viz.pose_transfer import transfer_grid

FORECASTERS = {"cvae": [], "lstm": ["model.forecast_latent=0"]}
POSEGENS = {"posegen": [], "posegen_notemporal": ["objective.temporal_disc=false"]}
SHOWN_STEPS = (1, 5, 10, 15, 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/pose")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="section.key=value",
        help="overrides for every run (e.g. train.steps=100 for a smoke run)",
    )
    parser.add_argument("--json", default="docs/results/pose.json")
    parser.add_argument("--picture", default="docs/pose_forecasts.png")
    parser.add_argument("--transfer-picture", default="docs/pose_transfer.png")
    parser.add_argument(
        "--drnet",
        nargs="*",
        default=[],
        metavar="RUN",
        help="content/pose runs (DrNet, MIPAE) trained on the same figures (data=figures "
        "data.colour=true data.frame_size=32), scored on the same transfers from frames alone",
    )
    parser.add_argument(
        "--regressor-steps",
        type=int,
        default=None,
        help="training steps of the keypoint regressor (default: eval/judges/keypoint_regressor.py's STEPS)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    timings = {
        name: train_once("poseforecast_quick", out / name, [*args.set, *extra]) for name, extra in FORECASTERS.items()
    }
    timings.update(
        {name: train_once("posegen_quick", out / name, [*args.set, *extra]) for name, extra in POSEGENS.items()}
    )
    print(f"\nmachine: {machine()}")
    for name, t in timings.items():
        took = "reused" if t["seconds"] is None else f"{t['seconds']:.0f} s"
        print(f"training {name}: {t['steps']} steps, {took}")
    forecast = evaluate_forecasters([out / name for name in FORECASTERS], quiet=False)
    print(f"\nper step, mean joint error in pixels (one sample / best of {forecast['best_of']}):")
    rows = table_rows(forecast)
    steps = [s for s in SHOWN_STEPS if s <= forecast["horizon"]]
    print(f"{'':34} " + " ".join(f"{f'step {s}':>13}" for s in steps))
    for label, s in rows:
        print(f"{label:34} " + " ".join(f"{s['curve'][k - 1]:6.2f}/{s['curve_best'][k - 1]:6.2f}" for k in steps))
    generators = {name: load_pose_generator(out / name) for name in POSEGENS}
    first = next(iter(generators.values()))
    regressor = keypoint_regressor(first.path, first.dataset("train"), args.regressor_steps)
    transfer = {
        name: transfer_scores(run.render, run.dataset("val"), regressor=regressor) for name, run in generators.items()
    }
    print("\n" + format_transfer(transfer))
    data = first.dataset("val")
    unsupervised = {}
    for path in map(Path, args.drnet):
        run = load_run(path)
        same = ("name", "frame_size", "colour", "test_clips", "test_seed")
        if any(getattr(run.config.data, k) != getattr(data.cfg, k) for k in same):
            raise SystemExit(f"{path} was trained on other data than the pose-to-frame runs")
        unsupervised[path.name] = frame_transfer_scores(run.transfer, data, regressor=regressor)
        print(format_row(f"{path.name}: {run.config.objective.name} swap (frames only)", unsupervised[path.name]))
    result = {
        "machine": machine(),
        "training": timings,
        "forecasting": forecast,
        "transfer": transfer,
        "transfer_from_frames": unsupervised,
    }
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = json.loads(path.read_text()) if path.exists() else {}  # entries this script does not write
    # (the regressor's training and the Pose Knows pipeline's scores, from `contentpose predict`) stay
    path.write_text(json.dumps({**kept, **result}, indent=2))
    print(f"results written to {path}")
    print(f"picture written to {save_grid(forecast_grid(load_forecaster(out / 'cvae')), args.picture)}")
    picture = save_grid(transfer_grid(list(generators.values())), args.transfer_picture)
    print(f"picture written to {picture}")


if __name__ == "__main__":
    main()
