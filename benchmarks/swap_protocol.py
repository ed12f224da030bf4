"""Benchmark: a preset's swaps on several seeds, scored once on the test split by the per-object
protocol (docs/metrics.md), beside cut-and-paste and the other baselines, with 95% intervals.

Trains each missing seed (`contentpose train PRESET train.seed=S`; a finished run is reused,
an interrupted one resumed), evaluates all of them together on `--split` (test, for the README;
choose settings on val), prints evaluate's table and writes it, with the machine, the training
times and the mean +- sd over seeds, to docs/results/PRESET_protocol.json (or --json), and draws
docs/PRESET_protocol.png: for the first 8 pairs, frame a, frame b, the truth (a's objects in b's
pose), the first seed's swap and cut-and-paste.

    python benchmarks/swap_protocol.py [--preset quick] [--seeds 3] [--split test] [--pairs N]
                                       [--out runs/protocol] [--json PATH] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from common import checkpoint_step, machine, write_json
from contentpose.config import load_config
from contentpose.eval.baselines.cut_and_paste import cut_and_paste
from contentpose.eval.evaluate import evaluate_runs
from contentpose.eval.metrics.intervals import seed_spread
from contentpose.eval.protocols.swap import closest, swap_pairs
from contentpose.train.loop import train
from contentpose.trained import load_run
from contentpose.viz.grid import save_grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--split", choices=("val", "test"), default="test")
    parser.add_argument("--pairs", type=int, default=None)
    parser.add_argument("--out", default="runs/protocol")
    parser.add_argument("--json", default=None, help="default docs/results/PRESET_protocol.json")
    parser.add_argument("--set", nargs="*", default=[], metavar="section.key=value")
    args = parser.parse_args()
    runs, timings = [], {}
    for seed in range(args.seeds):
        cfg = load_config(args.preset, [*args.set, f"train.seed={seed}"])
        run = Path(args.out) / f"{args.preset}_s{seed}"
        done = (checkpoint_step(run) or 0) >= cfg.train.steps
        if not done:
            start = time.perf_counter()
            train(cfg, run, resume=(run / "checkpoint.safetensors").exists())
            timings[run.name] = round(time.perf_counter() - start, 1)
        runs.append(run)
    results = evaluate_runs(runs, device="auto", split=args.split, pairs=args.pairs)
    swaps = [e["swap"] for e in results["runs"].values()]
    results.update(
        preset=args.preset,
        machine=machine(),
        training_seconds=timings,
        seeds={k: dict(zip(("mean", "sd"), seed_spread([s[k] for s in swaps]))) for k in ("all_objects", "psnr")},
        command=f"python benchmarks/swap_protocol.py --preset {args.preset} --seeds {args.seeds} --split {args.split}"
        + (f" --set {' '.join(args.set)}" if args.set else ""),
    )
    path = Path(args.json or f"docs/results/{args.preset}_protocol.json")
    write_json(path, results)
    picture = save_grid(
        pair_strip(runs[0], args.split),
        path.parent.parent / f"{args.preset}_protocol.png",
        column_labels=["frame a", "frame b", "truth", "swap", "cut-and-paste"],
    )
    print(f"\nmachine: {machine()}\nresults written to {path}; picture {picture}")


@torch.no_grad()
def pair_strip(run: Path, split: str, rows: int = 8) -> torch.Tensor:
    """Cells (rows, 5, C, H, W): frame a, frame b, the truth (the assignment of a's objects to b's
    places nearest the swap), the run's swap, cut-and-paste."""
    trained = load_run(run, "cpu")
    data = trained.dataset(split)
    pairs = swap_pairs(data)
    x_a, x_b, truths = pairs["x_a"][:rows], pairs["x_b"][:rows], pairs["truths"][:, :rows]
    swap = trained.model(x_a, x_b).float()
    truth = truths[closest(swap, truths), torch.arange(len(swap))]
    return torch.stack([x_a, x_b, truth, swap, cut_and_paste(x_a, x_b, data.num_objects)], dim=1)


if __name__ == "__main__":
    main()
