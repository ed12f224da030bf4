"""Train, val and test: held-out items cut in two, synthetic sets drawn from their own seeds."""

import numpy as np
import pytest
import torch

from contentpose.config import DataConfig
from contentpose.data import build_dataset
from contentpose.data.splits import held_out_part
from contentpose.errors import UserError


def test_held_out_items_are_cut_in_two_val_first():
    held = np.arange(7)
    assert held_out_part(held, "val").tolist() == [0, 1, 2] and held_out_part(held, "test").tolist() == [3, 4, 5, 6]
    with pytest.raises(UserError, match="val and test need at least 1 each"):
        held_out_part(np.arange(1), "test")


def test_val_and_test_clips_share_no_digit_image_and_differ():
    cfg = DataConfig(num_digits=1, frame_size=32, test_clips=20)
    val, test = build_dataset(cfg, "val"), build_dataset(cfg, "test")
    assert not {x.numpy().tobytes() for x in val.images} & {x.numpy().tobytes() for x in test.images}
    sprites = DataConfig(name="moving_sprites", frame_size=32, test_clips=20)
    a, b = build_dataset(sprites, "val").test_set(), build_dataset(sprites, "test").test_set()
    assert not torch.equal(a.start, b.start)  # same content pool, other seeds
    with pytest.raises(UserError, match="split must be one of train, val, test"):
        build_dataset(cfg, "holdout")
