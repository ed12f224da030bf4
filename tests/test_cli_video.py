"""The `video` preset on a handful of the user's videos: split by time, scored against the
nearest training frame, motion moved among the training videos."""

from conftest import TINY, coloured_videos
from PIL import Image

from contentpose.cli import main
from contentpose.eval.protocols import held_out_video


def test_video_preset_trains_evaluates_and_transfers_among_a_few_videos(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(held_out_video, "PAIRS", 100)  # fewer held-out pairs than a real evaluation
    videos = coloured_videos(tmp_path / "videos")
    run = tmp_path / "run"
    assert main(["train", "video", f"data=videos:{videos}", *TINY, "--out", str(run)]) == 0
    assert "data split by time" in capsys.readouterr().err  # 3 videos: the end of each is held out
    assert main(["evaluate", str(run)]) == 0
    out = capsys.readouterr().out
    assert "nearest training frame to x_t+k" in out and "copy x_t (the content frame)" in out
    assert (
        "100 held-out pairs" in out
        and "across videos" in out
        and "judge names held-out frames' own video in 1.000" in out
    )
    assert "FOMM's protocol" in out and "x_0 blurred (best width)" in out  # the first-frame table too
    strip = tmp_path / "t.png"
    assert main(["transfer", str(run), "--content", "train:0", "--motion", "train:2", "--out", str(strip)]) == 0
    assert Image.open(strip).size[1] > 3 * 32  # content, motion and result rows
