"""Pose interpolation: fixed content, pose moved linearly between two frames of a clip, and
whether the object stays drawn on the way.

A decoder whose pose space is not smooth between two poses draws a fading or empty frame half
way. On data drawn over black (no background) the foreground mass of a frame, the sum of its
pixel values, tells: `kept_share` is the share of interpolated frames whose mass is within 20%
of the mean mass of the two real end frames.
"""

from __future__ import annotations

import torch

from contentpose.trained import TrainedRun


@torch.no_grad()
def interpolation_strips(
    run: TrainedRun, rows: int = 4, steps: int = 8, seed: int = 0, split: str = "test"
) -> torch.Tensor:
    """Cells (rows, steps + 2, C, H, W): each row starts at frame x^t and ends at x^{t+K} of one
    held-out clip; between them D(Ec(x^t), (1 - w) Ep(x^t) + w Ep(x^{t+K})) for w in (0, 1)."""
    frames = run.dataset(split).test_frames(rows, [0, run.config.data.max_offset], seed)  # (rows, 2, C, H, W)
    start, end = frames[:, 0], frames[:, 1]
    content = run.model.content(start)
    p0, p1 = run.model.pose(start), run.model.pose(end)
    w = torch.linspace(0, 1, steps + 2, device=start.device)[1:-1]
    middle = [run.model.decode(content, (1 - wi) * p0 + wi * p1) for wi in w]
    return torch.stack([start, *middle, end], dim=1)


def kept_share(strips: torch.Tensor, tolerance: float = 0.2) -> float:
    """Share of the interpolated frames of `strips` (rows, steps + 2, C, H, W) whose foreground
    mass is within `tolerance` of the mean mass of their row's two real end frames."""
    mass = strips.float().sum(dim=(2, 3, 4))  # (rows, steps + 2)
    ends = (mass[:, :1] + mass[:, -1:]) / 2
    middle = mass[:, 1:-1]
    return float(((middle - ends).abs() <= tolerance * ends).float().mean())


def interpolation_scores(
    run: TrainedRun, rows: int = 200, steps: int = 8, split: str = "test"
) -> dict[str, float] | None:
    """kept_share over `rows` held-out clips, for data drawn over black; None for other data."""
    data = run.config.data
    if data.name not in ("moving_digits", "moving_sprites") or data.background != "none":
        return None
    strips = interpolation_strips(run, rows, steps, split=split)
    return {"kept_share": kept_share(strips), "rows": rows, "steps": steps}
