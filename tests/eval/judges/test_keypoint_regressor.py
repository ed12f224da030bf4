"""The keypoint regressor that scores generated figures by the pose they show (issue 19)."""

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


def test_data_without_keypoints_is_refused(tmp_path):
    sprites = build_dataset(load_config("quick", ["data=moving_sprites", "data.frame_size=32"]).data, "train")
    with pytest.raises(UserError, match="needs data with keypoints"):
        kr.keypoint_regressor(tmp_path, sprites)
