"""Datasets and samplers.

Every dataset offers `channels` and five ways to draw frames (B, C, H, W) or clips (B, T, C, H, W):
`pairs`, `sequences` and `clip_frames` (training), `test_clips` and `test_frames` (evaluation, pictures: the
fixed clips of the split it was built for, val or test; see `splits`), so
training, prediction and pictures work on any of them. Synthetic data (`SyntheticClips`) can
also render any content in any pose (`render`) and knows its factors (`factor_values`), which
swap fidelity and the disentanglement metrics need. Sprites (`LpcSprites`) are real sequences with
labels (`attributes`, `motions`, `labelled`), which the Sprites judge and protocol need.
"""

from __future__ import annotations

from pathlib import Path

import torch

from contentpose.config import DataConfig
from contentpose.data.figures import Figures
from contentpose.data.lpc_sprites import LpcSprites
from contentpose.data.moving_digits import MovingDigits
from contentpose.data.moving_mnist_file import MovingMnistFile
from contentpose.data.moving_sprites import MovingSprites
from contentpose.data.splits import check_split
from contentpose.data.video_folder import VideoFolder
from contentpose.errors import UserError

DATASETS = {
    "moving_digits": MovingDigits,
    "moving_sprites": MovingSprites,
    "videos": VideoFolder,
    "moving_mnist": MovingMnistFile,
    "figures": Figures,
    "lpc_sprites": LpcSprites,
}


def data_channels(cfg: DataConfig) -> int:
    """Channels of the frames `cfg` describes, known without building the data (loading a run)."""
    return 3 if cfg.colour or cfg.name == "lpc_sprites" else 1


def build_dataset(
    cfg: DataConfig, split: str, device: torch.device | str = "cpu", cache_dir: Path | None = None, quiet: bool = False
):
    """The dataset named by `cfg.name` for one split ('train', 'val' or 'test', see `splits`); decoded
    videos are cached in `cache_dir`."""
    check_split(split)
    if cfg.background != "none" and cfg.name in ("videos", "moving_mnist", "lpc_sprites"):
        raise UserError(
            f"data.background={cfg.background} needs synthetic data (moving_digits, moving_sprites); "
            f"{cfg.name} brings its own frames"
        )
    if cfg.layout != "plain" and cfg.name != {"kth": "videos", "drnet": "moving_digits"}[cfg.layout]:
        raise UserError(
            f"data.layout={cfg.layout} is a layout of data={'videos' if cfg.layout == 'kth' else 'moving_digits'}, not of {cfg.name}"
        )
    if cfg.layout == "drnet" and cfg.background != "none":
        raise UserError("data.layout=drnet draws drnet-py's digits on black: leave data.background at none")
    if (cfg.clothing, cfg.motions) != ("plain", "six") and cfg.name != "figures":
        raise UserError(f"data.clothing and data.motions are options of data=figures, not of {cfg.name}")
    if cfg.name in ("videos", "lpc_sprites"):
        return DATASETS[cfg.name](cfg, split, device, cache_dir, quiet)
    return DATASETS[cfg.name](cfg, split, device)
