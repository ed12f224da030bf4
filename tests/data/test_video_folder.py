"""Video folders: written in the test (mp4, avi, gif, frame folders), loaded, split, cached."""

import av
import numpy as np
import pytest
import torch
from PIL import Image

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.errors import UserError
from contentpose.viz.video import write_video


def _frames(n, shade=255, size=(80, 60)):
    """n frames with a square moving right."""
    out = []
    for i in range(n):
        im = Image.new("RGB", size, (0, 0, 0))
        im.paste((shade, shade // 2, 0), (10 + 3 * i, 20, 26 + 3 * i, 36))
        out.append(im)
    return out


def _write_avi(path, frames, fps=10):
    with av.open(str(path), "w") as c:
        s = c.add_stream("mpeg4", rate=fps)
        s.width, s.height, s.pix_fmt = frames[0].size[0], frames[0].size[1], "yuv420p"
        for im in frames:
            for p in s.encode(av.VideoFrame.from_image(im)):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "videos"
    (root / "sub" / "frames_a").mkdir(parents=True)
    write_video(_frames(12), root / "one.mp4")
    write_video(_frames(10, 200), root / "sub" / "two.gif")
    _write_avi(root / "sub" / "three.avi", _frames(14, 150))
    for i, im in enumerate(_frames(9, 100)):
        im.save(root / "sub" / "frames_a" / f"{i:03d}.png")
    (root / "sub" / "frames_b").mkdir()
    for i, im in enumerate(_frames(8, 120)):
        im.save(root / "sub" / "frames_b" / f"{i:03d}.jpg")
    return root


def _cfg(root, *extra):
    return load_config(
        "quick", [f"data=videos:{root}", "data.frame_size=32", "data.test_fraction=0.4", "data.split=video", *extra]
    ).data


def test_loads_every_format_and_splits_by_video(folder, tmp_path):
    cache = tmp_path / "cache"
    train = build_dataset(_cfg(folder), "train", cache_dir=cache, quiet=True)
    test = build_dataset(_cfg(folder), "test", cache_dir=cache, quiet=True)
    val = build_dataset(_cfg(folder), "val", cache_dir=cache, quiet=True)
    names = sorted(train.names + val.names + test.names)
    assert len(set(names)) == 5 and len(val.names) == 1 and len(test.names) == 1  # 2 held out: one each
    assert sorted(train.lengths.tolist() + val.lengths.tolist() + test.lengths.tolist()) == [8, 9, 10, 12, 14]
    again = build_dataset(_cfg(folder), "test", cache_dir=cache, quiet=True)
    assert again.names == test.names  # fixed by the seed
    x_t, x_tk = train.pairs(6, 3, torch.Generator().manual_seed(0))
    assert x_t.shape == x_tk.shape == (6, 1, 32, 32) and x_t.max() <= 1 and x_t.max() > 0.2
    seq = train.sequences(4, 8, torch.Generator().manual_seed(0))
    assert seq.shape == (4, 8, 1, 32, 32)
    assert test.test_clips(5, 6).frames.shape[1:] == (6, 1, 32, 32)
    rgb = build_dataset(_cfg(folder, "data.colour=true"), "train", cache_dir=cache, quiet=True)
    assert rgb.pairs(2, 1, torch.Generator())[0].shape == (2, 3, 32, 32)


def test_cache_is_reused_and_rebuilt_when_the_source_changes(folder, tmp_path):
    cache = tmp_path / "cache"
    build_dataset(_cfg(folder), "train", cache_dir=cache, quiet=True)
    files = sorted(cache.glob("*.u8"))
    stamp = files[0].stat().st_mtime_ns
    build_dataset(_cfg(folder), "test", cache_dir=cache, quiet=True)
    assert sorted(cache.glob("*.u8")) == files and files[0].stat().st_mtime_ns == stamp  # reused
    write_video(_frames(11), folder / "four.mp4")
    data = build_dataset(_cfg(folder), "train", cache_dir=cache, quiet=True)
    assert len(list(cache.glob("*.u8"))) == 2 and len(data.names) == 4  # rebuilt
    build_dataset(_cfg(folder, "data.stride=2"), "train", cache_dir=cache, quiet=True)
    assert len(list(cache.glob("*.u8"))) == 3  # options count


def test_bad_files_stop_with_one_line_or_are_skipped_and_listed(folder, tmp_path, capsys):
    cache = tmp_path / "cache"
    (folder / "broken.mp4").write_bytes(np.random.default_rng(0).bytes(3000))
    with pytest.raises(UserError, match="broken.mp4"):
        build_dataset(_cfg(folder), "train", cache_dir=cache, quiet=True)
    assert not list(cache.glob("*.tmp"))  # no half-written cache left behind
    (folder / "notes.txt").write_text("hello")
    with pytest.raises(UserError, match="notes.txt: unsupported file type"):
        build_dataset(_cfg(folder), "train", cache_dir=cache, quiet=True)
    short = _cfg(folder, "data.skip_bad=true", "data.min_frames=10")
    data = build_dataset(short, "train", cache_dir=cache)
    err = capsys.readouterr().err
    for name in ("broken.mp4", "notes.txt", "frames_a", "frames_b"):  # every skipped file, with why
        assert name in err
    assert "has 9 frames" in err and "unsupported file type" in err
    assert all(length >= 10 for length in data.lengths)
    assert not list(cache.glob("*.tmp")) and len(list(cache.glob("*.json"))) == 1


def test_missing_empty_and_too_short(tmp_path):
    with pytest.raises(UserError, match="video path not found"):
        build_dataset(_cfg(tmp_path / "nope"), "train", cache_dir=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no videos or frame folders"):
        build_dataset(_cfg(tmp_path / "empty"), "train", cache_dir=tmp_path)
    one = tmp_path / "one"
    one.mkdir()
    for name in ("a", "b", "c"):  # train, val, test: one video each
        write_video(_frames(4), one / f"{name}.mp4")
    data = build_dataset(_cfg(one), "train", cache_dir=tmp_path, quiet=True)
    with pytest.raises(UserError, match="no clip has the 6 frames"):
        data.sequences(2, 6, torch.Generator())
    with pytest.raises(UserError, match="needs data.path"):
        build_dataset(load_config("quick", ["data.name=videos"]).data, "train")


def test_mixed_frame_sizes_in_a_frame_folder(tmp_path):
    clip = tmp_path / "v" / "clip"
    clip.mkdir(parents=True)
    _frames(1)[0].save(clip / "0.png")
    _frames(1, size=(40, 40))[0].save(clip / "1.png")
    write_video(_frames(5), tmp_path / "v" / "ok.mp4")
    with pytest.raises(UserError, match="frames of different sizes"):
        build_dataset(_cfg(tmp_path / "v"), "train", cache_dir=tmp_path / "c", quiet=True)
