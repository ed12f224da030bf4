"""Write frame sequences as MP4 (PyAV, H.264) or GIF (Pillow)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from contentpose.errors import UserError

VIDEO_SUFFIXES = (".mp4", ".gif")


def write_video(frames: list[Image.Image], path: str | Path, fps: int = 10) -> Path:
    """Write RGB images of one size as a video; the format follows the suffix (.mp4 or .gif)."""
    path = Path(path)
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise UserError(f"cannot write video {path}: use a {' or '.join(VIDEO_SUFFIXES)} file name")
    if not frames:
        raise UserError(f"no frames to write to {path}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".gif":
            frames[0].save(path, save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0)
        else:
            _write_mp4(frames, path, fps)
    except (OSError, ValueError, av.FFmpegError) as err:
        raise UserError(f"cannot write video {path}: {err}") from None
    return path


def _write_mp4(frames: list[Image.Image], path: Path, fps: int) -> None:
    w, h = frames[0].size
    w2, h2 = w + w % 2, h + h % 2  # yuv420p needs even sides
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w2, h2, "yuv420p"
        stream.options = {"crf": "18"}
        for image in frames:
            rgb = np.zeros((h2, w2, 3), np.uint8)
            rgb[:h, :w] = np.asarray(image.convert("RGB"))
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
