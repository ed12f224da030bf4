"""Datasets and samplers.

Every dataset offers the same small interface (see MovingDigits): `channels`, `num_objects`,
`num_classes`, `sample_factors`, `positions`, `render`, `clips`, `sample`, `test_set` and
`factor_values`, so training, prediction and every metric work on any of them.
"""
from __future__ import annotations

import torch

from contentpose.config import DataConfig
from contentpose.data.moving_digits import MovingDigits
from contentpose.data.moving_sprites import MovingSprites
from contentpose.errors import UserError

DATASETS = {"moving_digits": MovingDigits, "moving_sprites": MovingSprites}


def build_dataset(cfg: DataConfig, split: str, device: torch.device | str = "cpu") -> MovingDigits | MovingSprites:
    """The dataset named by `cfg.name` for one split ('train' or 'test')."""
    if cfg.name not in DATASETS:
        raise UserError(f"unknown dataset {cfg.name!r}; choose one of {', '.join(DATASETS)}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return DATASETS[cfg.name](cfg, split, device)
