"""Learning curve: one preset's val scores against the samples it has seen, to say when it starts to
work and when it stops improving.

    python benchmarks/learning_curve.py PRESET --budgets 3000 6000 9000 12000 [--out runs/curve/NAME]
        [--set section.key=value ...] [--metric dotted.path.in.eval.json ...] [--json PATH] [--plot PNG]

A preset with a constant learning rate trains one run, resumed to each budget in turn (so the curve
is that of one long run); with `train.lr_decay=cosine` the schedule depends on the total, so each
budget is its own run (OUT/steps_S). After each budget the run is evaluated on the val split and its
eval.json kept as OUT/eval_S.json, with the training time to that budget (`train_seconds`; a budget
whose file exists is not scored again). Each --metric is a
dotted path into eval.json (e.g. sprites.fixed_motion.model.motion); its `_ci` beside it, where the
protocol gives one, becomes the error bar. Training runs in its own process with one thread.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from common import checkpoint_step, machine, positive_int, train_subprocess, write_json
from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.eval.evaluate import evaluate_runs


def lookup(entry: dict, path: str) -> tuple[float, list[float] | None]:
    """The value at a dotted path of an eval.json and its interval (the `_ci` key beside it, if any)."""
    *parents, leaf = path.split(".")
    for key in parents:
        if not isinstance(entry, dict) or key not in entry:
            raise SystemExit(f"--metric {path}: eval.json has no {key!r} there")
        entry = entry[key]
    if leaf not in entry:
        raise SystemExit(f"--metric {path}: eval.json has no {leaf!r} there (it has {', '.join(sorted(entry))})")
    return float(entry[leaf]), entry.get(f"{leaf}_ci")


def curve(preset: str, sets: list[str], budgets: list[int], out: Path) -> dict[int, dict]:
    """Train to each budget and score it on val: {budget: eval.json}."""
    cfg = load_config(preset, sets)
    one_run = cfg.train.lr_decay == "none"
    evals = {}
    for budget in budgets:
        saved = out / f"eval_{budget}.json"
        if not saved.exists():
            run = out / ("run" if one_run else f"steps_{budget}")
            train_subprocess(preset, sets, run, budget)
            assert checkpoint_step(run) == budget
            evaluate_runs([run], split="val")
            entry = json.loads((run / "eval.json").read_text())
            timing = run.parent / f"{run.name}.timing.json"  # training time to this budget, all sessions
            entry["train_seconds"] = json.loads(timing.read_text())["seconds"]
            saved.write_text(json.dumps(entry, indent=1))
        evals[budget] = json.loads(saved.read_text())
    return evals


def plot(rows: dict[str, list[dict]], samples_per_step: int, title: str, footer: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(1, len(rows), figsize=(3.4 * len(rows), 3.2), squeeze=False)
    for ax, (name, points) in zip(axes[0], rows.items()):  # one panel a metric: their scales differ
        x = [p["steps"] * samples_per_step for p in points]
        y = [p["value"] for p in points]
        err = None
        if all(p["ci"] for p in points):
            err = [[p["value"] - p["ci"][0] for p in points], [p["ci"][1] - p["value"] for p in points]]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3)
        ax.set_title(name, fontsize=7)
        ax.set_xlabel("training samples seen", fontsize=8)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1000:g}k"))
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.text(0.01, 0.01, footer, fontsize=6, color="0.4")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset")
    parser.add_argument("--budgets", type=positive_int, nargs="+", required=True, help="training steps, ascending")
    parser.add_argument("--out", type=Path, help="default: runs/curve/PRESET")
    parser.add_argument("--set", nargs="*", default=[], metavar="section.key=value")
    parser.add_argument("--metric", nargs="+", required=True, help="dotted paths into eval.json")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()
    if args.budgets != sorted(set(args.budgets)):
        parser.error("--budgets must be distinct and ascending")
    try:  # a bad preset or override is refused here, before anything is trained
        cfg = load_config(args.preset, args.set)
    except UserError as err:
        raise SystemExit(f"learning_curve.py: {err}") from None
    out = args.out or Path("runs/curve") / args.preset
    out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    evals = curve(args.preset, args.set, args.budgets, out)
    rows = {m: [] for m in args.metric}
    print(f"{'steps':>7} {'samples':>9} {'minutes':>7}  " + "  ".join(f"{m:>36}" for m in args.metric))
    for budget, entry in evals.items():
        cells = []
        for m in args.metric:
            value, ci = lookup(entry, m)
            rows[m].append({"steps": budget, "value": value, "ci": ci, "train_seconds": entry.get("train_seconds")})
            cells.append(f"{value:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""))
        minutes = f"{entry['train_seconds'] / 60:7.1f}" if "train_seconds" in entry else "      -"
        print(f"{budget:>7} {budget * cfg.train.batch_size:>9} {minutes}  " + "  ".join(f"{c:>36}" for c in cells))
    result = {
        "machine": machine(),
        "date": str(date.today()),
        "command": " ".join(["python benchmarks/learning_curve.py", *sys.argv[1:]]),
        "preset": args.preset,
        "overrides": args.set,
        "split": "val",
        "batch_size": cfg.train.batch_size,
        "one_run_resumed": cfg.train.lr_decay == "none",
        "curve": rows,
        "evals": {str(budget): entry for budget, entry in evals.items()},  # every baseline and metric
    }
    write_json(args.json, result)
    if args.plot:
        shown = [s if not s.partition("=")[0].endswith("path") else s.partition("=")[0] + "=..." for s in args.set]
        title = f"{args.preset} on val ({', '.join(shown) or 'preset as is'})"
        footer = f"python benchmarks/learning_curve.py {args.preset} ...; {machine()}; {date.today()}"
        plot(rows, cfg.train.batch_size, title, footer, args.plot)


if __name__ == "__main__":
    main()
