"""Benchmark of `make demo`'s training stage and the quality it reaches.

Trains the `quick` preset and the same preset with beta = 0 (no scene discriminator
term), times each, then prints swap fidelity of both next to the copy baselines.

    python benchmarks/quick_demo.py [--out runs/bench] [--set section.key=value ...]

Results also go to OUT/quick_demo.json. Figures in the README come from this script.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from common import machine
from contentpose.config import load_config
from contentpose.eval.evaluate import evaluate_runs
from contentpose.train.loop import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/bench")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="section.key=value",
        help="overrides applied to both runs (e.g. train.steps=100 for a smoke run)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    timings = {}
    runs = {"quick": [], "quick-beta0": ["objective.beta=0"]}
    for name, extra in runs.items():
        cfg = load_config("quick", [*args.set, *extra])
        run = out / name
        resume = (run / "checkpoint.safetensors").exists()
        start = time.perf_counter()
        train(cfg, run, resume=resume)
        timings[name] = {"seconds": round(time.perf_counter() - start, 1), "steps": cfg.train.steps, "resumed": resume}
    print(f"\nmachine: {machine()}")
    for name, t in timings.items():
        note = " (resumed: time covers only the remaining steps)" if t["resumed"] else ""
        print(f"training {name}: {t['steps']} steps in {t['seconds']:.0f} s{note}")
    results = evaluate_runs([out / name for name in runs], device="auto")
    results.update(machine=machine(), timings=timings)
    (out / "quick_demo.json").write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {out / 'quick_demo.json'}")


if __name__ == "__main__":
    main()
