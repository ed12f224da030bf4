"""Benchmark: DrNet, MIPAE and the ablation without a pose penalty, same budget, several seeds.

Trains each method on each dataset with every seed (--preset, default `quick`, plus --set
overrides), evaluates (on the val split) swap fidelity, the object judge on swaps, reconstruction, MIG, the
group score and the leakage probes, and prints one table of mean +- std over seeds, then the
baselines every row is read beside (cut-and-paste, the content-blind decoder, copying either frame) and the
judge's ceiling (its score on the true frames).

    python benchmarks/disentangle.py [--preset quick] [--seeds 3] [--data moving_digits ...] [--jobs 2]
                                     [--json PATH] [--set key=value ...]

Runs go to OUT/DATA/METHOD/seedS (default OUT = runs/disentangle); each trains in its own process
with one thread, --jobs at once, with its log and training time beside it (RUN.train.log,
RUN.timing.json). A finished run is reused and an interrupted one resumed; runs whose
RUN/eval.json already scores their checkpoint are not evaluated again. The table goes to
OUT/disentangle.json, and to --json too when given.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from common import checkpoint_step, machine, positive_int, train_subprocess
from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.eval.evaluate import evaluate_runs

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
    row = {
        "swap PSNR": entry["swap"]["psnr"],
        "swap SSIM": entry["swap"]["ssim"],
        "all objects right": entry["swap"].get("all_objects"),
        "rec PSNR": entry["reconstruction"]["psnr"],
        "MIG": d["mig"]["mig"],
        "group": d["group"]["score"],
        "content<-Ec acc": np.mean([p["from_content"] for p in content]),
        "content<-Ep acc": np.mean([p["from_pose"] for p in content]),
        "pose<-Ep R2": np.mean([p["from_pose"] for p in pose]),
        "pose<-Ec R2": np.mean([p["from_content"] for p in pose]),
    }
    return {k: float(v) for k, v in row.items() if v is not None}


def evaluated(run: Path) -> bool:
    """Does RUN/eval.json score the run's checkpoint, with the factor metrics and their ceiling?"""
    path = run / "eval.json"
    if not path.exists():
        return False
    entry = json.loads(path.read_text())
    return "group_true_factors" in entry.get("disentanglement", {}) and entry.get("step") == checkpoint_step(run)


def training_seconds(run: Path) -> float | None:
    """RUN.timing.json's seconds; None for a run trained outside this script."""
    timing = run.with_name(f"{run.name}.timing.json")
    return json.loads(timing.read_text())["seconds"] if timing.exists() else None


def references(entry: dict) -> dict[str, dict[str, float]]:
    """The baselines and the object judge's ceiling of one eval.json, as table rows."""
    rows = {
        f"baseline: {name.replace('_', ' ')}": {
            "swap PSNR": b["psnr"],
            "swap SSIM": b["ssim"],
            **({"all objects right": b["all_objects"]} if "all_objects" in b else {}),
        }
        for name, b in entry["baselines"].items()
    }
    rows["true factors as latents (ceiling)"] = {"group": entry["disentanglement"]["group_true_factors"]}
    judge = entry.get("object_judge") or {}
    if "real_frames" in judge:
        rows["true frames (judge ceiling)"] = {"all objects right": judge["real_frames"]["all_objects"]}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/disentangle")
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--seeds", type=positive_int, default=3)
    parser.add_argument("--data", nargs="+", default=["moving_digits"])
    parser.add_argument("--jobs", type=positive_int, default=2, help="trainings at once (one thread each)")
    parser.add_argument("--json", help="also write the table here (e.g. docs/results/NAME.json)")
    parser.add_argument("--set", nargs="*", default=[], metavar="section.key=value")
    args = parser.parse_args()
    out = Path(args.out)
    jobs = []
    for data in args.data:
        for method, extra in METHODS.items():
            for seed in range(args.seeds):
                overrides = [f"data.name={data}", *extra, f"train.seed={seed}", *args.set]
                try:  # a bad preset or override fails here, before any training
                    steps = load_config(args.preset, overrides).train.steps
                except UserError as err:
                    raise SystemExit(f"disentangle.py: {err}") from None
                jobs.append((data, method, overrides, out / data / method / f"seed{seed}", steps))
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda job: train_subprocess(args.preset, job[2], job[3], job[4]), jobs))

    table, per_seed, seconds, baselines = {}, {}, {}, {}
    for data in args.data:
        for method in METHODS:
            paths = [job[3] for job in jobs if job[:2] == (data, method)]
            if not all(evaluated(p) for p in paths):
                evaluate_runs(paths)
            entries = [json.loads((p / "eval.json").read_text()) for p in paths]
            rows = [metrics(e) for e in entries]
            name = f"{data} / {method}"
            table[name] = {
                k: (float(np.mean([r[k] for r in rows])), float(np.std([r[k] for r in rows]))) for k in rows[0]
            }
            per_seed[name] = rows
            seconds[name] = [training_seconds(p) for p in paths]
            baselines.update({f"{data} / {k}": v for k, v in references(entries[0]).items()})
    columns = list(next(iter(table.values())))
    print(f"\nmachine: {machine()}; {args.seeds} seeds; preset {args.preset} {' '.join(args.set)}")
    print(f"{'':36}" + "".join(f"{c:>20}" for c in columns))
    for name, row in table.items():
        print(
            f"{name:36}"
            + "".join(f"{row[c][0]:12.3f} ±{row[c][1]:6.3f}" if c in row else f"{'-':>20}" for c in columns)
        )
    for name, row in baselines.items():
        print(f"{name:36}" + "".join(f"{row[c]:20.3f}" if c in row else f"{'-':>20}" for c in columns))
    result = {
        "machine": machine(),
        "preset": args.preset,
        "seeds": args.seeds,
        "overrides": args.set,
        "table": table,
        "per_seed": per_seed,
        "baselines": baselines,
        "training_s": seconds,
        "note": f"training_s: wall seconds of each run, {args.jobs} at once, one thread each, on a CPU that may be shared",
    }
    out.mkdir(parents=True, exist_ok=True)
    for path in [out / "disentangle.json", *([Path(args.json)] if args.json else [])]:
        path.write_text(json.dumps(result, indent=2))
        print(f"results written to {path}")


if __name__ == "__main__":
    main()
