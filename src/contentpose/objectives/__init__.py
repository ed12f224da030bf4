"""Training objectives. Each owns its networks, optimisers and one `step`."""
from __future__ import annotations

import torch

from contentpose.config import Config
from contentpose.errors import UserError
from contentpose.models.autoencoder import ContentPoseAutoencoder
from contentpose.models.pair_critic import PairCritic
from contentpose.objectives.content_pose import ContentPoseObjective
from contentpose.objectives.drnet import DrNet
from contentpose.objectives.mipae import MIPAE

OBJECTIVES = {"drnet": DrNet, "mipae": MIPAE}


def build_objective(cfg: Config, channels: int, device: torch.device) -> ContentPoseObjective:
    """The objective named by `cfg.objective.name`, with freshly initialised networks on `device`."""
    if cfg.objective.name not in OBJECTIVES:
        raise UserError(f"unknown objective {cfg.objective.name!r}; choose one of {', '.join(OBJECTIVES)}")
    if cfg.train.batch_size < 2:
        raise UserError("train.batch_size must be at least 2 (the critic pairs different clips)")
    kind = OBJECTIVES[cfg.objective.name]
    hidden = cfg.model.disc_hidden if kind is DrNet else cfg.model.critic_hidden
    model = ContentPoseAutoencoder(cfg.model, channels, cfg.data.frame_size).to(device)
    critic = PairCritic(cfg.model.pose_dim, hidden).to(device)
    return kind(model, critic, cfg.objective, cfg.train)
