"""Moving Digits: bouncing handwritten digits with known content and pose.

A clip is described by its factors (`ClipFactors`): which digit images it shows and
in which colours (content), and where each digit starts and how fast it moves (pose).
Positions follow a closed form, so any frame of any clip is rendered directly, without
stepping through time, and without a Python loop over frames or pixels:

    p(t) = reflect(p0 + v * t),   reflect = triangle wave with period 2 * (H - s)

`render` takes content from one set of factors and positions from anywhere, which is
how swap fidelity builds the ground truth for "a's digits at b's positions".
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from contentpose.config import DataConfig
from contentpose.data.digits import load_digits
from contentpose.data.motion import bounce, random_velocity, stepped_bounce
from contentpose.data.synthetic import SyntheticClips
from contentpose.errors import UserError

# Saturated, well-separated colours; a clip's digits get distinct ones.
PALETTE = torch.tensor(
    [
        [1.0, 0.2, 0.2],
        [0.2, 1.0, 0.2],
        [0.3, 0.4, 1.0],
        [1.0, 1.0, 0.2],
        [1.0, 0.3, 1.0],
        [0.2, 1.0, 1.0],
    ]
)


@dataclass
class ClipFactors:
    """Ground truth of n clips with D digits each.

    digit:    (n, D) index into the generator's digit images (content)
    label:    (n, D) digit class 0-9 (content)
    colour:   (n, D, C) colour of each digit, ones for grayscale (content)
    start:    (n, D, 2) top-left (y, x) in pixels at t = 0 (pose)
    velocity: (n, D, 2) pixels per frame (pose)
    """

    digit: torch.Tensor
    label: torch.Tensor
    colour: torch.Tensor
    start: torch.Tensor
    velocity: torch.Tensor
    front: torch.Tensor | None = None  # (n,) data.layout=drnet: the digit drawn in front (content)

    def __len__(self) -> int:
        return self.digit.shape[0]

    @property
    def content_key(self) -> torch.Tensor:
        """(n, D) ids of each object's content: two clips share content iff they share an id."""
        return self.digit

    def index(self, idx) -> ClipFactors:
        fields = (self.digit, self.label, self.colour, self.start, self.velocity, self.front)
        return ClipFactors(*(None if t is None else t[idx] for t in fields))


@dataclass
class Clips:
    """Rendered frames (n, T, C, H, W) in [0, 1], their factors and positions (n, T, D, 2)."""

    frames: torch.Tensor
    factors: ClipFactors
    positions: torch.Tensor
    masks: torch.Tensor | None = None  # (n, T, 1, H, W) objects' opacity, the true foreground
    background: torch.Tensor | None = None  # (n, C, H, W) each clip's static background


