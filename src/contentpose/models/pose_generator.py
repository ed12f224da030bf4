"""Pose-to-frame networks (Everybody Dance Now; The Pose Knows' second stage).

PoseGenerator: a U-Net from (pose map, reference frame of the target, previous output) to a
frame. The pose map is a stick figure, one channel per bone (data.figures.bone_maps); the
reference frame carries the target's appearance (one model for every target, not one per
target as in EDN); the previous output gives EDN's temporal smoothing (zeros for a first frame).

PatchDiscriminator: a PatchGAN (pix2pix) on stacked images: (pose, frame) for the frame
discriminator, (pose_t, pose_t+1, frame_t, frame_t+1) for EDN's temporal one. It returns its
patch logits and the features of every block (for the feature-matching loss).
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.utils.parametrizations import spectral_norm

from contentpose.models.blocks import Sigmoid32, channel_plan, dcgan_init, down, up


class PoseGenerator(nn.Module):
    def __init__(self, channels: int, pose_channels: int, frame_size: int, width: int = 32):
        super().__init__()
        plan = channel_plan(frame_size, width)  # channels at H/2, H/4, ..., 4x4
        ins = [pose_channels + 2 * channels] + plan[:-1]
        self.downs = nn.ModuleList(down(cin, cout, norm=i > 0) for i, (cin, cout) in enumerate(zip(ins, plan)))
        # up from 4x4: each block doubles the size and takes the skip of its size after it
        self.ups = nn.ModuleList(
            up(plan[-1] if i == 0 else 2 * plan[-1 - i], plan[-2 - i]) for i in range(len(plan) - 1)
        )
        self.out = nn.Sequential(nn.ConvTranspose2d(2 * plan[0], channels, 4, 2, 1), Sigmoid32())
        self.apply(dcgan_init)

    def forward(self, pose: torch.Tensor, reference: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
        """pose (B, P, H, W), reference and previous frames (B, C, H, W) in [0, 1] -> frame (B, C, H, W)."""
        h = torch.cat([pose, reference, previous], dim=1)
        skips = []
        for block in self.downs:
            h = block(h)
            skips.append(h)
        for i, block in enumerate(self.ups):
            h = torch.cat([block(h), skips[-2 - i]], dim=1)
        return self.out(h)


class PatchDiscriminator(nn.Module):
    """Spectral-normalised conv blocks (stride 2) down to H/8, then one logit per patch."""

    def __init__(self, in_channels: int, width: int = 32, blocks: int = 3):
        super().__init__()
        chans = [in_channels] + [width * 2**i for i in range(blocks)]
        self.blocks = nn.ModuleList(
            nn.Sequential(spectral_norm(nn.Conv2d(a, b, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True))
            for a, b in zip(chans[:-1], chans[1:])
        )
        self.head = spectral_norm(nn.Conv2d(chans[-1], 1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """x (B, in_channels, H, W) -> patch logits (B, 1, H/8, W/8) and each block's features."""
        features = []
        for block in self.blocks:
            x = block(x)
            features.append(x)
        return self.head(x), features
