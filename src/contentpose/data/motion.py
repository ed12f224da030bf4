"""Bouncing motion in closed form, shared by the synthetic datasets.

A point moving with constant velocity inside [0, span] and reflecting off both ends is
a triangle wave of the unreflected position, so any frame is computed directly:

    p(t) = span - | span - ((p0 + v t) mod 2 span) |

`stepped_bounce` is drnet-py's Moving MNIST motion instead (whole pixels, a clamp at the walls that
drops the overshoot), which has no such closed form and is stepped.
"""

from __future__ import annotations

import torch


def bounce(start: torch.Tensor, velocity: torch.Tensor, times: torch.Tensor, span: float) -> torch.Tensor:
    """start, velocity (n, D, 2); times (n, F) -> positions (n, F, D, 2) in [0, span]."""
    p = start[:, None] + velocity[:, None] * times[:, :, None, None].to(start)
    return span - (span - torch.remainder(p, 2 * span)).abs()


def random_velocity(n: int, objects: int, speed_range: tuple[float, float], generator: torch.Generator) -> torch.Tensor:
    """Uniform direction, speed uniform in `speed_range` pixels per frame: (n, objects, 2) as (dy, dx)."""
    angle = torch.rand(n, objects, generator=generator) * 2 * torch.pi
    lo, hi = speed_range
    speed = lo + (hi - lo) * torch.rand(n, objects, generator=generator)
    return torch.stack([angle.sin(), angle.cos()], dim=-1) * speed[..., None]


def stepped_bounce(start: torch.Tensor, velocity: torch.Tensor, times: torch.Tensor, span: int) -> torch.Tensor:
    """drnet-py's Moving MNIST motion, stepped frame by frame: before each frame a position below 0 is
    set to 0 and one at `span` or above to span - 1, reversing that axis's velocity; after it the
    velocity is added. start, velocity (n, D, 2) whole pixels; times (n, F) -> positions (n, F, D, 2)."""
    p, v = start.clone(), velocity.clone()
    steps = []
    for _ in range(int(times.max()) + 1):
        low, high = p < 0, p >= span
        p = torch.where(low, torch.zeros_like(p), torch.where(high, torch.full_like(p, span - 1), p))
        v = torch.where(low | high, -v, v)
        steps.append(p)
        p = p + v
    path = torch.stack(steps, 1)  # (n, T, D, 2)
    return path.gather(1, times[:, :, None, None].expand(-1, -1, *path.shape[2:]).to(path.device))
