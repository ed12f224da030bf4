"""Benchmark of the Set GAN on Moving Digits: the identity analysis after a fixed CPU budget.

Trains the `setgan_quick` preset (timed; resumed if OUT/setgan already holds a checkpoint),
then prints the two perturbation curves (how often the generated digit changes when only
z_C, or only z_M, is moved) and the share of generated sets whose frames show one digit,
next to real sets and to independently drawn frames. Writes samples and a traversal too.

    python benchmarks/setgan.py [--out runs/bench] [--set section.key=value ...]

Results go to OUT/setgan.json and OUT/setgan/{identity,samples,traverse}.png. Figures in the
README come from this script.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from common import machine
from contentpose.config import load_config
from contentpose.eval.protocols.set_gan import evaluate_generators
from contentpose.train.loop import train
from contentpose.trained import CHECKPOINT, load_generator
from contentpose.viz.grid import save_grid
from contentpose.viz.traverse import sample_grid, traverse_grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/bench")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="section.key=value",
        help="overrides of the setgan_quick preset (e.g. train.steps=100 for a smoke run)",
    )
    args = parser.parse_args()
    run = Path(args.out) / "setgan"
    cfg = load_config("setgan_quick", args.set)
    resume = (run / CHECKPOINT).exists()
    start = time.perf_counter()
    train(cfg, run, resume=resume)
    seconds = round(time.perf_counter() - start, 1)
    print(f"\nmachine: {machine()}")
    print(f"training: {cfg.train.steps} steps in {seconds:.0f} s" + (" (resumed)" if resume else ""))
    results = evaluate_generators([run])
    gen = load_generator(run)
    save_grid(sample_grid(gen), run / "samples.png")
    save_grid(traverse_grid(gen), run / "traverse.png")
    results.update(machine=machine(), timing={"seconds": seconds, "steps": cfg.train.steps, "resumed": resume})
    (Path(args.out) / "setgan.json").write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {Path(args.out) / 'setgan.json'}; pictures in {run}")


if __name__ == "__main__":
    main()
