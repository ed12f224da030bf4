import pytest
import torch

from contentpose.models.pose_predictor import PosePredictor


@pytest.fixture
def predictor():
    torch.manual_seed(0)
    return PosePredictor(pose_dim=5, content_dim=16, hidden=32, layers=2).eval()


def test_shapes(predictor):
    poses, content = torch.rand(3, 7, 5) * 2 - 1, torch.randn(3, 16)
    pred, (h, c) = predictor(poses, content)
    assert pred.shape == (3, 7, 5) and h.shape == c.shape == (2, 3, 32)
    assert pred.abs().max() <= 1
    assert predictor.rollout(poses, content, horizon=11).shape == (3, 11, 5)


def test_wrong_shapes_are_refused(predictor):
    with pytest.raises(ValueError, match="expected poses"):
        predictor(torch.zeros(3, 7, 4), torch.zeros(3, 16))
    with pytest.raises(ValueError, match="expected poses"):
        predictor(torch.zeros(3, 7, 5), torch.zeros(2, 16))


def test_teacher_forcing_is_causal(predictor):
    """Output t (the guess for pose t+1) sees poses 0..t only."""
    poses, content = torch.rand(2, 6, 5), torch.randn(2, 16)
    changed = poses.clone()
    changed[:, 3] += 0.5
    a, _ = predictor(poses, content)
    b, _ = predictor(changed, content)
    assert torch.equal(a[:, :3], b[:, :3]) and not torch.allclose(a[:, 3:], b[:, 3:])


def test_rollout_feeds_predictions_back(predictor):
    context, content = torch.rand(2, 4, 5), torch.randn(2, 16)
    rolled = predictor.rollout(context, content, horizon=3)
    seq = context
    for _ in range(3):  # recompute from scratch, one step at a time
        pred, _ = predictor(seq, content)
        seq = torch.cat([seq, pred[:, -1:]], dim=1)
    torch.testing.assert_close(rolled, seq[:, 4:])
