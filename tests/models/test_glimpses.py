import pytest
import torch

from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.models.architectures import build_autoencoder
from contentpose.models.autoencoder import Content, PairPass
from contentpose.models.glimpses import Glimpses
from contentpose.models.keypoints import KeypointDecoder

cell = lambda row, col: [-1 + 2 * col / 15, -1 + 2 * row / 15]  # noqa: E731  (x, y) of a cell of the 16-cell grid


def test_a_window_pasted_at_another_point_moves_by_the_points_displacement():
    glimpses = Glimpses(1, frame_size=64, width=8, grid=16)
    frame = torch.zeros(1, 1, 64, 64)
    frame[0, 0, 20:30, 10:18] = 1
    source = torch.tensor([cell(6, 3) + cell(12, 12)])
    window = glimpses.windows(frame, source)  # (1, 2, 1, 32, 32)
    assert window.shape == (1, 2, 1, 32, 32) and window[0, 0].sum() == pytest.approx(80) and window[0, 1].sum() == 0
    assert torch.allclose(glimpses.paste(window, source)[0, 0], frame[0], atol=1e-5)  # back where it was cut
    moved = glimpses.paste(window, torch.tensor([cell(10, 7) + cell(12, 12)]))[0, 0, 0]  # 4 cells = 16 px
    expected = torch.zeros(64, 64)
    expected[36:46, 26:34] = 1
    assert torch.allclose(moved, expected, atol=1e-5)


def test_a_wider_window_is_read_at_the_same_pixels_and_pasted_back_over_its_extent():
    glimpses = Glimpses(1, frame_size=64, width=8, grid=16, extent=48)
    frame = torch.zeros(1, 1, 64, 64)
    frame[0, 0, 20:44, 20:44] = 1  # 24 px: wider than half a 32 px window around the centre cell
    centre = torch.tensor([[0.0, 0.0]])  # between the middle cells: the frame's centre
    window = glimpses.windows(frame, centre)  # (1, 1, 1, 32, 32): 48 px read at 32
    assert window.shape == (1, 1, 1, 32, 32) and window.sum() == pytest.approx(24 * 24 * (32 / 48) ** 2, rel=0.02)
    back = glimpses.paste(window, centre)[0, 0, 0]  # back where it was cut, edges blurred by the resampling
    assert back.sum() == pytest.approx(24 * 24, rel=0.01) and back[21:43, 21:43].min() > 0.99
    assert back[:19].abs().max() == back[45:].abs().max() == back[:, :19].abs().max() == back[:, 45:].abs().max() == 0
    assert Glimpses(1, 64, 8, 16).extent == 32  # half the frame unless told


def test_glimpse_model_reads_content_as_one_code_per_point_and_trains():
    cfg = load_config("standard", ["model.architecture=glimpses", "model.pose_dim=8", "model.width=8"]).model
    model = build_autoencoder(cfg, channels=1, frame_size=64)
    assert model.content_encoder is None  # nothing built unused
    assert not any(isinstance(m, KeypointDecoder) for m in model.modules())
    x = torch.rand(3, 1, 64, 64)
    content = model.content(x)
    codes, skips = model.decoder.read(x, model.pose(x))  # (3, 4, 32): 128 / 4 points; no skips
    assert codes.shape == (3, 4, 32) and skips is None and torch.equal(content.vector, codes.flatten(1))
    assert model.complete(Content(content.vector))  # the codes are all the decoder reads
    assert torch.equal(model.decode(content, model.pose(x)), model(x, x))
    rec, c_t, *_ = PairPass(model)(x, x.flip(0))
    assert rec.shape == x.shape and 0 <= rec.min() and rec.max() <= 1 and c_t.shape == (3, 128)
    (rec.mean() + c_t.mean()).backward()
    assert model.decoder.encoder.blocks[0][0].weight.grad.abs().sum() > 0
    assert model.pose_encoder.score.weight.grad.abs().sum() > 0  # the points learn where to cut and paste


def test_glimpses_with_skips_carry_each_windows_feature_maps_to_its_patch():
    cfg = load_config("standard", ["model.pose_dim=8", "model.width=8"]).model
    model = build_autoencoder(cfg, channels=1, frame_size=64)
    x = torch.rand(2, 1, 64, 64)
    content = model.content(x)
    assert [tuple(f.shape) for f in content.skips] == [(2, 4, 8, 16, 16), (2, 4, 16, 8, 8), (2, 4, 32, 4, 4)]
    assert model.complete(content) and not model.complete(Content(content.vector))  # skips are read
    rec = model.decode(content, model.pose(x))
    rec.mean().backward()
    assert model.decoder.decoder.out[0].weight.grad.abs().sum() > 0
    assert model.decoder.encoder.blocks[0][0].weight.grad.abs().sum() > 0


def test_glimpses_need_keypoints_moving_windows_on_black():
    glimpses = ["model.architecture=glimpses", "model.content_pool=false"]
    with pytest.raises(UserError, match="needs data.background=none"):
        load_config("quick", glimpses + ["data.background=texture"])
    with pytest.raises(UserError, match="own window encoder"):
        load_config("standard", ["model.content_pool=true"])
    with pytest.raises(UserError, match="multiple of the 3 points"):
        load_config("standard", glimpses + ["model.pose_dim=6"])
    with pytest.raises(UserError, match="glimpse_window must be"):
        load_config("standard", ["model.architecture=keypoint_warp"])  # standard's window without glimpses
    with pytest.raises(UserError, match="needs data.frame_size 64 or more, not 32"):
        load_config("standard", ["data.frame_size=32"])
    with pytest.raises(UserError, match="wider than the frame"):
        load_config("standard", glimpses + ["model.glimpse_window=80"])


def test_each_window_encoder_sees_where_the_other_points_are():
    glimpses = Glimpses(1, 64, 8, grid=16, extent=44)
    points = torch.tensor([[-0.3, 0.0, 0.2, 0.0]])  # 15 frame px apart on one row: 10.9 px at the window's 32
    bumps = glimpses.other_points(points)[0, :, 0]  # (K, P, P)
    peaks = [divmod(int(b.flatten().argmax()), 32) for b in bumps]
    assert peaks == [(15, 26), (15, 5)]  # window 0 sees point 1 to its right, window 1 sees point 0 to its left
    cfg = load_config("standard", ["model.width=8"]).model
    x = torch.rand(1, 1, 64, 64)
    near, far = points, torch.tensor([[-0.3, 0.0, 0.6, 0.6]])
    torch.manual_seed(0)
    model = build_autoencoder(cfg, channels=1, frame_size=64).eval()
    codes = [model.decoder.read(x, p)[0][0, 0] for p in (near, far)]
    assert not torch.equal(*codes)  # point 0's own window is the same; only where point 1 is differs
