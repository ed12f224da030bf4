"""Benchmark: what the published recipes' sample counts cost, from one measured training step.

For each preset (default: the published DrNet and MIPAE recipes), counts the FLOPs of one training
step exactly as `contentpose train` builds it (forward and backward of every network,
torch.utils.flop_counter) and times it here; then multiplies by the published number of steps
(the preset's `train.steps`: 12M samples at batch 100). The GPU column is arithmetic, not a
measurement: the FLOPs over an H100 SXM's datasheet rate for dense bf16 (989 TFLOP/s), at that peak
(a bound no run reaches) and at 30% of it (what small 64-px convolutions at batch 100 might get;
`make gpu-check` measures the real rate). Prints the table and writes it to --json.

    python benchmarks/published_budget.py [--presets paper paper_1digit mipae_paper] [--steps 3]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from throughput import preset_config, step_figures

from common import machine
from contentpose.errors import UserError
from contentpose.runtime import resolve_device

H100_BF16_DENSE = 989e12  # FLOP/s, NVIDIA H100 SXM datasheet (dense, no sparsity)
ASSUMED_FRACTION = 0.3


def budget(preset: str, steps: int) -> dict:
    """One preset's measured step (fp32 here) and the cost of its published steps."""
    cfg = preset_config(preset, [])
    r = step_figures(preset, "fp32", resolve_device("cpu"), steps)
    total = r["gflop_per_step"] * 1e9 * cfg.train.steps
    return {
        "published_steps": cfg.train.steps,
        "published_samples": cfg.train.steps * cfg.train.batch_size,
        "batch": cfg.train.batch_size,
        "gflop_per_step": r["gflop_per_step"],
        "total_pflop": round(total / 1e15, 1),
        "cpu_step_s": r["step_s"],
        "cpu_days": round(r["step_s"] * cfg.train.steps / 86400, 1),
        "h100_minutes_at_peak": round(total / H100_BF16_DENSE / 60, 1),
        "h100_minutes_at_30pct": round(total / (H100_BF16_DENSE * ASSUMED_FRACTION) / 60, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["paper", "paper_1digit", "mipae_paper"])
    parser.add_argument("--steps", type=int, default=3, help="timed steps per preset")
    parser.add_argument("--json", default="docs/results/published_budget.json")
    args = parser.parse_args()
    for preset in args.presets:
        try:
            preset_config(preset, [])
        except UserError as err:
            raise SystemExit(f"{preset}: {err}") from None
    results = {"machine": machine(), "h100_bf16_dense_flops": H100_BF16_DENSE, "presets": {}}
    print(f"machine: {results['machine']}")
    print(
        f"{'preset':12} {'steps':>7} {'samples':>10} {'GFLOP/step':>11} {'PFLOP':>7} {'CPU step s':>10} "
        f"{'CPU days':>9} {'H100 min, peak':>15} {'at 30%':>7}"
    )
    for preset in args.presets:
        r = results["presets"][preset] = budget(preset, args.steps)
        print(
            f"{preset:12} {r['published_steps']:7} {r['published_samples']:10} {r['gflop_per_step']:11.1f} "
            f"{r['total_pflop']:7.1f} {r['cpu_step_s']:10.2f} {r['cpu_days']:9.1f} "
            f"{r['h100_minutes_at_peak']:15.1f} {r['h100_minutes_at_30pct']:7.1f}",
            flush=True,
        )
    results["command"] = "python benchmarks/published_budget.py " + " ".join(["--presets", *args.presets])
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
