"""The training loop: one for every objective. Progress bar, metrics log, checkpoints, resume."""
from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from tqdm import tqdm

from contentpose.config import Config, load_config, save_config
from contentpose.data import build_dataset
from contentpose.data.pairs import FramePairSampler
from contentpose.errors import UserError
from contentpose.objectives import build_objective
from contentpose.train.checkpoint import load_checkpoint, save_checkpoint
from contentpose.train.device import resolve_device
from contentpose.train.run import CHECKPOINT, CONFIG, METRICS, read_run_config


def train(cfg: Config, run: Path, resume: bool = False, quiet: bool = False) -> Path:
    """Train `cfg` into the folder `run`; with `resume`, continue from its checkpoint."""
    run = Path(run)
    if (run / CHECKPOINT).exists() and not resume:
        raise UserError(f"{run} already holds a trained run; pass --resume to continue it or --out for a new folder")
    if resume and not (run / CHECKPOINT).exists():
        raise UserError(f"cannot resume: no checkpoint in {run}")
    device = resolve_device(cfg.train.device)
    if cfg.train.threads > 0:
        torch.set_num_threads(cfg.train.threads)
    torch.manual_seed(cfg.train.seed)

    data = build_dataset(cfg.data, "train", device)
    objective = build_objective(cfg, data.channels, device)
    sampler = FramePairSampler(data, cfg.train.batch_size, cfg.data.max_offset, seed=cfg.train.seed + 1)
    run.mkdir(parents=True, exist_ok=True)
    save_config(cfg, run / CONFIG)

    start = 0
    if resume:
        meta, rng = load_checkpoint(run / CHECKPOINT, objective.modules, objective.optimizers)
        start = meta["step"]
        torch.set_rng_state(rng["torch"])
        sampler.load_state(rng["sampler"])
        _truncate_metrics(run / METRICS, start)

    def checkpoint(step: int) -> None:
        save_checkpoint(run / CHECKPOINT, objective.modules, objective.optimizers,
                        rng={"torch": torch.get_rng_state(), "sampler": sampler.state()},
                        meta={"objective": objective.name, "step": step, "config": cfg.to_dict()})

    bar = tqdm(range(start, cfg.train.steps), initial=start, total=cfg.train.steps, desc=f"train {run.name}",
               disable=quiet, dynamic_ncols=True)
    sums: dict[str, torch.Tensor] = {}
    count, tick, step = 0, time.perf_counter(), start
    try:
        with (run / METRICS).open("a") as log:
            for step in bar:
                for key, value in objective.step(*sampler()).items():
                    sums[key] = sums.get(key, 0) + value
                count += 1
                done = step + 1
                if done % cfg.train.log_every == 0 or done == cfg.train.steps:
                    row = {k: round(float(v) / count, 6) for k, v in sums.items()}
                    elapsed = time.perf_counter() - tick
                    row.update(step=done, samples_per_s=round(count * cfg.train.batch_size / elapsed, 1))
                    log.write(json.dumps(row) + "\n")
                    log.flush()
                    bar.set_postfix({k: f"{row[k]:.4f}" for k in ("rec", "sim", "adv", "disc_acc")})
                    sums, count, tick = {}, 0, time.perf_counter()
                if done % cfg.train.checkpoint_every == 0:
                    checkpoint(done)
    except KeyboardInterrupt:
        bar.close()
        checkpoint(step)
        raise KeyboardInterrupt(f"interrupted at step {step}; checkpoint saved in {run} "
                                f"(continue with: contentpose train --resume --out {run})") from None
    bar.close()
    checkpoint(cfg.train.steps if cfg.train.steps > start else start)
    return run


def resume_config(run: Path, overrides: list[str]) -> Config:
    """The saved config of `run`, with `section.key=value` overrides applied (e.g. more steps)."""
    read_run_config(run)  # checks the folder
    return load_config(run / CONFIG, overrides)


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop log rows past the checkpoint's step, which a resumed run will write again."""
    if path.exists():
        rows = [line for line in path.read_text().splitlines() if line and json.loads(line)["step"] <= step]
        path.write_text("".join(r + "\n" for r in rows))
