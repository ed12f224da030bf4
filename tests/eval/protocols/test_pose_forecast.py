import json

import pytest
import torch
from conftest import untrained_run

from contentpose.cli import main
from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.figure_motion import BLEND
from contentpose.errors import UserError
from contentpose.eval.protocols.pose_forecast import (
    constant_velocity,
    evaluate_forecasters,
    forecast_windows,
    hold_last,
    scores,
    spread,
)

OVERRIDES = [
    "data.test_clips=32",
    "model.forecast_hidden=16",
    "train.steps=4",
    "train.batch_size=8",
    "train.log_every=2",
    "train.checkpoint_every=4",
    "predictor.context=4",
    "predictor.future=6",
    "train.device=cpu",
]


def _linear_motion(n=4, context=3, horizon=5):
    """Keypoints moving in a straight line at one pixel per frame along x: (n, context + horizon, 15, 2)."""
    t = torch.arange(context + horizon, dtype=torch.float32)
    k = torch.zeros(n, context + horizon, 15, 2)
    k[..., 1] = t[:, None] + torch.arange(n, dtype=torch.float32)[:, None, None]
    return k[:, :context], k[:, context:]


def test_baselines_on_straight_motion():
    past, future = _linear_motion()
    steady = torch.zeros(4, dtype=torch.bool)
    cv = scores(constant_velocity(past, 5), future, steady)
    held = scores(hold_last(past, 5), future, steady)
    assert cv["ade"] == 0 and cv["fde"] == 0 and cv["spread"] == 0
    assert held["curve"] == [1, 2, 3, 4, 5] and held["fde"] == 5 and held["ade"] == 3
    assert held["ade_ci"] == [3, 3] and cv["fde_ci"] == [0, 0]  # intervals over windows (all alike here)


def test_best_of_n_and_spread():
    past, future = _linear_motion()
    good = constant_velocity(past, 5)
    samples = torch.cat([good + 4, good, good - 4], dim=1)  # (n, 3, H, K, 2): exact one second
    changes = torch.tensor([True, False, True, False])
    s = scores(samples, future, changes)
    # the first sample is off by 4 in y and x (4 sqrt 2); pairwise: 4 sqrt 2, 8 sqrt 2, 4 sqrt 2
    assert abs(s["ade"] - 4 * 2**0.5) < 1e-4 and s["ade_best"] == 0 and s["fde_best"] == 0 and s["samples"] == 3
    assert abs(s["spread"] - 16 * 2**0.5 / 3) < 1e-4
    assert s["change"]["clips"] == 2 and s["steady"]["ade_best"] == 0
    assert spread(samples[:, :1]) == 0


def test_windows_come_from_the_fixed_test_clips():
    data = build_dataset(load_config("poseforecast_quick", ["data.test_clips=40"]).data, "test")
    k, changes = forecast_windows(data, 4, 30)
    again, _ = forecast_windows(data, 4, 30)
    assert k.shape == (40, 34, 15, 2) and torch.equal(k, again) and changes.dtype == torch.bool
    assert 0 < changes.float().mean() < 1  # some windows switch action
    assert (k[:, 1:] - k[:, :-1]).norm(dim=-1).amax() < 64 / BLEND * 2


def _untrained_run(path, overrides):
    return untrained_run(path, "poseforecast_quick", overrides)


def test_evaluate_scores_every_method_on_the_same_windows(tmp_path, capsys):
    cvae = _untrained_run(tmp_path / "cvae", OVERRIDES)
    lstm = _untrained_run(tmp_path / "lstm", [*OVERRIDES, "model.forecast_latent=0"])
    result = evaluate_forecasters([cvae, lstm], "cpu", out=tmp_path / "r.json", samples=4)
    assert "lstm: LSTM" in capsys.readouterr().out
    methods = result["runs"][str(cvae)]["methods"]
    assert set(methods) == {"CVAE, z ~ prior", "CVAE, z = 0"} and methods["CVAE, z ~ prior"]["samples"] == 4
    sampled = methods["CVAE, z ~ prior"]
    assert sampled["spread"] > 0 and sampled["ade_best"] < sampled["ade"] and len(sampled["curve"]) == 6
    assert result["baselines"]["last pose held"]["curve"][0] < result["baselines"]["last pose held"]["curve"][-1]
    assert json.loads((tmp_path / "r.json").read_text())["horizon"] == 6
    other = _untrained_run(tmp_path / "other", [*OVERRIDES, "predictor.future=7"])
    with pytest.raises(UserError, match="different data or windows"):
        evaluate_forecasters([cvae, other], "cpu")


@pytest.mark.slow
def test_train_and_evaluate_through_the_cli(tmp_path, capsys):
    """About 25 s: two runs of the training loop and `contentpose evaluate`."""
    overrides = OVERRIDES
    for name, extra in (("cvae", []), ("lstm", ["model.forecast_latent=0"])):
        assert main(["train", "poseforecast_quick", "--out", str(tmp_path / name), "--quiet", *overrides, *extra]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "evaluate",
                str(tmp_path / "cvae"),
                str(tmp_path / "lstm"),
                "--out",
                str(tmp_path / "r.json"),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "last pose held" in out and "cvae: CVAE, z ~ prior" in out and "lstm: LSTM" in out
    result = json.loads((tmp_path / "r.json").read_text())
    cvae = result["runs"][str(tmp_path / "cvae")]["methods"]["CVAE, z ~ prior"]
    assert len(cvae["curve"]) == 6 and cvae["spread"] > 0 and cvae["ade_best"] <= cvae["ade"]
    assert json.loads((tmp_path / "lstm" / "eval.json").read_text())["methods"]["LSTM"]["spread"] == 0
