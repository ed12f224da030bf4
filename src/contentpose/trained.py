"""A run folder, and its trained networks loaded for inference (no critics, no optimisers).

    RUN/config.yaml              resolved config (every key, after overrides)
    RUN/metrics.jsonl            one JSON object per logged step
    RUN/checkpoint.safetensors   latest checkpoint of the autoencoder or generator (see runtime/checkpoint.py)
    RUN/predictor.safetensors    the pose predictor, once `contentpose train-predictor RUN` ran
    RUN/predictor_metrics.jsonl  its metrics log
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import yaml

from contentpose.config import Config, config_from_dict
from contentpose.data import build_dataset
from contentpose.errors import UserError
from contentpose.models.autoencoder import ContentPoseAutoencoder
from contentpose.models.decoder import Decoder
from contentpose.models.pose_predictor import PosePredictor
from contentpose.objectives import OBJECTIVES
from contentpose.runtime.checkpoint import load_checkpoint, read_meta
from contentpose.runtime import resolve_device

CONFIG = "config.yaml"
METRICS = "metrics.jsonl"
CHECKPOINT = "checkpoint.safetensors"
PREDICTOR = "predictor.safetensors"
PREDICTOR_METRICS = "predictor_metrics.jsonl"
VIDEO_CACHE = ".contentpose-cache"   # decoded videos, next to the run folders (shared by them)


@dataclass
class Trained:
    """A run folder's trained networks (eval mode), with its config, step and data."""

    path: Path
    config: Config
    step: int
    device: torch.device

    def dataset(self, split: str = "test"):
        return build_dataset(self.config.data, split, self.device, cache_dir=self.path.parent / VIDEO_CACHE,
                             quiet=True)


@dataclass
class TrainedRun(Trained):
    """A trained content/pose autoencoder: model(x_content, x_pose)."""

    model: ContentPoseAutoencoder = None

    @torch.no_grad()
    def transfer(self, content: torch.Tensor, motion: torch.Tensor) -> torch.Tensor:
        """Content of each clip's first frame in `content` (B, T', C, H, W), drawn in the pose of
        every frame of `motion` (B, T, C, H, W): (B, T, C, H, W). The motion clip sets the length."""
        B, T = motion.shape[:2]
        c = self.model.content(content[:, 0])
        c_rep = type(c)(c.vector.repeat_interleave(T, 0),
                        None if c.skips is None else [s.repeat_interleave(T, 0) for s in c.skips])
        frames = self.model.decode(c_rep, self.model.pose(motion.flatten(0, 1)))
        return frames.view(B, T, *frames.shape[1:]).float()


def read_run_config(run: Path) -> Config:
    if not run.is_dir():
        raise UserError(f"run folder not found: {run}")
    if not (run / CONFIG).is_file():
        raise UserError(f"{run} is not a run folder (no {CONFIG})")
    try:
        raw = yaml.safe_load((run / CONFIG).read_text())
    except yaml.YAMLError:
        raise UserError(f"{run / CONFIG} is not valid YAML") from None
    return config_from_dict(raw)


def load_run(run: str | Path, device: str = "auto") -> TrainedRun:
    """Open a run folder and load its trained content/pose autoencoder on `device`."""
    cfg, nets, step, dev = _load_networks(Path(run), device, "autoencoder")
    return TrainedRun(Path(run), cfg, step, dev, model=nets["model"])


@dataclass
class TrainedGenerator(Trained):
    """A trained Set GAN generator: frames = generator(z_C, z_M)."""

    generator: Decoder = None


def load_generator(run: str | Path, device: str = "auto") -> TrainedGenerator:
    """Open a Set GAN run folder and load its generator on `device`."""
    cfg, nets, step, dev = _load_networks(Path(run), device, "generator")
    return TrainedGenerator(Path(run), cfg, step, dev, generator=nets["generator"])


def run_kind(run: str | Path) -> str:
    """What a run folder holds: 'autoencoder', 'generator', ... (the objective's `kind`)."""
    return OBJECTIVES[read_run_config(Path(run)).objective.name].kind


def is_generator_run(run: str | Path) -> bool:
    return run_kind(run) == "generator"


def _load_networks(run: Path, device: str, kind: str):
    """The run's config, its inference networks with trained weights (eval mode), the step and the device."""
    cfg = read_run_config(run)
    objective = OBJECTIVES[cfg.objective.name]
    if objective.kind != kind:
        names = ", ".join(n for n, o in OBJECTIVES.items() if o.kind == kind)
        raise UserError(f"{run} holds a {cfg.objective.name} run; this command needs a {kind} run ({names})")
    meta = read_meta(run / CHECKPOINT)
    saved = config_from_dict({"model": meta.get("config", {}).get("model") or {}}).model
    if meta.get("objective") != cfg.objective.name or saved != cfg.model:
        raise UserError(f"checkpoint {run / CHECKPOINT} was written by a different model than {run / CONFIG} describes")
    dev = resolve_device(device)
    nets = objective.networks(cfg, 3 if cfg.data.colour else 1)
    load_checkpoint(run / CHECKPOINT, nets)
    return cfg, {name: net.to(dev).eval() for name, net in nets.items()}, meta["step"], dev


def load_predictor(run: TrainedRun) -> PosePredictor:
    """The run's trained pose predictor (eval mode), checked against the autoencoder it was trained on."""
    path = run.path / PREDICTOR
    if not path.exists():
        raise UserError(f"{run.path} has no pose predictor yet; train one with: contentpose train-predictor {run.path}")
    meta = read_meta(path)
    cfg = config_from_dict(meta.get("config", {}))
    if meta.get("objective") != "pose_predictor" or cfg.model != run.config.model:
        raise UserError(f"{path} was not trained on this run's autoencoder")
    if meta.get("autoencoder_step") != run.step:
        raise UserError(f"{path} was trained on the autoencoder at step {meta.get('autoencoder_step')}, but the run's "
                        f"autoencoder is now at step {run.step}; retrain it with: contentpose train-predictor {run.path}")
    p = cfg.predictor
    predictor = PosePredictor(cfg.model.pose_dim, cfg.model.content_dim, p.hidden, p.layers).to(run.device)
    load_checkpoint(path, {"predictor": predictor})
    return predictor.eval()
