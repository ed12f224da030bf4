"""Pose interpolation: fixed content, pose moved linearly between two frames of a clip."""

from __future__ import annotations

import torch

from contentpose.trained import TrainedRun


@torch.no_grad()
def interpolation_strips(run: TrainedRun, rows: int = 4, steps: int = 8, seed: int = 0) -> torch.Tensor:
    """Cells (rows, steps + 2, C, H, W): each row starts at frame x^t and ends at x^{t+K} of one
    held-out clip; between them D(Ec(x^t), (1 - w) Ep(x^t) + w Ep(x^{t+K})) for w in (0, 1)."""
    frames = run.dataset("test").test_frames(rows, [0, run.config.data.max_offset], seed)  # (rows, 2, C, H, W)
    start, end = frames[:, 0], frames[:, 1]
    content = run.model.content(start)
    p0, p1 = run.model.pose(start), run.model.pose(end)
    w = torch.linspace(0, 1, steps + 2, device=start.device)[1:-1]
    middle = [run.model.decode(content, (1 - wi) * p0 + wi * p1) for wi in w]
    return torch.stack([start, *middle, end], dim=1)
