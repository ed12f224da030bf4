"""'Different clip' partners of real videos come from different source videos (a batch of real
clips can show one video in several rows)."""

import numpy as np
import pytest
import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.samplers import FramePairSampler
from contentpose.errors import UserError
from contentpose.objectives import build_objective
from contentpose.objectives.content_pose import different_clip_partner


def _tagged_file(tmp_path, clips: int):
    """A Moving MNIST file whose every pixel of clip n is 10 * (n + 1): frames name their video."""
    seq = np.broadcast_to((10 * (np.arange(clips) + 1)).astype(np.uint8)[None, :, None, None], (20, clips, 64, 64))
    np.save(tmp_path / "tagged.npy", np.ascontiguousarray(seq))
    return load_config(
        "quick",
        [
            f"data=moving_mnist:{tmp_path / 'tagged.npy'}",
            "data.test_fraction=0.25",
            "model.width=8",
            "model.content_dim=8",
            "train.batch_size=8",
            "train.device=cpu",
        ],
    )


def _source(frames: torch.Tensor) -> torch.Tensor:
    return (frames[:, 0, 0, 0] * 255 / 10).round().long() - 1  # (B,) the source video of each row


def test_partners_come_from_other_videos_when_a_batch_repeats_one(tmp_path):
    cfg = _tagged_file(tmp_path, clips=5)  # 3 training videos (2 held out: val, test), batches of 8 rows
    data = build_dataset(cfg.data, "train")
    x_t, x_tk, clip = FramePairSampler(data, 8, cfg.data.max_offset, seed=0)()
    source = _source(x_t)
    assert torch.equal(_source(x_tk), source) and len(set(source.tolist())) == 3  # every video in the batch
    assert torch.equal(torch.from_numpy(data.clip_ids)[clip], source)  # clip ids name the videos
    torch.manual_seed(0)
    for _ in range(50):
        partner = different_clip_partner(8, clip=clip)
        assert (source[partner] != source).all()


def test_without_replacement_while_there_are_enough_videos(tmp_path):
    cfg = _tagged_file(tmp_path, clips=40)  # 30 training videos
    data = build_dataset(cfg.data, "train")
    _, _, clip = data.pairs_with_clips(20, 3, torch.Generator().manual_seed(1))
    assert len(set(clip.tolist())) == 20


def test_drnet_step_on_repeated_videos(tmp_path):
    cfg = _tagged_file(tmp_path, clips=4)
    data = build_dataset(cfg.data, "train")
    objective = build_objective(cfg, data.channels, torch.device("cpu"))
    batch = objective.sampler(data, cfg, 8, seed=0)()
    assert len(batch) == 3
    out = objective.step(*batch)
    assert torch.isfinite(out["loss"]) and objective.preview(*batch).shape[:2] == (4, 8)


def test_one_training_video_cannot_make_different_clip_pairs(tmp_path):
    cfg = _tagged_file(tmp_path, clips=2)  # 1 training video
    data = build_dataset(cfg.data, "train")
    with pytest.raises(UserError, match="at least 2 training clips"):
        data.pairs(4, 3, torch.Generator())
    with pytest.raises(ValueError, match="same clip"):
        different_clip_partner(3, clip=torch.zeros(3, dtype=torch.long))
