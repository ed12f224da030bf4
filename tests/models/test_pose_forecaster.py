import pytest
import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.samplers import KeypointSampler
from contentpose.errors import UserError
from contentpose.models.pose_forecaster import PoseForecaster
from contentpose.objectives import build_objective
from contentpose.objectives.pose_forecast import elbo_terms


def _keypoints(batch=6, length=9):
    data = build_dataset(load_config("poseforecast_quick").data, "train")
    return KeypointSampler(data, batch, length, seed=0)()[0]  # (B, T, 15, 2) frame units


def test_shapes_and_the_forecast_integrates_its_velocities():
    torch.manual_seed(0)
    net = PoseForecaster(15, hidden=16, latent=4)
    k = _keypoints()
    out = net(k[:, :4], 5, future=k[:, 4:])
    assert out.keypoints.shape == out.velocities.shape == (6, 5, 15, 2) and out.mu.shape == (6, 4)
    assert torch.allclose(out.keypoints, k[:, 3:4] + out.velocities.cumsum(dim=1), atol=1e-6)
    samples = net.sample(k[:, :4], 5, samples=3, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (6, 3, 5, 15, 2) and not torch.allclose(samples[:, 0], samples[:, 1])
    assert torch.allclose(net(k[:, :4], 5).keypoints, net(k[:, :4], 5, z=torch.zeros(6, 4)).keypoints)


def test_without_a_latent_it_is_a_deterministic_lstm():
    net = PoseForecaster(15, hidden=16, latent=0)
    k = _keypoints()
    assert not hasattr(net, "posterior")
    out = net(k[:, :4], 5, future=k[:, 4:])
    assert out.mu is None
    samples = net.sample(k[:, :4], 5, samples=3)
    assert torch.equal(samples[:, 0], samples[:, 2])
    assert float(elbo_terms(net, k[:, :4], k[:, 4:])["kl"]) == 0


@pytest.mark.parametrize("latent", [4, 0])
def test_training_steps_fit_a_batch(latent):
    cfg = load_config(
        "poseforecast_quick",
        [
            f"model.forecast_latent={latent}",
            "model.forecast_hidden=32",
            "train.lr=0.01",
            "predictor.context=4",
            "predictor.future=5",
        ],
    )
    torch.manual_seed(0)
    objective = build_objective(cfg, 3, torch.device("cpu"))
    batch = _keypoints(16, 9)
    first = objective.step(batch)
    for _ in range(40):
        last = objective.step(batch)
    assert float(last["rec"]) < 0.5 * float(first["rec"]) and float(last["ade_px"]) < float(first["ade_px"])
    assert (float(last["kl"]) > 0) == bool(latent)


def test_forecasting_needs_keypoints(fails_cleanly):
    data = build_dataset(load_config("quick", ["data=moving_sprites"]).data, "train")
    with pytest.raises(UserError, match="data=figures"):
        KeypointSampler(data, 4, 5, seed=0)
    fails_cleanly(["train", "poseforecast_quick", "data=moving_sprites", "train.steps=1"], "needs data=figures")
    fails_cleanly(["train", "poseforecast_quick", "predictor.context=1", "train.steps=1"], "at least 2")
