"""Benchmark of video prediction in pose space on a trained run.

Trains the run's pose predictor if it has none (timed), then prints per-step PSNR/SSIM
against copy-last-frame (10 -> 10 and 5 -> 100 on the fixed held-out clips), whether
content survives long rollouts (digit classifier accuracy and sharpness at steps 10,
100, 500) and rollout speed in generated frames per second for several batch sizes.

    python benchmarks/prediction.py RUN [--set predictor.key=value ...]

Results also go to RUN/prediction_benchmark.json. Figures in the README come from here.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from common import machine
from contentpose.eval.protocols.autoencoder import evaluate_prediction, format_prediction
from contentpose.models.video_predictor import VideoPredictor
from contentpose.train.loop import train_predictor
from contentpose.trained import PREDICTOR, load_predictor, load_run

SHOWN_STEPS = {10: (1, 2, 5, 10), 100: (1, 10, 25, 50, 100)}


def rollout_speed(run, batch_sizes=(1, 10, 100), horizon: int = 500, context: int = 5) -> dict[int, float]:
    """Generated frames per second of a `horizon`-step rollout (encode, predict, decode), per batch size."""
    predictor = VideoPredictor(run.model, load_predictor(run))
    data = run.dataset("val")
    speed = {}
    for b in batch_sizes:
        g = torch.Generator().manual_seed(0)
        past = data.sample(b, context, g).frames
        predictor(past, 10)  # warm-up
        if run.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        predictor(past, horizon)
        if run.device.type == "cuda":
            torch.cuda.synchronize()
        speed[b] = round(b * horizon / (time.perf_counter() - start), 1)
    return speed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="predictor.key=value",
        help="predictor overrides when it has to be trained (e.g. predictor.steps=100)",
    )
    args = parser.parse_args()
    path = Path(args.run)
    timing = None
    if not (path / PREDICTOR).exists():
        start = time.perf_counter()
        train_predictor(path, args.set)
        timing = round(time.perf_counter() - start, 1)
    run = load_run(path)
    data = run.dataset("val")
    result = evaluate_prediction(run, data)
    print(f"\nmachine: {machine()}")
    if timing is not None:
        print(f"predictor training: {run.config.predictor.steps} steps in {timing:.0f} s")
    print(format_prediction(path.name, result))
    for curve in result["curves"]:
        steps = SHOWN_STEPS.get(curve["horizon"], (1, curve["horizon"]))
        print(f"\nper step, {curve['context']} context -> {curve['horizon']} future (model / copy-last):")
        for s in steps:
            m, b = curve["model"], curve["copy_last"]
            print(
                f"  step {s:>3}: PSNR {m['psnr'][s - 1]:6.2f} / {b['psnr'][s - 1]:6.2f}   "
                f"SSIM {m['ssim'][s - 1]:.4f} / {b['ssim'][s - 1]:.4f}"
            )
    speed = rollout_speed(run)
    print("\n500-step rollout speed: " + ", ".join(f"batch {b}: {v:.0f} frames/s" for b, v in speed.items()))
    result.update(machine=machine(), predictor_training_s=timing, rollout_frames_per_s=speed)
    (path / "prediction_benchmark.json").write_text(json.dumps(result, indent=2))
    print(f"results written to {path / 'prediction_benchmark.json'}")


if __name__ == "__main__":
    main()
