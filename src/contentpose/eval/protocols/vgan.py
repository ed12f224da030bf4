"""VGAN measured against the ground truth of synthetic clips.

Conditional (vgan_cond), on held-out clips: per future step PSNR/SSIM of the generated frame
against the true one, next to copying the first frame; the generated mask against the true
foreground masks (IoU per frame, both thresholded at 0.5); where the digit is, read by a keypoint
regressor trained on real frames, against the renderer's true places (and copy-first's); the
background stream against the true background (PSNR on the pixels no object covers in any frame).
Unconditional (vgan): the Frechet distance, Inception-style scores and the share of clips whose
digit is named with p >= 0.9 (eval/judges/video_classifier.py) of generated clips against held-out
ones, next to other held-out clips and held-out first frames frozen for the whole clip.
Any VGAN: the mask's mean and its shares of pixels below 0.1 and above 0.9.
`contentpose evaluate RUN` runs `evaluate_video_generators`: RUN/eval.json and a table.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from contentpose.errors import UserError
from contentpose.eval.judges.keypoint_regressor import keypoint_regressor, read_keypoints, true_points
from contentpose.eval.judges.video_classifier import video_classifier, video_scores
from contentpose.eval.metrics.image_metrics import PSNR_CAP, psnr, ssim
from contentpose.eval.metrics.intervals import format_cell, mean_interval
from contentpose.eval.results import Result
from contentpose.models.vgan import VideoParts
from contentpose.trained import load_video_generator

CLIPS = 200  # held-out clips scored (and as many more held-out clips for the real-vs-real baseline)


def mask_iou(pred: torch.Tensor, true: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """IoU of masks (n, T, 1, H, W) per clip and frame -> (n, T); 1 where both are empty."""
    p, t = pred > threshold, true > threshold
    inter = (p & t).sum(dim=(2, 3, 4)).float()
    union = (p | t).sum(dim=(2, 3, 4)).float()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))


def background_psnr(background: torch.Tensor, true_background: torch.Tensor, true_masks: torch.Tensor) -> torch.Tensor:
    """PSNR per clip of a background (n, C, H, W) against the true one, on the pixels that the true
    masks (n, T, 1, H, W) leave uncovered in every frame -> (n,)."""
    free = (true_masks.amax(dim=1) == 0).float()  # (n, 1, H, W)
    err = ((background - true_background) ** 2 * free).sum(dim=(1, 2, 3))
    count = free.sum(dim=(1, 2, 3)) * background.shape[1]
    mse = err / count.clamp(min=1)
    return (10 * torch.log10(1 / mse.clamp(min=1e-10))).clamp(max=PSNR_CAP)


def mask_summary(parts: VideoParts) -> dict[str, float] | None:
    if parts.mask is None:
        return None
    m = parts.mask
    return {
        "mean": float(m.mean()),
        "below_0.1": float((m < 0.1).float().mean()),
        "above_0.9": float((m > 0.9).float().mean()),
    }


@torch.no_grad()
def conditional_scores(gen, clips, seed: int = 0, regressor=None) -> dict:
    """Scores of a conditional VGAN (`trained.TrainedVideoGenerator`) on held-out synthetic clips
    (with frames, masks and backgrounds) of the generator's length. With a keypoint `regressor`
    trained on real frames, also where the objects are: the mean distance in pixels between the
    places it reads from each generated future frame and the true places, next to the same for the
    first frame copied (which keeps the objects where they started) and for the true frames (the
    regressor's own error, the floor), and for the best guess that ignores the clip: each step's
    mean true place over the clips, taken as read without error (what a blob near the middle gets)."""
    real = clips.frames.to(gen.device)
    parts = gen.generate(len(real), seed, real[:, 0])
    steps = range(1, real.shape[1])
    model = torch.stack([psnr(parts.video[:, t], real[:, t]) for t in steps], 1)  # (n, T - 1)
    copy = torch.stack([psnr(real[:, 0], real[:, t]) for t in steps], 1)
    out = {
        "clips": len(real),
        "psnr": model.mean(0).tolist(),
        "ssim": [float(ssim(parts.video[:, t], real[:, t]).mean()) for t in steps],
        "copy_first_psnr": copy.mean(0).tolist(),
        "copy_first_ssim": [float(ssim(real[:, 0], real[:, t]).mean()) for t in steps],
        "first_frame_psnr": float(psnr(parts.video[:, 0], real[:, 0]).mean()),
        "mask": mask_summary(parts),
    }
    for key, per_clip in (("psnr_mean", model.mean(1)), ("copy_first_psnr_mean", copy.mean(1))):
        mean, lo, hi = mean_interval(per_clip)  # over clips, of the mean over future steps
        out[key], out[f"{key}_ci"] = mean, [lo, hi]
    if regressor is not None:
        truth = true_points(clips)[:, 1:].to(gen.device)  # (n, T - 1, K, 2)
        copied = real[:, :1].expand_as(real)[:, 1:]
        read = (
            ("place_error", parts.video[:, 1:]),
            ("copy_first_place_error", copied),
            ("true_place_error", real[:, 1:]),
        )
        errors = {key: read_keypoints(regressor, frames) - truth for key, frames in read}
        errors["mean_place_error"] = truth.mean(dim=0, keepdim=True) - truth
        for key, error in errors.items():  # true_place_error: the regressor's own error on the true frames (its floor)
            mean, lo, hi = mean_interval(error.norm(dim=-1).mean(dim=(1, 2)))
            out[key], out[f"{key}_ci"] = mean, [lo, hi]
    if parts.mask is not None:
        iou = mask_iou(parts.mask, clips.masks.to(gen.device))
        out["mask_iou"] = [float(v) for v in iou.mean(0)]
        mean, lo, hi = mean_interval(iou.mean(1))
        out["mask_iou_mean"], out["mask_iou_mean_ci"] = mean, [lo, hi]
        out["background_psnr"] = float(
            background_psnr(parts.background, clips.background.to(gen.device), clips.masks.to(gen.device)).mean()
        )
    return out


def scored_clips(data, clips: int = CLIPS) -> int:
    """How many held-out clips an unconditional VGAN is scored against (half the held-out set at most)."""
    if data.cfg.test_clips < 4:
        raise UserError(f"scoring a VGAN needs data.test_clips of 4 or more, got {data.cfg.test_clips}")
    return min(clips, data.cfg.test_clips // 2)


@torch.no_grad()
def unconditional_scores(gen, classifier, data, clips: int = CLIPS, seed: int = 0) -> dict:
    """Video scores of an unconditional VGAN's clips against `clips` held-out ones, next to the
    baselines: `clips` other held-out clips, and their first frames frozen (no motion)."""
    n = scored_clips(data, clips)
    held = data.test_clips(2 * n, gen.config.model.vgan_frames).frames.to(gen.device)
    real, other = held[:n], held[n:]
    parts = gen.generate(n, seed)
    return {
        "clips": n,
        "generated": video_scores(classifier, real, parts.video),
        "real (other held-out clips)": video_scores(classifier, real, other),
        "real first frames, frozen": video_scores(classifier, real, other[:, :1].expand_as(other).contiguous()),
        "mask": mask_summary(parts),
    }


def evaluate_video_generators(
    paths: list[Path], device: str = "auto", out: Path | None = None, split: str = "val"
) -> dict:
    """Score VGAN runs (see the module docstring) on `split`; print a table per run; write RUN/eval.json
    (and `out`)."""
    results, classifiers = {}, {}
    for path in paths:
        gen = load_video_generator(path, device)
        data = gen.dataset(split)
        if not hasattr(data, "render"):
            raise UserError(
                f"{path}: scoring a VGAN needs synthetic data with known masks "
                f"(moving_digits or moving_sprites), not {gen.config.data.name}"
            )
        frames = gen.config.model.vgan_frames
        entry = {"step": gen.step, "split": split, "objective": gen.config.objective.name}
        if gen.conditional:
            regressor = keypoint_regressor(gen.path, gen.dataset("train")).to(gen.device)
            clips = data.test_clips(min(CLIPS, data.cfg.test_clips), frames)
            entry["conditional"] = conditional_scores(gen, clips, regressor=regressor)
        else:
            scored_clips(data)  # before training a classifier
            key = (repr(gen.config.data), frames)  # runs on the same clips share one classifier
            if key not in classifiers:
                classifiers[key] = video_classifier(gen.path, gen.dataset("train"), data, frames)
            classifier, accuracy = classifiers[key]
            entry["classifier_accuracy"] = accuracy
            entry["unconditional"] = unconditional_scores(gen, classifier.to(gen.device), data)
        (gen.path / "eval.json").write_text(json.dumps(entry, indent=2))
        results[str(path)] = entry
        print(VganResult(gen.path.name, entry).text())
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"runs": results}, indent=2))
    return results


class VganResult(Result):
    """One VGAN run's eval.json: video-classifier scores, or (conditional) per-step future scores."""

    def text(self) -> str:
        return format_video_generator(self.name, self.data)


def format_video_generator(name: str, entry: dict) -> str:
    """The table of one run's `evaluate_video_generators` entry."""
    if "conditional" in entry:
        c = entry["conditional"]
        lines = [
            f"{name} (conditional VGAN, step {entry['step']}) on {c['clips']} held-out clips; "
            f"first frame reproduced at {c['first_frame_psnr']:.2f} dB",
            f"{'step':>6} {'PSNR':>7} {'SSIM':>7} {'copy-first PSNR':>16} {'copy-first SSIM':>16}",
        ]
        for t, row in enumerate(zip(c["psnr"], c["ssim"], c["copy_first_psnr"], c["copy_first_ssim"]), 1):
            lines.append(f"{'+' + str(t):>6} {row[0]:7.2f} {row[1]:7.4f} {row[2]:16.2f} {row[3]:16.4f}")
        lines.append(
            f"mean over future steps, 95% intervals over clips: PSNR {format_cell(c, 'psnr_mean', '.2f')}, "
            f"copy-first {format_cell(c, 'copy_first_psnr_mean', '.2f')}"
        )
        if "place_error" in c:
            lines.append(
                f"where the digit is (keypoint regressor, px from the true place, lower is better): "
                f"{format_cell(c, 'place_error', '.2f')}, copy-first {format_cell(c, 'copy_first_place_error', '.2f')}, "
                f"true frames {format_cell(c, 'true_place_error', '.2f')}"
                + (
                    f", each step's mean place {format_cell(c, 'mean_place_error', '.2f')}"
                    if "mean_place_error" in c
                    else ""
                )
            )
        if "mask_iou_mean" in c:
            lines.append(
                f"mask IoU with the true masks {format_cell(c, 'mask_iou_mean', '.3f')}; background PSNR where no object "
                f"passes {c['background_psnr']:.2f} dB"
            )
        mask = c["mask"]
    else:
        u, acc = entry["unconditional"], entry["classifier_accuracy"]
        first = next(iter(acc))  # the content head: the share of clips it names with p >= 0.9
        lines = [
            f"{name} (VGAN, step {entry['step']}) against {u['clips']} held-out clips, on the features of a "
            f"video classifier (held-out accuracy: " + ", ".join(f"{k} {v:.2f}" for k, v in acc.items()) + ")",
            f"{'':30} {'Frechet':>22}" + "".join(f" {'IS ' + k:>22}" for k in acc) + f" {'named ' + first:>22}",
        ]
        for label in ("real (other held-out clips)", "real first frames, frozen", "generated"):
            s = u[label]
            cells = [format_cell(s, "frechet_distance", ".1f")] + [format_cell(s, f"is_{k}", ".2f") for k in acc]
            cells.append(format_cell(s, f"named_{first}", ".3f"))
            lines.append(f"{label:30} " + " ".join(f"{c:>22}" for c in cells))
        lines.append(
            "(95% intervals over the scored clips: jackknife, bootstrap for the share named; "
            f"named {first}: the {first} head's top probability >= 0.9)"
        )
        mask = u["mask"]
    if mask is not None:
        lines.append(
            f"mask: mean {mask['mean']:.3f}, share below 0.1 {mask['below_0.1']:.3f}, above 0.9 {mask['above_0.9']:.3f}"
        )
    return "\n".join(lines)
