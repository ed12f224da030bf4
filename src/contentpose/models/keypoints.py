"""Pose as keypoints: a pose encoder that ends in a spatial softmax, and a decoder that draws the
content around those keypoints.

After Jakab, Gupta, Bilen & Vedaldi, "Unsupervised Learning of Object Landmarks through
Conditional Image Generation" (NeurIPS 2018): the pose of a frame is K points, the expected
positions of K feature maps (a softmax over positions); the decoder sees each point as maps
over a coarse grid (a Gaussian bump and the offsets to the point) beside the content vector
copied to every cell, so its convolutions draw the same content wherever the points are. The
pose stays a vector (B, 2K) in [-1, 1], so DrNet's scene discriminator, MIPAE's critic and the
pose LSTM take it unchanged.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from contentpose.models.blocks import Sigmoid32, channel_plan, dcgan_init, down, up
from contentpose.models.hourglass import Hourglass


def _grid(size: int, device, dtype) -> torch.Tensor:
    """Cell centres of a size x size grid in [-1, 1]: (size,)."""
    return torch.linspace(-1, 1, size, device=device, dtype=dtype)


def pixel_centres(size: int, device=None) -> torch.Tensor:
    """Centres of `size` pixels in [-1, 1] between the image's edges (grid_sample's convention): (size,)."""
    return (torch.arange(size, device=device, dtype=torch.float32) * 2 + 1) / size - 1


def to_frame(points: torch.Tensor, grid: int) -> torch.Tensor:
    """Points read on a `grid`-cell grid (in [-1, 1] between its first and last cell centres) -> the
    same points in [-1, 1] between the frame's edges; `points * grid / (grid - 1)` undoes it."""
    return points.float() * (grid - 1) / grid


def spatial_softargmax(logits: torch.Tensor, separation: float = 0.0) -> torch.Tensor:
    """Expected (x, y) of a softmax over positions: logits (B, K, G, G) -> points (B, 2K) in
    [-1, 1], ordered x_1, y_1, x_2, y_2, ...

    With `separation` > 0 the points are read in turn, and point k's probabilities are scaled
    by 1 - exp(-d^2 / 2 separation^2) at distance d (in frame widths) from each earlier point
    (held fixed): a point cannot settle on an object an earlier point holds, so alike objects
    (two digits) get one point each rather than two points each, or one between them.
    """
    B, K, G, _ = logits.shape
    g = _grid(G, logits.device, torch.float32)
    gx, gy = g.repeat(G), g.repeat_interleave(G)  # x, y of each cell, rows first
    logits = logits.float().flatten(2)  # (B, K, G G)
    if not separation:
        p = logits.softmax(-1)
        return torch.stack([(p * gx).sum(-1), (p * gy).sum(-1)], dim=2).flatten(1)
    points, damp = [], torch.zeros_like(logits[:, 0])
    for k in range(K):
        p = (logits[:, k] + damp).softmax(-1)  # (B, G G)
        x, y = (p * gx).sum(-1), (p * gy).sum(-1)
        points.append(torch.stack([x, y], dim=1))
        d2 = ((gx - x.detach()[:, None]) ** 2 + (gy - y.detach()[:, None]) ** 2) / 4  # [-1, 1] spans ~2 widths
        damp = damp + torch.log1p(-torch.exp(-d2 / (2 * separation**2)).clamp(max=1 - 1e-6))
    return torch.stack(points, dim=1).flatten(1)


def keypoint_maps(points: torch.Tensor, size: int, sigma: float = 0.1) -> torch.Tensor:
    """points (B, 2K) in [-1, 1] -> maps (B, 3K, G, G): per point a Gaussian bump of width
    `sigma` (in the [-1, 1] frame) and the x and y offsets of each cell from the point."""
    B = points.shape[0]
    xy = points.float().view(B, -1, 2)
    g = _grid(size, points.device, torch.float32)
    dx = g[None, None, None, :] - xy[:, :, 0, None, None]  # (B, K, 1, G)
    dy = g[None, None, :, None] - xy[:, :, 1, None, None]  # (B, K, G, 1)
    dx, dy = dx.expand(-1, -1, size, -1), dy.expand(-1, -1, -1, size)
    bump = torch.exp(-(dx**2 + dy**2) / (2 * sigma**2))
    return torch.cat([bump, dx, dy], dim=1)


