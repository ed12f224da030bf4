import torch

from contentpose.config import TrainConfig
from contentpose.families.autoencoder import AutoencoderModel, AutoencoderObjective
from contentpose.models.architectures import build_autoencoder
from contentpose.models.pair_critic import PairCritic
from contentpose.objectives.centring import centring_loss, ink_centres
from contentpose.objectives.drnet import DrNet
from contentpose.runtime import Runtime

G = 16  # the keypoint grid of a 64 px frame


def _to_point(row: float, col: float) -> list[float]:
    """Pixel centre (row, col) of a 64 px frame -> a point (x, y) on the grid's [-1, 1]."""
    return [((col + 0.5) / 32 - 1) * G / (G - 1), ((row + 0.5) / 32 - 1) * G / (G - 1)]


def _two_blobs() -> torch.Tensor:
    """A 64 px frame with a 9 x 9 square of ink centred on (20, 20) and another on (44, 48): (1, 1, 64, 64)."""
    x = torch.zeros(1, 1, 64, 64)
    x[..., 16:25, 16:25] = 1
    x[..., 40:49, 44:53] = 1
    return x


def test_mean_shift_steps_take_each_point_to_the_centre_of_the_ink_near_it():
    x = _two_blobs()
    points = torch.tensor([_to_point(26, 14) + _to_point(38, 54)])  # each 6-8 px off its square
    for _ in range(10):
        points = ink_centres(x, points, G)
    assert torch.allclose(points, torch.tensor([_to_point(20, 20) + _to_point(44, 48)]), atol=0.02)


def test_a_point_with_no_ink_near_stays_and_the_loss_is_zero_at_the_centres():
    x = _two_blobs()
    far = torch.tensor([_to_point(60, 2) + _to_point(2, 60)])
    assert torch.equal(ink_centres(x, far, G), far)
    assert centring_loss(x, torch.tensor([_to_point(20, 20) + _to_point(44, 48)]), G) < 1e-6
    assert centring_loss(x, torch.tensor([_to_point(26, 14) + _to_point(44, 48)]), G) > 1e-3


def test_the_drnet_step_adds_the_weighted_centring_term_and_moves_points_toward_ink():
    torch.manual_seed(0)
    cfg = AutoencoderModel(content_dim=8, pose_dim=4, width=8, architecture="keypoints")
    model = build_autoencoder(cfg, 1, 64)
    objective = DrNet(
        model,
        PairCritic(4, 16),
        AutoencoderObjective(beta=0.0, alpha=0.0, centring=50.0),
        TrainConfig(lr=1e-3),
        Runtime(torch.device("cpu")),
    )
    x = _two_blobs().repeat(8, 1, 1, 1)
    out = objective.step(x, x)
    assert torch.isclose(out["loss"], out["rec"] + 50.0 * out["centring"])
    first = out["centring"]
    for _ in range(40):
        last = objective.step(x, x)["centring"]
    assert last < 0.5 * first, (first, last)
