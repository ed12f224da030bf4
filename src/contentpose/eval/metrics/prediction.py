"""Prediction metrics on the fixed held-out clips.

- per-step PSNR and SSIM of predicted frames against the ground truth, next to two forecasts that
  learn nothing: copying the last context frame, and moving it on by the global shift between the
  last two context frames (phase correlation, constant velocity) (10 -> 10 and 5 -> 100 by default);
- for long rollouts, whether content survives: a digit classifier trained on real frames
  scores generated frames at chosen steps (real frames at the same steps give its
  ceiling; the autoencoder's reconstructions of those real frames, D(Ec(x), Ep(x)), what
  the decoder can draw with no prediction at all), and sharpness (mean gradient magnitude)
  relative to the real frames.
"""

from __future__ import annotations

import time

import torch

from contentpose.eval.baselines.global_shift import constant_shift_forecast
from contentpose.eval.judges.content_classifier import ContentClassifier, label_accuracy
from contentpose.eval.metrics.image_metrics import psnr, ssim
from contentpose.eval.metrics.intervals import summarise
from contentpose.models.video_predictor import VideoPredictor


def per_step(pred: torch.Tensor, truth: torch.Tensor) -> dict[str, list[float]]:
    """Mean PSNR and SSIM over clips at each step, and their mean over steps with a 95% bootstrap
    interval over clips: (B, T, C, H, W) twice -> {'psnr': [T], 'ssim': [T], 'psnr_mean': x,
    'psnr_mean_ci': [lo, hi], 'ssim_mean': ..., 'ssim_mean_ci': ...}."""
    B, T = truth.shape[:2]
    p, t = pred.flatten(0, 1), truth.flatten(0, 1)
    scores = {"psnr": psnr(p, t).view(B, T), "ssim": ssim(p, t).view(B, T)}
    out = {name: [round(v, 4) for v in x.mean(0).tolist()] for name, x in scores.items()}
    return {**out, **summarise({f"{name}_mean": x.mean(1) for name, x in scores.items()})}


def prediction_curves(predictor: VideoPredictor, data, context: int, horizon: int, n: int = 100) -> dict:
    """Per-step scores of the model and of copying the last context frame."""
    frames = data.test_clips(n, context + horizon).frames
    past, future = frames[:, :context], frames[:, context:]
    pred = predictor(past, horizon)
    copy = past[:, -1:].expand_as(future)
    out = {
        "context": context,
        "horizon": horizon,
        "clips": len(frames),
        "model": per_step(pred, future),
        "copy_last": per_step(copy, future),
    }
    if context >= 2:
        out["constant_shift"] = per_step(constant_shift_forecast(past, horizon), future)
    return out


def sharpness(frames: torch.Tensor) -> torch.Tensor:
    """Mean absolute finite-difference gradient of frames (N, C, H, W) -> scalar."""
    dy = (frames[..., 1:, :] - frames[..., :-1, :]).abs().mean()
    dx = (frames[..., :, 1:] - frames[..., :, :-1]).abs().mean()
    return (dx + dy) / 2


@torch.no_grad()
def long_rollout(
    predictor: VideoPredictor,
    classifier: ContentClassifier,
    data,
    context: int,
    steps: tuple[int, ...] = (10, 100, 500),
    n: int = 50,
) -> dict:
    """Classifier accuracy and sharpness at the given rollout steps (1 = first predicted frame),
    and the rollout's speed in generated frames per second."""
    horizon = max(steps)
    clips = data.test_clips(n, list(range(context)) + [context + s - 1 for s in steps])
    start = time.perf_counter()
    pred = predictor(clips.frames[:, :context], horizon)
    seconds = time.perf_counter() - start
    labels = clips.factors.label
    out = {
        "context": context,
        "clips": len(labels),
        "frames_per_s": round(pred.shape[0] * horizon / seconds, 1),
        "steps": {},
    }
    for i, s in enumerate(steps):
        gen, real = pred[:, s - 1], clips.frames[:, context + i]
        rec = predictor.autoencoder(real, real)
        out["steps"][str(s)] = {
            **summarise({"content_accuracy": label_accuracy(classifier(gen), labels).float()}),
            "content_accuracy_real": round(float(label_accuracy(classifier(real), labels).mean()), 4),
            "content_accuracy_reconstructed": round(float(label_accuracy(classifier(rec), labels).mean()), 4),
            "sharpness_ratio": round(float(sharpness(gen) / sharpness(real)), 4),
        }
    return out
