"""A global-shift warp: the classical answer to "frame a, moved the way the scene moved to b".

Phase correlation (the peak of the inverse transform of the normalised cross-power spectrum) finds
the whole-pixel translation that best carries frame a onto frame b; a is then moved by it, its
edge pixels repeated where it uncovers the border. A camera pan or an object sliding over a plain
background is a translation; articulated motion is not. Any learned transfer on real video is
read beside it.
"""

from __future__ import annotations

import torch


def phase_shift(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The translation (dy, dx) in whole pixels that carries each frame of a (n, C, H, W) onto the
    same frame of b: (n, 2), each in [-H/2, H/2) and [-W/2, W/2)."""
    H, W = a.shape[-2:]
    ga, gb = a.float().mean(1), b.float().mean(1)
    fa = torch.fft.fft2(ga - ga.mean((-2, -1), keepdim=True))
    fb = torch.fft.fft2(gb - gb.mean((-2, -1), keepdim=True))
    cross = fb * fa.conj()
    surface = torch.fft.ifft2(cross / cross.abs().clamp(min=1e-8)).real  # (n, H, W), peak at the shift
    peak = surface.flatten(1).argmax(1)
    dy, dx = peak // W, peak % W
    dy = torch.where(dy >= H // 2 + H % 2, dy - H, dy)
    dx = torch.where(dx >= W // 2 + W % 2, dx - W, dx)
    return torch.stack([dy, dx], 1)


def shift_frames(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Frames (n, C, H, W) moved by (dy, dx) (n, 2) whole pixels, edge pixels repeated: (n, C, H, W)."""
    n, C, H, W = x.shape
    rows = (torch.arange(H, device=x.device)[None] - shift[:, :1]).clamp(0, H - 1)  # (n, H) source rows
    cols = (torch.arange(W, device=x.device)[None] - shift[:, 1:]).clamp(0, W - 1)  # (n, W)
    index = (rows[:, :, None] * W + cols[:, None, :]).flatten(1)  # (n, HW)
    return x.flatten(2).gather(2, index[:, None].expand(n, C, H * W)).view(n, C, H, W)


def global_shift_warp(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Each frame of a (n, C, H, W) moved by its phase-correlation shift onto b: (n, C, H, W)."""
    return shift_frames(a, phase_shift(a, b))


def constant_shift_forecast(past: torch.Tensor, horizon: int) -> torch.Tensor:
    """The classical forecast of clips past (B, T, C, H, W), T >= 2: the last frame moved on by the
    global shift between the last two, once more per step (constant velocity; nothing bounces):
    (B, horizon, C, H, W)."""
    last = past[:, -1]
    step = phase_shift(past[:, -2], last)
    return torch.stack([shift_frames(last, (k + 1) * step) for k in range(horizon)], 1)
