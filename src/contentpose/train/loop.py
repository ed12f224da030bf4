"""The training loop, one for every objective: progress bar, metrics log, checkpoints, resume.

`fit` runs any objective on any sampler (the contract: objectives/contract.py). `train` sets it up,
for every family's model and for the autoencoders' pose LSTM (stage POSE_LSTM; `train_predictor`
checks the overrides of `contentpose train-predictor` and calls it).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from contentpose.config import Config, TrainConfig, save_config, with_overrides
from contentpose.data import build_dataset
from contentpose.data.samplers import SequenceSampler
from contentpose.errors import UserError
from contentpose.files import check_run_path, write_atomic
from contentpose.models.pose_predictor import PosePredictor
from contentpose.objectives import build_objective
from contentpose.objectives.contract import Objective, Sampler
from contentpose.objectives.pose_prediction import PosePrediction
from contentpose.runtime import Runtime, launched_rank, start_runtime, stop_runtime
from contentpose.runtime.checkpoint import load_checkpoint, read_meta, save_checkpoint
from contentpose.runtime.lock import run_lock
from contentpose.runtime.progress import progress
from contentpose.runtime.signals import stop_requests
from contentpose.runtime.threads import choose_threads, usable_cpus
from contentpose.train.logging import TENSORBOARD, TrainingLog
from contentpose.trained import (
    CHECKPOINT,
    CONFIG,
    METRICS,
    PREDICTOR,
    PREDICTOR_METRICS,
    VIDEO_CACHE,
    load_run,
    read_metrics,
    read_run_config,
)


@dataclass
class Schedule:
    steps: int
    log_every: int
    checkpoint_every: int
    lr_decay: str = "none"  # cosine: every optimiser's learning rate falls to LR_FLOOR of its own

    def lr_factor(self, step: int) -> float:
        """The share of its initial learning rate an optimiser uses at `step` (0-based)."""
        if self.lr_decay == "none":
            return 1.0
        cosine = 0.5 * (1 + math.cos(math.pi * min(step / self.steps, 1.0)))
        return LR_FLOOR + (1 - LR_FLOOR) * cosine


LR_FLOOR = 0.1  # nanoGPT's min_lr = lr / 10
UNLOGGED = "unlogged/"  # checkpoint RNG-section prefix of the figures summed since the last logged row


@dataclass(frozen=True)
class Stage:
    """What one `train` call fits into a run folder, and the files it keeps there: the run's own
    model (every family), or the pose LSTM of a trained autoencoder (its encoders frozen)."""

    name: str  # the lock's and the progress bar's word for it
    checkpoint: str
    metrics: str
    what: str  # "RUN already holds ..."


MODEL = Stage("train", CHECKPOINT, METRICS, "a trained run")
POSE_LSTM = Stage("predictor", PREDICTOR, PREDICTOR_METRICS, "a trained predictor")


def train(cfg: Config, run: Path, resume: bool = False, quiet: bool = False, stage: Stage = MODEL) -> Path:
    """Train the model of `cfg` (an autoencoder or a generator; with stage=POSE_LSTM, the pose LSTM of
    the autoencoder already trained in `run`) into the folder `run`; with `resume`, continue from its
    checkpoint. Launched by torchrun, each process trains on its share of the global batch and only
    rank 0 writes (holding the folder's lock). Nothing is written before the checkpoint to resume
    from is accepted."""
    run = Path(run)
    check_run_path(run)
    _check_resume(run / stage.checkpoint, resume, stage.what)
    lock = run_lock(run) if stage is MODEL else run_lock(run, stage.name)
    with lock if launched_rank() == 0 else contextlib.nullcontext():
        t = cfg.train if stage is MODEL else replace(cfg.train, batch_size=cfg.predictor.batch_size)
        rt = start_runtime(t)
        try:
            _fit_stage(run, cfg, rt, resume, quiet, stage)
        finally:
            stop_runtime(rt)
    return run


def _fit_stage(run: Path, cfg: Config, rt: Runtime, resume: bool, quiet: bool, stage: Stage) -> None:
    """The training of `train`, in its own frame: the objective (and its DDP wrappers) is freed on
    return, before the process group is torn down (freeing a DDP reducer after its gloo group was
    destroyed can deadlock on the GIL)."""
    threads = read_meta(run / stage.checkpoint).get("threads") if resume else None
    if stage is MODEL:
        objective, sampler = build_training(cfg, rt, run.parent / VIDEO_CACHE, quiet, threads)
        t = cfg.train
        schedule, meta = Schedule(t.steps, t.log_every, t.checkpoint_every, t.lr_decay), {"config": cfg.to_dict()}
    else:
        objective, sampler, schedule, meta = _pose_lstm_training(run, cfg, rt, resume, threads)
    fit(
        objective,
        sampler,
        schedule,
        run / stage.checkpoint,
        run / stage.metrics,
        meta=meta,
        resume=resume,
        desc=f"{stage.name} {run.name}",
        quiet=quiet,
        tb_dir=run / TENSORBOARD / stage.name,
        rt=rt,
        on_start=lambda: save_config(cfg, run / CONFIG),
    )


def build_training(
    cfg: Config, rt: Runtime, cache_dir: Path | None = None, quiet: bool = False, resumed_threads: int | None = None
):
    """The objective of `cfg` with fresh networks (seeded by train.seed, alike on every rank) and
    this rank's sampler: its share of the global batch, from its own data seed. `resumed_threads`:
    the CPU threads of the checkpoint a resume continues (see `_seed`)."""
    _seed(cfg.train, resumed_threads)
    with rt.main_first():  # rank 0 fills the video cache, the others read it
        data = build_dataset(cfg.data, "train", rt.device, cache_dir=cache_dir, quiet=quiet or not rt.is_main)
    objective = build_objective(cfg, data.channels, rt)
    sampler = objective.sampler(
        data, cfg, cfg.train.batch_size // rt.world_size, seed=rank_seed(cfg.train.seed + 1, rt.rank)
    )
    return objective, sampler


def _pose_lstm_training(run: Path, cfg: Config, rt: Runtime, resume: bool, resumed_threads: int | None):
    """The pose LSTM's objective (the trained autoencoder's encoders frozen), its sampler of
    predictor.context + predictor.future frames, schedule and checkpoint meta."""
    p = cfg.predictor
    trained = load_run(run, str(rt.device))
    if resume and read_meta(run / PREDICTOR).get("autoencoder_step") != trained.step:
        raise UserError(
            f"{run / PREDICTOR} was trained on an earlier state of the autoencoder; "
            f"delete it and train the predictor again"
        )
    _seed(cfg.train, resumed_threads)
    predictor = rt.place(PosePredictor(cfg.model.pose_dim, cfg.model.content_dim, p.hidden, p.layers))
    objective = PosePrediction(trained.model, predictor, p, rt)
    with rt.main_first():
        data = trained.dataset("train")
    sampler = SequenceSampler(
        data, p.batch_size // rt.world_size, p.context + p.future, seed=rank_seed(cfg.train.seed + 2, rt.rank)
    )
    meta = {"config": cfg.to_dict(), "autoencoder_step": trained.step}
    return objective, sampler, Schedule(p.steps, p.log_every, p.checkpoint_every), meta


def train_predictor(run: Path, overrides: list[str] = (), resume: bool = False, quiet: bool = False) -> Path:
    """Train the pose predictor of an existing run (encoders frozen) into RUN/predictor.safetensors:
    `train` with stage POSE_LSTM and the run's config with `predictor.*` overrides."""
    run = Path(run)
    bad = [o for o in overrides if not o.startswith("predictor.")]
    if bad:
        raise UserError(f"train-predictor only takes predictor.* overrides (the autoencoder is fixed), got {bad[0]!r}")
    cfg = resume_config(run, overrides, PREDICTOR_RESUMABLE if resume else None)
    p = cfg.predictor
    if p.context < 1 or p.future < 1:
        raise UserError("predictor.context and predictor.future must both be at least 1")
    return train(cfg, run, resume, quiet, stage=POSE_LSTM)


