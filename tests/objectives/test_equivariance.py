import torch

from contentpose.models.keypoints import pixel_centres
from contentpose.objectives.equivariance import equivariance_loss, random_affines, warped


def centroid_pose(x: torch.Tensor, grid: int) -> torch.Tensor:
    """The brightness-weighted centre of each frame (B, 1, H, W), as one point read on a `grid`-cell
    grid: (B, 2). Equivariant to any warp that keeps the blob inside the frame."""
    B, _, H, W = x.shape
    w = x[:, 0].flatten(1)
    gx, gy = pixel_centres(W).repeat(H), pixel_centres(H).repeat_interleave(W)
    xy = torch.stack([(w * gx).sum(1), (w * gy).sum(1)], 1) / w.sum(1, keepdim=True)
    return xy * grid / (grid - 1)


def blobs(n: int, size: int = 64) -> torch.Tensor:
    g = pixel_centres(size)
    centre = torch.rand(n, 2) * 0.8 - 0.4
    d2 = (g[None, None, :] - centre[:, 0, None, None]) ** 2 + (g[None, :, None] - centre[:, 1, None, None]) ** 2
    return torch.exp(-d2 / (2 * 0.05**2))[:, None]


def test_points_that_follow_the_image_pay_nothing_and_fixed_points_pay():
    torch.manual_seed(0)
    x, theta = blobs(16), random_affines(16, "cpu")
    follows = equivariance_loss(centroid_pose(x, 16), centroid_pose(warped(x, theta), 16), theta, 16)
    fixed = torch.zeros(16, 2)
    stays = equivariance_loss(centroid_pose(x, 16), fixed, theta, 16)
    assert follows < 2e-3 and stays > 10 * follows


def test_jacobians_that_follow_the_warp_pay_nothing():
    """J(x') = A_lin^{-1} J(x): the Jacobian term is zero; identity Jacobians under a rotation pay."""
    torch.manual_seed(0)
    B, K = 4, 3
    theta = random_affines(B, "cpu", sigma=0.1)
    points = torch.rand(B, K, 2) - 0.5
    lin, shift = theta[:, None, :, :2], theta[:, None, :, 2]
    back = torch.linalg.solve(lin, (points * 15 / 16 - shift)[..., None])[..., 0] * 16 / 15  # A^{-1} p
    j = torch.eye(2) + 0.2 * torch.randn(B, K, 2, 2)
    pose = torch.cat([points.flatten(1), j.flatten(1)], 1)
    exact = torch.cat([back.flatten(1), (torch.linalg.inv(lin) @ j).flatten(1)], 1)
    assert equivariance_loss(pose, exact, theta, 16, affine=True) < 1e-5
    naive = torch.cat([back.flatten(1), j.flatten(1)], 1)
    assert equivariance_loss(pose, naive, theta, 16, affine=True) > 1e-2
