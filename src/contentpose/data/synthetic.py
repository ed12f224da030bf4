"""What the synthetic datasets (Moving Digits, Moving Sprites) share: endless clips drawn from
factors and rendered in closed form at any time.

A subclass defines `sample_factors`, `positions` and `render`, and `Clips`, its clip type.
Every dataset, synthetic or not, offers `pairs`, `sequences`, `test_clips` and
`test_frames` (see `contentpose.data`).
"""
from __future__ import annotations

import torch

START_TIMES = 1000   # a training clip's first frame time is uniform in [0, START_TIMES)


class SyntheticClips:
    device: torch.device
    cfg: object

    def clips(self, factors, times: torch.Tensor):
        """Render the frames at `times` (n, F) of the clips described by `factors`."""
        positions = self.positions(factors, times)
        return self.Clips(self.render(factors, positions), factors, positions)

    def sample(self, n: int, num_frames: int, generator: torch.Generator):
        """n new clips of `num_frames` consecutive frames from t = 0."""
        factors = self.sample_factors(n, generator)
        times = torch.arange(num_frames, device=self.device).expand(n, num_frames)
        return self.clips(factors, times)

    def test_set(self):
        """The fixed held-out clips (factors only; render the frames you need)."""
        return self.sample_factors(self.cfg.test_clips, torch.Generator().manual_seed(self.cfg.test_seed))

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
        return self.clips(test.index(torch.arange(n, device=self.device)),
                          torch.tensor(times, device=self.device).expand(n, len(times)))

    def test_frames(self, n: int, offsets: list[int], seed: int) -> torch.Tensor:
        """Frames t + offsets of n different random test clips at random t: (n, len(offsets), C, H, W)."""
        test = self.test_set()
        g = torch.Generator().manual_seed(seed)
        chosen = torch.randperm(len(test), generator=g)[:n].to(self.device)
        t = torch.randint(0, START_TIMES, (len(chosen), 1), generator=g)
        times = (t + torch.tensor(offsets)).to(self.device)
        return self.clips(test.index(chosen), times).frames
