"""A run folder, and its trained networks loaded for inference (no critics, no optimisers).

RUN/config.yaml              resolved config (every key, after overrides)
RUN/metrics.jsonl            one JSON object per logged step
RUN/checkpoint.safetensors   latest checkpoint of the autoencoder or generator (see runtime/checkpoint.py)
RUN/predictor.safetensors    the pose predictor, once `contentpose train-predictor RUN` ran
RUN/predictor_metrics.jsonl  its metrics log
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml

from contentpose.config import Config, config_from_dict, drop_unknown_keys
from contentpose.data import build_dataset, data_channels
from contentpose.errors import UserError
from contentpose.families import FAMILIES, Family
from contentpose.models.autoencoder import ContentPoseAutoencoder
from contentpose.models.decoder import Decoder
from contentpose.models.dsvae import DSVAE
from contentpose.models.pose_forecaster import PoseForecaster
from contentpose.models.pose_generator import PoseGenerator
from contentpose.models.pose_predictor import PosePredictor
from contentpose.models.vgan import FrameEncoder, LayeredVideoGenerator, VideoGenerator, VideoParts
from contentpose.objectives import objective_class
from contentpose.objectives.setgan import generate, uniform_latents
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
    """A run folder's trained networks (eval mode), with its config, step and data. A subclass per
    family (named by its Family's `loaded`) has one field per network its objective's `networks`
    returns, under the same name."""

    path: Path
    config: Config
    step: int
    device: torch.device

    @property
    def family(self) -> Family:
        return self.config.family

    def dataset(self, split: str = "test"):
        return build_dataset(self.config.data, split, self.device, cache_dir=self.path.parent / VIDEO_CACHE, quiet=True)


@dataclass
class TrainedRun(Trained):
    """A trained content/pose autoencoder: model(x_content, x_pose)."""

    model: ContentPoseAutoencoder = None

    @torch.no_grad()
    def transfer(self, content: torch.Tensor, motion: torch.Tensor, relative: bool = False) -> torch.Tensor:
        """Content of each clip's first frame in `content` (B, T', C, H, W), drawn in the pose of
        every frame of `motion` (B, T, C, H, W): (B, T, C, H, W). The motion clip sets the length.
        With `relative`, the motion clip's motion from its first frame is applied to the content
        frame's own pose (FOMM's animation mode) instead of its poses themselves."""
        B, T = motion.shape[:2]
        c = self.model.content(content[:, 0])
        c_rep = c.map(lambda t: t.repeat_interleave(T, 0))
        poses = self.model.pose(motion.flatten(0, 1))
        if relative:
            start = poses.view(B, T, -1)[:, :1].expand(B, T, -1).reshape(B * T, -1)
            poses = self.model.relative_pose(self.model.pose(content[:, 0]).repeat_interleave(T, 0), poses, start)
        frames = self.model.decode(c_rep, poses)
        return frames.view(B, T, *frames.shape[1:]).float()


def read_metrics(path: Path) -> list[dict]:
    """The rows of a metrics log (METRICS, PREDICTOR_METRICS), each with its int `step`. A line that
    is not such a row (the torn last line of a killed run) is left out."""
    rows = []
    if not path.is_file():
        return rows
    for line in path.read_text(errors="replace").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("step"), int):
            rows.append(row)
    return rows


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
    return load_trained(run, device, "autoencoder")


@dataclass
class TrainedGenerator(Trained):
    """A trained Set GAN generator: frames = generator(z_C, z_M)."""

    generator: Decoder = None

    @torch.no_grad()
    def sample(self, n: int, frames: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n sets of `frames` frames, one z_C per set and a z_M per frame: (n, frames, C, H, W)."""
        m = self.config.model
        z_c, z_m = uniform_latents(n, frames, m.z_content, m.z_motion, generator)
        return generate(self.generator, z_c.to(self.device), z_m.to(self.device)).float()


def load_generator(run: str | Path, device: str = "auto") -> TrainedGenerator:
    """Open a Set GAN run folder and load its generator on `device`."""
    return load_trained(run, device, "set_gan")


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
    return load_trained(run, device, "dsvae")


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
    return load_trained(run, device, "pose_forecast")


@dataclass
class TrainedVideoGenerator(Trained):
    """A trained VGAN (vgan, vgan_cond): clips of `model.vgan_frames` frames from noise z ~ N(0, I),
    and for the conditional model from a first frame (its encoder's code ++ z)."""

    generator: VideoGenerator | LayeredVideoGenerator = None
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

    @torch.no_grad()
    def sample(self, n: int, frames: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The first `frames` frames of n clips from noise: (n, frames, C, H, W) (unconditional VGAN)."""
        length = self.config.model.vgan_frames
        if self.conditional:
            raise UserError("the conditional VGAN continues first frames: use contentpose predict --image, not sample")
        if frames > length:
            raise UserError(f"this VGAN generates clips of {length} frames; asked for {frames}")
        z = torch.randn(n, self.config.model.vgan_z, generator=generator).to(self.device)
        return self.generator(z).video[:, :frames].float()


def load_video_generator(run: str | Path, device: str = "auto") -> TrainedVideoGenerator:
    """Open a VGAN run folder and load its generator (and encoder, if conditional) on `device`."""
    return load_trained(run, device, "vgan")


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
    return load_trained(run, device, "pose_to_frame")


def run_family(run: str | Path) -> Family:
    """The family of the run in folder `run` (its Family: name, noun, parts)."""
    return read_run_config(Path(run)).family


def load_trained(run: str | Path, device: str = "auto", family: str | None = None) -> Trained:
    """Open a run folder and load its inference networks (eval mode, trained weights) on `device`, as
    its family's `Trained` subclass (TrainedRun, TrainedGenerator, ...). With `family`, a run of
    another family is refused (a command that needs an autoencoder, say)."""
    run = Path(run)
    cfg = read_run_config(run)
    if family is not None and cfg.family.name != family:
        wanted = FAMILIES[family]
        raise UserError(
            f"{run} holds a {cfg.objective.name} run ({cfg.family.noun}); this needs {wanted.noun} run "
            f"(objective {' or '.join(wanted.objectives)})"
        )
    meta = read_meta(run / CHECKPOINT)
    saved = {"model": dict(meta.get("config", {}).get("model") or {})}
    if cfg.family.upgrade is not None:  # as read_run_config does
        cfg.family.upgrade(saved)
    saved = saved["model"]
    known = {f.name for f in dataclasses.fields(cfg.family.model)}  # other keys: as read_run_config drops them
    if meta.get("objective") != cfg.objective.name or _model(cfg, saved, known) != cfg.model:
        raise UserError(f"checkpoint {run / CHECKPOINT} was written by a different model than {run / CONFIG} describes")
    dev = resolve_device(device)
    nets = objective_class(cfg.objective.name).networks(cfg, data_channels(cfg.data))
    load_checkpoint(run / CHECKPOINT, nets)
    _note_training(run, "model", meta["step"])
    nets = {name: net.to(dev).eval() for name, net in nets.items()}
    return cfg.family.part("loaded")(run, cfg, meta["step"], dev, **nets)


def _model(cfg: Config, saved: dict, known: set[str]):
    """The model config a checkpoint's meta describes, or None if it does not describe one of cfg's family."""
    try:
        return cfg.family.model(**{k: v for k, v in saved.items() if k in known})
    except (TypeError, UserError):
        return None


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
