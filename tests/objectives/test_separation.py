import torch

from contentpose.objectives.separation import separation_loss


def test_points_together_pay_and_points_apart_do_not():
    together = torch.zeros(2, 6)  # three points at the centre
    apart = torch.tensor([[-0.8, -0.8, 0.0, 0.0, 0.8, 0.8]]).repeat(2, 1)
    assert torch.isclose(separation_loss(together, 3, 16), torch.tensor(1.0))
    assert separation_loss(apart, 3, 16) < 1e-3
    pose = together.clone().requires_grad_()
    separation_loss(pose + 0.01 * torch.randn(2, 6), 3, 16).backward()
    assert pose.grad.abs().sum() > 0  # a push apart
