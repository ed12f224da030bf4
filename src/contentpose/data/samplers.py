"""Training batches from fresh synthetic clips: frame pairs (autoencoders) and sequences (predictors).

Clips are endless, so every call draws B new clips and renders only the frames needed.
A sampler's generator state is part of a checkpoint, so a resumed run sees the same data.
"""
from __future__ import annotations

import torch

from contentpose.data.moving_digits import MovingDigits

START_TIMES = 1000   # first frame time t is uniform in [0, START_TIMES)


class _Sampler:
    def __init__(self, data: MovingDigits, batch_size: int, seed: int):
        self.data, self.batch_size = data, batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def _frames(self, offsets: torch.Tensor) -> torch.Tensor:
        """Frames at times t + offsets (B, F) of B new clips, t random per clip: (B, F, C, H, W)."""
        g = self.generator
        factors = self.data.sample_factors(self.batch_size, g)
        t = torch.randint(0, START_TIMES, (self.batch_size, 1), generator=g)
        return self.data.clips(factors, (t + offsets).to(self.data.device)).frames

    def state(self) -> torch.Tensor:
        return self.generator.get_state()

    def load_state(self, state: torch.Tensor) -> None:
        self.generator.set_state(state)


class FramePairSampler(_Sampler):
    """(x^t, x^{t+k}) of B clips, each (B, C, H, W), with k uniform in [0, max_offset]."""

    def __init__(self, data: MovingDigits, batch_size: int, max_offset: int, seed: int):
        super().__init__(data, batch_size, seed)
        self.max_offset = max_offset

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
        k = torch.randint(0, self.max_offset + 1, (self.batch_size, 1), generator=self.generator)
        frames = self._frames(torch.cat([torch.zeros_like(k), k], dim=1))
        return frames[:, 0], frames[:, 1]


class SequenceSampler(_Sampler):
    """`length` consecutive frames of B clips: a tuple holding (B, T, C, H, W)."""

    def __init__(self, data: MovingDigits, batch_size: int, length: int, seed: int):
        super().__init__(data, batch_size, seed)
        self.length = length

    def __call__(self) -> tuple[torch.Tensor]:
        return (self._frames(torch.arange(self.length).expand(self.batch_size, -1)),)
