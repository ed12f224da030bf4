"""The general `motion` architecture: keypoints with Jacobians, dense motion, warped features."""

import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.objectives import build_objective

SMALL = ["data.frame_size=32", "model.width=8", "model.pose_dim=12", "model.content_dim=16", "train.batch_size=8"]


def test_a_training_step_trains_keypoints_jacobians_and_motion_with_equivariance():
    torch.manual_seed(0)
    cfg = load_config("photo_digits", SMALL)
    objective = build_objective(cfg, 3, torch.device("cpu"))
    x = torch.rand(2, 8, 3, 32, 32)
    logged = objective.step(x[0], x[1])
    assert {"rec", "equivariance"} <= set(logged) and torch.isfinite(logged["equivariance"])
    model = objective.model
    for part in (model.pose_encoder.score, model.pose_encoder.jacobian, model.decoder.motion.head):
        assert part.weight.grad.abs().sum() > 0


def test_it_learns_to_move_a_digit_over_a_texture():
    """Fitted to 8 pairs of frames of one-digit clips over textures, the model draws frame t+k's digit
    where it is from frame t's content: inside the digit's true mask its error is well below that of
    copying frame t (which, like erasing the digit, leaves the background there)."""
    torch.manual_seed(0)
    cfg = load_config(
        "photo_digits",
        [*SMALL, "data.num_digits=1", "data.background=texture", "train.lr=0.003", "objective.equivariance=0"],
    )
    data = build_dataset(cfg.data, "train")
    clips = data.test_clips(8, [0, 6])
    x_t, x_tk, mask = clips.frames[:, 0], clips.frames[:, 1], clips.masks[:, 1]
    objective = build_objective(cfg, 3, torch.device("cpu"))
    for _ in range(150):
        objective.step(x_t, x_tk)
    model = objective.model.eval()
    with torch.no_grad():
        error = (((model(x_t, x_tk) - x_tk) ** 2) * mask).sum()
    copy = (((x_t - x_tk) ** 2) * mask).sum()
    assert error < 0.5 * copy, (error, copy)  # 0.36 measured; keypoint_warp's decoder: 0.68


def test_relative_motion_composes_points_and_jacobians():
    """FOMM's relative mode: points move by the driving clip's displacement, Jacobians compose as
    J_driving J_start^-1 J_source; a source at the start pose follows the driving poses exactly."""
    from contentpose.models.architectures import build_autoencoder

    model = build_autoencoder(load_config("photo_digits", SMALL).model, 3, 32)
    g = torch.Generator().manual_seed(0)
    source, driving, start = (torch.randn(5, 12, generator=g) for _ in range(3))
    moved = model.relative_pose(source, driving, start)
    assert torch.allclose(moved[:, :4], source[:, :4] + driving[:, :4] - start[:, :4])
    jac = lambda p: p[:, 4:].view(5, 2, 2, 2)  # noqa: E731
    assert torch.allclose(jac(moved), jac(driving) @ torch.linalg.inv(jac(start)) @ jac(source), atol=1e-4)
    assert torch.allclose(model.relative_pose(start, driving, start), driving, atol=1e-4)


def test_pixel_warp_passes_the_content_frames_own_pixels_where_its_mask_is_one():
    """model.pixel_warp: with the drawn mask held at 1 and the pose unchanged (so the dense motion is
    the identity), the output is the content frame itself, not a redrawing of it."""
    import pytest

    from contentpose.errors import UserError
    from contentpose.models.architectures import build_autoencoder

    model = build_autoencoder(load_config("photo_digits", [*SMALL, "model.pixel_warp=true"]).model, 3, 32).eval()
    last = model.decoder.top[-2]
    with torch.no_grad():
        last.weight[-1].zero_()
        last.bias[-1] = 30.0  # mask = sigmoid(30) = 1
        x = torch.rand(2, 3, 32, 32)
        out = model(x, x)
    assert out.shape == x.shape
    assert torch.allclose(out, x, atol=1e-4)  # the border too: the identity motion reads every pixel in place
    with pytest.raises(UserError, match="pixel_warp"):
        load_config("quick", ["model.pixel_warp=true"])
