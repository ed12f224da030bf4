"""Datasets and samplers."""
from __future__ import annotations

import torch

from contentpose.config import DataConfig
from contentpose.data.moving_digits import MovingDigits
from contentpose.errors import UserError

DATASETS = ("moving_digits",)


def build_dataset(cfg: DataConfig, split: str, device: torch.device | str = "cpu") -> MovingDigits:
    """The dataset named by `cfg.name` for one split ('train' or 'test')."""
    if cfg.name not in DATASETS:
        raise UserError(f"unknown dataset {cfg.name!r}; choose one of {', '.join(DATASETS)}")
    return MovingDigits(cfg, split, device)