def rank_seed(seed: int, rank: int) -> int:
    """The data seed of one process: rank 0 keeps `seed` (so one process draws what it always did)."""
    return seed + 7919 * rank


def fit(
    objective: Objective,
    sampler: Sampler,
    schedule: Schedule,
    checkpoint_path: Path,
    metrics_path: Path,
    meta: dict,
    resume: bool,
    desc: str,
    quiet: bool,
    tb_dir: Path | None = None,
    rt: Runtime | None = None,
    on_start: Callable[[], None] | None = None,
) -> None:
    """Run `objective.step(*sampler())` up to `schedule.steps`, logging (metrics file, and TensorBoard
    in `tb_dir`) and checkpointing as it goes. An objective with `preview(*batch)` also logs that
    image grid at each checkpoint.

    Across processes (`rt`), logged figures are averaged over ranks, and rank 0 alone writes;
    the checkpoint holds every rank's sampler state.

    A loss that turns NaN or infinite stops the run with a UserError before anything more is
    written, so the checkpoint on disk is the last one taken from finite losses. Ctrl-C or SIGTERM
    (one process) stops the run after the step in progress, with a checkpoint of the finished
    steps; every checkpoint also holds the sums not yet logged, so a resumed run logs and trains
    exactly as an uninterrupted one. `on_start`
    (rank 0; e.g. writing the run's config) runs once the checkpoint to resume from has loaded,
    so a refused resume leaves every file as it was.
    """
    rt = rt or Runtime(torch.device("cpu"))
    start, saved_step, partial = 0, None, (0, {})
    if resume:
        saved, rng = load_checkpoint(checkpoint_path, objective.modules, objective.optimizers)
        start = saved_step = saved["step"]
        if start > schedule.steps:
            raise UserError(
                f"{checkpoint_path} is at step {start}, past the {schedule.steps} steps asked for; "
                f"ask for more steps to continue it"
            )
        torch.set_rng_state(rng["torch"])
        partial = (
            saved.get("unlogged_steps", 0),
            {k[len(UNLOGGED) :]: v for k, v in rng.items() if k.startswith(UNLOGGED)},
        )
        _restore_sampler(sampler, rng, saved.get("world_size", 1), rt)
        if rt.is_main:
            _truncate_metrics(metrics_path, start)
    if rt.is_main and on_start:
        on_start()
    groups = [g for opt in objective.optimizers.values() for g in opt.param_groups]
    for g in groups:  # `initial_lr` (torch's own schedulers' key) is saved with the optimiser
        g.setdefault("initial_lr", g["lr"])

    def check_finite(step: int, weights: bool = False) -> None:
        """Losses (`sums`, already averaged over ranks) and, with `weights`, the weights (alike on every rank)."""
        bad = [k for k, v in sums.items() if not torch.isfinite(v)]
        if weights:
            bad += [
                f"{name} weights"
                for name, module in objective.modules.items()
                if not all(torch.isfinite(p).all() for p in module.parameters())
            ]
        if bad:
            kept = (
                f"the last good checkpoint (step {saved_step}) is kept in {checkpoint_path}"
                if saved_step is not None
                else "no checkpoint had been written yet"
            )
            raise UserError(
                f"training diverged by step {step}: {', '.join(bad)} became NaN or infinite; {kept}. "
                f"Try a lower train.lr"
            )

    def checkpoint(step: int, collective: bool = True) -> None:
        nonlocal saved_step, sums
        if collective:
            sums = {k: rt.mean(v) for k, v in sums.items()}  # so every rank agrees whether to stop
        check_finite(step, weights=True)
        states = rt.gather_states(sampler.state()) if collective else [sampler.state()]
        saved_step = step
        if rt.is_main:
            save_checkpoint(
                checkpoint_path,
                objective.modules,
                objective.optimizers,
                rng={
                    "torch": torch.get_rng_state(),
                    "sampler": states[0],
                    **{f"sampler_rank{r}": s for r, s in enumerate(states) if r},
                    **{UNLOGGED + k: torch.as_tensor(v) for k, v in sums.items()},
                },
                meta={
                    "objective": objective.name,
                    "step": step,
                    "world_size": rt.world_size,
                    "unlogged_steps": count,
                    "threads": torch.get_num_threads(),
                    **meta,
                },
            )

    bar = progress(
        range(start, schedule.steps),
        initial=start,
        total=schedule.steps,
        desc=desc,
        disable=quiet or not rt.is_main,
    )
    count, sums = partial  # steps since the last logged row, and their summed figures
    tick, step = time.perf_counter(), start
    log = TrainingLog(metrics_path, tb_dir, quiet, start) if rt.is_main else None
    try:
        with contextlib.closing(log) if log else contextlib.nullcontext(), stop_requests(rt.world_size == 1) as stop:
            for step in bar:
                if stop.reason:  # asked to stop: the finished steps are saved below
                    raise KeyboardInterrupt(stop.reason)
                for g in groups:
                    g["lr"] = g["initial_lr"] * schedule.lr_factor(step)
                batch = sampler()
                for key, value in objective.step(*batch).items():
                    sums[key] = sums.get(key, 0) + value
                count += 1
                done = step + 1
                if done % schedule.log_every == 0 or done == schedule.steps:
                    sums = {k: rt.mean(v) for k, v in sums.items()}
                    check_finite(done)
                    row = {k: round(float(v) / count, 6) for k, v in sums.items()}
                    elapsed = time.perf_counter() - tick
                    row.update(
                        step=done,
                        samples_per_s=round(count * len(batch[0]) * rt.world_size / elapsed, 1),
                        lr=objective.optimizers[next(iter(objective.optimizers))].param_groups[0]["lr"],
                    )
                    if log:
                        log.scalars(row)
                    shown = {k: f"{v:.4f}" for k, v in row.items() if k not in ("step", "samples_per_s", "lr")}
                    bar.set_postfix(shown, refresh=False)  # drawn with the next update, not now
                    sums, count, tick = {}, 0, time.perf_counter()
                if done % schedule.checkpoint_every == 0:
                    checkpoint(done)
                    if log and hasattr(objective, "preview"):
                        log.image("preview", objective.preview(*batch), done)
    except KeyboardInterrupt as err:
        bar.close()
        checkpoint(step, collective=False)  # the other processes may be gone already
        raise KeyboardInterrupt(
            f"{err or 'interrupted'} at step {step}; checkpoint saved in {checkpoint_path} "
            f"(run the same command with --resume to continue)"
        ) from None
    bar.close()
    checkpoint(max(schedule.steps, start))
    rt.barrier()  # no process tears its connections down while rank 0 still writes (gloo aborted then)


