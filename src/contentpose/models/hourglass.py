"""An hourglass (U-Net) body for keypoint detection: every output cell has seen the whole frame, so
a point can tell alike objects apart by where they are relative to each other (First Order Motion
Model's keypoint detector is one)."""

from __future__ import annotations

import torch
import torch.nn as nn

from contentpose.models.blocks import channel_plan, dcgan_init, down, up


class Hourglass(nn.Module):
    """x (B, C, H, W) -> features (B, out, H/4, W/4): stride-2 blocks down to 4 x 4, then transposed
    convs back up to H/4, each joined by the encoder's map of its size."""

    def __init__(self, channels: int, frame_size: int, width: int, out: int):
        super().__init__()
        plan = channel_plan(frame_size, width)  # channels at H/2, H/4, ..., 4
        self.down = nn.ModuleList(
            down(cin, cout, norm=i > 0) for i, (cin, cout) in enumerate(zip([channels] + plan, plan))
        )
        ups, cin = [], plan[-1]
        for skip in reversed(plan[1:-1]):  # back up to H/4, joining the maps of H/8 ... H/4
            ups.append(up(cin, skip))
            cin = 2 * skip
        self.up = nn.ModuleList(ups)
        self.out = nn.Sequential(nn.Conv2d(cin, out, 3, 1, 1, bias=False), nn.BatchNorm2d(out), nn.LeakyReLU(0.2, True))
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[1:-1])):
            x = torch.cat([block(x), skip], dim=1)
        return self.out(x)
