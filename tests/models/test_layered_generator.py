"""The layered generator: content draws a background and a masked layer, pose only moves the layer."""

import torch

from contentpose.models.layered_generator import LayeredGenerator


def generator() -> LayeredGenerator:
    torch.manual_seed(0)
    return LayeredGenerator(content_dim=6, pose_dim=4, channels=3, frame_size=32, width=8).eval()


def test_frames_in_range_and_the_pose_starts_near_the_identity():
    gen = generator()
    content, pose = torch.rand(2, 6) * 2 - 1, torch.rand(2, 4) * 2 - 1
    frames = gen(content, pose)
    assert frames.shape == (2, 3, 32, 32) and 0 <= frames.min() and frames.max() <= 1
    theta = gen.motion(pose)
    assert theta.shape == (2, 2, 3) and torch.allclose(theta, torch.eye(2, 3).expand(2, 2, 3), atol=0.3)
    background, layer, mask = gen.layers(content)
    still = mask * layer + (1 - mask) * background  # no motion: the layer where it was drawn
    gen.move[-1].weight.data.zero_()
    assert torch.allclose(gen(content, pose), still, atol=1e-5)


def test_a_shift_moves_the_layer_and_leaves_the_background():
    gen = generator()
    gen.move[-1].weight.data.zero_()
    gen.move[-1].bias.data[4] = torch.atanh(torch.tensor(0.25))  # x shift: 0.25 of the half-width, 4 px
    content, pose = torch.rand(1, 6) * 2 - 1, torch.rand(1, 4) * 2 - 1
    background, layer, mask = gen.layers(content)
    frame = gen(content, pose)
    # the sampling grid reads 4 px to the right, so the layer appears 4 px to the left
    moved_layer, moved_mask = layer.roll(-4, dims=-1), mask.roll(-4, dims=-1)
    expected = moved_mask * moved_layer + (1 - moved_mask) * background
    assert torch.allclose(frame[..., 2:-6], expected[..., 2:-6], atol=1e-4)  # away from the edges


def test_the_pose_cannot_change_what_is_drawn_and_the_content_cannot_move_it():
    gen = generator()
    for module in gen.move:  # a strong motion
        if isinstance(module, torch.nn.Linear):
            torch.nn.init.normal_(module.weight, 0, 1)
    content, other = torch.rand(1, 6) * 2 - 1, torch.rand(1, 6) * 2 - 1
    pose = torch.rand(1, 4) * 2 - 1
    assert torch.equal(gen.motion(pose), gen.motion(pose.clone()))  # the motion reads the pose alone
    assert not torch.allclose(gen(content, pose), gen(other, pose))
    assert not torch.allclose(gen(content, pose), gen(content, -pose))
