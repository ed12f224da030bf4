"""Training batches: frame pairs (autoencoders), frame sets (Set GAN) and sequences (predictors), from any dataset.

A sampler owns the random generator that draws its batches; the generator's state is
part of a checkpoint, so a resumed run sees the same data.
"""

from __future__ import annotations

import torch

from contentpose.data.figures import bone_maps
from contentpose.data.synthetic import START_TIMES
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
    """(x^t, x^{t+k}) of B clips, each (B, C, H, W), with k uniform in [0, max_offset]; for real
    clips, which can repeat within a batch, also each row's clip (B,) (`pairs_with_clips`)."""

    def __init__(self, data, batch_size: int, max_offset: int, seed: int):
        super().__init__(data, batch_size, seed)
        self.max_offset = max_offset
        if hasattr(data, "lengths") and len(data.lengths) < 2:  # refused before a run writes anything
            raise UserError(
                "training on frame pairs needs at least 2 training clips (pairs of different clips); "
                f"this split has {len(data.lengths)}"
            )

    def __call__(self) -> tuple[torch.Tensor, ...]:
        if hasattr(self.data, "pairs_with_clips"):
            return self.data.pairs_with_clips(self.batch_size, self.max_offset, self.generator)
        return self.data.pairs(self.batch_size, self.max_offset, self.generator)  # every row a new clip


class SequenceSampler(_Sampler):
    """`length` consecutive frames of B clips: a tuple holding (B, T, C, H, W)."""

    def __init__(self, data, batch_size: int, length: int, seed: int):
        super().__init__(data, batch_size, seed)
        self.length = length

    def __call__(self) -> tuple[torch.Tensor]:
        return (self.data.sequences(self.batch_size, self.length, self.generator),)


class FrameSetSampler(_Sampler):
    """Sets of `size` distinct frames of one clip, within `window` consecutive frames, in random
    order: a tuple holding (B, size, C, H, W) (Set GAN's real sets). The order is shuffled, as the
    paper draws the frames at random: generated sets are exchangeable (z_M drawn per frame), so
    time order in real sets alone would let the discriminator tell them apart by it."""

    def __init__(self, data, batch_size: int, size: int, window: int, seed: int):
        if size > window:
            raise UserError(
                f"a set of {size} frames does not fit in a window of {window} frames; "
                f"lower objective.set_size or raise data.max_offset"
            )
        super().__init__(data, batch_size, seed)
        self.size, self.window = size, window
        data.clip_frames(1, torch.arange(window)[None], torch.Generator())  # clips too short fail now, not mid-run

    def __call__(self) -> tuple[torch.Tensor]:
        order = torch.rand(self.batch_size, self.window, generator=self.generator).argsort(dim=1)
        offsets = order[:, : self.size]  # (B, size): distinct, in random order
        return (self.data.clip_frames(self.batch_size, offsets, self.generator),)


class KeypointSampler(_Sampler):
    """`length` consecutive keypoint sets of B clips, in frame units (pixels / frame size), not
    rendered: a tuple holding (B, T, K, 2) (pose forecasting; data with `keypoint_clips`)."""

    def __init__(self, data, batch_size: int, length: int, seed: int):
        if not hasattr(data, "keypoint_clips"):
            raise UserError(f"{type(data).__name__} has no keypoints; pose forecasting needs data=figures")
        super().__init__(data, batch_size, seed)
        self.length = length

    def __call__(self) -> tuple[torch.Tensor]:
        offsets = torch.arange(self.length).expand(self.batch_size, -1)
        return (self.data.keypoint_clips(self.batch_size, offsets, self.generator) / self.data.size,)


class PoseFrameSampler(_Sampler):
    """Pose-to-frame training batches from data with keypoints (figures): two consecutive frames
    (B, 2, C, H, W) of B new clips at random times, their stick-figure maps (B, 2, bones, H, W), and
    a reference frame of the same clip at another random time (B, C, H, W), the appearance to copy."""

    def __init__(self, data, batch_size: int, seed: int):
        if not hasattr(data, "keypoint_clips"):
            raise UserError(f"{type(data).__name__} has no keypoints; pose-to-frame training needs data=figures")
        super().__init__(data, batch_size, seed)

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        B, g = self.batch_size, self.generator
        factors = self.data.sample_factors(B, g)
        t = torch.randint(0, START_TIMES, (B, 1), generator=g)
        reference = torch.randint(0, START_TIMES, (B, 1), generator=g)
        clips = self.data.clips(factors, torch.cat([t, t + 1, reference], dim=1).to(self.data.device))
        poses = bone_maps(clips.keypoints[:, :2], self.data.size)
        return clips.frames[:, :2], poses, clips.frames[:, 2]
