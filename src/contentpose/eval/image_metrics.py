"""Per-image PSNR and SSIM for frames in [0, 1] (torchmetrics, batched, on any device)."""
from __future__ import annotations

import torch
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure


def psnr(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """PSNR in dB of each image: (B, C, H, W), (B, C, H, W) -> (B,)."""
    return peak_signal_noise_ratio(pred, target, data_range=1.0, reduction="none", dim=(1, 2, 3))


def ssim(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """SSIM (Gaussian window 11, sigma 1.5) of each image: (B, C, H, W), (B, C, H, W) -> (B,)."""
    return structural_similarity_index_measure(pred, target, data_range=1.0, reduction="none")
