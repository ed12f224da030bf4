"""`contentpose transfer RUN --content A --motion B`: A's content following B's motion, frame by frame.

A and B are video files (read like the run's video folders: square crop `data.crop`, resized to the
frame size, every `data.stride`-th frame) or clips of the run's own data: `test:N` (held-out clip N)
or `train:N` (training clip N); A may also be a still image (its centre square, resized). The motion
clip sets the length. `--relative` applies B's motion since its first frame to A's own pose (FOMM's
animation mode: a still image keeps its place and size) instead of B's poses. Writes MP4/GIF videos (A, B and the
result side by side, one time step per video frame) and a PNG strip (rows A, B, result).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from contentpose.config import Config
from contentpose.data.video import decode_video
from contentpose.errors import UserError
from contentpose.trained import Trained, TrainedRun, load_trained
from contentpose.viz.grid import grid_image, save_grid
from contentpose.viz.prediction import strip_steps
from contentpose.viz.video import VIDEO_SUFFIXES, write_video

OUTPUT_SUFFIXES = VIDEO_SUFFIXES + (".png",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")  # a still image: one content frame
DATA_CLIP = re.compile(r"^(train|val|test):(.*)$")
LABELS = ["content", "motion", "result"]


def read_run_video(cfg: Config, path: str | Path, max_frames: int | None = None) -> torch.Tensor:
    """A video file as the run's data pipeline reads one (crop, size, channels, stride of `cfg.data`):
    (T, C, H, W) float in [0, 1] on the CPU."""
    d = cfg.data
    frames = decode_video(
        Path(path),
        d.frame_size,
        3 if d.colour else 1,
        crop=d.crop,
        stride=d.stride,
        max_frames=max_frames,
        seed=d.test_seed,
    )
    return torch.from_numpy(frames).float() / 255


def read_image(cfg: Config, path: str | Path) -> torch.Tensor:
    """A still image as one frame of the run's data: its centre square, resized to the frame size
    (area-averaged), in the run's channels: (1, C, H, W) in [0, 1] on the CPU."""
    try:
        with Image.open(path) as image:
            image = image.convert("RGB" if cfg.data.colour else "L")
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read the image {path}: {err}") from None
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((cfg.data.frame_size,) * 2, Image.BOX)
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255)
    return (x.permute(2, 0, 1) if x.dim() == 3 else x[None])[None]


def read_source(run: Trained, source: str, max_frames: int) -> torch.Tensor:
    """`test:N`, `train:N` (clip N of the run's data), an image file (one frame) or a video file -> up
    to `max_frames` frames (T, C, H, W) in [0, 1] on the run's device."""
    found = DATA_CLIP.match(source)
    if found and not Path(source).exists():
        split, number = found.groups()
        if not number.isdigit():
            raise UserError(f"{source!r}: a clip of the run's data is written {split}:N, N a clip number (0, 1, ...)")
        return run.dataset(split).clip(int(number), max_frames).to(run.device)
    if Path(source).suffix.lower() in IMAGE_SUFFIXES:
        return read_image(run.config, source).to(run.device)
    return read_run_video(run.config, source, max_frames).to(run.device)


def transfer_to_files(
    run_path: str | Path,
    content: str,
    motion: str,
    outputs: list[str],
    frames: int = 100,
    fps: int = 10,
    device: str = "auto",
    relative: bool = False,
) -> list[Path]:
    """Transfer `motion`'s motion (up to `frames` frames) onto `content`'s content; write `outputs`.
    `relative`: the motion since the motion clip's first frame, applied to the content's own pose."""
    check_transfer_outputs(outputs, frames)
    run = load_trained(run_path, device)
    if not hasattr(run, "transfer"):
        raise UserError(
            f"{run_path} holds a {run.config.objective.name} run, which cannot transfer motion: "
            f"transfer needs a run with content and motion encoders (drnet, mipae, dsvae)"
        )
    if relative and not isinstance(run, TrainedRun):
        raise UserError(f"--relative needs a content/pose autoencoder (drnet, mipae); {run_path} is not one")
    a = read_source(run, content, frames)
    b = read_source(run, motion, frames)
    if len(b) < 2:
        raise UserError(
            f"{motion} gives {len(b)} frame (after data.stride {run.config.data.stride}); "
            f"the motion clip needs at least 2"
        )
    result = (run.transfer(a[None], b[None], relative=True) if relative else run.transfer(a[None], b[None]))[0]
    return write_transfer(a, b, result, outputs, fps)


def check_transfer_outputs(outputs: list[str], frames: int) -> None:
    """Refuse, before any work, output names of an unknown kind and fewer than 2 frames."""
    for out in outputs:
        if Path(out).suffix.lower() not in OUTPUT_SUFFIXES:
            raise UserError(f"cannot write {out}: outputs must end in {', '.join(OUTPUT_SUFFIXES)}")
    if frames < 2:
        raise UserError(f"--frames must be at least 2 (got {frames})")


def write_transfer(
    content: torch.Tensor, motion: torch.Tensor, result: torch.Tensor, outputs: list[str], fps: int
) -> list[Path]:
    """Write the content clip, the motion clip and the result ((T, C, H, W) each) side by side: a PNG
    strip for .png outputs, a video (MP4, GIF) otherwise."""
    written = []
    for out in map(Path, outputs):
        if out.suffix.lower() == ".png":
            cells, labels = transfer_strip(content, motion, result)
            written.append(save_grid(cells, out, column_labels=labels))
        else:
            written.append(write_video(transfer_frames(content, motion, result), out, fps))
    return written


def transfer_strip(
    content: torch.Tensor, motion: torch.Tensor, result: torch.Tensor, columns: int = 12
) -> tuple[torch.Tensor, list[str]]:
    """Cells (3, K, C, H, W) and column labels for `save_grid`: rows the content clip (blank after its
    end), the motion clip and the result, at up to `columns` time steps spread over the motion clip.

    content (T', C, H, W), motion and result (T, C, H, W)."""
    steps = [s - 1 for s in strip_steps(len(motion), columns)]
    blank = torch.full_like(motion[0], float("nan"))
    top = torch.stack([content[t] if t < len(content) else blank for t in steps])
    return torch.stack([top, motion[steps], result[steps]]), [f"t{t + 1}" for t in steps]


def transfer_frames(content: torch.Tensor, motion: torch.Tensor, result: torch.Tensor) -> list[Image.Image]:
    """One image per time step of the motion clip: the content clip (held at its last frame once it
    ends), the motion clip and the result side by side, labelled."""
    images = []
    for t in range(len(motion)):
        cells = torch.stack([content[min(t, len(content) - 1)], motion[t], result[t]])[None]
        images.append(grid_image(cells, column_labels=LABELS))
    return images
