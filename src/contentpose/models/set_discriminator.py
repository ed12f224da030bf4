"""Set GAN discriminator (Tuesca & Uzal, 2018): is a set of n frames n frames of one real clip?

A DCGAN discriminator whose input channels hold the n frames stacked: (B, n, C, H, W) is
read as (B, n*C, H, W). Because a fake set shares z_C and varies z_M, the only way G can
pass is to keep in z_C what stays fixed in a clip and put in z_M what changes.

`shared=True` (our departure) reads each frame with one shared DCGAN body instead and judges the
set from the mean and the spread (standard deviation over the frames) of the frames' features, so
whether the frames agree (one digit in all of them) is a feature D has at hand rather than
something its first convolutions must find across channels; the order of the frames does not
matter (a DeepSets-style set function, Zaheer et al. 2017).

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
    """Sets (B, n, C, H, W) -> logits (B,) (no sigmoid: use BCE with logits); the frames are
    stacked on the channel axis (the paper's)."""

    def __init__(
        self, channels: int, set_size: int, frame_size: int, width: int, norm: str = "spectral", shared: bool = False
    ):
        super().__init__()
        self.set_size, self.shared = set_size, shared
        top = channel_plan(frame_size, width)[-1]
        self.blocks = down_stack(channels * (1 if shared else set_size), frame_size, width, norm=norm == "batch")
        # stacked: 4x4 -> 1x1 over the stacked frames; shared: the frames' mean and spread, 4x4 each
        self.head = nn.Conv2d(top * (2 if shared else 1), 1, 4, 1, 0)
        self.apply(dcgan_init)
        if norm == "spectral":
            for module in list(self.modules()):
                if isinstance(module, nn.Conv2d):
                    spectral_norm(module)

    def forward(self, sets: torch.Tensor) -> torch.Tensor:
        B, n, C, H, W = sets.shape
        if n != self.set_size:
            raise ValueError(f"expected sets of {self.set_size} frames, got {n}")
        x = sets.reshape(B * n, C, H, W) if self.shared else sets.reshape(B, n * C, H, W)
        for block in self.blocks:
            x = block(x)
        if self.shared:  # (B * n, c, 4, 4) -> (B, 2c, 4, 4): the frames' mean and spread
            x = x.view(B, n, *x.shape[1:])
            x = torch.cat([x.mean(dim=1), (x.var(dim=1, unbiased=False) + 1e-8).sqrt()], dim=1)
        return self.head(x).flatten()
