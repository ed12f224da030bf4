"""Benchmark: how close a training step comes to the machine's limit.

For each preset and variant (fp32, fp32 with torch.compile, bf16 autocast), the training step
exactly as `contentpose train` builds it: samples per second, the step's FLOPs (forward +
backward, counted with torch.utils.flop_counter) and its achieved GFLOP/s, next to the GFLOP/s
of a large matrix multiply of the same precision on the same device, measured in the same run,
and their ratio. Also the samples per second of the train command itself (data drawn on the hot
path, logging), the resident memory after the steps, a 500-step rollout's frames per second
(untrained weights: speed does not depend on them) and, with --soak N, whether memory grows
over N quick steps.

    python benchmarks/throughput.py [--presets quick paper] [--variants fp32 fp32+compile bf16]
                                    [--steps 10] [--soak 1000]
    python benchmarks/throughput.py --profile paper      # where one step's time goes

A preset may carry overrides, PRESET:key=value,key=value (e.g. standard:model.glimpse_window=32),
to compare a setting's cost with the preset's in one run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from common import machine
from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.errors import UserError
from contentpose.models.pose_predictor import PosePredictor
from contentpose.models.video_predictor import VideoPredictor
from contentpose.objectives import build_objective
from contentpose.runtime import resolve_device, start_runtime
from contentpose.train.loop import build_training, train


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def rss_mib() -> float:
    """Resident memory of this process now, MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def matmul_gflops(device: torch.device, dtype: torch.dtype = torch.float32, n: int = 2048, reps: int = 10) -> float:
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    sync(device)
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e9


VARIANTS = {
    "fp32": ["train.precision=fp32"],
    "fp32+compile": ["train.precision=fp32", "train.compile=true"],
    "bf16": ["train.precision=bf16"],
}


def preset_config(spec: str, overrides: list[str]):
    """The config of PRESET or PRESET:key=value,key=value, with `overrides` after the spec's own."""
    name, _, sets = spec.partition(":")
    return load_config(name, [*(sets.split(",") if sets else []), *overrides])


def step_figures(preset: str, variant: str, device: torch.device, steps: int) -> dict:
    """The training step as `contentpose train` runs it (same runtime: layout, precision, compile)."""
    cfg = preset_config(preset, VARIANTS[variant] + [f"train.device={device}"])
    rt = start_runtime(cfg.train)
    objective, sampler = build_training(cfg, rt, quiet=True)
    for _ in range(3):  # warm-up (and compilation)
        objective.step(*sampler())
    batch = sampler()
    with FlopCounterMode(display=False) as counter:
        objective.step(*batch)
    flops = counter.get_total_flops()
    batches = [sampler() for _ in range(steps)]  # data drawn outside the timed loop
    sync(device)
    start = time.perf_counter()
    for b in batches:
        objective.step(*b)
    sync(device)
    seconds = (time.perf_counter() - start) / steps
    return {
        "batch": cfg.train.batch_size,
        "frame_size": cfg.data.frame_size,
        "width": cfg.model.width,
        "step_s": round(seconds, 4),
        "samples_per_s": round(cfg.train.batch_size / seconds, 1),
        "gflop_per_step": round(flops / 1e9, 2),
        "gflops": round(flops / seconds / 1e9, 2),
        "rss_mib": round(rss_mib(), 1),
    }


def profile_table(preset: str, device: torch.device, rows: int = 15) -> str:
    """torch.profiler's table of one training step of `preset` (fp32), busiest operators first."""
    from torch.profiler import ProfilerActivity, profile

    cfg = preset_config(preset, [f"train.device={device}", "train.precision=fp32"])
    objective, sampler = build_training(cfg, start_runtime(cfg.train), quiet=True)
    for _ in range(2):
        objective.step(*sampler())
    batch = sampler()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        objective.step(*batch)
        sync(device)
    key = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
    return prof.key_averages().table(sort_by=key, row_limit=rows)


