"""A blurred copy: the classical answer to "frame a, but where things will be is unknown".

At long horizons a sharp copy of the source puts every edge in the wrong place twice, and a blurred
one, nearer the mean of where the edges might be, scores a higher PSNR. The blur is Gaussian (scipy),
the same for every channel, edge pixels repeated past the border.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

WIDTHS = (1.0, 2.0, 4.0)  # Gaussian sigmas in pixels that a blurred-copy baseline picks its best from


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Frames (n, C, H, W) blurred by a Gaussian of `sigma` pixels over H and W: (n, C, H, W)."""
    out = gaussian_filter(x.detach().float().cpu().numpy(), sigma=(0, 0, sigma, sigma), mode="nearest")
    return torch.from_numpy(np.ascontiguousarray(out)).to(x.device, x.dtype)
