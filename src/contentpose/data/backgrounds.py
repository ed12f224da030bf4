"""Static backgrounds behind the moving objects of synthetic clips (`data.background`).

A clip's background is one image, the same in every frame: a random crop of one of the two
photographs that ship with scikit-learn (`load_sample_images`: a temple in China, a flower),
taken from the part of the photo that belongs to the clip's split (`PHOTO_SPLITS`: training crops
come from the left 70% of each photo, validation and test crops from the next 15% and the last
15%, each band top to bottom, so no test background was seen in training), or a procedural texture (stripes, checks or a linear gradient between two random colours).
Grayscale data (`data.colour=false`) gets the photos' luma and one-channel textures.

Which background a clip gets is drawn from a generator seeded by a hash of the clip's pose
factors (start and velocity), so a clip has the same background wherever it is rendered
(training batches, the fixed test set, swaps) without adding a factor to the datasets.

Objects are composed over it with their opacity `alpha` (n, F, 1, H, W):
`frame = layer + (1 - alpha) * background`, where the renderer's `layer` is already
`alpha * colour` (premultiplied). `alpha` is the true foreground mask a model's mask is scored on.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch
import torch.nn.functional as F

LUMA = (0.299, 0.587, 0.114)
PHOTO_SCALE = 6  # photos are shrunk so that their short side is 6 frames (near their own 427 px at 64 px)
CROP_SCALE = 1.25  # crops are 1 to this many frames wide
PHOTO_SPLITS = {  # each split's part of every photo, as fractions (y0, x0, y1, x1)
    "train": (0.0, 0.0, 1.0, 0.7),
    "val": (0.0, 0.7, 1.0, 0.85),
    "test": (0.0, 0.85, 1.0, 1.0),
}
PARAMS = 12  # random numbers drawn per clip


def clip_seeds(start: torch.Tensor, velocity: torch.Tensor) -> list[int]:
    """One seed per clip from the bytes of its start (n, D, k) and velocity (n, D, 2): CRC-32, so
    the same clip gives the same seed in every process and on every device."""
    rows = torch.cat([start.flatten(1), velocity.flatten(1)], dim=1).detach().float().cpu().numpy()
    return [zlib.crc32(row.tobytes()) for row in rows]


def clip_uniforms(seeds: list[int]) -> torch.Tensor:
    """(n, PARAMS) numbers uniform in [0, 1), one row per clip from its seed."""
    return torch.from_numpy(np.stack([np.random.default_rng(s).random(PARAMS) for s in seeds])).float()


class Backgrounds:
    """Backgrounds of one kind ('photo' or 'texture') for frames of `size` px with `channels` (1 or 3),
    photos cropped from the part of each photo that belongs to `split`."""

    def __init__(self, kind: str, size: int, channels: int, device: torch.device | str = "cpu", split: str = "train"):
        if kind not in ("photo", "texture"):
            raise ValueError(f"background kind must be 'photo' or 'texture', got {kind!r}")
        self.kind, self.size, self.channels, self.device = kind, size, channels, torch.device(device)
        if kind == "photo":
            self.atlas, photos = _photo_atlas(size * PHOTO_SCALE, channels)
            self.atlas = self.atlas.to(self.device)
            y0, x0, y1, x1 = PHOTO_SPLITS[split]
            h, w = photos[:, 2] - photos[:, 0], photos[:, 3] - photos[:, 1]
            self.boxes = torch.stack(  # (P, 4): the split's box (y0, x0, y1, x1) in each photo
                [photos[:, 0] + y0 * h, photos[:, 1] + x0 * w, photos[:, 0] + y1 * h, photos[:, 1] + x1 * w], 1
            )

    def __call__(self, start: torch.Tensor, velocity: torch.Tensor) -> torch.Tensor:
        """The backgrounds of n clips, given their pose factors: (n, C, H, W) in [0, 1]."""
        u = clip_uniforms(clip_seeds(start, velocity)).to(self.device)
        return self.photo(u) if self.kind == "photo" else self.texture(u)

    def photo(self, u: torch.Tensor) -> torch.Tensor:
        """Square crops of 1 to CROP_SCALE frame widths from the split's part of a random photo, at a
        random place, mirrored half of the time, resized to the frame (bilinear): (n, C, H, W)."""
        n, s = len(u), self.size
        x0, y0, side = self.crops(u)
        t = (torch.arange(s, device=self.device) + 0.5) / s  # pixel centres in [0, 1]
        flip = u[:, 4:5] < 0.5
        tx = torch.where(flip, 1 - t, t)  # (n, s)
        H, W = self.atlas.shape[-2:]
        gx = (x0[:, None] + side[:, None] * tx) / W * 2 - 1  # align_corners=False coordinates
        gy = (y0[:, None] + side[:, None] * t) / H * 2 - 1
        grid = torch.stack([gx[:, None, :].expand(n, s, s), gy[:, :, None].expand(n, s, s)], dim=-1)
        out = F.grid_sample(self.atlas[None], grid.reshape(1, n * s, s, 2), mode="bilinear", align_corners=False)
        return out[0].view(self.channels, n, s, s).transpose(0, 1).clamp(0, 1)

    def crops(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Where each clip's crop lies in the atlas: left x, top y and side, each (n,), in atlas pixels,
        inside the split's box of the photo it picks."""
        boxes = self.boxes.to(self.device)[(u[:, 0] * len(self.boxes)).long().clamp(max=len(self.boxes) - 1)]
        side = self.size * (1 + (CROP_SCALE - 1) * u[:, 1])
        x0 = boxes[:, 1] + u[:, 2] * (boxes[:, 3] - boxes[:, 1] - side)
        y0 = boxes[:, 0] + u[:, 3] * (boxes[:, 2] - boxes[:, 0] - side)
        return x0, y0, side

    def texture(self, u: torch.Tensor) -> torch.Tensor:
        """Stripes, checks or a gradient at a random angle, frequency and phase, between two
        random colours: (n, C, H, W)."""
        s = self.size
        kind = (u[:, 0] * 3).long().clamp(max=2)[:, None, None]  # 0 stripes, 1 checks, 2 gradient
        angle = u[:, 1, None, None] * math.pi
        freq = (1.5 + 4 * u[:, 2])[:, None, None]  # periods per frame width
        phase = u[:, 3, None, None]
        axis = (torch.arange(s, device=self.device) + 0.5) / s
        y, x = axis[None, :, None], axis[None, None, :]
        along = x * angle.cos() + y * angle.sin()  # (n, s, s)
        across = -x * angle.sin() + y * angle.cos()
        wave = lambda a: torch.sin(2 * math.pi * (freq * a + phase))  # noqa: E731
        stripes = (wave(along) > 0).float()
        checks = (wave(along) * wave(across) > 0).float()
        gradient = (along - along.amin((1, 2), keepdim=True)) / (
            along.amax((1, 2), keepdim=True) - along.amin((1, 2), keepdim=True)
        ).clamp(min=1e-6)
        mix = torch.where(kind == 0, stripes, torch.where(kind == 1, checks, gradient))[:, None]  # (n, 1, s, s)
        a, b = u[:, 5:8], u[:, 8:11]
        if self.channels == 1:
            a, b = a[:, :1], b[:, :1]
        return a[:, :, None, None] + mix * (b - a)[:, :, None, None]


