import numpy as np
import pytest
import torch
from PIL import Image

from contentpose.data.video import read_video
from contentpose.errors import UserError
from contentpose.viz.video import write_video


def _images(n=8, size=(80, 40)):
    """n frames: a white 10x10 square moving right across a black frame."""
    frames = []
    for i in range(n):
        im = Image.new("RGB", size, (0, 0, 0))
        im.paste((255, 255, 255), (20 + 4 * i, 15, 30 + 4 * i, 25))
        frames.append(im)
    return frames


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_write_then_read_back(tmp_path, suffix):
    path = write_video(_images(), tmp_path / f"clip{suffix}", fps=5)
    gray = read_video(path, frame_size=32, channels=1)
    rgb = read_video(path, frame_size=32, channels=3, max_frames=3)
    assert gray.shape == (8, 1, 32, 32) and rgb.shape == (3, 3, 32, 32)
    assert gray.dtype == torch.float32 and 0 <= gray.min() and gray.max() <= 1
    # centre crop of 80x40 keeps x in [20, 60): the square (4 px/frame) is inside and moves right
    cols = [float((f[0].sum(0) * torch.arange(32)).sum() / f[0].sum()) for f in gray]
    assert gray[0].max() > 0.8 and all(b > a for a, b in zip(cols, cols[1:]))


def test_odd_sized_frames_are_padded_for_h264(tmp_path):
    path = write_video(_images(3, size=(33, 21)), tmp_path / "odd.mp4")
    assert read_video(path, 32, 1).shape == (3, 1, 32, 32)


def test_bad_videos_give_one_clear_error(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(np.random.default_rng(0).bytes(2000))
    with pytest.raises(UserError, match="cannot read video"):
        read_video(broken, 32, 1)
    with pytest.raises(UserError, match="video not found"):
        read_video(tmp_path / "missing.avi", 32, 1)
    with pytest.raises(UserError, match="use a .mp4 or .gif"):
        write_video(_images(2), tmp_path / "x.webm")
