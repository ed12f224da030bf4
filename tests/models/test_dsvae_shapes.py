import pytest
import torch
from torch.distributions import Normal, kl_divergence

from contentpose.models.dsvae import DSVAE, Gaussian

B, T, C, S = 3, 5, 3, 32
F_DIM, Z_DIM, HIDDEN = 12, 4, 16


def tiny(q: str = "factorised") -> DSVAE:
    torch.manual_seed(0)
    return DSVAE(C, S, 8, F_DIM, Z_DIM, HIDDEN, q)


@pytest.mark.parametrize("q", ["factorised", "full"])
def test_pass_and_inference_shapes(q):
    model = tiny(q)
    x = torch.rand(B, T, C, S, S)
    out = model(x)
    assert out.rec.shape == x.shape and 0 <= out.rec.min() and out.rec.max() <= 1
    assert out.q_f.mean.shape == out.q_f.logvar.shape == (B, F_DIM)
    assert out.q_z.mean.shape == out.p_z.mean.shape == out.p_z.logvar.shape == (B, T, Z_DIM)
    f, z = model.eval().encode(x)
    assert f.shape == (B, F_DIM) and z.shape == (B, T, Z_DIM)
    assert model.decode(f, z[:, :2]).shape == (B, 2, C, S, S)
    assert model.sample_prior(B, 7).shape == (B, 7, Z_DIM)


def test_factorised_q_reads_each_frame_alone_and_full_q_the_sequence():
    x = torch.rand(B, T, C, S, S)
    y = x.clone()
    y[:, 2] = torch.rand(B, C, S, S)  # change frame 2 only
    for q, others_move in (("factorised", False), ("full", True)):
        model = tiny(q).eval()  # BatchNorm on running statistics: frames independent
        with torch.no_grad():
            (_, z_x), (_, z_y) = model.encode(x), model.encode(y)
        assert not torch.allclose(z_x[:, 2], z_y[:, 2])
        moved = not torch.allclose(z_x[:, [0, 1, 3, 4]], z_y[:, [0, 1, 3, 4]])
        assert moved == others_move, q


def test_prior_is_causal_and_starts_from_zero():
    model = tiny().eval()
    z = torch.randn(B, T, Z_DIM)
    z2 = z.clone()
    z2[:, 2] += 1.0
    with torch.no_grad():
        p, p2 = model.prior(z), model.prior(z2)
        first = model.prior(torch.randn(B, 1, Z_DIM))  # p(z_1) does not depend on any z
    assert torch.equal(p.mean[:, :3], p2.mean[:, :3])  # p(z_t | z_<t) for t <= 2 ignores z_2
    assert not torch.allclose(p.mean[:, 3:], p2.mean[:, 3:])
    assert torch.allclose(first.mean[0], p.mean[0, 0]) and torch.allclose(first.mean[0], first.mean[1])


def test_prior_samples_follow_a_generator():
    model = tiny().eval()
    with torch.no_grad():
        a = model.sample_prior(2, 4, torch.Generator().manual_seed(1))
        b = model.sample_prior(2, 4, torch.Generator().manual_seed(1))
        c = model.sample_prior(2, 4, torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    q = Gaussian(torch.randn(6, 5, generator=g), torch.randn(6, 5, generator=g))
    p = Gaussian(torch.randn(6, 5, generator=g), torch.randn(6, 5, generator=g))
    normal = lambda d: Normal(d.mean, torch.exp(0.5 * d.logvar))  # noqa: E731
    assert torch.allclose(q.kl(p), kl_divergence(normal(q), normal(p)), atol=1e-5)
    standard = Normal(torch.zeros(6, 5), torch.ones(6, 5))
    assert torch.allclose(q.kl(), kl_divergence(normal(q), standard), atol=1e-5)
    assert torch.allclose(q.kl(q), torch.zeros(6, 5), atol=1e-6)


def test_samples_have_the_gaussians_moments():
    d = Gaussian(torch.full((20000, 2), 3.0), torch.log(torch.tensor([[0.25, 4.0]])).expand(20000, 2))
    s = d.sample(torch.Generator().manual_seed(0))
    assert torch.allclose(s.mean(0), torch.tensor([3.0, 3.0]), atol=0.05)
    assert torch.allclose(s.std(0), torch.tensor([0.5, 2.0]), atol=0.05)
