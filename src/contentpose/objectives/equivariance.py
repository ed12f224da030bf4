"""Keypoints that move with the image: First Order Motion Model's equivariance constraint.

A frame x is warped by a random affine map A (x'(z) = x(A z), `warped`); what sits at point p in
x then sits at A^{-1} p in x', so the points read from x' and mapped back by A should be those of
x, and with local Jacobians, J(x) ~ A_lin J(x'):

    L = | A p(x') - p(x) |_1  (+ | I - J(x)^{-1} A_lin J(x') |_1 for Jacobians)

Nothing in the reconstruction pins a point to one place on an object; this does, for any data,
with no assumption about backgrounds or objects (Siarohin et al., NeurIPS 2019, sec. 3.3).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from contentpose.models.dense_motion import inverse2x2
from contentpose.models.keypoints import to_frame

SIGMA = 0.05  # std of the affine map's entries around the identity (FOMM's sigma_affine)


def random_affines(n: int, device: torch.device | str, sigma: float = SIGMA) -> torch.Tensor:
    """n maps near the identity, (n, 2, 3) as affine_grid takes them (the global RNG, alike on
    every process)."""
    noise = torch.randn(n, 2, 3) * sigma
    return (torch.eye(2, 3)[None] + noise).to(device)


def warped(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """x (B, C, H, W) with output pixel z read at theta z (B, 2, 3) (reflected at the borders)."""
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x.float(), grid, padding_mode="reflection", align_corners=False).to(x.dtype)


def equivariance_loss(
    pose: torch.Tensor, pose_warped: torch.Tensor, theta: torch.Tensor, grid: int, affine: bool = False
) -> torch.Tensor:
    """Poses of frames and of the same frames `warped` by theta (B, 2, 3): (B, 2K) points read on a
    `grid`-cell grid or, with `affine`, (B, 6K), the points then their Jacobians (`dense_motion`)."""
    pose, pose_warped, theta = pose.float(), pose_warped.float(), theta.float()
    B, K = pose.shape[0], pose.shape[1] // (6 if affine else 2)
    p = to_frame(pose[:, : 2 * K], grid).view(B, K, 2)
    q = to_frame(pose_warped[:, : 2 * K], grid).view(B, K, 2)
    lin, shift = theta[:, None, :, :2], theta[:, None, :, 2]  # (B, 1, 2, 2), (B, 1, 2)
    loss = ((lin @ q[..., None])[..., 0] + shift - p).abs().mean()
    if affine:
        j, j_warped = pose[:, 2 * K :].view(B, K, 2, 2), pose_warped[:, 2 * K :].view(B, K, 2, 2)
        loss = loss + (torch.eye(2, device=pose.device) - inverse2x2(j) @ lin @ j_warped).abs().mean()
    return loss
