"""Real clips stored back to back in one uint8 array, with the dataset interface of
`contentpose.data` (used by video folders and by Moving MNIST's standard file)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from contentpose.errors import UserError


@dataclass
class VideoClips:
    """Frames (n, T, C, H, W) in [0, 1] of real clips (no known factors)."""

    frames: torch.Tensor


class FrameStore:
    """Clips stored back to back in one array of frames (N, C, H, W) uint8: clip i is
    frames[starts[i] : starts[i] + lengths[i]]. Gives the dataset interface of `contentpose.data`."""

    Clips = VideoClips
    frames: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    device: torch.device

    def _gather(self, clip: np.ndarray, times: np.ndarray) -> torch.Tensor:
        """Frames at `times` (n, F) of clips `clip` (n,) -> float (n, F, C, H, W) on the device."""
        rows = self.starts[clip][:, None] + times
        frames = torch.from_numpy(np.ascontiguousarray(self.frames[rows.ravel()]))
        return (frames.to(self.device).float() / 255).view(*times.shape, *frames.shape[1:])

    def _clips_at_least(self, length: int, what: str) -> np.ndarray:
        ok = np.flatnonzero(self.lengths >= length)
        if len(ok) == 0:
            raise UserError(
                f"no clip has the {length} frames {what} needs (longest: {self.lengths.max()}); "
                f"use longer clips, a smaller data.stride, shorter sequences or a smaller data.max_offset"
            )
        return ok

    def pairs(self, batch: int, max_offset: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """x^t, x^{t+k} of `batch` random clips, k uniform in [0, min(max_offset, length - 1)]."""
        x_t, x_tk, _ = self.pairs_with_clips(batch, max_offset, generator)
        return x_t, x_tk

    def pairs_with_clips(
        self, batch: int, max_offset: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """`pairs`, and the clip (source video) of each row (B,) int64, so that "different clip"
        partners can be told apart from rows of the same video. Rows show distinct clips while
        there are enough (drawn without replacement), every clip at least once otherwise."""
        n = len(self.lengths)
        if n < 2:
            raise UserError(
                "training on frame pairs needs at least 2 training clips (pairs of different clips); this split has 1"
            )
        g = np.random.default_rng(int(torch.randint(0, 2**31, (), generator=generator)))
        clip = (
            g.permutation(n)[:batch]
            if batch <= n
            else g.permutation(np.concatenate([np.arange(n), g.integers(0, n, batch - n)]))
        )
        k = np.minimum(g.integers(0, max_offset + 1, batch), self.lengths[clip] - 1)
        t = (g.random(batch) * (self.lengths[clip] - k)).astype(np.int64)
        frames = self._gather(clip, np.stack([t, t + k], 1))
        return frames[:, 0], frames[:, 1], torch.from_numpy(clip.astype(np.int64))

    def sequences(self, batch: int, length: int, generator: torch.Generator) -> torch.Tensor:
        """`length` consecutive frames of `batch` random clips long enough: (B, T, C, H, W)."""
        return self.clip_frames(batch, torch.arange(length).expand(batch, -1), generator)

    def clip_frames(self, batch: int, offsets: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Frames t + offsets (B, F) of `batch` random clips long enough, at random t: (B, F, C, H, W)."""
        g = np.random.default_rng(int(torch.randint(0, 2**31, (), generator=generator)))
        offsets = offsets.cpu().numpy()
        span = offsets.max(axis=1)
        ok = self._clips_at_least(int(span.max()) + 1, "a training sample")
        clip = ok[g.integers(0, len(ok), batch)]
        t = (g.random(batch) * (self.lengths[clip] - span)).astype(np.int64)
        return self._gather(clip, t[:, None] + offsets)

    def test_clips(self, n: int, times: int | list[int]) -> VideoClips:
        """The first n clips (of this split) long enough, at frame `times` (or frames 0..times-1)."""
        times = np.arange(times) if isinstance(times, int) else np.asarray(times)
        ok = self._clips_at_least(int(times.max()) + 1, "this evaluation")[:n]
        return VideoClips(self._gather(ok, np.broadcast_to(times, (len(ok), len(times)))))

    def test_frames(self, n: int, offsets: list[int], seed: int) -> torch.Tensor:
        """Frames t + offsets of n random clips (different ones while there are enough)."""
        g = np.random.default_rng(seed)
        offsets = np.asarray(offsets)
        ok = self._clips_at_least(int(offsets.max()) + 1, "these frames")
        clip = g.permutation(ok)[:n] if len(ok) >= n else g.choice(ok, n)
        t = (g.random(len(clip)) * (self.lengths[clip] - offsets.max())).astype(np.int64)
        return self._gather(clip, t[:, None] + offsets)

    def held_out_pairs(self, n: int, max_offset: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
        """Frames t and t + k (n, C, H, W) of n random clips of at least 2 frames, k uniform in
        [1, min(max_offset, length - 1)], and the clip of each row (n,)."""
        g = np.random.default_rng(seed)
        ok = self._clips_at_least(2, "pairs of frames")
        clip = ok[g.integers(0, len(ok), n)]
        k = np.minimum(g.integers(1, max(max_offset, 1) + 1, n), self.lengths[clip] - 1)
        t = (g.random(n) * (self.lengths[clip] - k)).astype(np.int64)
        frames = self._gather(clip, np.stack([t, t + k], 1))
        return frames[:, 0], frames[:, 1], clip

    def frame_pool(self, limit: int) -> tuple[torch.Tensor, np.ndarray]:
        """Up to `limit` frames of this split, evenly spaced over all of its clips, as stored:
        uint8 (M, C, H, W) on the CPU, and the clip of each (M,)."""
        rows = np.concatenate([np.arange(s, s + n) for s, n in zip(self.starts, self.lengths)])
        clip_of = np.repeat(np.arange(len(self.lengths)), self.lengths)
        pick = np.linspace(0, len(rows) - 1, min(limit, len(rows))).round().astype(np.int64)
        return torch.from_numpy(np.ascontiguousarray(self.frames[rows[pick]])), clip_of[pick]

    def clip(self, index: int, frames: int) -> torch.Tensor:
        """Clip `index` of this split from its first frame, up to `frames` frames: (T, C, H, W)."""
        if not 0 <= index < len(self.lengths):
            raise UserError(
                f"clip number {index} is out of range: this split has {len(self.lengths)} clips "
                f"(0 to {len(self.lengths) - 1})"
            )
        return self._gather(np.array([index]), np.arange(min(frames, int(self.lengths[index])))[None])[0]

    def spread_frames(self, count: int) -> torch.Tensor:
        """`count` evenly spaced frames of every clip of this split: (clips, count, C, H, W)."""
        clip = np.arange(len(self.lengths))
        times = (np.linspace(0, 1, count)[None] * (self.lengths[:, None] - 1)).round().astype(np.int64)
        return self._gather(clip, times)
