import pytest
import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.moving_sprites import SCALES
from contentpose.errors import UserError


def _data(*overrides):
    return build_dataset(load_config("quick", ["data.name=moving_sprites", *overrides]).data, "train")


def test_shapes_and_seeding():
    data = _data("data.colour=true", "data.rotation=true")  # speed: benchmarks/data_throughput.py
    a = data.sample(16, 10, torch.Generator().manual_seed(0))
    b = data.sample(16, 10, torch.Generator().manual_seed(0))
    assert a.frames.shape == (16, 10, 3, 64, 64) and torch.equal(a.frames, b.frames)
    assert a.positions.shape == (16, 10, 2, 3) and 0 <= a.frames.min() and a.frames.max() <= 1
    assert not torch.equal(data.sample(16, 10, torch.Generator().manual_seed(1)).frames, a.frames)


def test_centre_of_mass_matches_the_xy_factor():
    data = _data("data.num_sprites=1")
    clips = data.sample(50, 6, torch.Generator().manual_seed(1))
    frames = clips.frames[:, :, 0]  # (n, F, H, W)
    axis = torch.arange(64.0) + 0.5
    mass = frames.sum((2, 3))
    cy = (frames.sum(3) * axis).sum(2) / mass
    cx = (frames.sum(2) * axis).sum(2) / mass
    _, pose = data.factor_values(clips)
    # squares and ellipses are symmetric about their centre; a heart's mass sits slightly off it
    assert (cx - pose["x_1"]).abs().max() < 2.5 and (cy - pose["y_1"]).abs().max() < 3.5


def test_content_is_constant_and_pose_changes_within_a_clip():
    data = _data("data.rotation=true")
    clips = data.sample(20, 5, torch.Generator().manual_seed(2))
    content, pose = data.factor_values(clips)
    assert set(content) == {f"{k}_{j}" for k in ("shape", "scale", "colour") for j in (1, 2)}
    assert set(pose) == {f"{k}_{j}" for k in ("x", "y", "angle") for j in (1, 2)}
    sets = torch.stack([clips.factors.content_key.sort(1).values[:, None].expand(20, 5, 2)[..., j] for j in (0, 1)])
    assert sets.shape == (2, 20, 5) and (sets == sets[:, :, :1]).all()
    assert (pose["x_1"][:, 1:] != pose["x_1"][:, :1]).any()


def test_content_labels_follow_the_objects_when_sprites_cross():
    """Labels ordered by x would swap when the sprites pass each other; by object they never change."""
    data = _data("data.frame_size=32")
    clips = data.sample(40, 60, torch.Generator().manual_seed(4))
    order = clips.positions[..., 1].argsort(dim=2)
    crossing = (order != order[:, :1]).any(dim=(1, 2))
    assert crossing.sum() >= 10  # many clips do cross in 60 frames
    content, _ = data.factor_values(clips)
    f = clips.factors
    first = f.content_key.argmin(dim=1)  # sprite 1: the smaller content id
    for name, value in (("shape", f.shape), ("scale", f.scale), ("colour", f.colour)):
        for j, which in ((1, first), (2, 1 - first)):
            labels = content[f"{name}_{j}"]
            assert (labels == labels[:, :1]).all()  # constant within every clip
            assert torch.equal(labels[:, 0], value.gather(1, which[:, None])[:, 0])


def test_bigger_scale_draws_more_pixels_and_render_mixes_clips():
    data = _data("data.num_sprites=1")
    f = data.sample_factors(2, torch.Generator().manual_seed(3))
    f.shape[:] = 0
    f.scale[0], f.scale[1] = 0, len(SCALES) - 1
    pos = data.positions(f, torch.zeros(2, 1, dtype=torch.long))
    frames = data.render(f, pos)
    assert frames[1].gt(0).sum() > 3 * frames[0].gt(0).sum()
    swapped = data.render(f, pos.flip(0))  # clip 0's sprite at clip 1's pose
    assert swapped.shape == frames.shape and not torch.equal(swapped, frames)


def test_bad_sprite_count():
    with pytest.raises(UserError, match="num_sprites"):
        _data("data.num_sprites=3")
