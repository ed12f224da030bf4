"""The keypoint regressor that scores generated frames by the pose they show: figures' joints, digits' places."""

import pytest
import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.errors import UserError
from contentpose.eval.judges import keypoint_regressor as kr


@pytest.fixture(scope="module")
def figures():
    cfg = load_config("posegen_quick", ["data.test_clips=64"]).data  # 32 px colour figures
    return build_dataset(cfg, "train"), build_dataset(cfg, "test")


def test_a_briefly_trained_regressor_beats_the_mean_pose_on_held_out_frames(figures):
    train, test = figures
    model = kr.train_keypoint_regressor(train, steps=80, batch_size=32, width=8, quiet=True)
    clips = test.test_clips(64, 3)  # (64, 3) held-out frames
    error = kr.keypoint_error(model, clips.frames, clips.keypoints)
    assert error.shape == (64, 3)
    g = torch.Generator().manual_seed(1)
    mean_pose = train.keypoint_clips(1000, torch.zeros(1, 1, dtype=torch.long), g)[:, 0].mean(0)
    baseline = (mean_pose - clips.keypoints).norm(dim=-1).mean()
    assert error.mean() < 0.8 * baseline, (float(error.mean()), float(baseline))


def test_the_regressor_is_cached_in_the_run_folder_for_its_data(figures, tmp_path):
    train, test = figures
    first = kr.keypoint_regressor(tmp_path, train, steps=3, quiet=True)
    stamp = (tmp_path / kr.REGRESSOR).stat().st_mtime_ns
    again = kr.keypoint_regressor(tmp_path, train, steps=3, quiet=True)
    frames = test.test_clips(4, 1).frames[:, 0]
    assert torch.equal(first(frames), again(frames)) and (tmp_path / kr.REGRESSOR).stat().st_mtime_ns == stamp
    kr.keypoint_regressor(tmp_path, train, steps=4, quiet=True)  # another number of steps: trained again
    assert (tmp_path / kr.REGRESSOR).stat().st_mtime_ns != stamp


def test_on_moving_digits_it_reads_each_digit_position():
    cfg = load_config("setgan_quick", ["data.test_clips=64"]).data  # one digit, 32 px
    train, test = build_dataset(cfg, "train"), build_dataset(cfg, "test")
    assert kr.num_points(train) == 1
    model = kr.train_keypoint_regressor(train, steps=150, batch_size=32, width=8, quiet=True)
    clips = test.test_clips(64, 2)
    truth = kr.true_points(clips)  # (64, 2, 1, 2): the digit's window corner, (y, x) pixels
    assert truth.shape == (64, 2, 1, 2)
    error = kr.keypoint_error(model, clips.frames, truth)
    baseline = (truth - truth.mean(dim=(0, 1))).norm(dim=-1).mean()
    assert error.mean() < 0.5 * baseline, (float(error.mean()), float(baseline))


def test_data_without_points_is_refused():
    from types import SimpleNamespace

    with pytest.raises(UserError, match="needs data with known points"):
        kr.num_points(SimpleNamespace(cfg=SimpleNamespace(name="videos")))
