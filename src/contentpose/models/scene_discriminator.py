"""DrNet's scene discriminator: are two pose vectors from the same clip?"""
from __future__ import annotations

import torch
import torch.nn as nn

from contentpose.models.blocks import dcgan_init


class SceneDiscriminator(nn.Module):
    """MLP (2P -> hidden -> hidden -> 1) on a pair of pose vectors (B, P), (B, P) -> logits (B,).

    Returns logits (the paper's sigmoid is folded into the BCE-with-logits loss).
    """

    def __init__(self, pose_dim: int, hidden: int = 100):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2 * pose_dim, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, 1),
        )
        self.apply(dcgan_init)

    def forward(self, pose_a: torch.Tensor, pose_b: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([pose_a, pose_b], dim=1)).squeeze(1)
