"""Benchmark of the Set GAN on Moving Digits: the identity analysis after a fixed CPU budget.

Trains the `setgan_quick` preset (timed; resumed if OUT/setgan already holds a checkpoint),
then prints the two perturbation curves (how often the generated digit changes when only
z_C, or only z_M, is moved), the share of generated sets whose frames show one digit and the
share of sets sharing z_M whose digit stays at one place, next to real sets and to independently
drawn frames, on `--split` (val: choose there). Writes samples and a traversal too. With
`--variants all`, also the paper's generator at this size and each departure of docs/generators.md
(VARIANTS), one run each.

    python benchmarks/setgan.py [--out runs/bench] [--variants all] [--split val] [--set section.key=value ...]

Results go to OUT/setgan.json (or --json) and OUT/setgan[_VARIANT]/{identity,samples,traverse}.png.
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

# the paper's generator at setgan_quick's size (the preset's departures undone; spectral-norm D kept)
PAPER_G = [
    "model.generator=dcgan",
    "model.upsample=transposed",
    "model.layer_centre=mask",
    "objective.mask_l1=0",
    "objective.ema=0",
    "objective.frame_disc=0",
    "train.steps=4000",
]
VARIANTS = {  # name -> overrides of setgan_quick: the departures of docs/generators.md, one at a time
    "paper_g": PAPER_G,
    "mixed": [*PAPER_G, "objective.mixed_sets=1"],
    "shared_mixed": [*PAPER_G, "objective.mixed_sets=1", "model.set_disc_input=shared"],
    "modulated_mixed": [*PAPER_G, "objective.mixed_sets=1", "model.generator=modulated"],
    "hinge": [*PAPER_G, "objective.loss=hinge"],
    "resize": [*PAPER_G, "model.upsample=resize"],  # docs/generators.md's 12000-step row: --set train.steps=12000
    "resize_pooled_none_mixed": [  # the D the probe (set_disc_probe.py) finds sees identity best
        *PAPER_G,
        "model.upsample=resize",
        "model.set_disc_input=pooled",
        "model.set_disc_norm=none",
        "objective.mixed_sets=1",
    ],
    "all_ema": [
        *PAPER_G,
        "objective.mixed_sets=1",
        "model.set_disc_input=shared",
        "model.generator=modulated",
        "objective.ema=0.999",
    ],
    "layered_mask_centre": ["model.layer_centre=mask"],  # the preset placing its mask's centre when sampling
    "no_frame_disc": ["objective.frame_disc=0"],  # the preset without its D on single frames
}


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
    parser.add_argument("--variants", choices=("none", "all"), default="none")
    parser.add_argument("--split", choices=("val", "test"), default="val")
    parser.add_argument("--json", default=None, help="default OUT/setgan.json")
    args = parser.parse_args()
    chosen = {"preset": [], **(VARIANTS if args.variants == "all" else {})}
    runs, timing = [], {}
    for name, overrides in chosen.items():
        run = Path(args.out) / ("setgan" if name == "preset" else f"setgan_{name}")
        cfg = load_config("setgan_quick", [*overrides, *args.set])
        resume = (run / CHECKPOINT).exists()
        start = time.perf_counter()
        train(cfg, run, resume=resume)
        timing[name] = {"seconds": round(time.perf_counter() - start, 1), "steps": cfg.train.steps, "resumed": resume}
        timing[name]["overrides"] = overrides
        runs.append(run)
    print(f"\nmachine: {machine()}")
    for name, t in timing.items():
        print(f"training {name}: {t['steps']} steps in {t['seconds']:.0f} s" + (" (resumed)" if t["resumed"] else ""))
    results = evaluate_generators(runs, split=args.split)
    for run in runs:
        gen = load_generator(run)
        save_grid(sample_grid(gen), run / "samples.png")
        save_grid(traverse_grid(gen), run / "traverse.png")
    results.update(machine=machine(), timing=timing)
    out = Path(args.json) if args.json else Path(args.out) / "setgan.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {out}; pictures in each run folder")


if __name__ == "__main__":
    main()