def _restore_sampler(sampler, rng: dict, saved_world: int, rt: Runtime) -> None:
    """Continue each rank's data where it stopped. With another number of processes (or from a
    checkpoint taken at an interrupt, which holds rank 0's data state only) every rank draws
    fresh data, seeded from the restored training RNG."""
    keys = ["sampler"] + [f"sampler_rank{r}" for r in range(1, rt.world_size)]
    if saved_world == rt.world_size and all(k in rng for k in keys):
        sampler.load_state(rng[keys[rt.rank]])
        return
    sampler.generator.manual_seed(rank_seed(int(torch.randint(0, 2**62, ())), rt.rank))
    if rt.is_main:  # said even with --quiet: the run no longer repeats exactly
        print(
            f"contentpose: the checkpoint holds the data state of {saved_world} process(es), this run has "
            f"{rt.world_size}; training continues on freshly drawn data",
            file=sys.stderr,
        )


def _seed(t: TrainConfig, resumed_threads: int | None = None) -> None:
    """Seed the global RNG and set torch's CPU threads: train.threads, else OMP_NUM_THREADS where
    the user set it, else (a resume) the threads the checkpoint was trained with, since another count
    changes the results in their last bits, else as many as the CPUs other busy work leaves free
    (runtime/threads.py)."""
    if not t.threads and "OMP_NUM_THREADS" not in os.environ and resumed_threads:
        torch.set_num_threads(resumed_threads)
    elif t.threads > 0 or "OMP_NUM_THREADS" not in os.environ:
        threads = choose_threads(t.threads)
        if threads < usable_cpus() and not t.threads and launched_rank() == 0:
            print(
                f"note: other work is busy on this machine's {usable_cpus()} CPUs; training with {threads} "
                f"thread(s) (set train.threads or --threads to choose)",
                file=sys.stderr,
            )
        torch.set_num_threads(threads)
    torch.manual_seed(t.seed)


