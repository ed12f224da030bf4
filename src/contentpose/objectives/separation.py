"""Keypoints that keep apart: a repulsion between every two points of a frame (the separation loss of
unsupervised landmark discovery, Zhang, Guo, Jin, Luo, He & Lee, CVPR 2018),

    L = mean_{k != j} exp(-|p_k - p_j|^2 / (2 sigma^2)),

so that points do not all settle on the first thing that moves and leave another object without
one (measured on photo_digits: 10 points on one spot). It assumes nothing about the data.
"""

from __future__ import annotations

import torch

from contentpose.models.keypoints import to_frame

SIGMA = 0.2  # in the frame's [-1, 1] units: a tenth of the frame's width (6 px at 64 px)


def separation_loss(pose: torch.Tensor, points: int, grid: int, sigma: float = SIGMA) -> torch.Tensor:
    """Poses (B, D) whose first 2 * `points` entries are points (x, y) read on a `grid`-cell grid."""
    B = pose.shape[0]
    p = to_frame(pose[:, : 2 * points], grid).view(B, points, 2)
    d2 = ((p[:, :, None] - p[:, None]) ** 2).sum(-1)  # (B, K, K)
    off = 1 - torch.eye(points, device=pose.device)
    return (torch.exp(-d2 / (2 * sigma**2)) * off).sum((1, 2)).mean() / max(points * (points - 1), 1)
