"""Encoders more than one architecture builds the same way."""

from __future__ import annotations

import torch.nn as nn

from contentpose.families.autoencoder import AutoencoderModel
from contentpose.models.encoder import Encoder
from contentpose.models.keypoints import KeypointEncoder
from contentpose.models.palette import PaletteEncoder


def content_encoder(cfg: AutoencoderModel, channels: int, frame_size: int, skips: bool = False) -> nn.Module:
    """x (B, C, H, W) -> content (B, Dc) (and, with `skips`, the feature maps): DCGAN's conv stack,
    or the palette encoder (model.content_encoder)."""
    if cfg.content_encoder == "palette":  # validated with the config: no skips
        return PaletteEncoder(channels, cfg.content_dim, cfg.width, cfg.palette_frequencies)
    return Encoder(
        channels,
        cfg.content_dim,
        frame_size,
        cfg.width,
        skips=skips,
        pool=cfg.content_pool,
        first_norm=cfg.first_block_norm,
    )


def keypoint_encoder(cfg: AutoencoderModel, channels: int, frame_size: int) -> KeypointEncoder:
    """x (B, C, H, W) -> pose_dim / 2 points (B, pose_dim)."""
    return KeypointEncoder(
        channels,
        cfg.pose_dim // 2,
        frame_size,
        cfg.width,
        cfg.first_block_norm,
        coords=cfg.keypoint_coords,
        separation=cfg.keypoint_separation,
    )
