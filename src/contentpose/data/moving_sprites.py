"""Moving Sprites: procedurally drawn shapes with known content and pose factors (no download).

Each clip shows `num_sprites` sprites (1 or 2). Content, fixed within a clip: shape
(square, ellipse, heart), scale (6 values) and colour (grayscale: 6 intensities; colour:
6 hues). Pose, changing every frame: the centre (y, x), bouncing off the borders like
Moving Digits, and, with `rotation`, the angle, turning at a constant rate. Frames are
rendered in closed form for any time, vectorised over clips, frames, sprites and pixels.

Where two sprites overlap the brighter one wins (per-pixel max), as for digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from contentpose.config import DataConfig
from contentpose.data.motion import bounce, random_velocity
from contentpose.data.synthetic import SyntheticClips
from contentpose.errors import UserError

SHAPES = ("square", "ellipse", "heart")
SCALES = torch.linspace(0.5, 1.0, 6)
INTENSITIES = torch.linspace(0.5, 1.0, 6)
HUES = torch.tensor(
    [
        [1.0, 0.25, 0.25],
        [0.25, 1.0, 0.25],
        [0.3, 0.45, 1.0],
        [1.0, 1.0, 0.25],
        [1.0, 0.3, 1.0],
        [0.25, 1.0, 1.0],
    ]
)


@dataclass
class SpriteFactors:
    """Ground truth of n clips with D sprites each.

    shape, scale, colour: (n, D) indices into SHAPES, SCALES and the colour table (content)
    start, velocity: (n, D, 2) centre (y, x) at t = 0 in pixels and pixels per frame (pose)
    angle, spin: (n, D) angle at t = 0 and radians per frame (pose; spin 0 without rotation)
    """

    shape: torch.Tensor
    scale: torch.Tensor
    colour: torch.Tensor
    start: torch.Tensor
    velocity: torch.Tensor
    angle: torch.Tensor
    spin: torch.Tensor

    def __len__(self) -> int:
        return self.shape.shape[0]

    @property
    def label(self) -> torch.Tensor:
        """(n, 3D) content classes for content classifiers: each sprite's shape, scale and colour,
        numbered one after the other (see MovingSprites.content_groups)."""
        return torch.cat([self.shape, len(SHAPES) + self.scale, len(SHAPES) + len(SCALES) + self.colour], dim=1)

    @property
    def content_key(self) -> torch.Tensor:
        """(n, D) id of each sprite's full content (shape, scale, colour)."""
        return (self.shape * len(SCALES) + self.scale) * len(HUES) + self.colour

    def index(self, idx) -> SpriteFactors:
        return SpriteFactors(
            *(t[idx] for t in (self.shape, self.scale, self.colour, self.start, self.velocity, self.angle, self.spin))
        )


@dataclass
class SpriteClips:
    """Rendered frames (n, T, C, H, W) in [0, 1], factors, and poses (n, T, D, 3) = (y, x, angle)."""

    frames: torch.Tensor
    factors: SpriteFactors
    positions: torch.Tensor
    masks: torch.Tensor | None = None  # (n, T, 1, H, W) objects' opacity, the true foreground
    background: torch.Tensor | None = None  # (n, C, H, W) each clip's static background


assert len(HUES) == len(INTENSITIES), "colour classes: one hue (colour) or intensity (grey) each"


