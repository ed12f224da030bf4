"""VGAN measured against the ground truth of synthetic clips.

Conditional (vgan_cond), on held-out clips: per future step PSNR/SSIM of the generated frame
against the true one, next to copying the first frame; the generated mask against the true
foreground masks (IoU per frame, both thresholded at 0.5); the background stream against the true
background (PSNR on the pixels that no object covers in any frame of the clip).
Any VGAN: the mask's mean and its shares of pixels below 0.1 and above 0.9.
"""

from __future__ import annotations

import torch

from contentpose.eval.image_metrics import PSNR_CAP, psnr, ssim
from contentpose.models.vgan import VideoParts


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
def conditional_scores(gen, clips, seed: int = 0) -> dict:
    """Scores of a conditional VGAN (`trained.TrainedVideoGenerator`) on held-out synthetic clips
    (with frames, masks and backgrounds) of the generator's length."""
    real = clips.frames.to(gen.device)
    parts = gen.generate(len(real), seed, real[:, 0])
    steps = range(1, real.shape[1])
    out = {
        "clips": len(real),
        "psnr": [float(psnr(parts.video[:, t], real[:, t]).mean()) for t in steps],
        "ssim": [float(ssim(parts.video[:, t], real[:, t]).mean()) for t in steps],
        "copy_first_psnr": [float(psnr(real[:, 0], real[:, t]).mean()) for t in steps],
        "copy_first_ssim": [float(ssim(real[:, 0], real[:, t]).mean()) for t in steps],
        "first_frame_psnr": float(psnr(parts.video[:, 0], real[:, 0]).mean()),
        "mask": mask_summary(parts),
    }
    if parts.mask is not None:
        iou = mask_iou(parts.mask, clips.masks.to(gen.device))
        out["mask_iou"] = [float(v) for v in iou.mean(0)]
        out["mask_iou_mean"] = float(iou.mean())
        out["background_psnr"] = float(
            background_psnr(parts.background, clips.background.to(gen.device), clips.masks.to(gen.device)).mean()
        )
    return out
