"""How much of what moves between two frames of a clip no keypoint is near: a loss that sends spare
points to moving things no point covers yet.

Reconstruction alone moves a point only within reach of its softmax: once every point sits on one
object, nothing pulls any of them to a second one (measured: two digits over photos, all ten points
on one digit from step 500; the other digit moves with the background). What moves shows where
points are needed. With the motion energy of the pair, pooled to the points' grid,

    m(u) = mean over channels |x^{t+k}(u) - x^t(u)|,

and the cover of the points of both frames (an object moves from where it was to where it goes),

    cover(u) = 1 - prod_k (1 - exp(-|u - p_k|^2 / 2 sigma^2)),

the loss is the share of motion left uncovered, sum_u m(u) (1 - cover(u)) / sum_u m(u). A point already
covered by another gains nothing from staying, so its gradient leads it to the nearest motion that no
point holds. Nothing in it knows the background or the objects: on a still pair it is 0/0, held at 0.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from contentpose.models.keypoints import pixel_centres, to_frame

SIGMA = 0.1  # each point's reach in frame widths: about a third of a digit (28 px of 64)


def motion_energy(x_t: torch.Tensor, x_tk: torch.Tensor, grid: int) -> torch.Tensor:
    """Two frames (B, C, H, W) -> mean absolute change per cell of a grid x grid layout (B, grid grid)."""
    change = (x_tk.float() - x_t.float()).abs().mean(dim=1, keepdim=True)  # (B, 1, H, W)
    return F.adaptive_avg_pool2d(change, grid).flatten(1)


def uncovered(points: torch.Tensor, grid: int, sigma: float = SIGMA) -> torch.Tensor:
    """Points (B, K, 2) in the frame's [-1, 1] -> 1 - cover at each cell of a grid x grid layout (B, grid grid)."""
    g = pixel_centres(grid, points.device)
    gx, gy = g.repeat(grid), g.repeat_interleave(grid)  # x, y of each cell, rows first
    d2 = (gx - points[..., :1]) ** 2 + (gy - points[..., 1:]) ** 2  # (B, K, G G); [-1, 1] spans 2 widths
    return (1 - torch.exp(-d2 / (2 * (2 * sigma) ** 2))).prod(dim=1)


def coverage_loss(
    x_t: torch.Tensor, x_tk: torch.Tensor, points_t: torch.Tensor, points_tk: torch.Tensor, grid: int
) -> torch.Tensor:
    """Frames (B, C, H, W) and their points (B, 2K), read on a `grid`-cell grid -> the share of the
    pair's motion energy that no point of either frame covers (a scalar in [0, 1])."""
    B = x_t.shape[0]
    points = torch.cat([to_frame(points_t, grid).view(B, -1, 2), to_frame(points_tk, grid).view(B, -1, 2)], dim=1)
    m = motion_energy(x_t, x_tk, grid)
    return (m * uncovered(points, grid)).sum() / m.sum().clamp(min=1e-6)
