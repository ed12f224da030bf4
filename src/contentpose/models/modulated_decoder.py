"""A decoder where pose lays out the frame and content only restyles it: (B, Dc), (B, Dp) -> (B, C, H, W).

The DCGAN decoder (models/decoder.py) reads content ++ pose at its 4x4 stem, so either code can move
or reshape what is drawn. Here the pose alone makes the 4x4 map, and the content enters every block
as a per-channel scale and shift of its normalised features (FiLM, Perez et al. 2018; AdaIN-style as
in StyleGAN, Karras et al. 2019). A per-channel change is the same at every pixel, so content cannot
move anything by itself: where things are comes from the pose, what they look like from the content.
Used by the Set GAN (`model.generator=modulated`, our departure from the paper's DCGAN generator).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from contentpose.models.blocks import Sigmoid32, channel_plan, dcgan_init, upsample


class Modulated(nn.Module):
    """Normalise (B, C, H, W) per channel without learned affine, then scale and shift by the content."""

    def __init__(self, channels: int, content_dim: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.style = nn.Linear(content_dim, 2 * channels)

    def forward(self, x: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
        scale, shift = self.style(content)[:, :, None, None].chunk(2, dim=1)
        return self.norm(x) * (1 + scale) + shift


class ModulatedDecoder(nn.Module):
    """pose (B, Dp) -> 4x4 map; stride-2 transposed convs up, each followed by the content's FiLM
    and LeakyReLU; Sigmoid. The same channel plan as the DCGAN decoder; `resize=True` upsamples by
    nearest neighbour and a 3x3 conv instead (blocks.upsample)."""

    def __init__(
        self, content_dim: int, pose_dim: int, channels: int, frame_size: int, width: int, resize: bool = False
    ):
        super().__init__()
        plan = channel_plan(frame_size, width)[::-1]  # coarse to fine, e.g. [256, 128, 64]
        self.stem = nn.ConvTranspose2d(pose_dim, plan[0], 4, 1, 0, bias=False)
        self.convs = nn.ModuleList(upsample(a, b, resize) for a, b in zip(plan[:-1], plan[1:]))
        self.styles = nn.ModuleList(Modulated(c, content_dim) for c in plan)
        self.act = nn.LeakyReLU(0.2, inplace=True)
        self.out = nn.Sequential(upsample(plan[-1], channels, resize, bias=True), Sigmoid32())
        self.apply(dcgan_init)
        for style in self.styles:  # start as the identity: scale 1, shift 0
            nn.init.zeros_(style.style.weight)
            nn.init.zeros_(style.style.bias)

    def forward(self, content: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        """content (B, Dc), pose (B, Dp) -> frames (B, C, H, W) in [0, 1]."""
        x = self.act(self.styles[0](self.stem(pose[:, :, None, None]), content))  # (B, c, 4, 4)
        for conv, style in zip(self.convs, self.styles[1:]):
            x = self.act(style(conv(x), content))
        return self.out(x)
