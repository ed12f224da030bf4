"""objective.coverage: the share of a pair's motion that no keypoint is near."""

import torch

from contentpose.config import load_config
from contentpose.objectives import build_objective
from contentpose.objectives.coverage import coverage_loss

G = 16  # the points' grid


def two_moving_squares() -> tuple[torch.Tensor, torch.Tensor]:
    """Frames (1, 3, 64, 64): a square at the top left and one at the bottom right, each moved by 4 px."""
    x_t, x_tk = torch.zeros(2, 1, 3, 64, 64)
    x_t[..., 8:18, 8:18] = x_t[..., 44:54, 44:54] = 1
    x_tk[..., 12:22, 8:18] = x_tk[..., 44:54, 48:58] = 1
    return x_t, x_tk


def on_grid(xy) -> torch.Tensor:
    """Pixel positions [(x, y), ...] at 64 px -> points (1, 2K) as read on the grid."""
    p = (torch.tensor(xy, dtype=torch.float32) + 0.5) / 32 - 1
    return (p * G / (G - 1)).flatten()[None]


def test_a_second_object_uncovered_costs_and_the_gradient_leads_a_spare_point_to_it():
    x_t, x_tk = two_moving_squares()
    both_on_one = on_grid([(13, 15), (13, 16)])
    one_each = on_grid([(13, 15), (51, 49)])
    assert coverage_loss(x_t, x_tk, one_each, one_each, G) < 0.5 * coverage_loss(x_t, x_tk, both_on_one, both_on_one, G)
    spare = on_grid([(13, 15), (35, 33)]).requires_grad_(True)  # the second point halfway to the other square
    coverage_loss(x_t, x_tk, spare, spare, G).backward()
    assert (spare.grad[0, 2:] < 0).all()  # descending the loss moves it right and down, toward that square


def test_a_still_pair_costs_nothing_and_a_training_step_logs_it():
    x = torch.rand(1, 3, 64, 64)
    assert coverage_loss(x, x, on_grid([(10, 10)]), on_grid([(10, 10)]), G) == 0
    torch.manual_seed(0)
    small = ["data.frame_size=32", "model.width=8", "model.pose_dim=12", "model.content_dim=16"]
    objective = build_objective(load_config("photo_digits", small + ["objective.coverage=1"]), 3, torch.device("cpu"))
    logged = objective.step(torch.rand(4, 3, 32, 32), torch.rand(4, 3, 32, 32))
    assert 0 < logged["coverage"] < 1 and objective.model.pose_encoder.score.weight.grad.abs().sum() > 0
