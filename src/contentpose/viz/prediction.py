"""`contentpose predict`: roll out from context frames and write a PNG strip (the DrNet paper's
long-rollout figure), MP4 and GIF videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from contentpose.data.video import read_video
from contentpose.errors import UserError
from contentpose.models.video_predictor import VideoPredictor
from contentpose.trained import load_predictor, load_run
from contentpose.viz.grid import grid_image, save_grid
from contentpose.viz.video import VIDEO_SUFFIXES, write_video

OUTPUT_SUFFIXES = VIDEO_SUFFIXES + (".png",)


def predict_to_files(
    run_path: str | Path,
    outputs: list[str],
    context: int,
    horizon: int,
    video: str | None = None,
    clips: int = 4,
    fps: int = 10,
    device: str = "auto",
) -> list[Path]:
    """Predict `horizon` frames after `context` frames of held-out clips (or of a video file)."""
    if context < 1 or horizon < 1:
        raise UserError(f"--context and --horizon must be at least 1 (got {context} and {horizon})")
    for out in outputs:
        if Path(out).suffix.lower() not in OUTPUT_SUFFIXES:
            raise UserError(f"cannot write {out}: outputs must end in {', '.join(OUTPUT_SUFFIXES)}")
    run = load_run(run_path, device)
    predictor = VideoPredictor(run.model, load_predictor(run))
    data = run.dataset("test")
    if video is not None:
        frames = read_video(video, run.config.data.frame_size, data.channels, context + horizon)[None]
        if frames.shape[1] < context:
            raise UserError(f"{video} has {frames.shape[1]} frames; --context {context} needs at least {context}")
        frames = frames.to(run.device)
    else:
        if clips < 1:
            raise UserError("--clips must be at least 1")
        frames = data.test_clips(clips, context + horizon).frames
    past, truth = frames[:, :context], frames[:, context:]
    truth = truth if truth.shape[1] > 0 else None
    pred = predictor(past, horizon)
    written = []
    for out in map(Path, outputs):
        if out.suffix.lower() == ".png":
            cells, labels = prediction_strip(past, pred, truth)
            written.append(save_grid(cells, out, column_labels=labels))
        else:
            written.append(write_video(video_frames(past, pred, truth), out, fps))
    return written


def strip_steps(horizon: int, columns: int = 12) -> list[int]:
    """Up to `columns` predicted steps (1-based) spread over the horizon, always the first and last."""
    if horizon <= columns:
        return list(range(1, horizon + 1))
    return sorted({int(round(s)) for s in np.geomspace(1, horizon, columns)})


def prediction_strip(
    context: torch.Tensor, pred: torch.Tensor, truth: torch.Tensor | None, columns: int = 12
) -> tuple[torch.Tensor, list[str]]:
    """Cells and column labels for `save_grid`: per clip a ground-truth row (where there is one)
    and a predicted row; columns = the context frames, then predicted steps spread over the horizon.

    context (B, Tc, C, H, W), pred (B, T, C, H, W), truth (B, T', C, H, W) with T' <= T, or None.
    """
    B, Tc = context.shape[:2]
    steps = strip_steps(pred.shape[1], columns)
    blank = torch.full_like(context[:, :1], float("nan"))
    rows = []
    for b in range(B):
        if truth is not None:
            real = [truth[b, s - 1] if s <= truth.shape[1] else blank[b, 0] for s in steps]
            rows.append(torch.cat([context[b], torch.stack(real)]))
        rows.append(torch.cat([blank[b].expand(Tc, -1, -1, -1), pred[b, [s - 1 for s in steps]]]))
    labels = [f"c{t + 1}" for t in range(Tc)] + [f"+{s}" for s in steps]
    return torch.stack(rows), labels


def video_frames(context: torch.Tensor, pred: torch.Tensor, truth: torch.Tensor | None) -> list[Image.Image]:
    """One image per time step: clips side by side, the ground truth (if any) above the prediction.

    During the context both rows show the context frames; after the ground truth ends its row is blank.
    """
    B, Tc = context.shape[:2]
    T = pred.shape[1]
    images = []
    for t in range(Tc + T):
        if t < Tc:
            top = bottom = context[:, t]
        else:
            bottom = pred[:, t - Tc]
            top = (
                truth[:, t - Tc]
                if truth is not None and t - Tc < truth.shape[1]
                else torch.full_like(bottom, float("nan"))
            )
        cells = torch.stack([top, bottom]) if truth is not None else bottom[None]
        images.append(grid_image(cells))
    return images
