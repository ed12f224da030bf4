import pytest
import torch

from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.models.architectures import build_autoencoder
from contentpose.models.palette import PaletteEncoder


def test_palette_content_ignores_the_column_layout_but_not_the_rows():
    enc = PaletteEncoder(3, 16, width=8).eval()
    x = torch.zeros(2, 3, 32, 32)
    x[:, 0, :10, 4:20] = 1  # red above blue, to the left
    x[:, 2, 20:, 8:28] = 1
    content = enc(x)
    assert content.shape == (2, 16)
    change = lambda y: (enc(y) - content).abs().max().item()  # noqa: E731
    assert change(x[..., torch.randperm(32)]) < 1e-7 and change(x.flip(-1)) < 1e-7  # nor which way it faces
    assert change(x.flip(-2)) > 1e-5  # blue above red is another content


def test_palette_content_is_the_same_in_training_and_in_eval():
    """Its pooled features vary little between frames: batch statistics (BatchNorm) made eval-mode
    content differ from training's, and reconstructions fail in eval."""
    enc = PaletteEncoder(3, 16, width=8)
    x = torch.rand(8, 3, 32, 32)
    assert torch.allclose(enc.train()(x), enc.eval()(x))


def test_palette_autoencoder_decodes_and_refuses_skips():
    cfg = load_config("lpc_sprites", ["model.content_encoder=palette", "data.path=/sprites"]).model
    model = build_autoencoder(cfg, channels=3, frame_size=32)
    x = torch.rand(4, 3, 32, 32)
    assert model(x, x.flip(0)).shape == x.shape
    with pytest.raises(UserError, match="palette has no feature maps"):
        load_config("lpc_sprites", ["model.content_encoder=palette", "model.architecture=dcgan_unet", "data.path=/s"])


def test_palette_content_tells_how_much_of_a_colour_not_only_whether():
    """Half of its features are means over positions: a longer red band is another content, while
    the features kept by a max see the same colours at the same rows."""
    enc = PaletteEncoder(3, 16, width=8).eval()
    narrow, wide = torch.zeros(2, 1, 3, 32, 32)
    narrow[0, 0, 4:8, :4] = 1
    wide[0, 0, 4:8, :20] = 1
    a, b = enc(narrow), enc(wide)
    assert torch.equal(a[:, :8], b[:, :8]) and not torch.allclose(a[:, 8:], b[:, 8:], rtol=0.01, atol=0)


def _every_pixel(enc: PaletteEncoder, x: torch.Tensor) -> torch.Tensor:
    """The encoder's definition, run on every pixel: what skipping the black ones must equal."""
    B, C, H, W = x.shape
    rows = torch.linspace(-1, 1, H)[None, :, None, None].expand(B, H, W, 1)
    v = torch.cat([x.permute(0, 2, 3, 1), rows], -1).flatten(0, 2)  # (B * H * W, C + 1)
    h = enc.pixels(enc._features(v)).view(B, H * W, -1)  # (B, H * W, hidden)
    return torch.tanh(torch.cat([enc.strongest(h).amax(1), enc.amount(h).mean(1)], 1))


@pytest.mark.parametrize("frequencies", [0, 2])
@pytest.mark.parametrize("black", ["mostly", "none", "all"])
def test_running_on_lit_pixels_only_equals_running_on_every_pixel(black, frequencies):
    torch.manual_seed(0)
    enc = PaletteEncoder(3, 16, width=8, frequencies=frequencies)
    x = torch.rand(4, 3, 16, 16)
    if black == "mostly":
        x = x * (torch.rand(4, 1, 16, 16) < 0.3)  # 30% lit, as a Sprites frame
    elif black == "all":
        x = torch.zeros_like(x)
    fast, slow = enc(x), _every_pixel(enc, x)
    torch.testing.assert_close(fast, slow)
    grads = [torch.autograd.grad(out.pow(2).sum(), list(enc.parameters())) for out in (fast, slow)]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_frequencies_feed_sines_and_cosines_of_colours_and_rows():
    """With F frequencies the pixel MLP reads (C + 1)(1 + 2F) numbers per pixel: the values, then
    sin and cos of 2^k pi v. The column layout still does not reach the content."""
    enc = PaletteEncoder(3, 16, width=8, frequencies=3)
    assert enc.pixels[0].in_features == 4 * 7
    v = torch.tensor([[0.5, 0.25, 0.0, -1.0]])
    f = enc._features(v).view(4 * 7)
    angles = torch.pi * v[0, :, None] * torch.tensor([1.0, 2.0, 4.0])  # (4 inputs, 3 frequencies)
    torch.testing.assert_close(f, torch.cat([v[0], angles.sin().flatten(), angles.cos().flatten()]))
    x = torch.rand(3, 3, 16, 16) * (torch.rand(3, 1, 16, 16) < 0.3)
    torch.testing.assert_close(enc(x[..., torch.randperm(16)]), enc(x))


def test_a_negative_frequency_count_is_refused_in_one_line():
    with pytest.raises(UserError, match="palette_frequencies must be 0 or more") as err:
        load_config("lpc_sprites", ["data.path=/s", "model.palette_frequencies=-1"])
    assert "\n" not in str(err.value)
