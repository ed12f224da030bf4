"""Training batches of frame pairs (x^t, x^{t+k}) from fresh synthetic clips."""
from __future__ import annotations

import torch

from contentpose.data.moving_digits import MovingDigits


class FramePairSampler:
    """Draws B new clips per call and renders only the two frames each step needs.

    t is uniform in [0, 1000) (clips are endless), k uniform in [0, max_offset].
    The sampler's generator state is part of a checkpoint, so a resumed run sees the same data.
    """

    def __init__(self, data: MovingDigits, batch_size: int, max_offset: int, seed: int):
        self.data, self.batch_size, self.max_offset = data, batch_size, max_offset
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Frames x^t and x^{t+k} of B clips, each (B, C, H, W)."""
        B, g = self.batch_size, self.generator
        factors = self.data.sample_factors(B, g)
        t = torch.randint(0, 1000, (B,), generator=g)
        k = torch.randint(0, self.max_offset + 1, (B,), generator=g)
        frames = self.data.clips(factors, torch.stack([t, t + k], 1).to(self.data.device)).frames
        return frames[:, 0], frames[:, 1]

    def state(self) -> torch.Tensor:
        return self.generator.get_state()

    def load_state(self, state: torch.Tensor) -> None:
        self.generator.set_state(state)
