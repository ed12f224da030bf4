"""Set GAN pictures: latent traversals (Tuesca & Uzal, Figures 6-8 and 10-11) and random samples."""

from __future__ import annotations

import torch
from PIL import Image

from contentpose.objectives.setgan import generate, uniform_latents
from contentpose.trained import TrainedGenerator
from contentpose.viz.grid import grid_image


def _sweep(z_star: torch.Tensor, steps: int) -> torch.Tensor:
    """z_M along the line from -z* to z*: z_star (R, Zm) -> (R, steps, Zm)."""
    return torch.linspace(-1, 1, steps)[None, :, None] * z_star[:, None, :]


@torch.no_grad()
def traverse_grid(gen: TrainedGenerator, rows: int = 6, steps: int = 10, seed: int = 0) -> torch.Tensor:
    """Cells (rows, steps, C, H, W): row i holds one random z_C; its columns sweep z_M over
    [-z*_i, z*_i] with a random z*_i per row (the paper's Figures 6-8)."""
    m = gen.config.model
    z_c, z_star = uniform_latents(rows, 1, m.z_content, m.z_motion, torch.Generator().manual_seed(seed))
    return generate(gen.generator, z_c.to(gen.device), _sweep(z_star[:, 0], steps).to(gen.device))


@torch.no_grad()
def traverse_animation(gen: TrainedGenerator, count: int = 6, steps: int = 30, seed: int = 0) -> list[Image.Image]:
    """One z_M path, -z* to z* and back, applied to `count` random z_C side by side (the paper's
    Figures 10-11 as a video): a list of 2 * steps - 2 images that loops without a repeated frame."""
    m = gen.config.model
    z_c, z_star = uniform_latents(count, 1, m.z_content, m.z_motion, torch.Generator().manual_seed(seed))
    path = _sweep(z_star[:1, 0], steps)[0]  # (steps, Zm), shared by all z_C
    path = torch.cat([path, path.flip(0)[1:-1]])  # there and back
    z_m = path[None].expand(count, -1, -1)  # (count, 2 * steps, Zm)
    frames = generate(gen.generator, z_c.to(gen.device), z_m.to(gen.device))  # (count, T, C, H, W)
    return [grid_image(frames[:, t][None]) for t in range(frames.shape[1])]


@torch.no_grad()
def sample_grid(gen: TrainedGenerator, rows: int = 8, cols: int = 8, seed: int = 0) -> torch.Tensor:
    """Cells (rows, cols, C, H, W) from independent random z."""
    m = gen.config.model
    z_c, z_m = uniform_latents(rows * cols, 1, m.z_content, m.z_motion, torch.Generator().manual_seed(seed))
    frames = generate(gen.generator, z_c.to(gen.device), z_m.to(gen.device))[:, 0]
    return frames.view(rows, cols, *frames.shape[1:])