def translate(x: torch.Tensor, source: torch.Tensor, target: torch.Tensor, grid: int) -> torch.Tensor:
    """x (B, c, S, S) and points (B, 2K) read on a grid of `grid` cells -> (B, K, c, S, S): K copies
    of x, each moved by one point's displacement from `source` to `target` (bilinear, zeros enter).

    Points are in [-1, 1] between the first and last cell centres of their grid, so a move of d is
    d (grid - 1) / grid in the [-1, 1] span of x's edges, whatever x's size S: x may be the frame.
    """
    B, K = source.shape[0], source.shape[1] // 2
    c, S = x.shape[-3], x.shape[-1]
    shift = to_frame(target - source, grid).view(B * K, 1, 1, 2)  # (x, y)
    g = pixel_centres(S, x.device)  # cell centres of x
    base = torch.stack(torch.meshgrid(g, g, indexing="xy"), dim=-1)  # (S, S, 2): x, y of each cell
    f = x.float().repeat_interleave(K, 0)  # (B K, c, S, S)
    moved = nn.functional.grid_sample(f, base - shift, align_corners=False)  # read where the point came from
    return moved.view(B, K, c, S, S)


class KeypointEncoder(nn.Module):
    """x (B, C, H, W) -> K points (B, 2K) in [-1, 1], read on a grid of H/4 cells.

    With `coords=True` the layer that scores the cells also sees each cell's x and y, so a point
    can prefer one side: without it, a feature map that fires on two alike objects (two digits)
    puts its point between them. With `separation` > 0 each point avoids the earlier points
    (`spatial_softargmax`). With `hourglass` the cells are scored by a U-Net that has seen the whole
    frame (`hourglass.py`), not by two conv blocks that see ~20 px. A `temperature` below 1 divides the
    scores (FOMM's detector: 0.1) and keeps the score layer's default init, so the points start spread
    over the frame rather than all at its centre, where they receive alike gradients and stay
    together (measured: 10 points within 0.01 of the centre at init, all on one spot after 1500
    steps; with 0.1, 0.3 apart at init). With `affine` each point also gets a 2 x 2 Jacobian (its maps weighed by
    the point's softmax), the pose then (B, 6K): points first, Jacobians after (`dense_motion`).
    """

    def __init__(
        self,
        channels: int,
        points: int,
        frame_size: int,
        width: int,
        first_norm: bool = False,
        coords: bool = False,
        separation: float = 0.0,
        affine: bool = False,
        hourglass: bool = False,
        temperature: float = 1.0,
    ):
        super().__init__()
        c1, c2 = channel_plan(frame_size, width)[:2]
        self.body = (
            Hourglass(channels, frame_size, width, c2)
            if hourglass
            else nn.Sequential(
                down(channels, c1, norm=first_norm),
                down(c1, c2),
                nn.Conv2d(c2, c2, 3, 1, 1, bias=False),
                nn.BatchNorm2d(c2),
                nn.LeakyReLU(0.2, inplace=True),
            )
        )
        self.coords, self.separation, self.grid, self.points = coords, separation, frame_size // 4, points
        self.score = nn.Conv2d(c2 + 2 * coords, points, 1, bias=False)  # a bias moves every cell alike: no use
        self.apply(dcgan_init)
        self.temperature = temperature
        if temperature != 1:  # PyTorch's default init, ~5x DCGAN's: over the temperature, points start spread
            self.score.reset_parameters()
        if affine:  # each point's Jacobian, read where its softmax looks; starts at the identity (FOMM's)
            self.jacobian = nn.Conv2d(c2 + 2 * coords, 4 * points, 3, 1, 1)
            nn.init.zeros_(self.jacobian.weight)
            self.jacobian.bias.data.copy_(torch.tensor([1.0, 0.0, 0.0, 1.0]).repeat(points))
        self.affine = affine

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)  # (B, c2, G, G)
        if self.coords:
            B, _, G, _ = h.shape
            g = _grid(G, h.device, h.dtype)
            xy = torch.stack(torch.meshgrid(g, g, indexing="xy"))  # (2, G, G): x, y of each cell
            h = torch.cat([h, xy.expand(B, -1, -1, -1)], dim=1)
        logits = self.score(h) / self.temperature
        points = spatial_softargmax(logits, self.separation)
        if not self.affine:
            return points
        p = logits.float().flatten(2).softmax(-1)  # (B, K, G G); affine: validated without separation
        jac = self.jacobian(h).float().flatten(2).view(len(h), -1, 4, p.shape[-1])  # (B, K, 4, G G)
        return torch.cat([points, (jac * p[:, :, None]).sum(-1).flatten(1)], dim=1)  # (B, 6K)


