import pytest
import torch

from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.families.autoencoder import AutoencoderModel
from contentpose.models.architectures import build_autoencoder
from contentpose.models.autoencoder import PairPass
from contentpose.models.keypoints import KeypointDecoder, keypoint_maps, spatial_softargmax, translate


def test_softargmax_finds_a_peak():
    logits = torch.full((1, 2, 9, 9), -30.0)
    logits[0, 0, 2, 6] = 30.0  # row 2, column 6 of 9: x = 0.5, y = -0.5
    logits[0, 1, 8, 0] = 30.0  # bottom left corner: x = -1, y = 1
    assert torch.allclose(spatial_softargmax(logits), torch.tensor([[0.5, -0.5, -1.0, 1.0]]), atol=1e-4)


def test_separation_gives_two_alike_objects_one_point_each():
    """Two points whose maps both fire on two alike objects: unseparated, both land between them;
    separated, the second avoids the first's object and takes the other."""
    logits = torch.full((1, 2, 9, 9), -30.0)
    logits[0, :, 4, 1] = logits[0, :, 4, 7] = 30.0  # both maps: x = -0.75 and x = 0.75, y = 0
    logits[0, 0, 4, 1] += 5.0  # the first map leans left
    plain, apart = spatial_softargmax(logits), spatial_softargmax(logits, separation=0.15)
    assert plain[0, 2].abs() < 0.5  # the second point sits between the objects
    assert torch.allclose(apart, torch.tensor([[-0.75, 0.0, 0.75, 0.0]]), atol=0.05)
    assert torch.allclose(spatial_softargmax(logits[:, :1], separation=0.15), plain[:, :2])  # the first is unchanged


def test_separation_lets_later_points_learn():
    logits = torch.randn(2, 3, 8, 8, requires_grad=True)
    spatial_softargmax(logits, separation=0.1)[:, 4:].sum().backward()
    assert logits.grad[:, 2].abs().sum() > 0 and logits.grad[:, :2].abs().sum() == 0  # earlier points held fixed


def test_separation_needs_keypoints():
    with pytest.raises(UserError, match="keypoint_separation"):
        AutoencoderModel(keypoint_separation=0.1)
    with pytest.raises(UserError, match="keypoint_separation"):
        AutoencoderModel(architecture="keypoints", pose_dim=4, keypoint_separation=-1)
    assert (
        build_autoencoder(
            AutoencoderModel(architecture="keypoints", pose_dim=4, width=8, keypoint_separation=0.2), 1, 32
        ).pose_encoder.separation
        == 0.2
    )


def test_keypoint_maps_peak_and_offsets_at_the_point():
    maps = keypoint_maps(torch.tensor([[0.5, -0.5]]), size=9)  # (1, 3, 9, 9)
    bump, dx, dy = maps[0]
    assert bump.argmax() == 2 * 9 + 6 and bump.max() == pytest.approx(1.0)
    assert dx[2, 6] == pytest.approx(0) and dy[2, 6] == pytest.approx(0)
    assert dx[0, 8] == pytest.approx(0.5) and dy[0, 8] == pytest.approx(-0.5)


@pytest.mark.parametrize("size", [32, 64])
def test_keypoint_autoencoder_shapes(size):
    cfg = AutoencoderModel(content_dim=16, pose_dim=6, width=8, content_pool=True, architecture="keypoints")
    model = build_autoencoder(cfg, channels=3, frame_size=size)
    x = torch.rand(4, 3, size, size)
    pose = model.pose(x)
    assert pose.shape == (4, 6) and pose.abs().max() <= 1
    out = model(x, x.flip(0))
    assert out.shape == x.shape and 0 <= out.min() and out.max() <= 1


