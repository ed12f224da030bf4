"""The forecast picture and the report page of a pose forecasting run."""

from conftest import untrained_run

from contentpose.eval.protocols.pose_forecast import evaluate_forecasters
from contentpose.trained import load_forecaster
from contentpose.viz.html_report import write_report
from contentpose.viz.pose_forecast import forecast_grid


def _untrained_run(path):
    return untrained_run(
        path,
        "poseforecast_quick",
        [
            "data.test_clips=8",
            "data.frame_size=32",
            "model.forecast_hidden=16",
            "predictor.context=3",
            "predictor.future=8",
        ],
    )


def test_forecast_grid_draws_truth_and_samples_over_the_frames(tmp_path):
    run = load_forecaster(_untrained_run(tmp_path / "run"), "cpu")
    cells = forecast_grid(run, clips=2, samples=2, columns=5)
    assert cells.shape == (2, 5, 3, 32, 32) and 0 <= cells.min() and cells.max() <= 1
    white = (cells > 0.95).all(dim=2)  # the true skeleton
    assert white.any(dim=(2, 3)).all()  # in every cell
    orange = (cells[:, :, 0] > 0.9) & (cells[:, :, 2] < 0.2)  # the first sample's colour
    assert orange[:, 1:].any()


def test_report_of_a_forecasting_run(tmp_path):
    path = _untrained_run(tmp_path / "run")
    evaluate_forecasters([path], "cpu", samples=3, quiet=True)
    page = write_report(path, "cpu").read_text()
    assert "Pose forecasts" in page and "last pose held" in page and "CVAE, z ~ prior" in page
    assert (path / "report_files" / "forecasts.png").is_file()
