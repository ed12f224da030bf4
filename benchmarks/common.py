"""What every benchmark prints first, the machine its figures come from; training a run once; and
opening a keypoint run with its content classifier."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch

from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.eval.judges.content_classifier import content_classifier
from contentpose.runtime.progress import progress
from contentpose.train.loop import RESUMABLE, train
from contentpose.trained import CHECKPOINT, METRICS, load_run, read_meta, read_run_config

POLL_S = 5  # how often a subprocess training's progress bar reads its log


def keypoint_digits_run(path: Path):
    """A run with keypoint pose on synthetic clips with content labels (Moving Digits) -> its model,
    val (held-out, for tuning) and train data and content classifier (trained now if the run has none); otherwise exits
    with one line."""
    try:
        run = load_run(path)
    except UserError as err:
        raise SystemExit(f"{path}: {err}") from None
    if run.config.model.pose_head != "keypoints":
        raise SystemExit(f"{path} does not have keypoint pose (a keypoint model.architecture)")
    test, train_data = run.dataset("val"), run.dataset("train")
    if not (hasattr(test, "content_groups") and hasattr(test, "positions")):
        raise SystemExit(f"{path} is not trained on synthetic clips with content labels (e.g. moving_digits)")
    return run.model, test, train_data, content_classifier(run.path, train_data)  # not under no_grad


def runs_and_json(doc: str, picture: bool = False) -> argparse.Namespace:
    """The command line of a benchmark that reads trained RUNs: `RUN [RUN ...] [--json FILE]` (and
    with `picture`, `[--picture PNG]`); prints the machine first and uses one thread, so figures
    compare across machines."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="also write the tables here")
    if picture:
        parser.add_argument("--picture", type=Path, help="the first run's picture, as a PNG")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"machine: {machine()}")
    return args


def write_json(path: Path | None, result: dict) -> None:
    """Write a benchmark's tables to `path` (its --json), creating the folder; None writes nothing."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2) + "\n")


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


def positive_int(text: str) -> int:
    """argparse type for counts such as --jobs: a whole number >= 1, or one clear line."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def checkpoint_step(run: Path) -> int | None:
    return read_meta(run / CHECKPOINT)["step"] if (run / CHECKPOINT).exists() else None


def logged_step(run: Path) -> int:
    """The last step RUN/metrics.jsonl names (0 before the first log line)."""
    lines = (run / METRICS).read_text().splitlines() if (run / METRICS).exists() else []
    for line in reversed(lines):
        try:
            return int(json.loads(line)["step"])
        except (ValueError, KeyError, TypeError):  # a line being written, or one without a step
            continue
    return 0


def _fixed_settings(cfg) -> dict:
    """A config as a dict without the keys a resume may change."""
    settings = cfg.to_dict()
    for key in RESUMABLE:
        section, name = key.split(".", 1)
        settings[section].pop(name, None)
    return settings


def train_subprocess(preset: str, extra: list[str], run: Path, steps: int) -> Path:
    """Train (or resume, or reuse) RUN to `steps` in its own process with one thread; returns RUN.

    The log goes to RUN.train.log and the training time (all sessions together) to RUN.timing.json,
    beside RUN (whose folder `train` owns). A run at `steps` is reused, one below is resumed (to
    `steps`: a longer budget continues it) when it was set up as asked."""
    step = checkpoint_step(run)
    if step is not None and step > steps:
        raise SystemExit(f"{run} is trained to step {step}, past the {steps} asked for: choose another --out")
    if step == steps:
        return run
    timing = run.parent / f"{run.name}.timing.json"
    extra = [*extra, f"train.steps={steps}", "train.threads=1"]
    if step is None:
        shutil.rmtree(run, ignore_errors=True)  # a run stopped before its first checkpoint
        timing.unlink(missing_ok=True)
        command = ["train", preset, *extra, "--out", str(run)]
    else:  # the saved config; only the keys a resume may change are passed again
        if _fixed_settings(load_config(preset, extra)) != _fixed_settings(read_run_config(run)):
            raise SystemExit(f"{run} was set up with other settings than these: choose another --out")
        command = ["train", *[o for o in extra if o.partition("=")[0] in RESUMABLE], "--out", str(run), "--resume"]
    run.mkdir(parents=True, exist_ok=True)
    spent = json.loads(timing.read_text())["seconds"] if timing.exists() else 0.0
    log_path = run.parent / f"{run.name}.train.log"
    print(f"training {run} to step {steps} (log: {log_path})", flush=True)
    start = time.perf_counter()
    try:
        with (
            log_path.open("a") as log,
            progress(total=steps, initial=step or 0, desc=f"{run.parent.name}/{run.name}", unit="step") as bar,
        ):
            done = subprocess.Popen(
                [sys.executable, "-m", "contentpose.cli", *command, "--quiet"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "OMP_NUM_THREADS": "1"},
            )
            try:
                while done.poll() is None:  # the quiet training logs its step: follow it
                    time.sleep(POLL_S)
                    bar.update(max(0, logged_step(run) - bar.n))
            except KeyboardInterrupt:
                done.wait()  # Ctrl-C reached the training too: it saves its checkpoint, then exits
                raise
            bar.update(max(0, logged_step(run) - bar.n))  # the last lines, written after the last poll
    finally:  # an interrupted run keeps the time it spent, for the resumed one to add to
        spent += time.perf_counter() - start
        timing.write_text(json.dumps({"seconds": round(spent, 1), "steps": checkpoint_step(run)}))
    if done.returncode != 0:
        lines = [line for line in log_path.read_text().splitlines() if line.strip()]
        raise SystemExit(
            f"training {run} failed: {lines[-1] if lines else f'exit {done.returncode}'} (log: {log_path})"
        )
    print(f"trained {run}: {steps} steps, {spent:.0f} s in all", flush=True)
    return run
