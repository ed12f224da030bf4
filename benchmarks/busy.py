"""Benchmark: a training step on a busy machine, for each thread count and for the project's default.

Situations: alone; beside one CPU-bound process (a Python loop) at normal priority; beside the same
loop niced; beside a second training (`quick`, at its own default threads). In each, a fresh
process builds `quick` (fp32, the batch of the preset) and times training steps with 1, 2, ...
threads and with the default (`train.threads=0`: the CPUs other busy work leaves free,
runtime/threads.py). The table gives the median step time and the default's ratio to the best
thread count of that situation (the target: at most 1.15).

    python benchmarks/busy.py [--steps 12] [--out docs/results/busy.json]

Time it with nothing else running: the situations bring their own load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import machine, write_json

HERE = Path(__file__).resolve().parent
STEP = """
import json, os, sys, time, torch
from contentpose.config import load_config
from contentpose.runtime import start_runtime
from contentpose.train.loop import build_training
threads, steps = int(sys.argv[1]), int(sys.argv[2])
cfg = load_config("quick", ["train.device=cpu", "train.precision=fp32", f"train.threads={threads}"])
rt = start_runtime(cfg.train)
objective, sampler = build_training(cfg, rt, quiet=True)
for _ in range(2):
    objective.step(*sampler())
times = []
for _ in range(steps):
    batch = sampler()
    start = time.perf_counter()
    objective.step(*batch)
    times.append(time.perf_counter() - start)
print(json.dumps({"threads": torch.get_num_threads(), "times": times}))
"""
LOOP = "while True: pass"
TRAINING = """
import torch
from contentpose.config import load_config
from contentpose.runtime import start_runtime
from contentpose.train.loop import build_training
cfg = load_config("quick", ["train.device=cpu", "train.precision=fp32"])
objective, sampler = build_training(cfg, start_runtime(cfg.train), quiet=True)
while True:
    objective.step(*sampler())
"""
SITUATIONS = {
    "alone": [],
    "beside a CPU-bound loop": [[sys.executable, "-c", LOOP]],
    "beside a niced CPU-bound loop": [["nice", "-n", "10", sys.executable, "-c", LOOP]],
    "beside a second training": [[sys.executable, "-c", TRAINING]],
}


def step_time(threads: int, steps: int) -> tuple[float, int]:
    """Median seconds of one training step in a fresh process with `threads` (0: the default), and
    the threads it used."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}  # the default decides
    out = subprocess.run(
        [sys.executable, "-c", STEP, str(threads), str(steps)], capture_output=True, text=True, env=env, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return statistics.median(result["times"]), result["threads"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--out", type=Path, default=None, help="JSON file for the table")
    args = parser.parse_args()
    cpus = len(os.sched_getaffinity(0))
    rows = {}
    for situation, commands in SITUATIONS.items():
        load = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in commands]
        try:
            time.sleep(8 if "training" in situation else 1)  # the second training is past its start
            row = {f"{n} thread(s)": step_time(n, args.steps)[0] for n in range(1, cpus + 1)}
            seconds, used = step_time(0, args.steps)
            best = min(row.values())
            row.update({"default": seconds, "default_threads": used, "default_over_best": seconds / best})
            rows[situation] = row
        finally:
            for p in load:
                p.kill()
                p.wait()
        cells = "  ".join(f"{k} {v:.3f} s" for k, v in row.items() if k.endswith("(s)"))
        print(
            f"{situation:32} {cells}  default ({used} thread(s)) {seconds:.3f} s = {row['default_over_best']:.2f}x best",
            flush=True,
        )
    worst = max(r["default_over_best"] for r in rows.values())
    print(f"worst default / best: {worst:.2f} (target 1.15)")
    write_json(
        args.out,
        {"machine": machine(), "cpus": cpus, "steps": args.steps, "situations": rows, "worst_default_over_best": worst},
    )


if __name__ == "__main__":
    main()