class MovingDigits(SyntheticClips):
    """Generator of bouncing-digit clips from one split ('train', 'val' or 'test') of digit images."""

    content_groups = {"digit": 10}  # classes of each content factor
    num_classes = 10
    Clips = Clips
    soft_alpha = True  # anti-aliased strokes: a pixel's brightness is its opacity

    def __init__(self, cfg: DataConfig, split: str = "train", device: torch.device | str = "cpu"):
        if not 1 <= cfg.num_digits <= 3:
            raise UserError(f"data.num_digits must be 1, 2 or 3, got {cfg.num_digits}")
        self.published = cfg.layout == "drnet"
        if self.published and not cfg.colour:
            raise UserError("data.layout=drnet draws each digit in its own colour channel: it needs data.colour=true")
        self.cfg, self.split = cfg, split
        self.device = torch.device(device)
        self.size = cfg.frame_size
        self.digit_size = round(cfg.frame_size * (32 if self.published else 28) / 64)
        self.channels = 3 if cfg.colour else 1
        self.num_objects = cfg.num_digits
        images, labels = load_digits(split, self.digit_size, cfg.digits, cfg.mnist_path)
        self.images = images.to(self.device)  # (N, s, s)
        self.labels = labels.to(self.device)  # (N,)
        self.span = self.size - self.digit_size  # top-left coordinates lie in [0, span]

    def sample_factors(self, n: int, generator: torch.Generator) -> ClipFactors:
        """Draw n clips' factors with a CPU generator (so a seed gives the same clips on any device)."""
        D, g = self.cfg.num_digits, generator
        digit = torch.randint(len(self.images), (n, D), generator=g)
        if self.published:  # drnet-py: digit j in channel j, integer starts and velocities, one in front
            start = torch.randint(self.span, (n, D, 2), generator=g)
            velocity = torch.randint(-4, 4, (n, D, 2), generator=g)
            front = torch.randint(D, (n,), generator=g)
            colour = torch.eye(3)[:D].expand(n, D, 3)
            digit = digit.to(self.device)
            values = (self.labels[digit], colour, start, velocity, front)
            return ClipFactors(digit, *(v.to(self.device) for v in values))
        if self.cfg.colour:
            colour = PALETTE[torch.rand(n, len(PALETTE), generator=g).argsort(dim=1)[:, :D]]
        else:
            colour = torch.ones(n, D, 1)
        start = torch.rand(n, D, 2, generator=g) * self.span
        velocity = random_velocity(n, D, (2 * self.size / 64, 5 * self.size / 64), g)
        digit = digit.to(self.device)
        return ClipFactors(
            digit, self.labels[digit], colour.to(self.device), start.to(self.device), velocity.to(self.device)
        )

    def positions(self, factors: ClipFactors, times: torch.Tensor) -> torch.Tensor:
        """Top-left (y, x) of every digit at the given frame times (n, F) -> (n, F, D, 2)."""
        if self.published:
            return stepped_bounce(factors.start, factors.velocity, times, self.span).float()
        return bounce(factors.start, factors.velocity, times, self.span)

    def render(self, factors: ClipFactors, positions: torch.Tensor) -> torch.Tensor:
        """Draw the content of `factors` at `positions` (n, F, D, 2) -> frames (n, F, C, H, W)."""
        n, nf, D, _ = positions.shape
        s, H = self.digit_size, self.size
        pos = positions.round().long().clamp_(0, self.span).reshape(-1, 2)  # (M, 2), M = n*F*D
        ar = torch.arange(s, device=self.device)
        rows = (pos[:, 0, None] + ar)[:, :, None]  # (M, s, 1)
        cols = (pos[:, 1, None] + ar)[:, None, :]  # (M, 1, s)
        layer = torch.arange(len(pos), device=self.device)[:, None, None]
        patches = self.images[factors.digit][:, None].expand(n, nf, D, s, s).reshape(-1, s, s)
        canvas = torch.zeros(len(pos), H, H, device=self.device)
        canvas[layer, rows, cols] = patches
        canvas = canvas.view(n, nf, D, 1, H, H)
        if factors.front is not None:  # drnet-py: the other digits vanish wherever the front one has ink
            front = canvas.gather(2, factors.front.view(n, 1, 1, 1, 1, 1).expand(n, nf, 1, 1, H, H))
            mine = torch.arange(D, device=self.device).view(1, 1, D, 1, 1, 1) == factors.front.view(n, 1, 1, 1, 1, 1)
            canvas = torch.where(mine | (front == 0), canvas, torch.zeros_like(canvas))
        canvas = canvas * factors.colour[:, None, :, :, None, None]
        return canvas.amax(dim=2)  # overlapping digits: max (each in its own channel with data.layout=drnet)

    def object_windows(self, positions: torch.Tensor) -> tuple[torch.Tensor, int]:
        """Where each digit is drawn: top-left corners (..., D, 2) as integers, as `render` places them,
        and the window's side (the digit image's size)."""
        return positions.round().long().clamp(0, self.span), self.digit_size

    def object_labels(self, factors: ClipFactors) -> torch.Tensor:
        """Each digit's class in each content group ({"digit": 10}): (n, D, 1)."""
        return factors.label[..., None]

    def factor_values(self, clips: Clips) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Per-frame ground truth for disentanglement metrics: content factors {name: (n, F) int}
        and pose factors {name: (n, F) float}.

        Digits are interchangeable (nothing in a frame says which is "first"), so content is the
        sorted digit labels (digit_1 <= digit_2 ...) and pose the positions of the digits ordered
        left to right in each frame (x_1 is the leftmost digit's x).
        """
        n, F, D, _ = clips.positions.shape
        labels = clips.factors.label.sort(dim=1).values[:, None].expand(n, F, D)
        content = {f"digit_{j + 1}": labels[..., j] for j in range(D)}
        order = clips.positions[..., 1].argsort(dim=2)  # (n, F, D) by x
        pos = clips.positions.gather(2, order[..., None].expand(n, F, D, 2))
        pose = {}
        for j in range(D):
            pose[f"x_{j + 1}"], pose[f"y_{j + 1}"] = pos[..., j, 1], pos[..., j, 0]
        return content, pose
