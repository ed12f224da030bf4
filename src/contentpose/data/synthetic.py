"""What the synthetic datasets (Moving Digits, Moving Sprites) share: endless clips drawn from
factors and rendered in closed form at any time.

A subclass defines `sample_factors`, `positions` and `render`, and `Clips`, its clip type.
Every dataset, synthetic or not, offers `pairs`, `sequences`, `test_clips` and
`test_frames` (see `contentpose.data`).
"""

from __future__ import annotations

import functools

import torch

from contentpose.data.backgrounds import Backgrounds, compose
from contentpose.data.splits import split_seed
from contentpose.errors import UserError

START_TIMES = 1000  # a training clip's first frame time is uniform in [0, START_TIMES)


class SyntheticClips:
    device: torch.device
    cfg: object
    split = "train"  # the subclass sets the split it was built for ('train', 'val' or 'test')
    soft_alpha = False  # True: objects' brightness is their opacity (see `draw`)

    def clips(self, factors, times: torch.Tensor):
        """Render the frames at `times` (n, F) of the clips described by `factors`, with their true
        foreground masks (n, F, 1, H, W) and static backgrounds (n, C, H, W) (see `draw`)."""
        positions = self.positions(factors, times)
        frames, masks, background = self.draw(factors, positions)
        return self.Clips(frames, factors, positions, masks, background)

    def draw(self, factors, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """`render`'s objects over the clips' static backgrounds (`data.background`; black for none):
        frames (n, F, C, H, W), the objects' opacity alpha (n, F, 1, H, W), backgrounds (n, C, H, W).

        Solid shapes are opaque wherever drawn; with `soft_alpha` (anti-aliased digit strokes drawn
        in colours whose brightest channel is 1) a pixel's brightest channel is its opacity."""
        layer = self.render(factors, positions)
        peak = layer.amax(dim=2, keepdim=True)
        alpha = peak if self.soft_alpha else (peak > 0).to(layer.dtype)
        if self.backgrounds is None:
            return layer, alpha, layer.new_zeros(layer.shape[0], *layer.shape[2:])
        background = self.backgrounds(factors.start, factors.velocity)
        return compose(layer, alpha, background), alpha, background

    @functools.cached_property
    def backgrounds(self) -> Backgrounds | None:
        """What draws the clips' backgrounds (photos or textures), None for `data.background=none`."""
        kind = self.cfg.background
        return None if kind == "none" else Backgrounds(kind, self.size, self.channels, self.device, self.split)

    def sample(self, n: int, num_frames: int, generator: torch.Generator):
        """n new clips of `num_frames` consecutive frames from t = 0."""
        factors = self.sample_factors(n, generator)
        times = torch.arange(num_frames, device=self.device).expand(n, num_frames)
        return self.clips(factors, times)

    def test_set(self):
        """This split's fixed clips (factors only; render the frames you need); val and test differ in
        their seeds (`splits.split_seed`) as well as in their content where the content is split."""
        seed = split_seed(self.cfg.test_seed, self.split)
        return self.sample_factors(self.cfg.test_clips, torch.Generator().manual_seed(seed))

    def clip_frames(self, batch: int, offsets: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Frames t + offsets (B, F) of `batch` new clips at random t: (B, F, C, H, W)."""
        factors = self.sample_factors(batch, generator)
        t = torch.randint(0, START_TIMES, (batch, 1), generator=generator)
        return self.clips(factors, (t + offsets).to(self.device)).frames

    def pairs(self, batch: int, max_offset: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Frames x^t and x^{t+k} of `batch` new clips, each (B, C, H, W), k uniform in [0, max_offset]."""
        k = torch.randint(0, max_offset + 1, (batch, 1), generator=generator)
        frames = self.clip_frames(batch, torch.cat([torch.zeros_like(k), k], dim=1), generator)
        return frames[:, 0], frames[:, 1]

    def sequences(self, batch: int, length: int, generator: torch.Generator) -> torch.Tensor:
        """`length` consecutive frames of `batch` new clips: (B, T, C, H, W)."""
        return self.clip_frames(batch, torch.arange(length).expand(batch, -1), generator)

    def test_clips(self, n: int, times: int | list[int]):
        """The first n fixed test clips at frame `times` (or frames 0..times-1): clips, frames (n, F, C, H, W)."""
        test = self.test_set()
        n = min(n, len(test))
        times = list(range(times)) if isinstance(times, int) else times
        return self.clips(
            test.index(torch.arange(n, device=self.device)),
            torch.tensor(times, device=self.device).expand(n, len(times)),
        )

    def clip(self, index: int, frames: int) -> torch.Tensor:
        """Fixed clip `index` of this split (see `test_set`), frames 0..frames-1: (T, C, H, W)."""
        if not 0 <= index < self.cfg.test_clips:
            raise UserError(
                f"clip number {index} is out of range: this split has {self.cfg.test_clips} clips "
                f"(0 to {self.cfg.test_clips - 1}; data.test_clips)"
            )
        factors = self.test_set().index(torch.tensor([index], device=self.device))
        return self.clips(factors, torch.arange(frames, device=self.device)[None]).frames[0]

    def test_frames(self, n: int, offsets: list[int], seed: int) -> torch.Tensor:
        """Frames t + offsets of n different random test clips at random t: (n, len(offsets), C, H, W)."""
        test = self.test_set()
        g = torch.Generator().manual_seed(seed)
        chosen = torch.randperm(len(test), generator=g)[:n].to(self.device)
        t = torch.randint(0, START_TIMES, (len(chosen), 1), generator=g)
        times = (t + torch.tensor(offsets)).to(self.device)
        return self.clips(test.index(chosen), times).frames
