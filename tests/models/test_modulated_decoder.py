"""The modulated decoder: the pose lays out the frame, the content only scales and shifts channels."""

import torch

from contentpose.models.modulated_decoder import ModulatedDecoder


def test_frames_in_range_and_content_enters_only_through_channel_styles():
    torch.manual_seed(0)
    dec = ModulatedDecoder(content_dim=6, pose_dim=4, channels=3, frame_size=32, width=8).eval()
    assert dec.stem.in_channels == 4  # the 4x4 layout is made from the pose alone
    pose, content = torch.rand(2, 4) * 2 - 1, torch.rand(2, 6) * 2 - 1
    frames = dec(content, pose)
    assert frames.shape == (2, 3, 32, 32) and 0 <= frames.min() and frames.max() <= 1
    other = torch.rand(2, 6) * 2 - 1
    assert torch.equal(dec(other, pose), frames)  # styles start as the identity: content has no effect yet
    for style in dec.styles:
        torch.nn.init.normal_(style.style.weight, 0, 0.5)
    assert not torch.allclose(dec(other, pose), dec(content, pose))  # learned styles restyle
    assert not torch.allclose(dec(content, pose.flip(0)), dec(content, pose))
