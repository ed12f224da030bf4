"""data.split for video folders: by time (the end of every video held out), by video, and auto."""

import numpy as np
import pytest
import torch
from PIL import Image

from contentpose.cli import main
from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.video import decode_video
from contentpose.errors import UserError
from contentpose.trained import read_run_config
from contentpose.viz.video import write_video


def _video(path, n, shade):
    """An mp4 of n frames: a square of one shade moving right over black."""
    images = [Image.new("RGB", (40, 40), (0, 0, 0)) for _ in range(n)]
    for i, im in enumerate(images):
        im.paste((shade, shade, shade), (2 + 2 * i, 12, 14 + 2 * i, 24))
    write_video(images, path)


def _folder(root, lengths):
    root.mkdir()
    for i, n in enumerate(lengths):
        _video(root / f"v{i:02d}.mp4", n, 100 + 10 * i)
    return root


def _cfg(root, *extra):
    return load_config("quick", [f"data=videos:{root}", "data.frame_size=32", *extra]).data


def test_auto_splits_a_few_videos_by_time(tmp_path, capsys):
    root = _folder(tmp_path / "v", [10, 12, 15])
    cache = tmp_path / "cache"
    train = build_dataset(_cfg(root), "train", cache_dir=cache)
    note = [line for line in capsys.readouterr().err.splitlines() if "data split" in line]  # (and a progress bar)
    assert len(note) == 1 and "split by time (data.split=auto: 3 video(s), fewer than 10)" in note[0]
    assert "last 20% of every video is held out (its first half val" in note[0] and "not unseen videos" in note[0]
    val, test = (build_dataset(_cfg(root), s, cache_dir=cache) for s in ("val", "test"))
    assert capsys.readouterr().err == ""  # said once, when the training split is built
    assert train.names == val.names == test.names and len(train.names) == 3
    assert train.lengths.tolist() == [8, 10, 12] and val.lengths.tolist() == [1, 1, 1]
    assert test.lengths.tolist() == [1, 1, 2]  # the held-out 2, 2, 3 frames, cut in two
    for i in range(3):  # train part + val part + test part = the whole video
        whole = torch.from_numpy(decode_video(root / f"v{i:02d}.mp4", 32, 1)).float() / 255
        assert torch.equal(torch.cat([train.clip(i, 100), val.clip(i, 100), test.clip(i, 100)]), whole)
    assert train.sequences(4, 8, torch.Generator().manual_seed(0)).shape == (4, 8, 1, 32, 32)


def test_explicit_splits_and_auto_with_many_videos(tmp_path, capsys):
    few = _folder(tmp_path / "few", [6, 7, 8])
    by_video = build_dataset(_cfg(few, "data.split=video", "data.test_fraction=0.34"), "train", cache_dir=tmp_path)
    assert "data split by video: 34% of the videos are held out whole" in capsys.readouterr().err
    held = build_dataset(_cfg(few, "data.split=video", "data.test_fraction=0.34"), "test", cache_dir=tmp_path)
    val = build_dataset(_cfg(few, "data.split=video", "data.test_fraction=0.34"), "val", cache_dir=tmp_path)
    assert len(by_video.names) == len(held.names) == len(val.names) == 1  # at least one video each
    assert len(set(by_video.names) | set(held.names) | set(val.names)) == 3
    many = _folder(tmp_path / "many", [4] * 10)
    train = build_dataset(_cfg(many), "train", cache_dir=tmp_path)
    assert "split by video (data.split=auto: 10 videos)" in capsys.readouterr().err
    assert len(train.names) == 8 and train.lengths.tolist() == [4] * 8
    timed = build_dataset(_cfg(many, "data.split=time"), "test", cache_dir=tmp_path, quiet=True)
    assert len(timed.names) == 10 and timed.lengths.tolist() == [1] * 10  # 2 frames held out (val 1, test 1)
    assert capsys.readouterr().err == ""  # quiet: no note


def test_one_video_needs_the_time_split(tmp_path):
    root = tmp_path / "one"
    root.mkdir()
    _video(root / "only.mp4", 10, 200)
    test = build_dataset(_cfg(root), "test", cache_dir=tmp_path, quiet=True)
    assert test.lengths.tolist() == [1]
    with pytest.raises(UserError, match="needs at least 3 .*data.split=time"):
        build_dataset(_cfg(root, "data.split=video"), "train", cache_dir=tmp_path, quiet=True)
    with pytest.raises(UserError, match="data.split' must be one of auto, video, time"):
        _cfg(root, "data.split=clip")
    with pytest.raises(UserError, match="only.mp4 has fewer than 3 frames"):
        build_dataset(_cfg(root, "data.stride=10", "data.min_frames=1"), "train", cache_dir=tmp_path, quiet=True)


def test_video_runs_from_before_the_option_keep_their_split_by_video(tmp_path):
    run = tmp_path / "old"
    run.mkdir()
    (run / "config.yaml").write_text(f"data: {{name: videos, path: {tmp_path}}}\n")
    assert read_run_config(run).data.split == "video"


def test_train_and_transfer_on_a_few_videos(tmp_path, capsys):
    root = _folder(tmp_path / "v", [12, 12, 14])
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "quick",
                f"data=videos:{root}",
                "data.frame_size=32",
                "model.width=8",
                "train.steps=2",
                "train.batch_size=4",
                "train.device=cpu",
                "--out",
                str(run),
            ]
        )
        == 0
    )
    assert "data split by time" in capsys.readouterr().err
    out = tmp_path / "t.gif"
    assert main(["transfer", str(run), "--content", "train:0", "--motion", "test:2", "--out", str(out)]) == 0
    assert Image.open(out).n_frames == 2  # the test part of the 14-frame video's held-out 3 frames
    assert main(["transfer", str(run), "--content", "test:1", "--motion", "train:2", "--out", str(out)]) == 0
    assert Image.open(out).n_frames == 11
    assert main(["transfer", str(run), "--content", "test:3", "--motion", "train:0", "--out", str(out)]) == 2
    assert "clip number 3 is out of range: this split has 3 clips" in capsys.readouterr().err
    assert np.asarray(Image.open(out)).std() > 0
    grid = tmp_path / "a.png"  # analogies of training frames too
    assert main(["analogy", str(run), "--split", "train", "--size", "2", "--out", str(grid)]) == 0
    assert Image.open(grid).size == Image.open(grid).size[::-1] and grid.stat().st_size > 0
