import torch

from contentpose.config import load_config
from contentpose.models.architectures import build_autoencoder
from contentpose.models.autoencoder import pose_view


def test_a_silhouette_pose_is_built_for_one_channel():
    cfg = load_config("lpc_sprites", ["model.pose_input=silhouette", "data.path=/sprites"]).model
    model = build_autoencoder(cfg, channels=3, frame_size=32).eval()
    x = torch.rand(4, 3, 32, 32)
    assert model.pose(x).shape == (4, cfg.pose_dim) and model(x, x.flip(0)).shape == x.shape


def test_a_silhouette_pose_cannot_see_colour_and_a_frame_pose_can():
    """A figure on black recoloured: the silhouette is the same, so its pose is too."""
    x = torch.zeros(2, 3, 32, 32)
    x[:, 0, 8:24, 10:18] = 0.8  # a red figure
    recoloured = x.roll(1, dims=1)  # the same figure in green
    for view, same in (("silhouette", True), ("frame", False)):
        cfg = load_config("lpc_sprites", [f"model.pose_input={view}", "data.path=/sprites"]).model
        model = build_autoencoder(cfg, channels=3, frame_size=32).eval()
        assert torch.allclose(model.pose(x), model.pose(recoloured)) == same


def test_the_silhouette_is_where_any_channel_is_lit():
    x = torch.zeros(1, 3, 4, 4)
    x[0, 2, 1, 1], x[0, 0, 2, 3], x[0, 1, 3, 0] = 0.5, 1.0, 0.01  # the last is below 0.05: background
    expected = torch.zeros(1, 1, 4, 4)
    expected[0, 0, 1, 1] = expected[0, 0, 2, 3] = 1
    assert torch.equal(pose_view(x, "silhouette"), expected) and pose_view(x, "frame") is x