def test_keypoints_learn_where_the_object_is():
    """Trained to redraw a square from a keypoint (content from another frame of the same square),
    the point's coordinates follow the square's position."""
    torch.manual_seed(0)
    cfg = AutoencoderModel(content_dim=8, pose_dim=2, width=8, content_pool=True, architecture="keypoints")
    model = build_autoencoder(cfg, channels=1, frame_size=32)
    opt = torch.optim.Adam(model.parameters(), 2e-3)

    def squares(n):
        pos = torch.randint(0, 24, (n, 2))
        x = torch.zeros(n, 1, 32, 32)
        for i, (r, c) in enumerate(pos.tolist()):
            x[i, 0, r : r + 8, c : c + 8] = 1
        return x, pos.float()

    for _ in range(30):
        x, _ = squares(16)
        loss = torch.nn.functional.binary_cross_entropy(model(x, x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    x, pos = squares(200)
    with torch.no_grad():
        p = model.pose(x)
    corr = torch.corrcoef(torch.stack([p[:, 0], pos[:, 1], p[:, 1], pos[:, 0]]))
    assert corr[0, 1] > 0.95 and corr[2, 3] > 0.95  # x follows the column, y the row


def test_keypoints_need_an_even_pose_dim():
    with pytest.raises(UserError, match="even model.pose_dim"):
        load_config("quick", ["model.architecture=keypoints", "model.pose_dim=5"])


def test_warp_moves_features_from_the_content_points_to_the_pose_points():
    dec = KeypointDecoder(8, points=1, channels=1, frame_size=64, width=8, warp=True)
    features = torch.zeros(1, 1, 16, 16)
    features[0, 0, 5, 3] = 1  # row 5, column 3 of the 16 x 16 grid
    cell = lambda row, col: [[-1 + 2 * col / 15, -1 + 2 * row / 15]]  # noqa: E731  (x, y) of a cell
    moved, unmoved = dec.moved(features, torch.tensor(cell(5, 3)), torch.tensor(cell(9, 7)))[0]
    assert (moved > 0.5).nonzero().tolist() == [[9, 7]]
    assert (unmoved > 0.5).nonzero().tolist() == [[5, 3]]


def test_translate_moves_a_frame_by_the_points_displacement_in_pixels():
    """One cell of the 16-cell keypoint grid is 4 px of a 64 px frame, whatever size is moved."""
    frame = torch.zeros(1, 1, 64, 64)
    frame[0, 0, 20, 12] = 1
    cell = lambda row, col: [-1 + 2 * col / 15, -1 + 2 * row / 15]  # noqa: E731  (x, y) of a cell
    source = torch.tensor([cell(5, 3) + cell(5, 3)])  # two points, one moved 4 cells down-right, one 2 up
    target = torch.tensor([cell(9, 7) + cell(3, 3)])
    moved = translate(frame, source, target, grid=16)  # (1, 2, 1, 64, 64)
    assert (moved[0, 0, 0] > 0.99).nonzero().tolist() == [[36, 28]]
    assert (moved[0, 1, 0] > 0.99).nonzero().tolist() == [[12, 12]]


def test_warp_content_carries_its_own_points():
    cfg = AutoencoderModel(content_dim=16, pose_dim=4, width=8, architecture="keypoint_warp")
    model = build_autoencoder(cfg, channels=1, frame_size=32)
    x = torch.rand(3, 1, 32, 32)
    content = model.content(x)
    assert torch.equal(content.points, model.pose(x))
    assert model.decode(content, model.pose(x.flip(0))).shape == x.shape
    rec, *_ = PairPass(model)(x, x.flip(0))
    assert rec.shape == x.shape
    with pytest.raises(ValueError, match="warp=True"):
        model.decoder(content.vector, model.pose(x))
    assert torch.equal(
        model.decoder(
            content.vector, model.pose(x), model.decoder.moved(content.skips[1], content.points, model.pose(x))
        ),
        model.decode(content, model.pose(x)),
    )


def test_coordinates_let_a_point_choose_a_side():
    """Two alike objects fire alike feature maps: without coordinates a point can only land between
    them; a weight on the x channel moves it to the right-hand one."""
    from contentpose.models.keypoints import KeypointEncoder

    torch.manual_seed(0)
    x = torch.zeros(1, 1, 32, 32)
    x[0, 0, 12:20, 4:12] = x[0, 0, 12:20, 20:28] = 1  # two squares, left and right
    plain = KeypointEncoder(1, 1, 32, 8).eval()
    with_xy = KeypointEncoder(1, 1, 32, 8, coords=True).eval()
    with_xy.body.load_state_dict(plain.body.state_dict())
    with torch.no_grad():
        with_xy.score.weight.zero_()
        with_xy.score.weight[0, :-2] = plain.score.weight[0] * 100
        plain.score.weight.mul_(100)
        with_xy.score.weight[0, -2] = 50.0  # prefer large x
        between, right = plain(x)[0, 0], with_xy(x)[0, 0]
    assert abs(between) < 0.2 and right > 0.5
