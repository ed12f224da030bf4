import torch

from contentpose.models.blocks import BlurDown, down, smooth_down


def test_blur_down_keeps_a_dot_whatever_its_phase():
    """Subsampling drops a one-pixel dot at an odd position; blurring first keeps a quarter of it
    at every position, so a pixel's move changes the features little."""
    sums = []
    for col in (10, 11):
        x = torch.zeros(1, 1, 16, 16)
        x[0, 0, 8, col] = 1
        sums.append(BlurDown(1)(x).sum().item())
        assert x[..., ::2, ::2].sum().item() == (1 if col % 2 == 0 else 0)
    assert sums[0] == sums[1] == 0.25


def test_smooth_down_halves_like_down():
    x = torch.rand(2, 3, 32, 32)
    assert smooth_down(3, 8)(x).shape == down(3, 8)(x).shape == (2, 8, 16, 16)
