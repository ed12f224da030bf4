"""Benchmark: how close a training step comes to the machine's limit (issue 7's baseline).

For each preset: training samples per second, the step's FLOPs (forward + backward, counted
with torch.utils.flop_counter) and its achieved GFLOP/s, next to the GFLOP/s of a large fp32
matrix multiply on the same device measured in the same run, and their ratio. Also the
peak resident memory after the preset's steps, a 500-step rollout's frames per second
(untrained weights: speed does not depend on them), and, with --soak N, whether memory grows
over N quick steps.

    python benchmarks/throughput.py [--presets quick paper] [--steps 10] [--soak 1000]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from common import machine
from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.models.pose_predictor import PosePredictor
from contentpose.models.video_predictor import VideoPredictor
from contentpose.objectives import build_objective
from contentpose.train.runtime import resolve_device


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def rss_mib() -> float:
    """Resident memory of this process now, MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def matmul_gflops(device: torch.device, n: int = 2048, reps: int = 10) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    sync(device)
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    sync(device)
    return 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9


def step_figures(preset: str, device: torch.device, steps: int) -> dict:
    cfg = load_config(preset)
    data = build_dataset(cfg.data, "train", device)
    objective = build_objective(cfg, data.channels, device)
    sampler = objective.sampler(data, cfg, cfg.train.batch_size, seed=0)
    for _ in range(2):                                            # warm-up
        objective.step(*sampler())
    batch = sampler()
    with FlopCounterMode(display=False) as counter:
        objective.step(*batch)
    flops = counter.get_total_flops()
    batches = [sampler() for _ in range(steps)]                   # data drawn outside the timed loop
    sync(device)
    start = time.perf_counter()
    for b in batches:
        objective.step(*b)
    sync(device)
    seconds = (time.perf_counter() - start) / steps
    return {"batch": cfg.train.batch_size, "frame_size": cfg.data.frame_size, "width": cfg.model.width,
            "step_s": round(seconds, 4), "samples_per_s": round(cfg.train.batch_size / seconds, 1),
            "gflop_per_step": round(flops / 1e9, 2), "gflops": round(flops / seconds / 1e9, 2),
            "rss_mib": round(rss_mib(), 1)}


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
    cfg = load_config("quick")
    data = build_dataset(cfg.data, "train", device)
    objective = build_objective(cfg, data.channels, device)
    sampler = objective.sampler(data, cfg, cfg.train.batch_size, seed=0)
    marks = {}
    for i in range(1, steps + 1):
        objective.step(*sampler())
        if i in (steps // 10, steps):
            marks[i] = round(rss_mib(), 1)
    return {"steps": steps, "rss_mib": marks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["quick", "paper"])
    parser.add_argument("--steps", type=int, default=10, help="timed steps per preset")
    parser.add_argument("--soak", type=int, default=0, help="quick steps of the memory-growth check (0: skip)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", default="runs/bench/throughput.json")
    args = parser.parse_args()
    device = resolve_device(args.device)
    results = {"machine": machine(), "device": str(device), "matmul_gflops": round(matmul_gflops(device), 2),
               "presets": {}}
    print(f"machine: {results['machine']}; fp32 matmul 2048^3: {results['matmul_gflops']:.1f} GFLOP/s")
    print(f"{'preset':8} {'batch':>5} {'size':>4} {'step s':>8} {'samples/s':>10} {'GFLOP/step':>11} "
          f"{'GFLOP/s':>8} {'of matmul':>10} {'RSS MiB':>8}")
    for preset in args.presets:
        r = step_figures(preset, device, args.steps)
        r["ratio_to_matmul"] = round(r["gflops"] / results["matmul_gflops"], 3)
        results["presets"][preset] = r
        print(f"{preset:8} {r['batch']:5} {r['frame_size']:4} {r['step_s']:8.3f} {r['samples_per_s']:10.1f} "
              f"{r['gflop_per_step']:11.2f} {r['gflops']:8.1f} {r['ratio_to_matmul']:10.2f} {r['rss_mib']:8.0f}")
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
