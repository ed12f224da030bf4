"""`contentpose predict FORECAST_RUN --renderer POSEGEN_RUN`: the full Pose Knows pipeline on held-out figures.

The forecasting run samples futures of each clip's keypoints from its past (`predictor.context`
frames seen); the pose-to-frame run renders every sampled future with the last seen frame as the
reference (eval/protocols/pose_pipeline.py). Writes MP4/GIF videos (per clip a row: the true clip, then each
rendered sample; the seen frames play in every column first) and a PNG strip (per clip a row of the
truth, then a row per sample: the last seen frame, then forecast steps spread over the horizon),
and returns the PSNR/SSIM of the rendered futures against the true ones and their keypoint error
(the renderer run's keypoint regressor, trained on first use and cached there, reads the rendered
frames; eval/protocols/pose_pipeline.py).
"""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from contentpose.data.figures import bone_maps
from contentpose.errors import UserError
from contentpose.eval.judges.keypoint_regressor import keypoint_regressor
from contentpose.eval.protocols.pose_pipeline import check_pipeline, pipeline_scores, render_forecasts
from contentpose.trained import load_forecaster, load_pose_generator, run_family
from contentpose.viz.grid import grid_image, save_grid
from contentpose.viz.pose_transfer import figure_clip
from contentpose.viz.prediction import strip_steps
from contentpose.viz.transfer import check_transfer_outputs
from contentpose.viz.video import write_video


@torch.no_grad()
def pipeline_to_files(
    run_path: str | Path,
    renderer_path: str | Path | None,
    outputs: list[str],
    clip: str | None = None,
    clips: int = 4,
    samples: int = 3,
    context: int | None = None,
    horizon: int | None = None,
    seed: int = 0,
    fps: int = 10,
    device: str = "auto",
) -> tuple[list[Path], dict]:
    """Forecast and render `samples` futures of `horizon` frames (default: the run's `predictor.future`)
    after the run's `predictor.context` seen frames of clip `clip` (test:N or train:N) or of the first
    `clips` held-out clips; write `outputs`. Returns the files written and `pipeline_scores` (with the
    keypoint errors read by the renderer's keypoint regressor, trained on first use)."""
    if renderer_path is None:
        raise UserError(
            f"{run_path} forecasts keypoints; give --renderer POSEGEN_RUN, a pose-to-frame run, to render them"
        )
    if run_family(renderer_path).name != "pose_to_frame":
        raise UserError(f"--renderer {renderer_path} is not a pose-to-frame run (objective posegen)")
    if samples < 1 or clips < 1:
        raise UserError(f"--samples and --clips must be at least 1 (got {samples} and {clips})")
    forecaster = load_forecaster(run_path, device)
    renderer = load_pose_generator(renderer_path, device)
    check_pipeline(forecaster, renderer)
    if context is not None and context != forecaster.config.predictor.context:
        raise UserError(
            f"{run_path} forecasts from {forecaster.config.predictor.context} seen frames (predictor.context); "
            f"leave out --context or give that"
        )
    context = forecaster.config.predictor.context
    horizon = forecaster.config.predictor.future if horizon is None else horizon
    if horizon < 1:
        raise UserError(f"--horizon must be at least 1 (got {horizon})")
    check_transfer_outputs(outputs, context + horizon)  # the frames written: seen, then forecast
    names = [clip] if clip is not None else [f"test:{i}" for i in range(clips)]
    seen = [figure_clip(renderer, name, context + horizon)[1] for name in names]
    frames = torch.cat([c.frames for c in seen])  # (n, context + horizon, C, H, W)
    keypoints = torch.cat([c.keypoints for c in seen])
    last = frames[:, context - 1]
    regressor = keypoint_regressor(renderer.path, renderer.dataset("train"))
    _, rendered = render_forecasts(forecaster, renderer, keypoints[:, :context], last, horizon, samples, seed)
    ceiling = renderer.render(bone_maps(keypoints[:, context:], renderer.config.data.frame_size), last)
    scores = pipeline_scores(rendered, frames[:, context:], last, ceiling, regressor, keypoints[:, context:])
    written = []
    for out in map(Path, outputs):
        if out.suffix.lower() == ".png":
            cells, labels = pipeline_strip(frames, rendered, context)
            written.append(save_grid(cells, out, column_labels=labels))
        else:
            written.append(write_video(pipeline_frames(frames, rendered, context), out, fps))
    return written, scores


def pipeline_strip(
    frames: torch.Tensor, rendered: torch.Tensor, context: int, columns: int = 10
) -> tuple[torch.Tensor, list[str]]:
    """Cells (n * (1 + S), 1 + K, C, H, W) and column labels for `save_grid`: per clip a row of the truth
    and one per rendered sample, at the last seen frame and up to `columns` forecast steps.

    frames (n, context + T, C, H, W) the true clips; rendered (n, S, T, C, H, W)."""
    steps = strip_steps(rendered.shape[2], columns)
    future = [context - 1 + s for s in steps]
    last = frames[:, context - 1]
    rows = []
    for i in range(len(frames)):
        rows.append(frames[i, [context - 1, *future]])
        rows += [torch.cat([last[i][None], r[[s - 1 for s in steps]]]) for r in rendered[i]]
    return torch.stack(rows), [f"seen {context}"] + [f"+{s}" for s in steps]


def pipeline_frames(frames: torch.Tensor, rendered: torch.Tensor, context: int) -> list[Image.Image]:
    """One image per time step: per clip a row of the true clip then each rendered sample; during the
    seen frames every column shows the true frame."""
    n, S = rendered.shape[:2]
    labels = ["truth"] + [f"sample {s + 1}" for s in range(S)]
    images = []
    for t in range(frames.shape[1]):
        if t < context:
            cells = frames[:, t, None].expand(n, 1 + S, *frames.shape[2:])
        else:
            cells = torch.cat([frames[:, t, None], rendered[:, :, t - context]], dim=1)
        images.append(grid_image(cells, column_labels=labels))
    return images