class MovingSprites(SyntheticClips):
    """Generator of sprite clips; 'train', 'val' and 'test' differ only in the seeds that draw them."""

    content_groups = {"shape": len(SHAPES), "scale": len(SCALES), "colour": len(HUES)}  # classes of each content factor
    num_classes = sum(content_groups.values())
    Clips = SpriteClips

    def __init__(self, cfg: DataConfig, split: str = "train", device: torch.device | str = "cpu"):
        if cfg.num_sprites not in (1, 2):
            raise UserError(f"data.num_sprites must be 1 or 2, got {cfg.num_sprites}")
        self.cfg, self.split = cfg, split
        self.device = torch.device(device)
        self.size = cfg.frame_size
        self.channels = 3 if cfg.colour else 1
        self.num_objects = cfg.num_sprites
        self.radius = 0.2 * self.size  # half-width of a sprite at scale 1
        self.span = self.size - 2 * self.radius  # centres lie in [radius, size - radius]
        table = HUES if cfg.colour else INTENSITIES[:, None]
        self.colours = table.to(self.device)

    def sample_factors(self, n: int, generator: torch.Generator) -> SpriteFactors:
        """Draw n clips' factors with a CPU generator (the same clips on any device)."""
        D, g = self.num_objects, generator
        shape = torch.randint(len(SHAPES), (n, D), generator=g)
        scale = torch.randint(len(SCALES), (n, D), generator=g)
        colour = torch.randint(len(self.colours), (n, D), generator=g)
        start = torch.rand(n, D, 2, generator=g) * self.span
        velocity = random_velocity(n, D, (2 * self.size / 64, 5 * self.size / 64), g)
        angle = torch.rand(n, D, generator=g) * 2 * math.pi
        spin = (torch.rand(n, D, generator=g) - 0.5) * 0.4 if self.cfg.rotation else torch.zeros(n, D)
        to = lambda t: t.to(self.device)  # noqa: E731
        return SpriteFactors(to(shape), to(scale), to(colour), to(start), to(velocity), to(angle), to(spin))

    def positions(self, factors: SpriteFactors, times: torch.Tensor) -> torch.Tensor:
        """Pose of every sprite at frame times (n, F) -> (n, F, D, 3): centre y, x and angle."""
        centre = bounce(factors.start, factors.velocity, times, self.span) + self.radius
        angle = factors.angle[:, None] + factors.spin[:, None] * times[:, :, None].to(factors.angle)
        return torch.cat([centre, angle[..., None]], dim=-1)

    def render(self, factors: SpriteFactors, positions: torch.Tensor) -> torch.Tensor:
        """Draw the content of `factors` in poses (n, F, D, 3) -> frames (n, F, C, H, W)."""
        n, nf, D, _ = positions.shape
        axis = torch.arange(self.size, device=self.device, dtype=torch.float32) + 0.5
        dy = axis[:, None] - positions[..., 0, None, None]  # (n, F, D, H, 1)
        dx = axis[None, :] - positions[..., 1, None, None]  # (n, F, D, 1, W)
        cos, sin = positions[..., 2].cos()[..., None, None], positions[..., 2].sin()[..., None, None]
        r = self.radius * SCALES.to(self.device)[factors.scale][:, None, :, None, None]
        u, v = (cos * dx + sin * dy) / r, (cos * dy - sin * dx) / r  # sprite coordinates, unit size
        inside = torch.stack([_square(u, v), _ellipse(u, v), _heart(u, v)])  # (3, n, F, D, H, W)
        shape = factors.shape[:, None, :, None, None].expand(n, nf, D, 1, 1)
        mask = inside.gather(0, shape[None].expand(1, *inside.shape[1:]))[0].float()
        colour = self.colours[factors.colour]  # (n, D, C)
        layers = mask[:, :, :, None] * colour[:, None, :, :, None, None]  # (n, F, D, C, H, W)
        return layers.amax(dim=2)

    def object_windows(self, positions: torch.Tensor) -> tuple[torch.Tensor, int]:
        """Where each sprite is drawn: top-left corners (..., D, 2) of a square around its centre that
        holds it at any scale and angle (1.15 radii: a turned square's corner reaches 0.8 * sqrt 2), and
        that square's side. Windows may reach past the frame's edge (read as black)."""
        half = math.ceil(1.15 * self.radius)
        return (positions[..., :2] - half).round().long(), 2 * half

    def object_labels(self, factors: SpriteFactors) -> torch.Tensor:
        """Each sprite's class in each content group (shape, scale, colour): (n, D, 3)."""
        return torch.stack([factors.shape, factors.scale, factors.colour], dim=-1)

    def factor_values(self, clips: SpriteClips) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Content {shape_j, scale_j, colour_j: (n, F) int} and pose {x_j, y_j[, angle_j]: (n, F) float}.

        Nothing in a frame says which sprite is "first", so each group has its own canonical order,
        as for Moving Digits: content by object, sprites sorted by their content id (shape, scale,
        colour), so a clip's content labels never change, even when its sprites cross; pose left
        to right in each frame."""
        n, F, D, _ = clips.positions.shape
        order = clips.positions[..., 1].argsort(dim=2)  # (n, F, D) by x
        pose = clips.positions.gather(2, order[..., None].expand(n, F, D, 3))
        f = clips.factors
        by_object = f.content_key.argsort(dim=1, stable=True)  # (n, D), fixed per clip
        content, poses = {}, {}
        for j in range(D):
            for name, value in (("shape", f.shape), ("scale", f.scale), ("colour", f.colour)):
                content[f"{name}_{j + 1}"] = value.gather(1, by_object)[:, None, j].expand(n, F)
            poses[f"x_{j + 1}"], poses[f"y_{j + 1}"] = pose[..., j, 1], pose[..., j, 0]
            if self.cfg.rotation:  # raw angle; a square only shows it modulo a quarter turn
                poses[f"angle_{j + 1}"] = torch.remainder(pose[..., j, 2], 2 * math.pi)
        return content, poses


def _square(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return (u.abs() <= 0.8) & (v.abs() <= 0.8)


def _ellipse(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return u**2 + (v / 0.55) ** 2 <= 1


def _heart(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The implicit heart (x^2 + y^2 - 1)^3 <= x^2 y^3, point up, scaled to the unit box."""
    x, y = u * 1.25, -v * 1.25 + 0.15
    return (x**2 + y**2 - 1) ** 3 <= x**2 * y**3
