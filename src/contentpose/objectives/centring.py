"""A pull of each keypoint toward the ink around it: one step of mean shift, for objects on black.

Nothing in the reconstruction says where on an object its point should sit: any fixed offset
serves, as long as the object's window holds it. A point 10 px off a digit's centre cuts the
digit with its window and takes in more of the other digit (measured: one seed in three settled
there). The centre of the ink near a point,

    c_k = sum_u ink(u) w_k(u) u / sum_u ink(u) w_k(u),   w_k(u) = exp(-|u - p_k|^2 / 2 sigma^2),

held fixed, is one mean-shift step from p_k toward the nearest mass of ink; the loss
|p_k - c_k|^2 moves the point encoder so that its points sit where that step stops: at objects'
centres. ink(u) is the brightest channel of pixel u (objects on black).
"""

from __future__ import annotations

import torch

from contentpose.models.keypoints import pixel_centres, to_frame

SIGMA = 0.1  # the Gaussian's width in frame widths: about a third of a digit (28 px of 64)


@torch.no_grad()
def ink_centres(frames: torch.Tensor, points: torch.Tensor, grid: int, sigma: float = SIGMA) -> torch.Tensor:
    """frames (B, C, H, W) and their points (B, 2K) read on a `grid`-cell grid -> (B, 2K): each
    point moved to the ink-weighted mean of the pixels around it (a point with no ink near stays)."""
    B, _, H, W = frames.shape
    ink = frames.float().amax(dim=1).flatten(1)  # (B, H W)
    gx = pixel_centres(W, frames.device).repeat(H)  # x, y of each pixel, rows first
    gy = pixel_centres(H, frames.device).repeat_interleave(W)
    xy = to_frame(points, grid).view(B, -1, 2)  # (B, K, 2) in the frame's [-1, 1]
    d2 = (gx - xy[..., :1]) ** 2 + (gy - xy[..., 1:]) ** 2  # (B, K, H W); [-1, 1] spans 2 widths
    w = ink[:, None] * torch.exp(-d2 / (2 * (2 * sigma) ** 2))
    mass = w.sum(-1, keepdim=True)
    centre = torch.stack([(w * gx).sum(-1), (w * gy).sum(-1)], dim=-1) / mass.clamp(min=1e-6)
    centre = torch.where(mass > 1e-3, centre, xy)
    return (centre * grid / (grid - 1)).flatten(1)


def centring_loss(frames: torch.Tensor, points: torch.Tensor, grid: int) -> torch.Tensor:
    """Mean squared distance of each point (B, 2K) from the ink centre around it in its frame (B, C, H, W)."""
    return (points.float() - ink_centres(frames, points, grid)).pow(2).mean()
