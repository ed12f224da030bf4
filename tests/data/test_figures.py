import pytest
import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.backgrounds import clip_uniforms
from contentpose.data.figure_motion import ACTIONS
from contentpose.data.figures import BONES, KEYPOINTS, POSE_PARAMS, Figures, bone_maps
from contentpose.errors import UserError


def _data(*overrides):
    return build_dataset(load_config("quick", ["data=figures", "data.colour=true", *overrides]).data, "train")


@pytest.mark.parametrize("size", [32, 64, 128])
def test_shapes_seeding_and_keypoints_inside_the_frame(size):
    data = _data(f"data.frame_size={size}")
    a = data.sample(6, 5, torch.Generator().manual_seed(0))
    b = data.sample(6, 5, torch.Generator().manual_seed(0))
    assert a.frames.shape == (6, 5, 3, size, size) and torch.equal(a.frames, b.frames)
    assert a.keypoints.shape == (6, 5, len(KEYPOINTS), 2) and a.positions.shape == (6, 5, 1, len(POSE_PARAMS))
    assert a.action.shape == (6, 5) and 0 <= a.frames.min() and a.frames.max() <= 1
    assert a.keypoints.min() > -0.05 * size and a.keypoints.max() < size


def test_keypoints_lie_on_the_drawn_figure():
    data = _data("data.frame_size=64")
    clips = data.sample(16, 4, torch.Generator().manual_seed(1))
    k = clips.keypoints.round().long().clamp(0, 63)  # (n, F, K, 2)
    n, F, K, _ = k.shape
    frames = clips.frames.permute(0, 1, 3, 4, 2)  # (n, F, H, W, C)
    idx = torch.arange(n)[:, None, None], torch.arange(F)[None, :, None]
    at_joint = frames[idx[0], idx[1], k[..., 0], k[..., 1]]  # (n, F, K, C)
    background = data.background_colours[clips.factors.background][:, None, None]
    drawn = (at_joint - background).abs().amax(-1) > 0.1
    inside = (clips.keypoints >= 0).all(-1) & (clips.keypoints < 64).all(-1)
    assert drawn[inside].float().mean() > 0.97
    # and far from every joint there is only background
    corner = frames[:, :, :3, :3]
    assert ((corner - background[..., None, :]).abs() < 1e-6).float().mean() > 0.9


def test_render_any_appearance_in_any_pose():
    data = _data()
    f = data.sample_factors(4, torch.Generator().manual_seed(2))
    times = torch.arange(3).expand(4, 3)
    clips = data.clips(f, times)
    other = f.index(torch.tensor([1, 2, 3, 0]))
    swapped = data.render(other, clips.positions)  # others' looks, f's motion
    assert torch.equal(swapped, data.clips(f.with_content_of(other), times).frames)
    assert not torch.allclose(swapped, clips.frames)
    # the pose parameters hold no content; keypoints move with the body's build
    same = f.with_content_of(other)
    same.build = f.build
    assert torch.allclose(data.keypoints(same, clips.positions), clips.keypoints)
    taller = f.with_content_of(f)
    taller.build = torch.full_like(f.build, 2)
    shorter = f.with_content_of(f)
    shorter.build = torch.zeros_like(f.build)
    height = lambda k: k[..., 14, 0] - k[..., 0, 0]  # noqa: E731  (head to ankle)
    assert (height(data.keypoints(taller, clips.positions)) > height(data.keypoints(shorter, clips.positions))).all()


def test_content_labels_and_factor_values():
    data = _data()
    clips = data.sample(64, 3, torch.Generator().manual_seed(3))
    label = clips.factors.label
    assert label.shape == (64, 7) and label.min() >= 0 and label.max() < Figures.num_classes
    groups = torch.tensor(list(Figures.content_groups.values())).cumsum(0)
    assert (label < groups).all() and (label[:, 1:] >= groups[:-1]).all()  # one class per group
    content, pose = data.factor_values(clips)
    assert set(content) == set(Figures.content_groups) and set(pose) == {"x", "y", *POSE_PARAMS[2:]}
    assert all((v == v[:, :1]).all() for v in content.values())
    key = clips.factors.content_key[:, 0]
    same_look = (label[:, None] == label[None]).all(-1)
    assert torch.equal(key[:, None] == key[None], same_look)


def test_actions_change_smoothly_within_a_clip():
    data = _data("data.frame_size=64")
    factors = data.sample_factors(64, torch.Generator().manual_seed(4))
    positions, action = data.motion(factors, torch.arange(300).expand(64, 300))
    changes = (action[:, 1:] != action[:, :-1]).sum(1)
    assert (changes >= 2).all() and set(action.unique().tolist()) == set(range(6))  # data.motions=six
    keypoints = data.keypoints(factors, positions)
    step = (keypoints[:, 1:] - keypoints[:, :-1]).norm(dim=-1).amax()
    assert step < 64 / 4  # no joint jumps, even when the action changes


def test_edges_are_anti_aliased_and_grayscale_works():
    data = build_dataset(load_config("quick", ["data=figures", "data.frame_size=32"]).data, "test")
    clips = data.sample(4, 1, torch.Generator().manual_seed(5))
    assert clips.frames.shape == (4, 1, 1, 32, 32)
    values = clips.frames.unique()
    levels = torch.cat(
        [data.part_colours.flatten(), data.part_colours.flatten() * 0.65, data.background_colours.flatten()]
    )
    between = (values[:, None] - levels[None]).abs().amin(1) > 1e-3
    assert between.sum() > 20  # partial coverage on the edges


