"""A run folder, and its trained networks loaded for inference (no critics, no optimisers).

RUN/config.yaml              resolved config (every key, after overrides)
RUN/metrics.jsonl            one JSON object per logged step
RUN/checkpoint.safetensors   latest checkpoint of the autoencoder or generator (see runtime/checkpoint.py)
RUN/predictor.safetensors    the pose predictor, once `contentpose train-predictor RUN` ran
RUN/predictor_metrics.jsonl  its metrics log
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml

from contentpose.config import Config, config_from_dict, drop_unknown_keys
from contentpose.data import build_dataset, data_channels
from contentpose.errors import UserError
from contentpose.models.autoencoder import ContentPoseAutoencoder
from contentpose.models.decoder import Decoder
from contentpose.models.dsvae import DSVAE
from contentpose.models.pose_forecaster import PoseForecaster
from contentpose.models.pose_generator import PoseGenerator
from contentpose.models.pose_predictor import PosePredictor
from contentpose.models.vgan import FrameEncoder, VideoGenerator, VideoParts
from contentpose.objectives import OBJECTIVES
from contentpose.runtime import resolve_device
from contentpose.runtime.checkpoint import load_checkpoint, read_meta
from contentpose.runtime.lock import training_process

CONFIG = "config.yaml"
METRICS = "metrics.jsonl"
CHECKPOINT = "checkpoint.safetensors"
PREDICTOR = "predictor.safetensors"
PREDICTOR_METRICS = "predictor_metrics.jsonl"
VIDEO_CACHE = ".contentpose-cache"  # decoded videos, next to the run folders (shared by them)


@dataclass
class Trained:
    """A run folder's trained networks (eval mode), with its config, step and data."""

    path: Path
    config: Config
    step: int
    device: torch.device

    def dataset(self, split: str = "test"):
        return build_dataset(self.config.data, split, self.device, cache_dir=self.path.parent / VIDEO_CACHE, quiet=True)


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
        c_rep = c.map(lambda t: t.repeat_interleave(T, 0))
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
    data = raw.get("data") if isinstance(raw, dict) else None
    if isinstance(data, dict) and data.get("name", "moving_digits") == "moving_digits" and "digits" not in data:
        data["digits"] = "idx" if data.get("mnist_path") else "sklearn"  # runs made before data.digits existed
    if isinstance(data, dict) and data.get("name") == "videos" and "split" not in data:
        data["split"] = "video"  # video runs made before data.split existed: split by video
    if isinstance(raw, dict) and (dropped := drop_unknown_keys(raw)):  # options a later version removed
        print(
            f"note: {run / CONFIG} names settings this version does not know, ignored: {', '.join(dropped)}",
            file=sys.stderr,
        )
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


