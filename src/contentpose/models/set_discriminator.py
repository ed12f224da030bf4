"""Set GAN discriminator (Tuesca & Uzal, 2018): is a set of n frames n frames of one real clip?

A DCGAN discriminator whose input channels hold the n frames stacked: (B, n, C, H, W) is
read as (B, n*C, H, W). Because a fake set shares z_C and varies z_M, the only way G can
pass is to keep in z_C what stays fixed in a clip and put in z_M what changes.

`norm="batch"` is DCGAN's discriminator (the paper's). `norm="spectral"` (the default)
replaces its BatchNorm by spectral normalisation of every conv (Miyato et al., 2018): on
Moving Digits the BatchNorm discriminator wins within 100 steps (D(fake) ~ 0.001) and the
generator never recovers, while the spectral one lets it draw digits within 500 steps.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.utils.parametrizations import spectral_norm

from contentpose.models.blocks import channel_plan, dcgan_init, down_stack


class SetDiscriminator(nn.Module):
    """Sets (B, n, C, H, W) -> logits (B,) (no sigmoid: use BCE with logits).

    `read="stack"` (the paper's) stacks the frames on the channel axis. `read="embed"` runs one
    shared conv trunk on each frame and judges the concatenated frame embeddings with an MLP,
    so frames are compared by what they show, wherever it is in the frame.
    """

    def __init__(
        self,
        channels: int,
        set_size: int,
        frame_size: int,
        width: int,
        norm: str = "spectral",
        read: str = "stack",
        embed_dim: int = 128,
    ):
        super().__init__()
        self.set_size, self.read = set_size, read
        top = channel_plan(frame_size, width)[-1]
        if read == "stack":
            self.blocks = down_stack(channels * set_size, frame_size, width, norm=norm == "batch")
            self.head = nn.Conv2d(top, 1, 4, 1, 0)  # 4x4 -> 1x1
        else:
            self.blocks = down_stack(channels, frame_size, width, norm=norm == "batch")
            self.embed = nn.Conv2d(top, embed_dim, 4, 1, 0)  # (B*n, E, 1, 1)
            self.head = nn.Sequential(
                nn.LeakyReLU(0.2),
                nn.Linear(set_size * embed_dim, embed_dim),
                nn.LeakyReLU(0.2),
                nn.Linear(embed_dim, 1),
            )
        self.apply(dcgan_init)
        if norm == "spectral":
            for module in list(self.modules()):
                if isinstance(module, (nn.Conv2d, nn.Linear)):
                    spectral_norm(module)

    def forward(self, sets: torch.Tensor) -> torch.Tensor:
        B, n, C, H, W = sets.shape
        if n != self.set_size:
            raise ValueError(f"expected sets of {self.set_size} frames, got {n}")
        x = sets.reshape(B, n * C, H, W) if self.read == "stack" else sets.reshape(B * n, C, H, W)
        for block in self.blocks:
            x = block(x)
        if self.read == "stack":
            return self.head(x).flatten()
        return self.head(self.embed(x).view(B, -1)).flatten()  # (B, n*E) -> (B,)
