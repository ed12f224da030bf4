"""The full Pose Knows pipeline (Walker et al. ICCV 2017), scored against the true future frames.

A pose forecasting run (poseforecast) samples N futures of a held-out figure clip's keypoints from
its past; a pose-to-frame run (posegen) renders each sampled future as frames, with the last seen
frame as the reference (the figure's look) and its own previous output chained as in training
(zeros before the first frame). Scores (mean over the forecast frames and the clips): PSNR and
SSIM of the rendered futures against the clip's true future frames, for one sample (the first) and
for the best of N (per clip, the sample with the best mean score, per metric); baselines: the last
seen frame copied, and the true future keypoints rendered by the same run (the renderer's ceiling).

The forecaster works in frame units (keypoints / frame size) and the figures scale exactly with
the frame size, so a forecaster trained on 64 px figures drives a renderer of 32 px figures; every
other data setting (colour, seeds, ...) must match.
"""

from __future__ import annotations

import dataclasses

import torch

from contentpose.data.figures import bone_maps
from contentpose.errors import UserError
from contentpose.eval.image_metrics import psnr, ssim
from contentpose.trained import TrainedForecaster, TrainedPoseGenerator


def check_pipeline(forecaster: TrainedForecaster, renderer: TrainedPoseGenerator) -> None:
    """Refuse a forecaster and a renderer trained on different figures (frame size aside)."""
    a, b = dataclasses.asdict(forecaster.config.data), dataclasses.asdict(renderer.config.data)
    differ = [k for k in a if k != "frame_size" and a[k] != b[k]]
    if differ:
        k = differ[0]
        raise UserError(
            f"the forecaster {forecaster.path} and the renderer {renderer.path} were trained on different "
            f"figures: data.{k} is {a[k]} and {b[k]}"
        )


@torch.no_grad()
def render_forecasts(
    forecaster: TrainedForecaster,
    renderer: TrainedPoseGenerator,
    past_keypoints: torch.Tensor,
    last_frame: torch.Tensor,
    horizon: int,
    samples: int,
    seed: int = 0,
    batch: int = 64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """past_keypoints (n, C, K, 2) in the renderer's pixels and the last seen frames (n, C, H, W) ->
    sampled future keypoints (n, S, horizon, K, 2) in the renderer's pixels and their rendered frames
    (n, S, horizon, C, H, W), rendered `batch` sequences at a time."""
    scale = forecaster.config.data.frame_size / renderer.config.data.frame_size
    g = torch.Generator().manual_seed(seed)
    futures = forecaster.forecast(past_keypoints.to(forecaster.device) * scale, horizon, samples, g)
    futures = futures.to(renderer.device) / scale
    flat = futures.flatten(0, 1)
    reference = last_frame.to(renderer.device).repeat_interleave(samples, dim=0)
    size = renderer.config.data.frame_size
    frames = [
        renderer.render(bone_maps(flat[i : i + batch], size), reference[i : i + batch])
        for i in range(0, len(flat), batch)
    ]
    return futures, torch.cat(frames).unflatten(0, (len(futures), samples))


def frame_metrics(pred: torch.Tensor, truth: torch.Tensor, batch: int = 1024) -> dict[str, torch.Tensor]:
    """Mean PSNR and SSIM over frames of pred (n, S, T, C, H, W) against truth (n, T, C, H, W): (n, S) each
    (`batch` frames at a time)."""
    n, S, T = pred.shape[:3]
    p = pred.flatten(0, 2)
    t = truth[:, None].expand_as(pred).flatten(0, 2)
    out = {}
    for name, metric in (("psnr", psnr), ("ssim", ssim)):
        values = torch.cat([metric(p[i : i + batch], t[i : i + batch]) for i in range(0, len(p), batch)])
        out[name] = values.view(n, S, T).mean(2)
    return out


def summary(metrics: dict[str, torch.Tensor], best: bool = False) -> dict[str, float]:
    """{psnr, ssim} averaged over clips, of the first sample or of each clip's best sample."""
    pick = (lambda m: m.amax(1)) if best else (lambda m: m[:, 0])  # noqa: E731
    return {k: float(pick(m).mean()) for k, m in metrics.items()}


@torch.no_grad()
def pipeline_scores(
    rendered: torch.Tensor, truth: torch.Tensor, last_frame: torch.Tensor, rendered_truth: torch.Tensor | None = None
) -> dict:
    """Scores of rendered futures (n, S, T, C, H, W) against the true future (n, T, C, H, W), next to the
    last seen frame (n, C, H, W) copied and, if given, the true keypoints rendered (n, T, C, H, W)."""
    n, S, T = rendered.shape[:3]
    sampled = frame_metrics(rendered, truth)
    methods = {
        "copy last seen frame": summary(frame_metrics(last_frame[:, None, None].expand(n, 1, *truth.shape[1:]), truth)),
        "rendered forecast, one sample": summary(sampled),
        f"rendered forecast, best of {S}": summary(sampled, best=True),
    }
    if rendered_truth is not None:
        methods["rendered true future keypoints"] = summary(frame_metrics(rendered_truth[:, None], truth))
    return {"clips": n, "samples": S, "horizon": T, "methods": methods}


def format_pipeline(scores: dict) -> str:
    """One table of `pipeline_scores`."""
    lines = [
        f"Rendered futures of {scores['clips']} held-out clip(s) against the true future frames "
        f"({scores['horizon']} frames, {scores['samples']} samples)",
        f"{'':34} {'PSNR':>6} {'SSIM':>7}",
    ]
    lines += [f"{label:34} {v['psnr']:6.2f} {v['ssim']:7.4f}" for label, v in scores["methods"].items()]
    return "\n".join(lines)
