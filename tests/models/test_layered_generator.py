"""The layered generator: content draws a background and a masked layer, pose only moves the layer
and alone says where its centre goes."""

import torch

from contentpose.models.layered_generator import (
    LayeredGenerator,
    affine,
    difference_centre,
    mask_centre,
    move_layer,
)


def generator() -> LayeredGenerator:
    torch.manual_seed(0)
    return LayeredGenerator(content_dim=6, pose_dim=4, channels=3, frame_size=32, width=8).eval()


def test_mask_centre_is_the_centre_of_mass_in_grid_coordinates():
    mask = torch.zeros(2, 1, 32, 32)
    mask[0, 0, 4:8, 20:24] = 1  # columns 20-23: centre 21.5, whose pixel centre is at x = (21.5 + 0.5) / 16 - 1
    centre = mask_centre(mask)
    assert torch.allclose(centre[0], torch.tensor([22 / 16 - 1, 6 / 16 - 1]))
    assert torch.equal(centre[1], torch.zeros(2))  # empty: the frame's centre


def test_the_pose_puts_the_layer_centre_where_it_says_whatever_the_content_drew():
    gen = generator()
    gen.move[-1].weight.data.zero_()
    gen.move[-1].bias.data[4:] = torch.atanh(torch.tensor([0.25, -0.5]))  # centre to x = 0.25, y = -0.5
    masks = torch.zeros(2, 1, 32, 32)
    masks[0, 0, 2:8, 3:9], masks[1, 0, 20:28, 18:24] = 1, 1  # drawn at two different places
    layers = torch.rand(2, 3, 32, 32)
    theta = gen.motion(torch.rand(2, 4), mask_centre(masks))
    layer, moved = move_layer(layers, masks, theta)
    assert torch.allclose(mask_centre(moved), torch.tensor([[0.25, -0.5]] * 2), atol=1e-4)
    assert torch.allclose(moved.sum(dim=(1, 2, 3)), masks.sum(dim=(1, 2, 3)), atol=1e-3)  # moved, not reshaped
    # a 4-px shift of an integer-placed layer is exact: the layer's pixels land 4 px over
    theta = affine(torch.zeros(1, 6), torch.tensor([[-0.25, 0.0]]))  # the point x = -0.25 to the centre
    layer, _ = move_layer(layers[:1], torch.ones(1, 1, 32, 32), theta)
    assert torch.allclose(layer[..., 4:], layers[:1, :, :, :-4], atol=1e-5)


def test_frames_in_range_and_the_content_cannot_move_anything():
    gen = generator()
    for module in gen.move:  # a strong motion
        if isinstance(module, torch.nn.Linear):
            torch.nn.init.normal_(module.weight, 0, 1)
    content, other, pose = torch.rand(1, 6) * 2 - 1, torch.rand(1, 6) * 2 - 1, torch.rand(1, 4) * 2 - 1
    frames = gen(content, pose)
    assert frames.shape == (1, 3, 32, 32) and 0 <= frames.min() and frames.max() <= 1
    background, layer, mask = gen.layers(content)
    centre = mask_centre(mask)
    moved, moved_mask = move_layer(layer, mask, gen.motion(pose, centre))
    assert torch.allclose(frames, moved_mask * moved + (1 - moved_mask) * background, atol=1e-6)
    assert not torch.allclose(gen(content, pose), gen(other, pose))
    assert not torch.allclose(gen(content, pose), gen(content, -pose))


def test_the_difference_centre_is_what_the_layer_shows_not_the_mask_spill():
    background = torch.zeros(1, 1, 32, 32)
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 0:24, 0:24] = 1  # a mask that spills over much of the frame
    layer = background.clone()
    layer[..., 4:8, 16:20] = 1  # where the layer differs from the background: the "ink"
    assert torch.allclose(difference_centre(background, layer, mask)[0], torch.tensor([18 / 16 - 1, 6 / 16 - 1]))
    assert torch.allclose(mask_centre(mask)[0], torch.tensor([12 / 16 - 1, 12 / 16 - 1]))
    layer[..., 28:32, 28:32] = 1  # drawn outside the mask: not shown, so not counted
    assert torch.allclose(difference_centre(background, layer, mask)[0], torch.tensor([18 / 16 - 1, 6 / 16 - 1]))


