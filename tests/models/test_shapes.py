import importlib
import typing

import pytest
import torch

from contentpose.errors import UserError
from contentpose.families.autoencoder import Architecture, AutoencoderModel
from contentpose.models.architectures import build_autoencoder
from contentpose.models.autoencoder import Content, ContentPoseAutoencoder
from contentpose.models.blocks import channel_plan
from contentpose.models.decoder import Decoder
from contentpose.models.encoder import Encoder
from contentpose.models.pair_critic import PairCritic


@pytest.mark.parametrize("size, blocks", [(32, 3), (64, 4), (128, 5)])
@pytest.mark.parametrize("skips, pool", [(False, False), (True, False), (False, True), (True, True)])
def test_autoencoder_shapes(size, blocks, skips, pool):
    cfg = AutoencoderModel(
        content_dim=16, pose_dim=5, width=8, architecture="dcgan_unet" if skips else "dcgan", content_pool=pool
    )
    model = build_autoencoder(cfg, channels=3, frame_size=size)
    x = torch.rand(4, 3, size, size)
    content = model.content(x)
    pose = model.pose(x)
    assert content.vector.shape == (4, 16) and pose.shape == (4, 5)
    assert content.vector.abs().max() <= 1 and pose.abs().max() <= 1  # Tanh latents
    if skips:
        assert [f.shape[-1] for f in content.skips] == [size // 2 ** (i + 1) for i in range(blocks)]
    else:
        assert content.skips is None
    out = model.decode(content, pose)
    assert out.shape == x.shape and 0 <= out.min() and out.max() <= 1  # Sigmoid output
    assert model(x, x.flip(0)).shape == x.shape


@pytest.mark.parametrize("architecture", typing.get_args(Architecture))
def test_every_architecture_is_a_module_exporting_the_same_name(architecture):
    """Each `model.architecture` value is a module of models/architectures/ whose `Autoencoder`
    encodes, decodes and says what its content must hold, on the same calls as every other."""
    module = importlib.import_module(f"contentpose.models.architectures.{architecture}")
    pose_dim = 6 if architecture == "motion" else 4  # one point with its Jacobian, or two points
    cfg = AutoencoderModel(content_dim=16, pose_dim=pose_dim, width=8, architecture=architecture)
    model = build_autoencoder(cfg, channels=1, frame_size=64)
    assert type(model) is module.Autoencoder and isinstance(model, ContentPoseAutoencoder)
    x = torch.rand(2, 1, 64, 64)
    content = model.content(x)
    assert model.complete(content) and model.decode(content, model.pose(x)).shape == x.shape
    assert model.complete(Content(content.vector)) == (not model.skips)


@pytest.mark.parametrize("pool", [True, False])
def test_pooled_content_head_ignores_where_the_object_is(pool):
    """On a black frame an object moved by 16 px (the encoder's total stride) only moves the
    4x4 feature map by one cell, so the max over positions is unchanged; the 4x4 conv is not.
    (Away from the borders: there the feature map would be cut.)"""
    torch.manual_seed(0)
    enc = Encoder(1, 16, 64, 8, pool=pool).eval()
    x = torch.zeros(3, 1, 64, 64)
    x[0, 0, 16:26, 16:26] = x[1, 0, 32:42, 16:26] = torch.rand(10, 10)  # moved 16 px down
    x[2, 0, 16:26, 16:26] = torch.rand(10, 10)  # another object
    h = enc(x)
    moved, other = (h[0] - h[1]).abs().max(), (h[0] - h[2]).abs().max()
    assert (moved < 1e-4 * other) if pool else (moved > 0.5 * other)


def test_paper_width_channels():
    assert channel_plan(64, 64) == [64, 128, 256, 512]
    assert channel_plan(128, 64) == [64, 128, 256, 512, 512]
    with pytest.raises(UserError, match="frame size 48"):
        channel_plan(48, 64)


def test_decoder_refuses_missing_skips():
    dec = Decoder(8, 2, 1, 32, 8, skips=True)
    with pytest.raises(ValueError):
        dec(torch.zeros(2, 8), torch.zeros(2, 2))


def test_pair_critic_logits():
    disc = PairCritic(pose_dim=5, hidden=100)
    assert [m.out_features for m in disc.net if isinstance(m, torch.nn.Linear)] == [100, 100, 1]
    assert disc(torch.rand(7, 5), torch.rand(7, 5)).shape == (7,)


def test_dcgan_init():
    torch.manual_seed(0)
    enc = Encoder(1, 128, 64, 64)
    conv = enc.blocks[2][0].weight
    bn = enc.blocks[2][1]
    assert abs(conv.std().item() - 0.02) < 0.002 and abs(conv.mean().item()) < 0.002
    assert abs(bn.weight.mean().item() - 1) < 0.01 and bn.bias.abs().max() == 0


@pytest.mark.parametrize("size", [32, 64])
def test_set_discriminator_reads_a_set_on_the_channel_axis(size):
    from contentpose.models.set_discriminator import SetDiscriminator

    disc = SetDiscriminator(channels=3, set_size=3, frame_size=size, width=8)
    sets = torch.rand(5, 3, 3, size, size)
    assert disc(sets).shape == (5,)
    assert disc.blocks[0][0].in_channels == 9  # n x c input channels
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in disc.modules())  # spectral by default
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in SetDiscriminator(3, 3, size, 8, norm="batch").modules())
    with pytest.raises(ValueError):
        disc(sets[:, :2])
    # the order of frames within a set reaches the logit (they are channels, not pooled)
    assert not torch.allclose(disc.eval()(sets), disc(sets.flip(1)))