class KeypointDecoder(nn.Module):
    """content (B, Dc) and points (B, 2K) -> frame (B, C, H, W) in [0, 1].

    On a grid of H/4 cells: the content projected and copied to every cell, beside the points'
    maps; three 3x3 convs there, then two stride-2 transposed convs up to the frame.

    With `warp=True` the decoder also takes the content frame's encoder features at that grid:
    K copies, each moved by one point's displacement from the content frame to the target pose,
    and one copy unmoved (what stays, e.g. the background), join the input (Monkey-Net's idea,
    Siarohin et al., CVPR 2019, with translations only); `moved` moves them.
    """

    def __init__(
        self,
        content_dim: int,
        points: int,
        channels: int,
        frame_size: int,
        width: int,
        warp: bool = False,
    ):
        super().__init__()
        c1, c2 = channel_plan(frame_size, width)[:2]
        hidden = 2 * c2
        self.grid, self.points, self.skips = frame_size // 4, points, warp
        self.content = nn.Linear(content_dim, hidden)
        convs = []
        for cin in (hidden + 3 * points + (points + 1) * c2 * warp, hidden, hidden):
            convs += [nn.Conv2d(cin, hidden, 3, 1, 1, bias=False), nn.BatchNorm2d(hidden), nn.LeakyReLU(0.2, True)]
        self.body = nn.Sequential(*convs, up(hidden, c1))
        self.out = nn.Sequential(nn.ConvTranspose2d(c1, channels, 4, 2, 1), Sigmoid32())
        self.apply(dcgan_init)

    def forward(self, content: torch.Tensor, pose: torch.Tensor, moved: torch.Tensor | None = None) -> torch.Tensor:
        """content (B, Dc), pose (B, 2K); with warp, the content frame's features moved to the pose
        and unmoved, (B, (K + 1) c, G, G) as `moved` returns them."""
        if self.skips != (moved is not None):
            raise ValueError(f"this decoder was built with warp={self.skips}: it needs moved features iff warp")
        G = self.grid
        c = self.content(content)[:, :, None, None].expand(-1, -1, G, G)  # (B, hidden, G, G)
        parts = [c, keypoint_maps(pose, G).to(c.dtype)]  # maps (B, 3K, G, G)
        if self.skips:
            parts.append(moved.to(c.dtype))
        return self.out(self.body(torch.cat(parts, dim=1)))

    def moved(self, features: torch.Tensor, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """features (B, c, G, G) at points `source` (B, 2K) -> (B, (K + 1) c, G, G): one copy
        shifted by each point's move to `target` (B, 2K), then the features as they are."""
        return torch.cat([translate(features, source, target, self.grid).flatten(1, 2), features.float()], dim=1)
