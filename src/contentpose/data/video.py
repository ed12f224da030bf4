"""Decode a user's video file (PyAV) or folder of frame images into the frames models take:
square (centre or random crop), resized to the frame size, grayscale or RGB."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from contentpose.errors import UserError

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".gif")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def read_video(path: str | Path, frame_size: int, channels: int, max_frames: int | None = None) -> torch.Tensor:
    """Decode up to `max_frames` frames, centre-cropped -> (T, C, H, W) float in [0, 1]."""
    frames = decode_video(Path(path), frame_size, channels, max_frames=max_frames)
    return torch.from_numpy(frames).float() / 255


def decode_video(
    path: Path,
    frame_size: int,
    channels: int,
    crop: str = "centre",
    stride: int = 1,
    max_frames: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Frames of a video file -> uint8 (T, C, frame_size, frame_size); every `stride`-th frame.

    `crop` "centre" takes the middle square; "random" one square at a random place, the same
    for the whole clip, drawn from `seed`. Raises UserError naming the file if it cannot be read.
    """
    if not path.is_file():
        raise UserError(f"video not found: {path}")
    frames: list[np.ndarray] = []
    box = None
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UserError(f"{path} holds no video stream")
            for i, frame in enumerate(container.decode(video=0)):
                if i % stride:
                    continue
                image = frame.to_image()
                box = box or square_box(image.size, crop, seed)
                frames.append(_prepare(image, box, frame_size, channels))
                if max_frames is not None and len(frames) >= max_frames:
                    break
    except (av.FFmpegError, OSError, ValueError) as err:
        raise UserError(f"cannot read video {path}: {err}") from None
    if not frames:
        raise UserError(f"{path} holds no decodable frames")
    return np.stack(frames)


def decode_frame_folder(
    folder: Path, frame_size: int, channels: int, crop: str = "centre", stride: int = 1, seed: int = 0
) -> np.ndarray:
    """The images in `folder` (sorted by name) as one clip -> uint8 (T, C, frame_size, frame_size)."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)[::stride]
    frames, box, size = [], None, None
    for file in files:
        try:
            with Image.open(file) as image:
                if size is not None and image.size != size:
                    raise UserError(
                        f"frames of different sizes in {folder}: {file.name} is {image.size[0]}x"
                        f"{image.size[1]}, earlier frames {size[0]}x{size[1]}"
                    )
                size = image.size
                box = box or square_box(image.size, crop, seed)
                frames.append(_prepare(image, box, frame_size, channels))
        except (UnidentifiedImageError, OSError) as err:
            raise UserError(f"cannot read frame {file}: {err}") from None
    if not frames:
        raise UserError(f"{folder} holds no frame images")
    return np.stack(frames)


def square_box(size: tuple[int, int], crop: str, seed: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the square cut from a (w, h) image."""
    w, h = size
    side = min(w, h)
    if crop == "random":
        rng = np.random.default_rng(seed)
        left, top = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
    else:
        left, top = (w - side) // 2, (h - side) // 2
    return left, top, left + side, top + side


def _prepare(image: Image.Image, box: tuple[int, int, int, int], size: int, channels: int) -> np.ndarray:
    """PIL image -> (C, size, size) uint8."""
    image = image.crop(box).resize((size, size), Image.BOX).convert("L" if channels == 1 else "RGB")
    array = np.asarray(image, dtype=np.uint8)
    return array[None] if channels == 1 else array.transpose(2, 0, 1)
