"""Datasets and samplers.

Every dataset offers `channels` and five ways to draw frames (B, C, H, W) or clips (B, T, C, H, W):
`pairs`, `sequences` and `clip_frames` (training), `test_clips` and `test_frames` (evaluation, pictures), so
training, prediction and pictures work on any of them. Synthetic data (`SyntheticClips`) can
also render any content in any pose (`render`) and knows its factors (`factor_values`), which
swap fidelity and the disentanglement metrics need.
"""
from __future__ import annotations

from pathlib import Path

import torch

from contentpose.config import DataConfig
from contentpose.data.moving_digits import MovingDigits
from contentpose.data.moving_mnist_file import MovingMnistFile
from contentpose.data.moving_sprites import MovingSprites
from contentpose.data.video_folder import VideoFolder
from contentpose.errors import UserError

DATASETS = {"moving_digits": MovingDigits, "moving_sprites": MovingSprites, "videos": VideoFolder,
            "moving_mnist": MovingMnistFile}


def build_dataset(cfg: DataConfig, split: str, device: torch.device | str = "cpu", cache_dir: Path | None = None,
                  quiet: bool = False):
    """The dataset named by `cfg.name` for one split ('train' or 'test'); decoded videos are cached
    in `cache_dir`."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if cfg.name == "videos":
        return VideoFolder(cfg, split, device, cache_dir, quiet)
    return DATASETS[cfg.name](cfg, split, device)
