"""Training objectives. Each owns its networks, optimisers and one `step`."""
from __future__ import annotations

import torch

from contentpose.config import Config
from contentpose.errors import UserError
from contentpose.models.autoencoder import ContentPoseAutoencoder
from contentpose.models.scene_discriminator import SceneDiscriminator
from contentpose.objectives.drnet import DrNet

OBJECTIVES = ("drnet",)


def build_objective(cfg: Config, channels: int, device: torch.device) -> DrNet:
    """The objective named by `cfg.objective.name`, with freshly initialised networks on `device`."""
    if cfg.objective.name not in OBJECTIVES:
        raise UserError(f"unknown objective {cfg.objective.name!r}; choose one of {', '.join(OBJECTIVES)}")
    if cfg.train.batch_size < 2:
        raise UserError("train.batch_size must be at least 2 (the discriminator pairs different clips)")
    model = ContentPoseAutoencoder(cfg.model, channels, cfg.data.frame_size).to(device)
    disc = SceneDiscriminator(cfg.model.pose_dim, cfg.model.disc_hidden).to(device)
    return DrNet(model, disc, cfg.objective, cfg.train)
