"""DCGAN frame decoder: content (B, Dc) ++ pose (B, Dp) -> frame (B, C, H, W) in [0, 1]."""

from __future__ import annotations

import torch
import torch.nn as nn

from contentpose.models.blocks import Sigmoid32, channel_plan, dcgan_init, up, upsample


class Decoder(nn.Module):
    """A 4x4 transposed conv from the latent to 4x4 pixels, stride-2 blocks up, Sigmoid.

    With `skips=True` each scale concatenates the content encoder's feature map of the
    same size (the U-Net variant), so `forward` needs `skips` from `Encoder(skips=True)`. With
    `resize=True` each upsampling is nearest-neighbour then a 3x3 conv instead (blocks.upsample).
    """

    def __init__(
        self,
        content_dim: int,
        pose_dim: int,
        channels: int,
        frame_size: int,
        width: int,
        skips: bool = False,
        resize: bool = False,
    ):
        super().__init__()
        plan = channel_plan(frame_size, width)[::-1]  # coarse to fine, e.g. [512, 256, 128, 64]
        k = 2 if skips else 1  # skip features double each block's input
        self.stem = nn.Sequential(
            nn.ConvTranspose2d(content_dim + pose_dim, plan[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(plan[0]),
            nn.LeakyReLU(0.2, inplace=True),
        )
        self.blocks = nn.ModuleList(up(cin * k, cout, resize) for cin, cout in zip(plan[:-1], plan[1:]))
        self.out = nn.Sequential(upsample(plan[-1] * k, channels, resize, bias=True), Sigmoid32())
        self.skips = skips
        self.apply(dcgan_init)

    def forward(self, content: torch.Tensor, pose: torch.Tensor, skips: list[torch.Tensor] | None = None):
        """content (B, Dc), pose (B, Dp), skips finest-first as the encoder returns them."""
        if self.skips != (skips is not None):
            raise ValueError(f"this decoder was built with skips={self.skips}")
        x = self.stem(torch.cat([content, pose], dim=1)[:, :, None, None])  # (B, c, 4, 4)
        layers = list(self.blocks) + [self.out]
        for i, layer in enumerate(layers):
            if skips is not None:
                x = torch.cat([x, skips[-1 - i]], dim=1)
            x = layer(x)
        return x
