import pytest
import torch

from contentpose.data.samplers import FrameSetSampler
from contentpose.errors import UserError


class TaggedClips:
    """Frames whose pixels name their clip and time: value = 1000 * clip + t."""

    def clip_frames(self, batch, offsets, generator):
        clip = torch.randint(0, 10_000, (batch, 1), generator=generator)  # tags stay exact in float32
        start = torch.randint(0, 500, (batch, 1), generator=generator)
        tags = (1000 * clip + start + offsets).float()
        return tags[:, :, None, None, None].expand(*offsets.shape, 1, 2, 2)


def test_real_sets_are_distinct_frames_of_one_clip_within_the_window():
    (sets,) = FrameSetSampler(TaggedClips(), batch_size=64, size=3, window=5, seed=0)()
    tags = sets[:, :, 0, 0, 0].long()  # (64, 3)
    clip, t = tags // 1000, tags % 1000
    assert sets.shape == (64, 3, 1, 2, 2)
    assert (clip == clip[:, :1]).all()  # one clip per set
    ordered = t.sort(dim=1).values
    assert (ordered.diff(dim=1) > 0).all() and (ordered[:, -1] - ordered[:, 0] <= 4).all()  # distinct, within 5
    assert len({tuple(row) for row in (t - t.min(1, keepdim=True).values).tolist()}) > 3  # random frames
    increasing = (t.diff(dim=1) > 0).all(dim=1).float().mean()  # in time order by chance: 1 in 3! = 6
    assert 0.02 < increasing < 0.4  # shuffled, not in time order


def test_set_larger_than_window_is_refused():
    with pytest.raises(UserError, match="does not fit"):
        FrameSetSampler(TaggedClips(), batch_size=4, size=6, window=5, seed=0)


def test_clips_too_short_for_the_window_fail_before_training():
    class ShortClips(TaggedClips):
        def clip_frames(self, batch, offsets, generator):
            if offsets.max() >= 4:
                raise UserError("no clip has the 5 frames a training sample needs")
            return super().clip_frames(batch, offsets, generator)

    with pytest.raises(UserError, match="no clip has"):
        FrameSetSampler(ShortClips(), batch_size=4, size=3, window=6, seed=0)
    FrameSetSampler(ShortClips(), batch_size=4, size=3, window=4, seed=0)()
