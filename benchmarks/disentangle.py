"""Benchmark: DrNet, MIPAE and the ablation without a pose penalty, same budget, several seeds.

Trains each method on each dataset with every seed (preset `quick` plus --set overrides),
evaluates swap fidelity, reconstruction, MIG, the group score and the leakage probes, and
prints one table of mean +- std over seeds.

    python benchmarks/disentangle.py [--seeds 3] [--data moving_digits ...] [--set key=value ...]

Results go to OUT/disentangle.json (default OUT = runs/disentangle); finished runs are reused.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from common import machine
from contentpose.config import load_config
from contentpose.eval.evaluate import evaluate_runs
from contentpose.train.loop import train

METHODS = {
    "drnet": ["objective.name=drnet", "objective.beta=0.1"],
    "mipae": ["objective.name=mipae", "objective.beta=0.0001"],
    "no-penalty": ["objective.name=drnet", "objective.beta=0"],
}


def metrics(entry: dict) -> dict[str, float]:
    """The figures of one evaluated run that go in the table."""
    d = entry["disentanglement"]
    probes = d["probes"].values()
    content = [p for p in probes if p["kind"] == "accuracy"]
    pose = [p for p in probes if p["kind"] == "r2"]
    return {
        "swap PSNR": entry["swap"]["psnr"],
        "swap SSIM": entry["swap"]["ssim"],
        "rec PSNR": entry["reconstruction"]["psnr"],
        "MIG": d["mig"]["mig"],
        "group": d["group"]["score"],
        "content<-Ec acc": np.mean([p["from_content"] for p in content]),
        "content<-Ep acc": np.mean([p["from_pose"] for p in content]),
        "pose<-Ep R2": np.mean([p["from_pose"] for p in pose]),
        "pose<-Ec R2": np.mean([p["from_content"] for p in pose]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/disentangle")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data", nargs="+", default=["moving_digits"])
    parser.add_argument("--set", nargs="*", default=[], metavar="section.key=value")
    args = parser.parse_args()
    out = Path(args.out)
    table, seconds = {}, {}
    for data in args.data:
        for method, extra in METHODS.items():
            paths = []
            for seed in range(args.seeds):
                cfg = load_config("quick", [f"data.name={data}", *extra, f"train.seed={seed}", *args.set])
                path = out / data / method / f"seed{seed}"
                if not (path / "checkpoint.safetensors").exists():
                    start = time.perf_counter()
                    train(cfg, path)
                    seconds[str(path)] = round(time.perf_counter() - start, 1)
                paths.append(path)
            results = evaluate_runs(paths)
            rows = [metrics(e) for e in results["runs"].values()]
            table[f"{data} / {method}"] = {
                k: (float(np.mean([r[k] for r in rows])), float(np.std([r[k] for r in rows]))) for k in rows[0]
            }
    columns = list(next(iter(table.values())))
    print(f"\nmachine: {machine()}; {args.seeds} seeds; preset quick {' '.join(args.set)}")
    print(f"{'':28}" + "".join(f"{c:>17}" for c in columns))
    for name, row in table.items():
        print(f"{name:28}" + "".join(f"{m:>10.3f} ±{s:5.3f}" for m, s in row.values()))
    out.mkdir(parents=True, exist_ok=True)
    (out / "disentangle.json").write_text(
        json.dumps(
            {"machine": machine(), "seeds": args.seeds, "overrides": args.set, "table": table, "training_s": seconds},
            indent=2,
        )
    )
    print(f"results written to {out / 'disentangle.json'}")


if __name__ == "__main__":
    main()
