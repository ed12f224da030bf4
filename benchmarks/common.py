"""What every benchmark prints first, the machine its figures come from; and training a run once."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import torch

from contentpose.config import load_config
from contentpose.train.loop import train
from contentpose.trained import CHECKPOINT, read_meta


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{cpu}, {os.cpu_count()} cores{gpu}, torch {torch.__version__}, {torch.get_num_threads()} threads"


def train_once(preset: str, run: Path, overrides: list[str]) -> dict:
    """Train `run` unless it is finished; resume it if it was interrupted. Returns the timing."""
    cfg = load_config(preset, overrides)
    done = (run / CHECKPOINT).exists() and read_meta(run / CHECKPOINT).get("step") == cfg.train.steps
    if done:
        return {"steps": cfg.train.steps, "seconds": None, "note": "reused"}
    start = time.perf_counter()
    train(cfg, run, resume=(run / CHECKPOINT).exists(), quiet=True)
    return {"steps": cfg.train.steps, "seconds": round(time.perf_counter() - start, 1)}
