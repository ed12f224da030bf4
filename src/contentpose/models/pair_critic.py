"""A critic on a pair of pose vectors: DrNet's scene discriminator (hidden 100) and MIPAE's
mutual-information critic (hidden 512) are the same MLP."""

from __future__ import annotations

import torch
import torch.nn as nn

from contentpose.models.blocks import dcgan_init


class PairCritic(nn.Module):
    """MLP (2P -> hidden -> hidden -> 1) on a pair of pose vectors (B, P), (B, P) -> logits (B,).

    No output non-linearity: DrNet's sigmoid is folded into BCE-with-logits, MIPAE's critic
    is unbounded.
    """

    def __init__(self, pose_dim: int, hidden: int = 100):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2 * pose_dim, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, 1),
        )
        self.apply(dcgan_init)

    def forward(self, pose_a: torch.Tensor, pose_b: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([pose_a, pose_b], dim=1)).squeeze(1)
