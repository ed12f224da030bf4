"""DCGAN frame encoder: (B, C, H, W) -> latent (B, dim) in [-1, 1]."""

from __future__ import annotations

import torch
import torch.nn as nn

from contentpose.models.blocks import channel_plan, dcgan_init, down_stack


class Encoder(nn.Module):
    """Stride-2 conv blocks down to 4x4, then a 4x4 valid conv, BatchNorm and Tanh.

    With `skips=True` (the content encoder of the U-Net variant) `forward` also returns
    the feature map after each block, finest first: [(B, c0, H/2, W/2), ..., (B, c_last, 4, 4)].

    With `pool=True` the head is a 1x1 conv and a max over the 4x4 positions instead of the
    4x4 valid conv: the latent keeps each feature's strongest response wherever it fired, so
    it changes little when the object moves (not at all for moves by the encoder's stride,
    16 px at 64 px, away from the borders). Meant for content; not DrNet's head.

    `first_norm=True` puts BatchNorm in the first block too, as the published DrNet code does.
    """

    def __init__(
        self,
        channels: int,
        dim: int,
        frame_size: int,
        width: int,
        skips: bool = False,
        pool: bool = False,
        first_norm: bool = False,
    ):
        super().__init__()
        self.blocks = down_stack(channels, frame_size, width, first_norm=first_norm)
        top = channel_plan(frame_size, width)[-1]
        reduce = (
            [nn.Conv2d(top, dim, 1, bias=False), nn.AdaptiveMaxPool2d(1)]
            if pool
            else [nn.Conv2d(top, dim, 4, 1, 0, bias=False)]
        )
        self.head = nn.Sequential(*reduce, nn.BatchNorm2d(dim), nn.Tanh())
        self.skips = skips
        self.apply(dcgan_init)

    def stem(self, x: torch.Tensor, blocks: int) -> torch.Tensor:
        """x (B, C, H, W) -> the features after the first `blocks` blocks, (B, c, H / 2^blocks, W / 2^blocks)."""
        for block in self.blocks[:blocks]:
            x = block(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        for block in self.blocks:
            x = block(x)
            features.append(x)
        h = self.head(x).flatten(1)  # (B, dim)
        return (h, features) if self.skips else h