def test_keypoint_clips_match_rendered_clips():
    data = _data()
    offsets = torch.arange(6).expand(3, 6)
    k = data.keypoint_clips(3, offsets, torch.Generator().manual_seed(6))
    g = torch.Generator().manual_seed(6)
    f = data.sample_factors(3, g)
    t = torch.randint(0, 1000, (3, 1), generator=g)
    assert torch.equal(k, data.clips(f, t + offsets).keypoints)


def test_bone_maps_draw_each_bone_in_its_channel():
    k = torch.tensor([[[[10.0, 10.0]] * len(KEYPOINTS)]])
    k[0, 0, BONES[0][1]] = torch.tensor([10.0, 20.0])  # head -> neck: a horizontal bar
    maps = bone_maps(k, 32)
    assert maps.shape == (1, 1, len(BONES), 32, 32)
    assert maps[0, 0, 0, 10, 15] == 1 and maps[0, 0, 0, 20, 15] == 0 and maps[0, 0, 2, 10, 15] == 0


def test_texture_backgrounds_and_figure_options_elsewhere_are_refused():
    with pytest.raises(UserError, match="background"):
        _data("data.background=texture")
    for option in ("data.clothing=textured", "data.motions=eight"):
        with pytest.raises(UserError, match="figures"):
            build_dataset(load_config("quick", [option]).data, "train")


def test_eight_motions_turn_the_figure_round_and_bend_it():
    data = _data("data.motions=eight", "data.frame_size=64")
    factors = data.sample_factors(32, torch.Generator().manual_seed(0))
    times = torch.arange(0, 400)[None].expand(32, -1)
    clips = data.clips(factors.index(torch.arange(4)), times[:4, ::20])
    assert clips.positions.shape[-1] == len(POSE_PARAMS) + 1
    positions, action = data.motion(factors, times)
    face = positions[:, :, 0, -1]
    assert set(action.unique().tolist()) == set(range(len(ACTIONS)))
    assert (face.diff(dim=1).abs() < 0.2).all() and face.min() < -0.99 and face.max() > 0.99  # smooth, both ways
    # facing -1 draws the pose mirrored about the pelvis
    p = positions[:, :50]
    k_front = data.keypoints(factors, torch.cat([p[..., :-1], torch.ones_like(p[..., -1:])], -1))
    k_back = data.keypoints(factors, torch.cat([p[..., :-1], -torch.ones_like(p[..., -1:])], -1))
    pelvis = p[..., 0, 0][..., None]
    assert torch.allclose(k_back[..., 1], 2 * pelvis - k_front[..., 1], atol=1e-4)
    assert torch.allclose(k_back[..., 0], k_front[..., 0])
    # bend leans the torso: its neck is further from above the pelvis than when walking
    lean = positions[..., 0, 2].abs()
    assert lean[action == ACTIONS.index("bend")].max() > 0.8 > lean[action == ACTIONS.index("walk")].max()


def test_six_motions_draw_neither_turns_nor_bends():
    data = _data()
    positions, action = data.motion(data.sample_factors(32, torch.Generator().manual_seed(0)), torch.arange(400)[None])
    assert positions.shape[-1] == len(POSE_PARAMS) and action.max() < 6


def test_textured_clothes_move_with_the_limbs():
    """A figure moved 5 px right is the same picture moved 5 px: the pattern is painted in the body's frame."""
    data = _data("data.clothing=textured", "data.frame_size=64")
    factors = data.sample_factors(8, torch.Generator().manual_seed(2))
    positions = data.positions(factors, torch.arange(3)[None].expand(8, -1) * 7)
    moved = positions.clone()
    moved[..., 0] += 5
    a, b = data.render(factors, positions), data.render(factors, moved)
    shifted = torch.roll(a, 5, dims=-1)
    assert (b[..., 6:-6] - shifted[..., 6:-6]).abs().max() < 1e-4
    plain = build_dataset(load_config("quick", ["data=figures", "data.colour=true"]).data, "train")
    same = factors.index(torch.arange(8))
    same.style = None
    flat = plain.render(same, positions)
    masks = data.draw(factors, positions)[1] > 0.99
    inside = masks.expand_as(a)
    assert (a - flat).abs()[inside].mean() > 0.05  # the pattern shows inside the figure
    stripes = (a - flat).abs().amax(2, keepdim=True) > 0.1
    assert 0.1 < stripes[masks].float().mean() < 0.9  # on part of it


def test_photo_backdrops_are_content_named_by_the_background_class():
    data = _data("data.background=photo", "data.frame_size=32")
    factors = data.sample_factors(64, torch.Generator().manual_seed(3))
    clips = data.clips(factors, torch.zeros(64, 2, dtype=torch.long))
    assert clips.background.std() > 0.05  # not a plain colour
    # the crop goes with the content: a's figure in b's motion stands on a's backdrop
    other = factors.index(torch.arange(64).roll(1))
    swapped = data.draw(other.with_content_of(factors), data.positions(other, torch.zeros(64, 1, dtype=torch.long)))[2]
    assert torch.equal(swapped, clips.background)
    # classes 0 and 2 (and 1 and 3) are one photo's crop, the second mirrored
    mirror = factors.index(torch.arange(64))
    mirror.background = (factors.background + 2) % 4
    flipped = data.draw(mirror, clips.positions)[2]
    assert torch.allclose(flipped, clips.background.flip(-1), atol=1e-5)
    # validation backdrops come from another band of the photos than training ones
    val = build_dataset(
        load_config("quick", ["data=figures", "data.colour=true", "data.background=photo", "data.frame_size=32"]).data,
        "val",
    )
    u = clip_uniforms(factors.style.tolist())
    assert (val.backdrops(factors, u) - data.backdrops(factors, u)).abs().mean() > 0.05