@dataclass
class TrainedSequenceVAE(Trained):
    """A trained DSVAE: a static code f per sequence and a dynamic code z_t per frame (posterior
    means are used wherever a sequence is encoded)."""

    model: DSVAE = None

    @torch.no_grad()
    def transfer(self, content: torch.Tensor, motion: torch.Tensor) -> torch.Tensor:
        """f of each sequence in `content` (B, T', C, H, W) and z_1:T of `motion` (B, T, C, H, W),
        decoded frame by frame: (B, T, C, H, W). The motion clip sets the length."""
        f, _ = self.model.encode(content)
        _, z = self.model.encode(motion)
        return self.model.decode(f, z).float()

    @torch.no_grad()
    def sample_static(self, motion: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """z_1:T of `motion` (B, T, C, H, W) held, f drawn from p(f) = N(0, I): (B, T, C, H, W)."""
        _, z = self.model.encode(motion)
        f = torch.randn(len(z), self.config.model.content_dim, generator=generator).to(z.device)
        return self.model.decode(f, z).float()

    @torch.no_grad()
    def sample_dynamic(
        self, content: torch.Tensor, length: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """f of `content` (B, T', C, H, W) held, z_1:length drawn from the LSTM prior: (B, length, C, H, W)."""
        f, _ = self.model.encode(content)
        return self.model.decode(f, self.model.sample_prior(len(f), length, generator)).float()


def load_sequence_vae(run: str | Path, device: str = "auto") -> TrainedSequenceVAE:
    """Open a DSVAE run folder and load its networks on `device`."""
    cfg, nets, step, dev = _load_networks(Path(run), device, "sequence_vae")
    return TrainedSequenceVAE(Path(run), cfg, step, dev, model=nets["model"])


@dataclass
class TrainedForecaster(Trained):
    """A trained pose forecaster (poseforecast): future keypoints from past ones."""

    forecaster: PoseForecaster = None

    @torch.no_grad()
    def forecast(
        self, past: torch.Tensor, horizon: int, samples: int = 1, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """past keypoints (B, C, K, 2) in pixels -> `samples` futures (B, samples, horizon, K, 2) in pixels."""
        size = self.config.data.frame_size
        return self.forecaster.sample(past / size, horizon, samples, generator) * size

    @torch.no_grad()
    def forecast_mean(self, past: torch.Tensor, horizon: int) -> torch.Tensor:
        """The future decoded with z = 0, the prior's mean: (B, horizon, K, 2) in pixels."""
        size = self.config.data.frame_size
        return self.forecaster(past / size, horizon).keypoints * size


def load_forecaster(run: str | Path, device: str = "auto") -> TrainedForecaster:
    """Open a pose forecasting run folder and load its forecaster on `device`."""
    cfg, nets, step, dev = _load_networks(Path(run), device, "pose_forecaster")
    return TrainedForecaster(Path(run), cfg, step, dev, forecaster=nets["forecaster"])


@dataclass
class TrainedVideoGenerator(Trained):
    """A trained VGAN (vgan, vgan_cond): clips of `model.vgan_frames` frames from noise z ~ N(0, I),
    and for the conditional model from a first frame (its encoder's code ++ z)."""

    generator: VideoGenerator = None
    encoder: FrameEncoder | None = None

    @property
    def conditional(self) -> bool:
        return self.encoder is not None

    @torch.no_grad()
    def generate(self, n: int, seed: int = 0, first: torch.Tensor | None = None) -> VideoParts:
        """n clips (VideoParts, fp32) from noise drawn from `seed`; the conditional model needs
        first frames (n, C, H, W)."""
        if self.conditional and (first is None or len(first) != n):
            raise ValueError("the conditional VGAN needs n first frames (n, C, H, W)")
        z = torch.randn(n, self.config.model.vgan_z, generator=torch.Generator().manual_seed(seed)).to(self.device)
        if self.conditional:
            z = torch.cat([self.encoder(first.to(self.device)), z], dim=1)
        parts = self.generator(z)
        return VideoParts(
            *(None if t is None else t.float() for t in (parts.video, parts.foreground, parts.mask, parts.background))
        )


def load_video_generator(run: str | Path, device: str = "auto") -> TrainedVideoGenerator:
    """Open a VGAN run folder and load its generator (and encoder, if conditional) on `device`."""
    cfg, nets, step, dev = _load_networks(Path(run), device, "video_generator")
    return TrainedVideoGenerator(Path(run), cfg, step, dev, generator=nets["generator"], encoder=nets.get("encoder"))


@dataclass
class TrainedPoseGenerator(Trained):
    """A trained pose-to-frame generator (posegen): frames from stick-figure maps and a reference frame."""

    generator: PoseGenerator = None

    @torch.no_grad()
    def render(self, poses: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        """Stick-figure maps (B, T, P, H, W) and the target's reference frame (B, C, H, W) -> frames
        (B, T, C, H, W), each generated from its pose and the previous generated frame (zeros first)."""
        previous, out = torch.zeros_like(reference), []
        for t in range(poses.shape[1]):
            previous = self.generator(poses[:, t], reference, previous).float()
            out.append(previous)
        return torch.stack(out, dim=1)


def load_pose_generator(run: str | Path, device: str = "auto") -> TrainedPoseGenerator:
    """Open a pose-to-frame run folder and load its generator on `device`."""
    cfg, nets, step, dev = _load_networks(Path(run), device, "pose_generator")
    return TrainedPoseGenerator(Path(run), cfg, step, dev, generator=nets["generator"])


def run_kind(run: str | Path) -> str:
    """What a run folder holds: 'autoencoder', 'generator', ... (the objective's `kind`)."""
    return OBJECTIVES[read_run_config(Path(run)).objective.name].kind


KIND_NAMES = {
    "autoencoder": "a content/pose autoencoder",
    "generator": "a Set GAN generator",
    "sequence_vae": "a sequence VAE",
    "video_generator": "a video generator",
    "pose_forecaster": "a pose forecaster",
    "pose_generator": "a pose-to-frame generator",
}


def is_generator_run(run: str | Path) -> bool:
    return run_kind(run) == "generator"


def _load_networks(run: Path, device: str, kind: str):
    """The run's config, its inference networks with trained weights (eval mode), the step and the device."""
    cfg = read_run_config(run)
    objective = OBJECTIVES[cfg.objective.name]
    if objective.kind != kind:
        names = ", ".join(n for n, o in OBJECTIVES.items() if o.kind == kind)
        raise UserError(
            f"{run} holds a {cfg.objective.name} run; this command needs {KIND_NAMES.get(kind, kind)} run ({names})"
        )
    meta = read_meta(run / CHECKPOINT)
    saved = {"model": meta.get("config", {}).get("model") or {}}
    drop_unknown_keys(saved)  # as read_run_config does, which names them
    saved = config_from_dict(saved).model
    if meta.get("objective") != cfg.objective.name or saved != cfg.model:
        raise UserError(f"checkpoint {run / CHECKPOINT} was written by a different model than {run / CONFIG} describes")
    dev = resolve_device(device)
    nets = objective.networks(cfg, data_channels(cfg.data))
    load_checkpoint(run / CHECKPOINT, nets)
    _note_training(run, "model", meta["step"])
    return cfg, {name: net.to(dev).eval() for name, net in nets.items()}, meta["step"], dev


def _note_training(run: Path, what: str, step) -> None:
    """Say on stderr when another process is still training `what` ("model" or "predictor") in `run`."""
    holder = training_process(run)
    if holder is not None and holder[1] == what and holder[0] != str(os.getpid()):  # not this process's own lock
        print(
            f"note: process {holder[0]} is still training the {what} in {run}; this reads its checkpoint at step {step}",
            file=sys.stderr,
        )


def load_predictor(run: TrainedRun) -> PosePredictor:
    """The run's trained pose predictor (eval mode), checked against the autoencoder it was trained on."""
    path = run.path / PREDICTOR
    if not path.exists():
        raise UserError(f"{run.path} has no pose predictor yet; train one with: contentpose train-predictor {run.path}")
    meta = read_meta(path)
    raw = meta.get("config", {})
    drop_unknown_keys(raw)  # as read_run_config does
    cfg = config_from_dict(raw)
    if meta.get("objective") != "pose_predictor" or cfg.model != run.config.model:
        raise UserError(f"{path} was not trained on this run's autoencoder")
    if meta.get("autoencoder_step") != run.step:
        raise UserError(
            f"{path} was trained on the autoencoder at step {meta.get('autoencoder_step')}, but the run's "
            f"autoencoder is now at step {run.step}; retrain it with: contentpose train-predictor {run.path}"
        )
    _note_training(run.path, "predictor", meta.get("step"))
    p = cfg.predictor
    predictor = PosePredictor(cfg.model.pose_dim, cfg.model.content_dim, p.hidden, p.layers).to(run.device)
    load_checkpoint(path, {"predictor": predictor})
    return predictor.eval()


def load_trained(run: str | Path, device: str = "auto") -> Trained:
    """Load whatever a run folder holds, chosen by its kind (`run_kind`): a TrainedRun, TrainedGenerator,
    TrainedSequenceVAE, ... A new kind of run adds its loader to `loaders`."""
    loaders = {
        "autoencoder": load_run,
        "generator": load_generator,
        "sequence_vae": load_sequence_vae,
        "pose_forecaster": load_forecaster,
        "pose_generator": load_pose_generator,
        "video_generator": load_video_generator,
    }
    kind = run_kind(run)
    if kind not in loaders:
        raise UserError(f"{run} holds a run of kind {kind!r}, which cannot be loaded for inference yet")
    return loaders[kind](run, device)
