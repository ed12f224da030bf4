"""Learning curve: one preset's val scores against the samples it has seen, to say when it starts to
work and when it stops improving.

    python benchmarks/learning_curve.py PRESET --budgets 3000 6000 9000 12000 [--out runs/curve/NAME]
        [--set section.key=value ...] [--metric dotted.path.in.eval.json ...] [--json PATH] [--plot PNG]
    python benchmarks/learning_curve.py --combine NAME=CURVE.json ... --metric PATH
        [--baseline dotted.path ...] [--json PATH] [--plot PNG]

A preset with a constant learning rate trains one run, resumed to each budget in turn (so the curve
is that of one long run); with `train.lr_decay=cosine` the schedule depends on the total, so each
budget is its own run (OUT/steps_S). After each budget the run is evaluated on the val split and its
eval.json kept as OUT/eval_S.json, with the training time to that budget (`train_seconds`; a budget
whose file exists is not scored again). Each --metric is a
dotted path into eval.json (e.g. sprites.fixed_motion.model.motion); its `_ci` beside it, where the
protocol gives one, becomes the error bar. Training runs in its own process with one thread.

--combine draws curves written by earlier calls (--json) on one plot, one line each, against the
samples seen and against the training minutes (for recipes compared at the same wall-clock), with
each --baseline (a dotted path into eval.json, e.g. baselines.cut_and_paste.all_objects, read from the
first curve's last budget) as a level band; it trains nothing.
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


def combine(named: list[str], metric: str, baselines: list[str], json_path: Path | None, path: Path | None) -> None:
    """Curves of earlier runs of this script (NAME=JSON each) on one table and plot; see the module doc."""
    curves = {}
    for item in named:
        name, _, file = item.rpartition("=")
        try:
            result = json.loads(Path(file).read_text())
        except (OSError, ValueError) as err:
            raise SystemExit(f"learning_curve.py: --combine {item}: {err}") from None
        if metric not in result.get("curve", {}):
            raise SystemExit(
                f"learning_curve.py: {file} has no curve of {metric} (it has {', '.join(result['curve'])})"
            )
        curves[name or result["preset"]] = result
    last = next(iter(curves.values()))
    last = last["evals"][str(max(int(b) for b in last["evals"]))]
    levels = {b: lookup(last, b) for b in baselines}
    print(f"{'curve':>24} {'steps':>7} {'samples':>9} {'minutes':>7}  {metric}")
    for name, result in curves.items():
        for p in result["curve"][metric]:
            ci = f" [{p['ci'][0]:.3f}, {p['ci'][1]:.3f}]" if p["ci"] else ""
            minutes = f"{p['train_seconds'] / 60:7.1f}" if p.get("train_seconds") else "      -"
            print(f"{name:>24} {p['steps']:>7} {p['steps'] * result['batch_size']:>9} {minutes}  {p['value']:.3f}{ci}")
    for b, (value, ci) in levels.items():
        print(f"{b:>24}  {value:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""))
    write_json(
        json_path,
        {
            "machine": machine(),
            "date": str(date.today()),
            "command": " ".join(["python benchmarks/learning_curve.py", *sys.argv[1:]]),
            "metric": metric,
            "curves": {
                name: {k: r[k] for k in ("command", "machine", "preset", "overrides", "batch_size")}
                | {"points": r["curve"][metric]}
                for name, r in curves.items()
            },
            "baselines": {b: {"value": v, "ci": ci} for b, (v, ci) in levels.items()},
        },
    )
    if path is None:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), sharey=True)
    for ax, unit in zip(axes, ("samples", "minutes")):
        for name, result in curves.items():
            points = [p for p in result["curve"][metric] if unit == "samples" or p.get("train_seconds")]
            x = [
                p["steps"] * result["batch_size"] / 1000 if unit == "samples" else p["train_seconds"] / 60
                for p in points
            ]
            y = [p["value"] for p in points]
            err = None
            if all(p["ci"] for p in points):
                err = [[p["value"] - p["ci"][0] for p in points], [p["ci"][1] - p["value"] for p in points]]
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=name)
        for i, (b, (value, ci)) in enumerate(levels.items()):
            line = ax.axhline(value, ls="--", lw=1, color="0.3" if "baselines" in b else "0.6")
            if ci:
                ax.axhspan(*ci, color=line.get_color(), alpha=0.12)
            side = i % 2  # alternate left and right, so levels close together keep legible labels
            ax.annotate(b.split(".")[-2], (side, value), xycoords=("axes fraction", "data"), fontsize=6,
                        va="top" if side else "bottom", ha="right" if side else "left", color="0.3")  # fmt: skip
        ax.set_xlabel("training samples seen (thousands)" if unit == "samples" else "training minutes (one thread)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{metric} (val)", fontsize=8)
    axes[0].legend(fontsize=7)
    fig.text(0.01, 0.01, f"python benchmarks/learning_curve.py --combine ...; {machine()}; {date.today()}", fontsize=6)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", nargs="?")
    parser.add_argument("--combine", nargs="+", metavar="NAME=JSON", help="curves of earlier calls, on one plot")
    parser.add_argument("--baseline", nargs="*", default=[], help="with --combine: dotted paths drawn as levels")
    parser.add_argument("--budgets", type=positive_int, nargs="+", help="training steps, ascending")
    parser.add_argument("--out", type=Path, help="default: runs/curve/PRESET")
    parser.add_argument("--set", nargs="*", default=[], metavar="section.key=value")
    parser.add_argument("--metric", nargs="+", required=True, help="dotted paths into eval.json")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()
    if args.combine:
        if len(args.metric) != 1:
            parser.error("--combine draws one --metric")
        combine(args.combine, args.metric[0], args.baseline, args.json, args.plot)
        return
    if args.preset is None or not args.budgets:
        parser.error("a PRESET and --budgets are needed (or --combine)")
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