def loop_samples_per_s(preset: str, device: torch.device, steps: int) -> float:
    """Samples per second of `contentpose train` itself over `steps` steps (data drawn on the hot
    path, logging, progress bar), as its metrics log reports them."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = preset_config(
            preset,
            [
                f"train.device={device}",
                "train.precision=fp32",
                f"train.steps={steps + 2}",
                "train.log_every=2",
                "train.checkpoint_every=1000000",
            ],
        )
        train(cfg, Path(tmp) / "run", quiet=True)
        rows = [json.loads(line) for line in (Path(tmp) / "run" / "metrics.jsonl").read_text().splitlines()]
    return round(sum(r["samples_per_s"] for r in rows[1:]) / len(rows[1:]), 1)  # first 2 steps: warm-up


def rollout_fps(device: torch.device, batch: int = 10, horizon: int = 500) -> float:
    cfg = load_config("quick")
    data = build_dataset(cfg.data, "test", device)
    model = build_objective(cfg, data.channels, device).model.eval()
    predictor = VideoPredictor(model, PosePredictor(cfg.model.pose_dim, cfg.model.content_dim).to(device).eval())
    past = data.test_clips(batch, 5).frames
    predictor(past, 10)
    sync(device)
    start = time.perf_counter()
    predictor(past, horizon)
    sync(device)
    return batch * horizon / (time.perf_counter() - start)


def soak(device: torch.device, steps: int) -> dict:
    """Resident memory after 10% and after all of `steps` quick training steps."""
    cfg = load_config("quick", [f"train.device={device}"])
    objective, sampler = build_training(cfg, start_runtime(cfg.train), quiet=True)
    marks = {}
    for i in range(1, steps + 1):
        objective.step(*sampler())
        if i in (steps // 10, steps):
            marks[i] = round(rss_mib(), 1)
    return {"steps": steps, "rss_mib": marks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["quick", "paper"])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--steps", type=int, default=10, help="timed steps per preset and variant")
    parser.add_argument("--soak", type=int, default=0, help="quick steps of the memory-growth check (0: skip)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", default="runs/bench/throughput.json")
    parser.add_argument("--profile", metavar="PRESET", help="only print torch.profiler's table of one step of PRESET")
    args = parser.parse_args()
    for spec in [*args.presets, *([args.profile] if args.profile else [])]:
        try:
            preset_config(spec, [])
        except UserError as err:  # a wrong preset or key: one line before any timing
            raise SystemExit(f"{spec}: {err}") from None
    device = resolve_device(args.device)
    if args.profile:
        print(profile_table(args.profile, device))
        return
    matmul = {"fp32": round(matmul_gflops(device), 2), "bf16": round(matmul_gflops(device, torch.bfloat16), 2)}
    results = {"machine": machine(), "device": str(device), "matmul_gflops": matmul, "presets": {}}
    print(
        f"machine: {results['machine']}; 2048^3 matmul: fp32 {matmul['fp32']:.1f} GFLOP/s, "
        f"bf16 {matmul['bf16']:.1f} GFLOP/s"
    )
    print(
        f"{'preset':8} {'variant':13} {'batch':>5} {'size':>4} {'step s':>8} {'samples/s':>10} {'GFLOP/step':>11} "
        f"{'GFLOP/s':>8} {'of matmul':>10} {'RSS MiB':>8}"
    )
    for preset in args.presets:
        results["presets"][preset] = {}
        for variant in args.variants:
            r = step_figures(preset, variant, device, args.steps)
            r["ratio_to_matmul"] = round(r["gflops"] / matmul["bf16" if variant == "bf16" else "fp32"], 3)
            results["presets"][preset][variant] = r
            print(
                f"{preset:8} {variant:13} {r['batch']:5} {r['frame_size']:4} {r['step_s']:8.3f} "
                f"{r['samples_per_s']:10.1f} {r['gflop_per_step']:11.2f} {r['gflops']:8.1f} "
                f"{r['ratio_to_matmul']:10.2f} {r['rss_mib']:8.0f}",
                flush=True,
            )
        loop = loop_samples_per_s(preset, device, args.steps)
        results["presets"][preset]["train_command_samples_per_s"] = loop
        print(f"{preset:8} contentpose train (fp32, data drawn on the hot path): {loop:.1f} samples/s", flush=True)
    results["rollout_frames_per_s"] = round(rollout_fps(device), 1)
    print(f"500-step rollout, batch 10, quick networks: {results['rollout_frames_per_s']:.0f} frames/s")
    if args.soak:
        results["soak"] = soak(device, args.soak)
        print(f"memory over {args.soak} quick steps: {results['soak']['rss_mib']} MiB")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