def test_with_the_difference_centre_the_pose_places_what_the_layer_shows():
    torch.manual_seed(0)
    gen = LayeredGenerator(content_dim=6, pose_dim=4, channels=1, frame_size=32, width=8, centre="difference")
    gen.move[-1].weight.data.zero_()
    gen.move[-1].bias.data[4:] = torch.atanh(torch.tensor([0.25, -0.5]))
    background, mask = torch.zeros(2, 1, 32, 32), torch.zeros(2, 1, 32, 32)
    mask[..., 0:24, 0:24] = 1
    layer = background.clone()
    layer[0, :, 2:6, 3:7], layer[1, :, 14:20, 10:16] = 1, 1  # two contents' ink, at different places
    gen.layers = lambda content: (background, layer, mask)
    frames = gen(torch.rand(2, 6), torch.rand(2, 4))
    assert torch.allclose(mask_centre(frames), torch.tensor([[0.25, -0.5]] * 2), atol=1e-4)
    # the centre is read off the drawing, not learnt through: the layer gets gradient only as pixels moved
    pose, drawn = torch.rand(2, 4), layer.clone().requires_grad_(True)
    gen.layers = lambda content: (background, drawn, mask)

    def grad(centre) -> torch.Tensor:
        moved, moved_mask = move_layer(drawn, mask, gen.motion(pose, centre))
        return torch.autograd.grad((moved_mask * moved).square().sum(), drawn)[0]

    (through_gen,) = torch.autograd.grad(gen(torch.rand(2, 6), pose).square().sum(), drawn)
    assert torch.allclose(through_gen, grad(difference_centre(background, drawn, mask).detach()), atol=1e-5)
    assert not torch.allclose(through_gen, grad(difference_centre(background, drawn, mask)), atol=1e-3)


def test_a_shift_motion_only_moves_the_layer():
    torch.manual_seed(0)
    gen = LayeredGenerator(content_dim=6, pose_dim=4, channels=1, frame_size=32, width=8, motion="shift")
    torch.nn.init.normal_(gen.move[-1].weight, 0, 1)  # a strong motion: an affine one would scale and slant
    theta = gen.motion(torch.rand(5, 4) * 2 - 1, torch.zeros(5, 2))
    assert torch.equal(theta[:, :, :2], torch.eye(2).expand(5, 2, 2))


def test_difference_when_sampling_trains_on_the_mask_centre_and_samples_on_what_is_shown():
    torch.manual_seed(0)
    gen = LayeredGenerator(content_dim=6, pose_dim=4, channels=1, frame_size=32, width=8)
    gen.centre = "difference_when_sampling"
    background, mask = torch.zeros(1, 1, 32, 32), torch.zeros(1, 1, 32, 32)
    mask[..., 0:24, 0:24] = 1
    layer = background.clone()
    layer[..., 2:6, 3:7] = 1
    gen.layers = lambda content: (background, layer, mask)
    content, pose = torch.rand(1, 6), torch.rand(1, 4)
    trained_as = LayeredGenerator(content_dim=6, pose_dim=4, channels=1, frame_size=32, width=8)
    trained_as.load_state_dict(gen.state_dict())
    trained_as.layers = gen.layers
    assert torch.equal(gen.train()(content, pose), trained_as.train()(content, pose))  # the mask's centre
    trained_as.centre = "difference"
    assert torch.equal(gen.eval()(content, pose), trained_as.eval()(content, pose))  # what is shown
    assert not torch.allclose(gen.eval()(content, pose), gen.train()(content, pose))
