"""Training batches: frame pairs (autoencoders), frame sets (Set GAN) and sequences (predictors), from any dataset.

A sampler owns the random generator that draws its batches; the generator's state is
part of a checkpoint, so a resumed run sees the same data.
"""
from __future__ import annotations

import torch

from contentpose.errors import UserError


class _Sampler:
    def __init__(self, data, batch_size: int, seed: int):
        self.data, self.batch_size = data, batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def state(self) -> torch.Tensor:
        return self.generator.get_state()

    def load_state(self, state: torch.Tensor) -> None:
        self.generator.set_state(state)


class FramePairSampler(_Sampler):
    """(x^t, x^{t+k}) of B clips, each (B, C, H, W), with k uniform in [0, max_offset]."""

    def __init__(self, data, batch_size: int, max_offset: int, seed: int):
        super().__init__(data, batch_size, seed)
        self.max_offset = max_offset

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data.pairs(self.batch_size, self.max_offset, self.generator)


class SequenceSampler(_Sampler):
    """`length` consecutive frames of B clips: a tuple holding (B, T, C, H, W)."""

    def __init__(self, data, batch_size: int, length: int, seed: int):
        super().__init__(data, batch_size, seed)
        self.length = length

    def __call__(self) -> tuple[torch.Tensor]:
        return (self.data.sequences(self.batch_size, self.length, self.generator),)


class FrameSetSampler(_Sampler):
    """Sets of `size` distinct frames of one clip, within `window` consecutive frames, in time
    order: a tuple holding (B, size, C, H, W) (Set GAN's real sets)."""

    def __init__(self, data, batch_size: int, size: int, window: int, seed: int):
        if size > window:
            raise UserError(f"a set of {size} frames does not fit in a window of {window} frames; "
                            f"lower objective.set_size or raise data.max_offset")
        super().__init__(data, batch_size, seed)
        self.size, self.window = size, window
        data.clip_frames(1, torch.arange(window)[None], torch.Generator())   # clips too short fail now, not mid-run

    def __call__(self) -> tuple[torch.Tensor]:
        order = torch.rand(self.batch_size, self.window, generator=self.generator).argsort(dim=1)
        offsets = order[:, :self.size].sort(dim=1).values                           # (B, size), distinct
        return (self.data.clip_frames(self.batch_size, offsets, self.generator),)