RESUMABLE = ("train.steps", "train.log_every", "train.checkpoint_every", "train.device", "train.threads")
PREDICTOR_RESUMABLE = ("predictor.steps", "predictor.log_every", "predictor.checkpoint_every")


def resume_config(run: Path, overrides: list[str], changeable: tuple[str, ...] | None = RESUMABLE) -> Config:
    """The saved config of `run` (as `read_run_config` reads it: keys a later version removed are
    dropped), with `section.key=value` overrides applied. A resumed run continues as it was set up:
    only the keys in `changeable` (None: any) may change, so config.yaml never says one thing while
    the checkpoint trains another."""
    if changeable is not None:
        for item in overrides:
            if item.partition("=")[0] not in changeable:
                raise UserError(
                    f"--resume continues {run} as it was configured; it can change only {', '.join(changeable)}, "
                    f"not {item!r} (start a new run for other settings)"
                )
    return with_overrides(read_run_config(run).to_dict(), overrides)


def _check_resume(path: Path, resume: bool, what: str) -> None:
    if path.exists() and not resume:
        raise UserError(f"{path.parent} already holds {what}; pass --resume to continue it or choose another folder")
    if resume and not path.exists():
        raise UserError(f"cannot resume: no checkpoint {path}")


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop log rows past the checkpoint's step, which a resumed run will write again (and a torn
    last line, as a killed run leaves)."""
    if path.exists():
        rows = [json.dumps(row) for row in read_metrics(path) if row["step"] <= step]
        write_atomic(path, "".join(r + "\n" for r in rows))
