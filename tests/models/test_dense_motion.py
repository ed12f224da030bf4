import torch

from contentpose.models.dense_motion import DenseMotion, identity_grid, inverse2x2, sparse_motions
from contentpose.models.keypoints import KeypointEncoder
from contentpose.models.warp_generator import warp


def pose(points, jacobians=None):
    """points (B, K, 2) on an 16-cell grid's [-1, 1] (what the encoder reads) -> (B, 6K)."""
    B, K = points.shape[:2]
    j = torch.eye(2).expand(B, K, 2, 2) if jacobians is None else jacobians
    return torch.cat([points.flatten(1), j.flatten(1)], dim=1)


def test_each_local_transform_maps_the_target_point_back_to_the_source_point():
    """T_k(p^t_k) = p^s_k for any Jacobians, and the first candidate is the identity."""
    torch.manual_seed(0)
    S, grid = 16, 16
    src, tgt = torch.rand(2, 3, 2) * 1.6 - 0.8, torch.rand(2, 3, 2) * 1.6 - 0.8
    jac = torch.eye(2) + 0.3 * torch.randn(2, 3, 2, 2)
    motions = sparse_motions(pose(src, jac), pose(tgt, jac.flip(1)), S, grid)  # (2, 4, S, S, 2)
    assert motions.shape == (2, 4, S, S, 2)
    assert torch.equal(motions[:, 0], identity_grid(S, "cpu").expand(2, -1, -1, -1))
    # the target point sits between pixel centres: interpolate the (affine) map there exactly
    p_t = tgt * (grid - 1) / grid  # in the frame's [-1, 1]
    lin = jac @ inverse2x2(jac.flip(1))
    z = identity_grid(S, "cpu")
    m = motions[:, 1:]  # affine in z: read it at two pixels and solve for the map at p_t
    value = m[:, :, 0, 0] + torch.einsum("bkij,bkj->bki", lin, p_t - z[0, 0])
    assert torch.allclose(value, src * (grid - 1) / grid, atol=1e-5)


def test_warping_with_the_identity_keeps_features_and_a_shift_moves_them():
    x = torch.rand(1, 3, 16, 16)
    z = identity_grid(16, "cpu")[None]
    ones = torch.ones(1, 1, 8, 8)  # occlusion at half the size, resized to the features'
    assert torch.allclose(warp(x, z, ones), x, atol=1e-6)
    for coarse in (4, 8):  # a coarser identity flow, resized: still every pixel, the border's too
        assert torch.allclose(warp(x, identity_grid(coarse, "cpu")[None], ones), x, atol=1e-5)
    shift = identity_grid(4, "cpu")[None] - torch.tensor([2 / 16, 0.0])  # a coarse 1-px shift, resized
    assert torch.allclose(warp(x, shift, ones)[..., 1:], x[..., :-1], atol=1e-5)
    step = 2 / 16  # one pixel in [-1, 1]
    moved = warp(x, z - torch.tensor([2 * step, 0.0]), ones)  # each pixel reads 2 px to its left
    assert torch.allclose(moved[..., 2:], x[..., :-2], atol=1e-5)


def test_dense_motion_starts_as_the_mean_motion_with_everything_visible():
    """At initialisation the weights over candidates are equal and occlusion is 0.95: with the source
    pose equal to the target pose every candidate is the identity, so the flow is too."""
    torch.manual_seed(0)
    net = DenseMotion(channels=3, points=2, frame_size=32, width=4)
    p = pose(torch.rand(2, 2, 2) - 0.5)
    flow, occlusion = net(torch.rand(2, 3, 32, 32), p, p, grid=8)
    assert flow.shape == (2, 8, 8, 2) and occlusion.shape == (2, 1, 8, 8)
    assert torch.allclose(flow, identity_grid(8, "cpu").expand(2, -1, -1, -1), atol=1e-5)
    assert torch.allclose(occlusion, torch.full_like(occlusion, torch.sigmoid(torch.tensor(3.0)).item()))


def test_affine_keypoint_encoder_reads_points_then_identity_jacobians():
    torch.manual_seed(0)
    enc = KeypointEncoder(3, 4, 32, 8, affine=True)
    out = enc(torch.rand(2, 3, 32, 32))
    assert out.shape == (2, 24) and out[:, :8].abs().max() <= 1
    assert torch.allclose(out[:, 8:].view(2, 4, 2, 2), torch.eye(2).expand(2, 4, 2, 2))
    assert not hasattr(KeypointEncoder(3, 4, 32, 8), "jacobian")  # nothing built unused


def test_inverse2x2_inverts_and_holds_a_collapsed_determinant():
    m = torch.tensor([[2.0, 1.0], [1.0, 3.0]])
    assert torch.allclose(inverse2x2(m) @ m, torch.eye(2), atol=1e-6)
    assert inverse2x2(torch.zeros(2, 2)).isfinite().all()


def test_hourglass_keypoints_see_far_across_the_frame():
    """A change in one corner moves the scores of cells 40 px away: the hourglass's receptive field
    spans most of the frame (the plain body's is ~20 px)."""
    torch.manual_seed(0)
    for hourglass in (True, False):
        enc = KeypointEncoder(1, 2, 64, 8, hourglass=hourglass).eval().double()  # float64: tiny far effects
        x = torch.rand(1, 1, 64, 64, dtype=torch.float64)
        y = x.clone()
        y[..., :8, :8] = 0
        with torch.no_grad():
            far = [enc.score(enc.body(v))[..., 10:, 10:] for v in (x, y)]  # cells 40 px and more away
        assert (far[0] - far[1]).abs().max() > 1e-12 if hourglass else torch.equal(far[0], far[1])


def test_a_low_temperature_starts_the_points_spread_over_the_frame():
    """Points that start together get alike gradients and stay together; motion's 0.1 spreads them."""
    x = torch.rand(4, 3, 64, 64)
    spread = {}
    for t in (1.0, 0.1):
        torch.manual_seed(0)
        enc = KeypointEncoder(3, 10, 64, 16, coords=True, hourglass=True, temperature=t).eval()
        with torch.no_grad():
            spread[t] = enc(x).view(4, 10, 2).std(dim=1).mean()
    assert spread[1.0] < 0.02 and spread[0.1] > 0.15, spread
