"""Content per keypoint: each point's glimpse of the content frame, drawn again at the target's points.

A frame of rigidly moving objects (digits) is its objects pasted where they are. Each of the K
points of the content frame cuts a window of `extent` frame pixels centred on itself (read at
P = H / 2 pixels), an encoder reads the window to a code (B, K, D) (the frame's content is the K codes), a decoder draws the code as a
P x P patch, and the patch is pasted over the same extent centred on the same point of the target
pose; the frame is the max over the K patches, as Moving Digits draws overlapping digits. Where two digits overlap in the content frame, each window
is centred on one of them, so its code can hold that digit and not the other, which moved
features (keypoints.KeypointDecoder) cannot: their cells hold both. After the glimpses of
Attend-Infer-Repeat (Eslami et al., NeurIPS 2016), with translations only.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from contentpose.models.decoder import Decoder
from contentpose.models.encoder import Encoder
from contentpose.models.keypoints import pixel_centres, to_frame

OTHERS_SIGMA = 0.1  # the bumps' width at the other points, in frame widths (a third of a digit)
FLOOR = 1e-3  # the least a pixel outside every patch shows: a bounded BCE there (it has no gradient)


def _centres(points: torch.Tensor, grid: int) -> torch.Tensor:
    """Points (B, 2K) in [-1, 1] between the first and last cell centres of a `grid`-cell grid ->
    (B K, 2) x, y in grid_sample's [-1, 1] span of the frame's edges."""
    return to_frame(points, grid).reshape(-1, 2)


def _affine(scale: float, shift: torch.Tensor) -> torch.Tensor:
    """(N, 2, 3) affine maps x -> scale x + shift, for grid_sample."""
    theta = shift.new_zeros(len(shift), 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = scale
    theta[:, :, 2] = shift
    return theta


class Glimpses(nn.Module):
    """`read`: frame (B, C, H, W) at its points (B, 2K) -> codes (B, K, D) (and skips); `forward`:
    codes (and skips) at target points (B, 2K) -> frame (B, C, H, W) in [0, 1].

    `grid` is the keypoint grid the points are read on (H/4 cells); `extent` the window's side in
    frame pixels (0: H / 2); `code` the size of each window's code. The window encoder and the
    patch decoder are DCGAN stacks at P = H / 2 pixels; with `skips` a U-Net, whose patch decoder
    also sees the window encoder's feature maps, so it can draw the window's pixels again (and
    leave out what belongs to another point). The window encoder also sees where the other points
    are in its window (one map of Gaussian bumps, `OTHERS_SIGMA` frame widths wide): where two
    objects overlap, which strokes are whose."""

    def __init__(
        self,
        channels: int,
        frame_size: int,
        width: int,
        grid: int,
        extent: int = 0,
        code: int = 64,
        skips: bool = False,
    ):
        super().__init__()
        self.window, self.size, self.grid, self.skips = frame_size // 2, frame_size, grid, skips
        self.extent = extent or self.window
        self.encoder = Encoder(channels + 1, code, self.window, width, skips=skips)
        self.decoder = Decoder(code, 0, channels, self.window, width, skips=skips)

    def windows(self, frame: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        """The window of `frame` (B, C, H, W) centred on each point (B, 2K), read at P x P: (B, K, C, P, P)."""
        B, C = frame.shape[:2]
        K, P = points.shape[1] // 2, self.window
        where = _affine(self.extent / self.size, _centres(points, self.grid))
        grid = nn.functional.affine_grid(where, (B * K, C, P, P), align_corners=False)
        out = nn.functional.grid_sample(frame.float().repeat_interleave(K, 0), grid, align_corners=False)
        return out.view(B, K, C, P, P)

    def other_points(self, points: torch.Tensor) -> torch.Tensor:
        """Where the other points are in each point's window: points (B, 2K) -> (B, K, 1, P, P), the
        sum of a Gaussian bump at each other point."""
        B, K, P = points.shape[0], points.shape[1] // 2, self.window
        xy = _centres(points, self.grid).view(B, K, 2)
        u = pixel_centres(P, points.device) * self.extent / self.size  # window pixels' offsets in the frame
        x = xy[:, :, None, None, 0] + u[None, None, None, :]  # (B, K, 1, P): frame x of each window column
        y = xy[:, :, None, None, 1] + u[None, None, :, None]  # (B, K, P, 1)
        d2 = (x[:, :, None] - xy[:, None, :, 0, None, None]) ** 2 + (y[:, :, None] - xy[:, None, :, 1, None, None]) ** 2
        bumps = torch.exp(-d2 / (2 * (2 * OTHERS_SIGMA) ** 2))  # (B, K, K, P, P): window k, bump of point j
        return (bumps * (1 - torch.eye(K, device=points.device))[None, :, :, None, None]).sum(2, keepdim=True)

    def read(self, frame: torch.Tensor, points: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """Each point's window read to a code (B, K, D); with skips also the encoder's feature maps,
        finest first, each (B, K, c, h, w)."""
        w = torch.cat([self.windows(frame, points), self.other_points(points.detach())], dim=2)
        B, K = w.shape[:2]
        out = self.encoder(w.flatten(0, 1).to(frame.dtype))
        codes, features = out if self.skips else (out, None)
        skips = None if features is None else [f.view(B, K, *f.shape[1:]) for f in features]
        return codes.view(B, K, -1), skips

    def paste(self, patches: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        """Patches (B, K, C, S, S) of any size S, each spread over the window's extent centred on its
        point (B, 2K) in an H x H frame, zeros around: (B, K, C, H, W)."""
        B, K, C, P, _ = patches.shape
        scale = self.size / self.extent
        where = _affine(scale, -scale * _centres(points, self.grid))
        grid = nn.functional.affine_grid(where, (B * K, C, self.size, self.size), align_corners=False)
        out = nn.functional.grid_sample(patches.flatten(0, 1).float(), grid, align_corners=False)
        return out.view(B, K, C, self.size, self.size)

    def forward(
        self, codes: torch.Tensor, target: torch.Tensor, skips: list[torch.Tensor] | None = None
    ) -> torch.Tensor:
        """Each code (B, K, D) (with its skips, as `read` returns them) drawn as a patch and pasted at
        its target point (B, 2K): (B, C, H, W)."""
        B, K = codes.shape[:2]
        flat = None if skips is None else [f.flatten(0, 1) for f in skips]
        patches = self.decoder(codes.flatten(0, 1), codes.new_zeros(B * K, 0), flat)
        patches = patches.view(B, K, -1, self.window, self.window)
        return self.paste(patches, target).amax(dim=1).clamp(min=FLOOR)
