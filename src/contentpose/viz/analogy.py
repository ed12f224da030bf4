"""Analogy grid (DrNet Figure 3): content from each row's frame, pose from each column's frame."""

from __future__ import annotations

import torch

from contentpose.trained import TrainedRun


@torch.no_grad()
def analogy_grid(run: TrainedRun, size: int = 8, seed: int = 0, split: str = "test") -> torch.Tensor:
    """Cells (size+1, size+1, C, H, W): top row the pose frames, first column the content frames (of
    the held-out or training split), cell (i, j) = D(Ec(content frame i), Ep(pose frame j)); the corner
    is blank (NaN)."""
    frames = run.dataset(split).test_frames(2 * size, [0], seed)[:, 0]
    content, pose = frames[:size], frames[size:]
    rows = content.repeat_interleave(size, 0)  # (size*size, C, H, W): row-major
    cols = pose.repeat(size, 1, 1, 1)
    cells = run.model(rows, cols).view(size, size, *frames.shape[1:])
    corner = torch.full_like(frames[:1], float("nan"))
    top = torch.cat([corner, pose])[None]  # (1, size+1, C, H, W)
    body = torch.cat([content[:, None], cells], dim=1)  # (size, size+1, C, H, W)
    return torch.cat([top, body])
