"""Dense motion from keypoints with local affine transforms, after First Order Motion Model
(Siarohin, Lathuiliere, Tulyakov, Ricci & Sebe, NeurIPS 2019).

A pose is K points p_k in [-1, 1] and their local Jacobians J_k (2 x 2): (B, 6K), the K points
first (x_1, y_1, ...) then the K Jacobians (row-major), so the points read as any keypoint pose.
Near point k the motion from the target frame back to the source frame is, to first order,

    T_k(z) = p_k^s + J_k^s (J_k^t)^{-1} (z - p_k^t)

and T_0(z) = z holds what does not move (the background). `DenseMotion` looks at the source frame
moved by each T_k and at where the points were and went, and weighs the K + 1 candidates per
position (a softmax), giving one sampling grid; it also says where the target shows what the source
hides (the occlusion map, 1 where the moved source can be trusted).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from contentpose.models.blocks import conv, dcgan_init
from contentpose.models.keypoints import pixel_centres, to_frame

SIGMA = 0.1  # width of each point's Gaussian in the heatmaps the network reads, in [-1, 1] units (FOMM's 0.01 variance)
DET_FLOOR = 1e-2  # |det J| below this is held at it, so inverting a collapsed Jacobian cannot explode


def split_pose(pose: torch.Tensor, grid: int) -> tuple[torch.Tensor, torch.Tensor]:
    """pose (B, 6K) -> points (B, K, 2) in the frame's [-1, 1] (x, y) and Jacobians (B, K, 2, 2).
    Points are read on a `grid`-cell grid; `to_frame` puts them between the frame's edges."""
    B, K = pose.shape[0], pose.shape[1] // 6
    points = to_frame(pose[:, : 2 * K], grid).view(B, K, 2)
    return points, pose[:, 2 * K :].float().view(B, K, 2, 2)


def inverse2x2(m: torch.Tensor) -> torch.Tensor:
    """Inverse of (..., 2, 2) matrices, with the determinant's magnitude held at DET_FLOOR or above."""
    a, b, c, d = m[..., 0, 0], m[..., 0, 1], m[..., 1, 0], m[..., 1, 1]
    det = a * d - b * c
    det = torch.where(det.abs() < DET_FLOOR, torch.where(det < 0, -DET_FLOOR, DET_FLOOR), det)
    return torch.stack([torch.stack([d, -b], -1), torch.stack([-c, a], -1)], -2) / det[..., None, None]


def identity_grid(size: int, device) -> torch.Tensor:
    """(size, size, 2): (x, y) of each pixel centre in [-1, 1], grid_sample's layout."""
    g = pixel_centres(size, device)
    return torch.stack(torch.meshgrid(g, g, indexing="xy"), dim=-1)


def sparse_motions(source: torch.Tensor, target: torch.Tensor, size: int, grid: int) -> torch.Tensor:
    """Poses (B, 6K) of the source and target frames -> K + 1 sampling grids (B, K + 1, S, S, 2):
    for each target pixel, where to read the source under the identity and under each T_k."""
    ps, js = split_pose(source, grid)
    pt, jt = split_pose(target, grid)
    z = identity_grid(size, source.device)  # (S, S, 2)
    lin = js @ inverse2x2(jt)  # (B, K, 2, 2)
    d = z[None, None] - pt[:, :, None, None]  # (B, K, S, S, 2)
    moved = torch.einsum("bkij,bkhwj->bkhwi", lin, d) + ps[:, :, None, None]
    return torch.cat([z.expand(len(source), 1, -1, -1, -1), moved], dim=1)


def heatmaps(points: torch.Tensor, size: int) -> torch.Tensor:
    """Points (B, K, 2) in [-1, 1] -> Gaussian bumps (B, K, S, S)."""
    z = identity_grid(size, points.device)
    d2 = ((z[None, None] - points[:, :, None, None]) ** 2).sum(-1)
    return torch.exp(-d2 / (2 * SIGMA**2))


class DenseMotion(nn.Module):
    """source frame (B, C, H, W), poses (B, 6K) -> grid (B, S, S, 2) and occlusion (B, 1, S, S) at
    S = H / 4: a small U-Net (S -> S/2 -> S/4 and back) reads, per candidate, the Gaussian of where a
    point went minus where it was (zero for the background) and the source frame moved by it."""

    def __init__(self, channels: int, points: int, frame_size: int, width: int):
        super().__init__()
        self.size, self.candidates = frame_size // 4, points + 1
        cin = self.candidates * (channels + 1)
        c = 2 * width
        self.down = nn.ModuleList([conv(cin, c), conv(c, 2 * c), conv(2 * c, 4 * c)])
        self.up = nn.ModuleList([conv(4 * c, 2 * c), conv(4 * c, c)])
        self.head = nn.Conv2d(2 * c + cin, self.candidates + 1, 3, 1, 1)  # K + 1 weights, then occlusion
        self.apply(dcgan_init)
        nn.init.zeros_(self.head.weight)  # start as the identity (equal weights) with everything visible
        nn.init.zeros_(self.head.bias)
        self.head.bias.data[-1] = 3.0  # sigmoid(3) = 0.95

    def forward(
        self, frame: torch.Tensor, source: torch.Tensor, target: torch.Tensor, grid: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """frame (B, C, H, W) in pose `source` (B, 6K) -> where each pixel of the frame in pose `target`
        reads the source: grid (B, S, S, 2), and occlusion (B, 1, S, S) in (0, 1)."""
        B, C = frame.shape[:2]
        S, N = self.size, self.candidates
        motions = sparse_motions(source, target, S, grid)  # (B, N, S, S, 2)
        small = F.interpolate(frame.float(), size=(S, S), mode="bilinear", antialias=True, align_corners=False)
        moved = F.grid_sample(small.repeat_interleave(N, 0), motions.flatten(0, 1), align_corners=False)
        bumps = heatmaps(split_pose(target, grid)[0], S) - heatmaps(split_pose(source, grid)[0], S)
        bumps = torch.cat([bumps.new_zeros(B, 1, S, S), bumps], dim=1)  # (B, N, S, S)
        inputs = torch.cat([bumps[:, :, None], moved.view(B, N, C, S, S)], dim=2).flatten(1, 2).to(frame.dtype)
        x, skips = inputs, []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.avg_pool2d(x, 2))
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[:-1])):
            x = torch.cat([F.interpolate(block(x), scale_factor=2.0), skip], dim=1)
        out = self.head(torch.cat([x, inputs], dim=1)).float()  # (B, N + 1, S, S)
        weights = out[:, :N].softmax(dim=1)
        flow = (weights[..., None] * motions).sum(dim=1)  # (B, S, S, 2)
        return flow, torch.sigmoid(out[:, N:])
