"""VGAN pictures: generated clips as a grid video, the parts of each clip side by side (foreground,
mask, background, composite), and the conditional model's continuation of a first frame.

    contentpose samples RUN [--out samples.png] [--video samples.gif]   # + samples_parts.gif
    contentpose predict RUN [--clips 4 | --image FILE | --video FILE]   # vgan_cond
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from contentpose.data import data_channels
from contentpose.data.video import square_box
from contentpose.errors import UserError
from contentpose.models.vgan import VideoParts
from contentpose.trained import TrainedVideoGenerator, load_video_generator
from contentpose.viz.grid import grid_image, save_grid
from contentpose.viz.prediction import OUTPUT_SUFFIXES, prediction_strip, video_frames
from contentpose.viz.transfer import read_run_video
from contentpose.viz.video import VIDEO_SUFFIXES, write_video

PART_NAMES = ("foreground", "mask", "background", "composite")


def sample_parts(gen: TrainedVideoGenerator, n: int, seed: int = 0) -> VideoParts:
    """n generated clips; the conditional model continues the first frames of held-out clips (taken
    again, with other noise, when n is more than the test set holds)."""
    first = None
    if gen.conditional:
        first = gen.dataset("test").test_clips(n, 1).frames[:, 0]
        first = first[torch.arange(n) % len(first)]
    return gen.generate(n, seed, first)


def clip_grid_frames(clips: torch.Tensor, rows: int, cols: int) -> list[Image.Image]:
    """Clips (rows * cols, T, C, H, W) tiled rows x cols: one image per time step."""
    cells = clips.view(rows, cols, *clips.shape[1:])
    return [grid_image(cells[:, :, t]) for t in range(clips.shape[1])]


def parts_cells(parts: VideoParts) -> torch.Tensor:
    """Per clip and frame the parts side by side: (n, T, 4, C, H, W) in PART_NAMES order (two streams),
    or (n, T, 1, C, H, W) with the video alone (one stream)."""
    v = parts.video
    if parts.mask is None:
        return v[:, :, None]
    mask = parts.mask.expand_as(v)
    background = parts.background[:, None].expand_as(v)
    return torch.stack([parts.foreground, mask, background, v], dim=2)


def parts_frames(parts: VideoParts) -> list[Image.Image]:
    """One image per time step: a row per clip, columns foreground, mask, background, composite."""
    cells = parts_cells(parts)
    return [grid_image(cells[:, t]) for t in range(cells.shape[1])]


def frame_strip(clips: torch.Tensor, columns: int = 16) -> torch.Tensor:
    """Up to `columns` frames spread over each clip (n, T, C, H, W) -> cells (n, k, C, H, W)."""
    keep = torch.linspace(0, clips.shape[1] - 1, min(columns, clips.shape[1])).round().long()
    return clips[:, keep]


def samples_to_files(
    run_path: str | Path,
    out: str | Path,
    video: str | Path | None,
    rows: int,
    cols: int,
    seed: int = 0,
    fps: int = 8,
    device: str = "auto",
) -> list[Path]:
    """Write a PNG (`rows` clips, a row of frames each), a video of rows x cols clips and, next to
    it, `<video>_parts<suffix>`: the parts of the first `rows` clips side by side."""
    if Path(out).suffix.lower() != ".png":
        raise UserError(f"cannot write {out}: the sample grid is a .png file (videos go to --video)")
    video = Path(video) if video else Path(out).with_suffix(".gif")
    if video.suffix.lower() not in VIDEO_SUFFIXES:
        raise UserError(f"cannot write {video}: use a {' or '.join(VIDEO_SUFFIXES)} file name")
    gen = load_video_generator(run_path, device)
    parts = sample_parts(gen, rows * cols, seed)
    first_rows = VideoParts(
        *(None if t is None else t[:rows] for t in (parts.video, parts.foreground, parts.mask, parts.background))
    )
    parts_path = video.with_name(f"{video.stem}_parts{video.suffix}")
    return [
        save_grid(frame_strip(parts.video[:rows]), out),
        write_video(clip_grid_frames(parts.video, rows, cols), video, fps),
        write_video(parts_frames(first_rows), parts_path, fps),
    ]


def read_image(path: str | Path, frame_size: int, channels: int) -> torch.Tensor:
    """An image file, centre square, resized to the frame: (C, H, W) in [0, 1]."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"image not found: {path}")
    try:
        with Image.open(path) as image:
            image = image.crop(square_box(image.size, "centre", 0)).resize((frame_size, frame_size), Image.BOX)
            array = np.asarray(image.convert("L" if channels == 1 else "RGB"), dtype=np.float32) / 255
    except (UnidentifiedImageError, OSError) as err:
        raise UserError(f"cannot read image {path}: {err}") from None
    return torch.from_numpy(array[None] if channels == 1 else array.transpose(2, 0, 1).copy())


def predict_to_files(
    run_path: str | Path,
    outputs: list[str],
    clips: int = 4,
    image: str | None = None,
    video: str | None = None,
    seed: int = 0,
    fps: int = 8,
    device: str = "auto",
) -> list[Path]:
    """The conditional VGAN's clip from a first frame: of `clips` held-out clips (true future shown
    above), or of an image file, or the first frame of a video file. Writes PNG strips and videos."""
    for out in outputs:
        if Path(out).suffix.lower() not in OUTPUT_SUFFIXES:
            raise UserError(f"cannot write {out}: outputs must end in {', '.join(OUTPUT_SUFFIXES)}")
    if image is not None and video is not None:
        raise UserError("give --image or --video, not both")
    gen = load_video_generator(run_path, device)
    if not gen.conditional:
        raise UserError(
            f"{run_path} holds an unconditional VGAN, which draws clips from noise only; predict "
            f"needs a conditional one (objective=vgan_cond); try: contentpose samples {run_path}"
        )
    d, T = gen.config.data, gen.config.model.vgan_frames
    channels = data_channels(d)
    truth = None
    if image is not None:
        first = read_image(image, d.frame_size, channels)[None]
    elif video is not None:
        first = read_run_video(gen.config, video, 1)[:1]
    else:
        if clips < 1:
            raise UserError("--clips must be at least 1")
        real = gen.dataset("test").test_clips(clips, T).frames
        first, truth = real[:, 0], real[:, 1:]
    first = first.to(gen.device)
    pred = gen.generate(len(first), seed, first).video[:, 1:]  # frame 1 is the input's copy
    written = []
    for out in map(Path, outputs):
        if out.suffix.lower() == ".png":
            cells, labels = prediction_strip(first[:, None], pred, truth)
            written.append(save_grid(cells, out, column_labels=labels))
        else:
            written.append(write_video(video_frames(first[:, None], pred, truth), out, fps))
    return written
