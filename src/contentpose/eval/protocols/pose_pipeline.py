"""The full Pose Knows pipeline (Walker et al. ICCV 2017), scored against the true future frames.

A pose forecasting run (poseforecast) samples N futures of a held-out figure clip's keypoints from
its past; a pose-to-frame run (posegen) renders each sampled future as frames, with the last seen
frame as the reference (the figure's look) and its own previous output chained as in training
(zeros before the first frame). Scores (mean over the forecast frames and the clips): PSNR and
SSIM of the rendered futures against the clip's true future frames and, given the renderer's
keypoint regressor (eval/judges/keypoint_regressor.py), their keypoint error (the mean joint distance in
pixels between the keypoints it reads from the frames and the true future keypoints, as posegen's
`evaluate` measures it; its error on the true future frames is the floor), for one sample (the
first) and for the best of N (per clip, the sample with the best mean score, per metric);
baselines: the last seen frame copied, and the true future keypoints rendered by the same run (the
renderer's ceiling).

The forecaster works in frame units (keypoints / frame size) and the figures scale exactly with
the frame size, so a forecaster trained on 64 px figures drives a renderer of 32 px figures; every
other data setting (colour, seeds, ...) must match.
"""

from __future__ import annotations

import dataclasses

import torch

from contentpose.data.figures import bone_maps
from contentpose.errors import UserError
from contentpose.eval.judges.keypoint_regressor import keypoint_error
from contentpose.eval.metrics.image_metrics import psnr, ssim
from contentpose.eval.metrics.intervals import format_cell, summarise
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


LOWER_IS_BETTER = {"keypoint_error_px"}


def frame_metrics(
    pred: torch.Tensor, truth: torch.Tensor, regressor=None, keypoints: torch.Tensor | None = None, batch: int = 1024
) -> dict[str, torch.Tensor]:
    """Mean PSNR and SSIM over frames of pred (n, S, T, C, H, W) against truth (n, T, C, H, W): (n, S) each
    (`batch` frames at a time); with a keypoint regressor, also the mean keypoint error in pixels of pred
    against the true keypoints (n, T, K, 2)."""
    n, S, T = pred.shape[:3]
    p = pred.flatten(0, 2)
    t = truth[:, None].expand_as(pred).flatten(0, 2)
    out = {}
    for name, metric in (("psnr", psnr), ("ssim", ssim)):
        values = torch.cat([metric(p[i : i + batch], t[i : i + batch]) for i in range(0, len(p), batch)])
        out[name] = values.view(n, S, T).mean(2)
    if regressor is not None:
        out["keypoint_error_px"] = keypoint_error(regressor, pred, keypoints[:, None]).mean(2)
    return out


def summary(metrics: dict[str, torch.Tensor], best: bool = False) -> dict[str, float | list[float]]:
    """Each metric averaged over clips, of the first sample or of each clip's best sample (the highest
    PSNR/SSIM, the lowest keypoint error), with its 95% bootstrap interval over clips (`NAME_ci`)."""

    def pick(name: str, m: torch.Tensor) -> torch.Tensor:
        if not best:
            return m[:, 0]
        return m.amin(1) if name in LOWER_IS_BETTER else m.amax(1)

    return summarise({k: pick(k, m) for k, m in metrics.items()})


@torch.no_grad()
def pipeline_scores(
    rendered: torch.Tensor,
    truth: torch.Tensor,
    last_frame: torch.Tensor,
    rendered_truth: torch.Tensor | None = None,
    regressor=None,
    future_keypoints: torch.Tensor | None = None,
) -> dict:
    """Scores of rendered futures (n, S, T, C, H, W) against the true future (n, T, C, H, W), next to the
    last seen frame (n, C, H, W) copied and, if given, the true keypoints rendered (n, T, C, H, W); with
    a keypoint regressor, keypoint errors against the true future keypoints (n, T, K, 2) too, and the
    regressor's own error on the true future frames (`regressor_error_px`, the floor)."""
    n, S, T = rendered.shape[:3]
    metrics = lambda pred: frame_metrics(pred, truth, regressor, future_keypoints)  # noqa: E731
    sampled = metrics(rendered)
    methods = {
        "copy last seen frame": summary(metrics(last_frame[:, None, None].expand(n, 1, *truth.shape[1:]))),
        "rendered forecast, one sample": summary(sampled),
        f"rendered forecast, best of {S}": summary(sampled, best=True),
    }
    if rendered_truth is not None:
        methods["rendered true future keypoints"] = summary(metrics(rendered_truth[:, None]))
    scores = {"clips": n, "samples": S, "horizon": T, "methods": methods}
    if regressor is not None:
        scores["regressor_error_px"] = float(keypoint_error(regressor, truth, future_keypoints).mean())
    return scores


def format_pipeline(scores: dict) -> str:
    """One table of `pipeline_scores`."""
    lines = [
        f"Rendered futures of {scores['clips']} held-out clip(s) against the true future frames "
        f"({scores['horizon']} frames, {scores['samples']} samples)",
        f"{'':44} {'PSNR':>20} {'SSIM':>23}"
        + (f" {'keypoint error px':>20}" if "regressor_error_px" in scores else ""),
    ]
    if "regressor_error_px" in scores:
        lines.append(
            f"{'keypoint regressor on the true frames (floor)':44} {'':44} {scores['regressor_error_px']:20.2f}"
        )
    for label, v in scores["methods"].items():
        error = f"{format_cell(v, 'keypoint_error_px', '.2f'):>20}" if "keypoint_error_px" in v else ""
        lines.append(
            f"{label:44} {format_cell(v, 'psnr', '.2f'):>20} {format_cell(v, 'ssim', '.3f'):>23} {error}".rstrip()
        )
    lines.append("(95% bootstrap intervals over clips)")
    return "\n".join(lines)
