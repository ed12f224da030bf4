"""`contentpose transfer` on a pose-to-frame run (issue 19)."""

from conftest import untrained_run
from PIL import Image

from contentpose.cli import main


def _untrained_run(path):
    return untrained_run(path, "posegen_quick", ["model.width=8", "data.test_clips=8"])


def test_transfer_writes_the_strip_and_video_and_scores_against_the_truth(tmp_path, capsys, fails_cleanly):
    run = _untrained_run(tmp_path / "run")
    gif, png = tmp_path / "t.gif", tmp_path / "t.png"
    assert (
        main(
            [
                "transfer",
                str(run),
                "--content",
                "test:0",
                "--motion",
                "train:3",
                "--frames",
                "5",
                "--out",
                str(gif),
                "--out",
                str(png),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "PSNR against the renderer's truth" in out and Image.open(gif).n_frames == 5
    assert Image.open(png).size[1] > 3 * 32
    fails_cleanly(["transfer", str(run), "--content", "test:0", "--motion", str(gif)], "video files have no keypoints")
    fails_cleanly(["transfer", str(run), "--content", "test:8", "--motion", "test:1"], "out of range")


def test_evaluate_and_report_a_pose_to_frame_run(tmp_path, capsys, monkeypatch):
    import json

    from contentpose.eval import keypoint_regressor

    monkeypatch.setattr(keypoint_regressor, "STEPS", 3)  # the regressor's own test trains it for real
    run = _untrained_run(tmp_path / "run")
    assert main(["evaluate", str(run), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "baseline: copy target frame" in out and "keypoint regressor on the true frames (floor)" in out
    transfer = json.loads((run / "eval.json").read_text())["transfer"]
    assert set(transfer["methods"]) == {"generated (normalised keypoints)", "generated (oracle keypoints)"}
    assert transfer["regressor_error_px"] > 0 and transfer["baselines"]["copy target frame"]["keypoint_error_px"] > 0
    assert (run / keypoint_regressor.REGRESSOR).is_file()  # cached for the next evaluation
    assert main(["report", str(run), "--device", "cpu"]) == 0
    page = (run / "report.html").read_text()
    assert "Motion transfer" in page and "copy source frames" in page and "keypoint error (px)" in page
