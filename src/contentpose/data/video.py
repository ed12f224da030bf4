"""Read a user's video file (PyAV) as frames the models take: centre-cropped, resized, [0, 1]."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import torch
from PIL import Image

from contentpose.errors import UserError


def read_video(path: str | Path, frame_size: int, channels: int, max_frames: int | None = None) -> torch.Tensor:
    """Decode up to `max_frames` frames -> (T, C, H, W) float in [0, 1], square `frame_size` px.

    Each frame is centre-cropped to a square and resized (area filter); `channels` 1 gives
    grayscale, 3 gives RGB.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"video not found: {path}")
    frames = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UserError(f"{path} holds no video stream")
            for frame in container.decode(video=0):
                frames.append(_prepare(frame.to_image(), frame_size, channels))
                if max_frames is not None and len(frames) >= max_frames:
                    break
    except (av.FFmpegError, OSError, ValueError) as err:
        raise UserError(f"cannot read video {path}: {err}") from None
    if not frames:
        raise UserError(f"{path} holds no decodable frames")
    return torch.from_numpy(np.stack(frames))


def _prepare(image: Image.Image, size: int, channels: int) -> np.ndarray:
    """PIL image -> (C, size, size) float32 array in [0, 1]."""
    w, h = image.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((size, size), Image.BOX)
    image = image.convert("L" if channels == 1 else "RGB")
    array = np.asarray(image, dtype=np.float32) / 255.0
    return array[None] if channels == 1 else array.transpose(2, 0, 1)