def test_shared_set_discriminator_reads_each_frame_alike_and_ignores_their_order():
    from contentpose.models.set_discriminator import SetDiscriminator

    disc = SetDiscriminator(channels=1, set_size=3, frame_size=32, width=8, read="shared").eval()
    assert disc.blocks[0][0].in_channels == 1  # one frame at a time
    same = torch.rand(4, 1, 1, 32, 32).expand(4, 3, 1, 32, 32)
    mixed = torch.rand(4, 3, 1, 32, 32)
    assert torch.allclose(disc(mixed), disc(mixed.flip(1)), atol=1e-5)  # a set function
    # the spread of the frames' features reaches the logit: a set of one frame thrice has none
    feats = disc.blocks[0](same.reshape(12, 1, 32, 32)).view(4, 3, -1)
    assert torch.allclose(feats.var(dim=1), torch.zeros(()), atol=1e-10)
    assert disc(same).shape == disc(mixed).shape == (4,)


def test_pooled_set_discriminator_adds_a_comparison_of_pooled_features_to_the_shared_reading():
    from torch.nn.utils import parametrize

    from contentpose.models.set_discriminator import SetDiscriminator

    disc = SetDiscriminator(channels=1, set_size=3, frame_size=32, width=8, norm="none", read="pooled").eval()
    assert disc.blocks[0][0].in_channels == 1 and disc.compare.in_features == 2 * 32  # mean ++ spread
    assert not any(isinstance(m, torch.nn.BatchNorm2d) or parametrize.is_parametrized(m) for m in disc.modules())
    mixed = torch.rand(4, 3, 1, 32, 32)
    assert torch.allclose(disc(mixed), disc(mixed.flip(1)), atol=1e-5)  # a set function
    with torch.no_grad():  # the comparison alone: silence the 4x4 head
        disc.head.weight.zero_()
        disc.head.bias.zero_()
        compared = disc(mixed)
        disc.compare.weight[:, :32] = 0  # leave only the spread over the frames
        same = mixed[:, :1].expand(4, 3, 1, 32, 32)
        assert torch.allclose(disc(same), disc.compare.bias.expand(4), atol=1e-3)  # one frame thrice: no spread
        assert not torch.allclose(disc(mixed), compared)
    spectral = SetDiscriminator(1, 3, 32, 8, read="pooled")
    assert parametrize.is_parametrized(spectral.compare) and parametrize.is_parametrized(spectral.head)


@pytest.mark.parametrize("first", [False, True])
def test_first_encoder_block_batchnorm_is_an_option(first):
    model = build_autoencoder(AutoencoderModel(width=8, content_dim=16, first_block_norm=first), 1, 32)
    for encoder in (model.content_encoder, model.pose_encoder):
        norms = [isinstance(block[1], torch.nn.BatchNorm2d) for block in encoder.blocks]
        assert norms == [first, True, True]
    assert model(torch.rand(4, 1, 32, 32), torch.rand(4, 1, 32, 32)).shape == (4, 1, 32, 32)
