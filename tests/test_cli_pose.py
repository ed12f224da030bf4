"""`contentpose transfer` on a pose-to-frame run (issue 19)."""

import av
import pytest
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
    fails_cleanly(["transfer", str(run), "--content", "test:8", "--motion", "test:1"], "out of range")
    fails_cleanly(["transfer", str(run), "--content", "test:one", "--motion", "test:1"], "written test:N")


def _figures_mp4(run, path, clip=1, frames=6):
    """Held-out figures clip `clip` of the run, written as an MP4 by the project's video writer."""
    from contentpose.trained import load_pose_generator
    from contentpose.viz.video import write_video

    video = load_pose_generator(run, "cpu").dataset("test").clip(clip, frames)  # (T, C, H, W) in [0, 1]
    images = [Image.fromarray((f.permute(1, 2, 0) * 255).round().byte().numpy()) for f in video]
    return write_video(images, path)


def test_transfer_takes_the_motion_and_the_content_from_video_files(tmp_path, capsys, monkeypatch, fails_cleanly):
    from contentpose.eval.judges import keypoint_regressor as kr

    monkeypatch.setattr(kr, "STEPS", 3)  # the regressor's own test trains it for real
    run = _untrained_run(tmp_path / "run")
    mp4 = _figures_mp4(run, tmp_path / "motion.mp4")
    gif, png = tmp_path / "t.gif", tmp_path / "t.png"
    outs = ["--out", str(gif), "--out", str(png), "--device", "cpu"]
    assert main(["transfer", str(run), "--content", "test:0", "--motion", str(mp4), *outs]) == 0
    out = capsys.readouterr().out
    assert "keypoint error" in out and "not PSNR" in out and "PSNR against" not in out
    assert Image.open(gif).n_frames == 6 and Image.open(png).size[1] > 3 * 32  # the video's 6 frames
    assert (run / kr.REGRESSOR).is_file()  # trained on first use, cached in the run
    assert main(["transfer", str(run), "--content", str(mp4), "--motion", "test:2", "--frames", "4", *outs]) == 0
    assert "keypoint error" in capsys.readouterr().out and Image.open(gif).n_frames == 4
    empty = tmp_path / "empty.mp4"  # a video container with no frames
    with av.open(str(empty), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        container.start_encoding()
    fails_cleanly(["transfer", str(run), "--content", "test:0", "--motion", str(empty)], "empty.mp4 holds no")
    fails_cleanly(["transfer", str(run), "--content", str(tmp_path / "no.mp4"), "--motion", "test:0"], "not found")
    (tmp_path / "text.mp4").write_text("not a video")
    fails_cleanly(["transfer", str(run), "--content", "test:0", "--motion", str(tmp_path / "text.mp4")], "cannot read")


def test_a_motion_video_is_posed_by_the_regressors_reading_of_its_frames(tmp_path, monkeypatch):
    """The keypoints that drive the render are the regressor's reading of the video's frames as the
    run's data pipeline reads them, normalised to the content figure; the score is the regressor's
    reading of the result against them."""
    from contentpose.data.figures import bone_maps
    from contentpose.eval.judges import keypoint_regressor as kr
    from contentpose.eval.protocols.pose_transfer import normalise_to_target
    from contentpose.trained import load_pose_generator
    from contentpose.viz.pose_transfer import pose_transfer_to_files
    from contentpose.viz.transfer import read_run_video

    monkeypatch.setattr(kr, "STEPS", 3)
    run_path = _untrained_run(tmp_path / "run")
    mp4 = _figures_mp4(run_path, tmp_path / "motion.mp4", clip=3, frames=5)
    outs = [str(tmp_path / "t.png")]
    _, score = pose_transfer_to_files(run_path, "test:0", str(mp4), outs, frames=5, device="cpu", quiet=True)
    run = load_pose_generator(run_path, "cpu")
    regressor = kr.keypoint_regressor(run_path, run.dataset("train"), quiet=True)  # the cached one
    frames = read_run_video(run.config, mp4)
    assert frames.shape == (5, 3, 32, 32)
    assert (frames - run.dataset("test").clip(3, 5)).abs().mean() < 0.05  # the MP4 keeps the figure
    content = run.dataset("test").test_clips(1, 5)
    target = normalise_to_target(kr.read_keypoints(regressor, frames)[None], content.keypoints)
    result = run.render(bone_maps(target, 32), content.frames[:, 0])
    expected = kr.keypoint_error(regressor, result, target).mean()
    assert score["keypoint_error_px"] == pytest.approx(float(expected), abs=1e-4)
    exact = normalise_to_target(run.dataset("test").test_clips(4, 5).keypoints[3:], content.keypoints)
    assert (exact - target).norm(dim=-1).mean() > 0.1  # not the clip's exact keypoints: read from the video


def test_evaluate_and_report_a_pose_to_frame_run(tmp_path, capsys, monkeypatch):
    import json

    from contentpose.eval.judges import keypoint_regressor

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
    assert "Motion transfer" in page and "copy source frames" in page and "keypoint error px" in page
