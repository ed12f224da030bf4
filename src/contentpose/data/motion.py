"""Bouncing motion in closed form, shared by the synthetic datasets.

A point moving with constant velocity inside [0, span] and reflecting off both ends is
a triangle wave of the unreflected position, so any frame is computed directly:

    p(t) = span - | span - ((p0 + v t) mod 2 span) |
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
