"""The full Pose Knows pipeline: forecast keypoints, render them with a pose-to-frame run (issue 19)."""

import dataclasses

import pytest
import torch
from conftest import untrained_run
from PIL import Image

from contentpose.cli import main
from contentpose.data import build_dataset
from contentpose.eval.judges import keypoint_regressor as kr
from contentpose.eval.judges.keypoint_regressor import KeypointRegressor
from contentpose.eval.protocols.pose_pipeline import format_pipeline, pipeline_scores, render_forecasts
from contentpose.trained import load_forecaster, load_pose_generator
from contentpose.viz.pose_pipeline import pipeline_to_files

FORECASTER = ["model.forecast_hidden=16", "data.test_clips=8", "predictor.context=4", "predictor.future=5"]
RENDERER = ["model.width=8", "data.test_clips=8"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """An untrained forecaster on 64 px figures (the preset's size) and one on 32 px, an untrained
    renderer of 32 px figures, and a forecaster on grey figures."""
    root = tmp_path_factory.mktemp("pipeline")
    return {
        "forecast": untrained_run(root / "forecast", "poseforecast_quick", FORECASTER),
        "forecast32": untrained_run(root / "forecast32", "poseforecast_quick", [*FORECASTER, "data.frame_size=32"]),
        "grey": untrained_run(root / "grey", "poseforecast_quick", [*FORECASTER, "data.colour=false"]),
        "render": untrained_run(root / "render", "posegen_quick", RENDERER),
    }


def test_forecasts_drive_a_renderer_of_another_frame_size_exactly(runs):
    """The forecaster works in frame units and the figures scale with the frame size: one trained on
    64 px figures gives a 32 px renderer the futures one trained on 32 px figures would."""
    renderer = load_pose_generator(runs["render"], "cpu")
    clip = renderer.dataset("test").test_clips(2, 9)
    clip64 = build_dataset(dataclasses.replace(renderer.config.data, frame_size=64), "test").test_clips(2, 9)
    assert torch.allclose(clip64.keypoints / 2, clip.keypoints, atol=1e-4)  # the figures scale exactly
    out = {}
    for name in ("forecast", "forecast32"):
        out[name] = render_forecasts(
            load_forecaster(runs[name], "cpu"), renderer, clip.keypoints[:, :4], clip.frames[:, 3], 5, samples=3
        )
    futures, frames = out["forecast"]
    assert futures.shape == (2, 3, 5, 15, 2) and frames.shape == (2, 3, 5, 3, 32, 32)
    assert torch.allclose(futures, out["forecast32"][0], atol=1e-4)
    assert torch.allclose(frames, out["forecast32"][1], atol=1e-4)
    assert futures.std(dim=1).mean() > 0  # the samples differ


def test_scores_take_the_first_sample_and_the_best_of_n():
    g = torch.Generator().manual_seed(0)
    truth = torch.rand(2, 4, 3, 16, 16, generator=g)
    noise = torch.rand(2, 4, 3, 16, 16, generator=g)
    rendered = torch.stack([noise, truth, (noise + truth) / 2], dim=1)  # sample 2 is exact
    s = pipeline_scores(rendered, truth, noise[:, 0], rendered_truth=truth)["methods"]
    assert s["rendered forecast, best of 3"]["psnr"] == 100.0 and s["rendered forecast, best of 3"]["ssim"] > 0.99
    assert s["rendered forecast, one sample"]["psnr"] < 15 and s["rendered true future keypoints"]["psnr"] == 100.0
    assert s["copy last seen frame"]["psnr"] < 15
    lo, hi = s["rendered forecast, one sample"]["psnr_ci"]  # a 95% interval over the clips
    assert lo <= s["rendered forecast, one sample"]["psnr"] <= hi and lo < hi


def test_keypoint_errors_take_the_first_sample_and_the_lowest_of_n():
    """With keypoints that a regressor reads from the true frames exactly, the exact sample scores 0 px
    and is the best of N; the others score more."""
    g = torch.Generator().manual_seed(0)
    truth = torch.rand(2, 4, 3, 16, 16, generator=g)
    noise = torch.rand(2, 4, 3, 16, 16, generator=g)
    rendered = torch.stack([noise, truth, (noise + truth) / 2], dim=1)  # sample 2 is exact
    torch.manual_seed(0)
    regressor = KeypointRegressor(3, 16, width=4).eval()
    keypoints = kr.read_keypoints(regressor, truth)  # (2, 4, 15, 2)
    scores = pipeline_scores(rendered, truth, noise[:, 0], truth, regressor, keypoints)
    s = scores["methods"]
    exact = (scores["regressor_error_px"], s["rendered true future keypoints"]["keypoint_error_px"])
    assert max(exact) < 1e-4 and s["rendered forecast, best of 3"]["keypoint_error_px"] < 1e-4
    assert (
        s["rendered forecast, one sample"]["keypoint_error_px"] > 0
        and s["copy last seen frame"]["keypoint_error_px"] > 0
    )
    assert "keypoint regressor on the true frames (floor)" in format_pipeline(scores)
    assert "keypoint" not in format_pipeline(pipeline_scores(rendered, truth, noise[:, 0]))  # no regressor given


def test_predict_renders_sampled_futures_and_scores_them(runs, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(kr, "STEPS", 3)  # the regressor's own test trains it for real
    gif, png = tmp_path / "p.gif", tmp_path / "p.png"
    args = ["predict", str(runs["forecast"]), "--renderer", str(runs["render"]), "--device", "cpu"]
    assert main([*args, "--video", "test:3", "--samples", "2", "--out", str(gif), "--out", str(png)]) == 0
    out = capsys.readouterr().out
    for row in ("copy last seen frame", "rendered forecast, one sample", "rendered forecast, best of 2"):
        assert row in out
    assert "keypoint error px" in out and "keypoint regressor on the true frames (floor)" in out
    assert (runs["render"] / kr.REGRESSOR).is_file()  # trained on first use, cached in the renderer's run
    assert Image.open(gif).n_frames == 4 + 5  # seen frames, then the forecast
    # one clip: a truth row and two sample rows of (the last seen frame + 5 steps) 32 px cells, scaled 2x
    assert Image.open(png).size == (2 * (6 * 32 + 5 * 2), 2 * (3 * 32 + 2 * 2) + 14)
    assert main([*args, "--clips", "2", "--horizon", "3", "--out", str(png)]) == 0
    # two clips x (truth + 3 samples) rows of (the last seen frame + 3 steps)
    assert Image.open(png).size == (2 * (4 * 32 + 3 * 2), 2 * (8 * 32 + 7 * 2) + 14)
    _, scores = pipeline_to_files(runs["forecast"], runs["render"], [str(png)], clips=2, samples=4, device="cpu")
    s = scores["methods"]
    assert scores["regressor_error_px"] > 0 and all(v["keypoint_error_px"] > 0 for v in s.values())
    assert (
        s["rendered forecast, best of 4"]["keypoint_error_px"]
        <= s["rendered forecast, one sample"]["keypoint_error_px"]
    )


def test_predict_refuses_bad_pipelines_in_one_line(runs, tmp_path, fails_cleanly):
    f, r = str(runs["forecast"]), str(runs["render"])
    out = ["--out", str(tmp_path / "x.png"), "--device", "cpu"]
    fails_cleanly(["predict", f, *out], "give --renderer POSEGEN_RUN")
    fails_cleanly(["predict", f, "--renderer", str(runs["forecast32"]), *out], "is not a pose-to-frame run")
    fails_cleanly(["predict", f, "--renderer", str(tmp_path / "nothing"), *out], "run folder not found")
    fails_cleanly(["predict", str(runs["grey"]), "--renderer", r, *out], "data.colour is False and True")
    fails_cleanly(["predict", r, "--renderer", r, *out], "has no `predict`; it is for: autoencoder")
    fails_cleanly(["predict", f, "--renderer", r, "--context", "3", *out], "forecasts from 4 seen frames")
    fails_cleanly(["predict", f, "--renderer", r, "--video", "test:8", *out], "out of range")
    fails_cleanly(["predict", f, "--renderer", r, "--video", "clip.mp4", *out], "video files have no keypoints")
    fails_cleanly(["predict", f, "--renderer", r, "--samples", "0", *out], "--samples: 0 is outside 1 to 32")
    fails_cleanly(["predict", f, "--renderer", r, "--horizon", "0", *out], "--horizon: 0 is outside 1 to 2000")
    fails_cleanly(["predict", f, "--renderer", r, "--out", str(tmp_path / "x.txt")], "outputs must end in")
