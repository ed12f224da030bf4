"""Whether a clip moves the way another does: dense optical flow (OpenCV's Farneback) between
consecutive frames of each, compared pixel by pixel.

For a cross-clip transfer (clip A's content in clip B's motion) there is no true output, but the
output should move where and as B moves. Per consecutive pair of frames, with f the output's flow and
g the driving clip's (H, W, 2, pixels per frame): the cosine of the two fields as vectors,
<f, g> / (|f| |g|) (1: the same motion at the same places; 0: unrelated, or a still output), and the
mean end-point error |f - g| in pixels per frame.
"""

from __future__ import annotations

import numpy as np
import torch

# Farneback's settings for small frames (64 px): a 3-level pyramid, 9-pixel windows
FARNEBACK = {"pyr_scale": 0.5, "levels": 3, "winsize": 9, "iterations": 3, "poly_n": 5, "poly_sigma": 1.1, "flags": 0}


def farneback(frames: torch.Tensor) -> np.ndarray:
    """Frames (T, C, H, W) in [0, 1] -> the flow from each frame to the next (T - 1, H, W, 2), in
    pixels, read on the frames' grey levels."""
    import cv2  # imported here: only real-video evaluation needs it

    grey = (frames.float().mean(1).clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()
    return np.stack([cv2.calcOpticalFlowFarneback(a, b, None, **FARNEBACK) for a, b in zip(grey[:-1], grey[1:])])


def flow_agreement(output: torch.Tensor, driving: torch.Tensor) -> dict[str, torch.Tensor]:
    """Clips (T, C, H, W) of the same length -> per consecutive pair (T - 1,): "cosine" of the output's
    flow field with the driving clip's, and "epe", their mean end-point error in pixels."""
    f, g = (torch.from_numpy(farneback(x)).flatten(1).double() for x in (output, driving))
    norms = f.norm(dim=1) * g.norm(dim=1)
    cosine = torch.where(norms > 0, (f * g).sum(1) / norms.clamp(min=1e-12), torch.zeros_like(norms))
    epe = (f - g).view(len(f), -1, 2).norm(dim=2).mean(1)
    return {"cosine": cosine, "epe": epe}
