"""Flow agreement of two clips (OpenCV's Farneback): known answers on a square sliding right."""

import torch

from contentpose.eval.metrics.optical_flow import farneback, flow_agreement


def sliding_square(steps: int = 6, speed: int = 3) -> torch.Tensor:
    """A bright textured square moving `speed` px right per frame over a still noisy background: (T, 3, 64, 64)."""
    g = torch.Generator().manual_seed(0)
    background, texture = 0.2 * torch.rand(3, 64, 64, generator=g), torch.rand(3, 20, 20, generator=g)
    x = background.repeat(steps, 1, 1, 1)
    for t in range(steps):
        x[t, :, 20:40, 10 + speed * t : 30 + speed * t] = 0.5 + 0.5 * texture
    return x


def test_farneback_reads_the_squares_speed():
    flow = farneback(sliding_square())
    inside = flow[:, 25:35, 25:30]  # the square's middle in every frame pair
    assert flow.shape == (5, 64, 64, 2)
    assert abs(inside[..., 0].mean() - 3) < 0.5 and abs(inside[..., 1].mean()) < 0.5


def test_same_motion_agrees_a_still_clip_does_not_and_reversed_motion_disagrees():
    x = sliding_square()
    same = flow_agreement(x, x)
    assert torch.allclose(same["cosine"], torch.ones(5).double()) and same["epe"].max() == 0
    still = flow_agreement(x[:1].expand_as(x), x)
    assert still["cosine"].abs().max() < 0.05 and still["epe"].min() > 0.3
    assert flow_agreement(x.flip(0), x)["cosine"].max() < -0.3
