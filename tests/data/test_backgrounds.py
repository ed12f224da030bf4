"""Static backgrounds (data.background) behind Moving Digits and Moving Sprites, and the true masks."""

import pytest
import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.backgrounds import PARAMS, Backgrounds
from contentpose.errors import UserError


def _data(*overrides, split="train"):
    cfg = load_config("quick", ["data.frame_size=32", "data.test_clips=16", *overrides]).data
    return build_dataset(cfg, split)


@pytest.mark.parametrize("name", ["moving_digits", "moving_sprites"])
@pytest.mark.parametrize("kind", ["photo", "texture"])
def test_background_is_static_and_shows_wherever_no_object_is(name, kind):
    data = _data(f"data.name={name}", f"data.background={kind}", "data.colour=true")
    clips = data.sample(6, 5, torch.Generator().manual_seed(0))
    frames, masks, background = clips.frames, clips.masks, clips.background
    assert frames.shape == (6, 5, 3, 32, 32) and masks.shape == (6, 5, 1, 32, 32) and background.shape == (6, 3, 32, 32)
    empty = (masks == 0).expand_as(frames)
    bg = background[:, None].expand_as(frames)
    assert torch.equal(frames[empty], bg[empty])  # the same image in every frame
    assert background.std(dim=(1, 2, 3)).min() > 0.01  # not blank
    assert not torch.allclose(background[0], background[1])  # clips differ
    plain = _data(f"data.name={name}", "data.colour=true").sample(6, 5, torch.Generator().manual_seed(0))
    assert torch.equal(plain.masks, masks)  # same objects, same masks
    assert torch.allclose(frames, plain.frames + (1 - masks) * bg)  # objects composed over it


def test_sprites_cover_the_background_and_digits_are_ink():
    sprites = _data("data.name=moving_sprites", "data.background=texture").sample(
        4, 3, torch.Generator().manual_seed(1)
    )
    solid = sprites.masks == 1
    assert set(sprites.masks.unique().tolist()) == {0.0, 1.0} and solid.any()
    plain = _data("data.name=moving_sprites").sample(4, 3, torch.Generator().manual_seed(1))
    assert torch.equal(sprites.frames[solid.expand_as(sprites.frames)], plain.frames[solid.expand_as(plain.frames)])
    digits = _data("data.background=photo").sample(4, 3, torch.Generator().manual_seed(1))
    soft = (digits.masks > 0) & (digits.masks < 1)
    assert soft.any()  # anti-aliased edges are partly opaque
    plain = _data().sample(4, 3, torch.Generator().manual_seed(1))
    assert torch.equal(digits.masks, plain.frames)  # a grey digit's brightness is its opacity


def test_without_background_the_frames_are_the_objects_alone():
    data = _data("data.name=moving_sprites")
    clips = data.sample(3, 4, torch.Generator().manual_seed(2))
    assert torch.equal(clips.frames, data.render(clips.factors, clips.positions))
    assert clips.background.abs().sum() == 0
    assert torch.equal(clips.masks, (clips.frames > 0).float())


def test_a_clip_keeps_its_background_wherever_it_is_rendered():
    data = _data("data.background=photo", "data.colour=true", split="test")
    first = data.test_clips(5, 3)
    later = data.test_clips(5, [40, 41])
    assert torch.equal(first.background, later.background)
    again = _data("data.background=photo", "data.colour=true", split="test").test_clips(5, 3)
    assert torch.equal(first.frames, again.frames)  # a new dataset object, same test set


def test_grayscale_and_colour_photos_and_textures():
    torch.manual_seed(0)  # random crops and textures: a dark one can fall below the bound below
    for kind in ("photo", "texture"):
        grey = Backgrounds(kind, 32, 1)(torch.rand(50, 1, 2), torch.rand(50, 1, 2))
        colour = Backgrounds(kind, 64, 3)(torch.rand(50, 1, 2), torch.rand(50, 1, 2))
        assert grey.shape == (50, 1, 32, 32) and colour.shape == (50, 3, 64, 64)
        for b in (grey, colour):
            assert 0 <= b.min() and b.max() <= 1
            assert b.mean(dim=(1, 2, 3)).min() > 0.02  # every crop lies inside a photo
    photo = Backgrounds("photo", 32, 3)(torch.rand(200, 1, 2), torch.rand(200, 1, 2))
    assert (photo[:, 0] - photo[:, 2]).abs().mean() > 0.05  # colour photos keep their colours


def test_background_needs_synthetic_data():
    with pytest.raises(UserError, match="needs synthetic data"):
        build_dataset(load_config("quick", ["data=videos:/nowhere", "data.background=photo"]).data, "train")
    with pytest.raises(UserError, match="data.background"):
        load_config("quick", ["data.background=sky"])


def test_photo_splits_crop_disjoint_parts_of_each_photo():
    """Training, validation and test crops come from bands of each photo that do not overlap."""
    parts = {s: Backgrounds("photo", 32, 3, split=s) for s in ("train", "val", "test")}
    for i in range(len(parts["train"].boxes)):
        spans = sorted((float(p.boxes[i, 1]), float(p.boxes[i, 3])) for p in parts.values())
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # x ranges in one photo, disjoint
    for split, part in parts.items():
        u = torch.rand(500, PARAMS)
        x0, y0, side = part.crops(u)
        box = part.boxes[(u[:, 0] * len(part.boxes)).long()]
        assert (x0 >= box[:, 1] - 1e-3).all() and (x0 + side <= box[:, 3] + 1e-3).all(), split
        assert (y0 >= box[:, 0] - 1e-3).all() and (y0 + side <= box[:, 2] + 1e-3).all(), split