def compose(layer: torch.Tensor, alpha: torch.Tensor, background: torch.Tensor) -> torch.Tensor:
    """Objects over a static background: layer (n, F, C, H, W) premultiplied by alpha (n, F, 1, H, W),
    background (n, C, H, W) -> frames (n, F, C, H, W) in [0, 1]."""
    return (layer + (1 - alpha) * background[:, None]).clamp(0, 1)


def _photo_atlas(short_side: int, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's sample photos shrunk to `short_side` px high and placed side by side with a gap:
    the atlas (C, H, W) and each photo's box (y0, x0, y1, x1) in it (P, 4)."""
    from sklearn.datasets import load_sample_images

    photos = []
    for image in load_sample_images().images:
        x = torch.from_numpy(np.array(image)).permute(2, 0, 1).float()[None] / 255  # (1, 3, h, w)
        h, w = x.shape[-2:]
        x = F.interpolate(
            x, size=(short_side, round(w * short_side / h)), mode="bilinear", antialias=True, align_corners=False
        )[0]
        if channels == 1:
            x = (torch.tensor(LUMA)[:, None, None] * x).sum(0, keepdim=True)
        photos.append(x.clamp(0, 1))
    gap, boxes, x0 = 2, [], 0
    for p in photos:
        boxes.append([0, x0, p.shape[1], x0 + p.shape[2]])
        x0 += p.shape[2] + gap
    atlas = torch.zeros(channels, short_side, x0 - gap)
    for p, (_, left, _, right) in zip(photos, boxes):
        atlas[:, :, left:right] = p
    return atlas, torch.tensor(boxes, dtype=torch.float32)
