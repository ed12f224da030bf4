"""A frame drawn by moving another frame's features: the source frame's feature maps at three
scales, warped by a dense motion field and dimmed where the target shows what the source hides,
decoded back up as a U-Net (the generator of First Order Motion Model, with the multi-scale warped
skips of Thin-Plate Spline Motion Model, Zhao & Zhang, CVPR 2022).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from contentpose.models.blocks import Sigmoid32, conv, dcgan_init, down, up
from contentpose.models.dense_motion import DenseMotion, identity_grid


class WarpEncoder(nn.Module):
    """x (B, C, H, W) -> content vector (B, Dc) in [-1, 1] and feature maps [(B, w, H, W),
    (B, 2w, H/2, W/2), (B, 4w, H/4, W/4)]; the vector is the coarsest map averaged over positions."""

    def __init__(self, channels: int, dim: int, width: int):
        super().__init__()
        w = width
        self.levels = nn.ModuleList([conv(channels, w), down(w, 2 * w), down(2 * w, 4 * w)])
        self.vector = nn.Sequential(nn.Linear(4 * w, dim), nn.Tanh())
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        for level in self.levels:
            x = level(x)
            features.append(x)
        return self.vector(x.mean(dim=(2, 3))), features


def warp(x: torch.Tensor, flow: torch.Tensor, occlusion: torch.Tensor) -> torch.Tensor:
    """Features x (B, c, h, w) read at `flow` (B, S, S, 2) and dimmed by `occlusion` (B, 1, S, S),
    both resized to h x w (bilinear). The flow is resized as a displacement from the identity, so no
    motion reads every pixel at its own place at any size (resizing the sampling grid itself would
    pull the outer pixels inward: the coarse grid's outer centres lie inside the fine grid's)."""
    h, w = x.shape[-2:]
    if flow.shape[1:3] != (h, w):
        assert h == w and flow.shape[1] == flow.shape[2], "square frames and flows"
        moved = (flow - identity_grid(flow.shape[1], flow.device)).permute(0, 3, 1, 2)
        moved = F.interpolate(moved, size=(h, w), mode="bilinear", align_corners=False).permute(0, 2, 3, 1)
        flow = identity_grid(h, flow.device) + moved
    if occlusion.shape[-2:] != (h, w):
        occlusion = F.interpolate(occlusion, size=(h, w), mode="bilinear", align_corners=False)
    out = F.grid_sample(x.float(), flow, align_corners=False) * occlusion
    return out.to(x.dtype)


class WarpDecoder(nn.Module):
    """The source's features (as `WarpEncoder` gives them), its content vector (B, Dc) and the source
    and target poses (B, 6K) -> the frame in the target pose (B, C, H, W) in [0, 1].

    `DenseMotion` finds where each target pixel reads the source; the coarsest warped map, with the
    content vector copied to every cell, goes through two convs and up, meeting the finer warped
    maps on the way (so the output can be as sharp as the source).

    With `pixels`, the decoder also draws a mask m (B, 1, H, W), and the frame is m times the source's
    own pixels moved by the same motion plus (1 - m) times the drawn frame: exact pixels where the
    motion holds, drawn ones where the target shows what the source hides or the motion fails."""

    def __init__(
        self, channels: int, dim: int, points: int, frame_size: int, width: int, grid: int, pixels: bool = False
    ):
        super().__init__()
        w, self.grid, self.pixels = width, grid, pixels
        self.motion = DenseMotion(channels, points, frame_size, width)
        self.bottom = nn.Sequential(conv(4 * w + dim, 4 * w), conv(4 * w, 4 * w), up(4 * w, 2 * w))
        self.middle = nn.Sequential(conv(4 * w, 2 * w), up(2 * w, w))
        self.top = nn.Sequential(conv(2 * w, w), nn.Conv2d(w, channels + pixels, 3, 1, 1), Sigmoid32())
        for part in (self.bottom, self.middle, self.top):
            part.apply(dcgan_init)

    def forward(
        self,
        frame: torch.Tensor,
        features: list[torch.Tensor],
        vector: torch.Tensor,
        source: torch.Tensor,
        target: torch.Tensor,
    ) -> torch.Tensor:
        flow, occlusion = self.motion(frame, source, target, self.grid)
        fine, middle, coarse = (warp(f, flow, occlusion) for f in features)
        v = vector[:, :, None, None].expand(-1, -1, *coarse.shape[-2:]).to(coarse.dtype)
        x = self.bottom(torch.cat([coarse, v], dim=1))
        x = self.middle(torch.cat([x, middle], dim=1))
        out = self.top(torch.cat([x, fine], dim=1))
        if not self.pixels:
            return out
        drawn, mask = out[:, :-1], out[:, -1:]
        moved = warp(frame, flow, torch.ones_like(occlusion)).float()
        return mask * moved + (1 - mask) * drawn
