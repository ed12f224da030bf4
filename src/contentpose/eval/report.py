"""`contentpose evaluate`: swap fidelity and reconstruction of runs, next to the copy baselines."""
from __future__ import annotations

import json
from pathlib import Path

from contentpose.errors import UserError
from contentpose.eval.swap import BASELINES, swap_fidelity
from contentpose.train.run import load_run


def evaluate_runs(paths: list[Path], device: str = "auto", out: Path | None = None) -> dict:
    """Evaluate each run on the same held-out pairs; print one table; write RUN/eval.json (and `out`)."""
    runs = [load_run(p, device) for p in paths]
    data_cfg = runs[0].config.data
    for run in runs[1:]:
        if run.config.data != data_cfg:
            raise UserError(f"runs {runs[0].path} and {run.path} use different data; evaluate them separately")
    data = runs[0].dataset("test")
    results = {"baselines": {k: v for k, v in swap_fidelity(None, data).items() if k in BASELINES}, "runs": {}}
    for run in runs:
        scores = swap_fidelity(run.model, data)
        entry = {"step": run.step, "beta": run.config.objective.beta, "objective": run.config.objective.name,
                 "swap": scores["swap"], "reconstruction": scores["reconstruction"],
                 "baselines": results["baselines"]}
        (run.path / "eval.json").write_text(json.dumps(entry, indent=2))
        results["runs"][str(run.path)] = entry
    print(format_table(results, n_pairs=data_cfg.test_clips))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2))
    return results


def format_table(results: dict, n_pairs: int) -> str:
    lines = [f"Swap fidelity on {n_pairs} held-out pairs: D(Ec(a), Ep(b)) vs a's content rendered in b's pose",
             f"{'':34} {'swap PSNR':>10} {'swap SSIM':>10} {'rec PSNR':>9} {'rec SSIM':>9}"]
    for path, entry in results["runs"].items():
        name = f"{Path(path).name} ({entry['objective']}, beta={entry['beta']:g})"
        s, r = entry["swap"], entry["reconstruction"]
        lines.append(f"{name:34} {s['psnr']:10.2f} {s['ssim']:10.4f} {r['psnr']:9.2f} {r['ssim']:9.4f}")
    labels = {"copy_pose_frame": "baseline: copy frame b (pose)", "copy_content_frame": "baseline: copy frame a (content)"}
    for key, label in labels.items():
        b = results["baselines"][key]
        lines.append(f"{label:34} {b['psnr']:10.2f} {b['ssim']:10.4f} {'-':>9} {'-':>9}")
    return "\n".join(lines)
