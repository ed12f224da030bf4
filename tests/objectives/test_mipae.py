import math

import torch

from contentpose.config import TrainConfig
from contentpose.families.autoencoder import AutoencoderModel, AutoencoderObjective
from contentpose.models.architectures import build_autoencoder
from contentpose.models.pair_critic import PairCritic
from contentpose.objectives.content_pose import different_clip_partner
from contentpose.objectives.mipae import MIPAE, js_bound, nwj_estimate
from contentpose.runtime import Runtime


def _const(v):
    return lambda a, b: torch.full((a.shape[0],), float(v))


def test_nwj_and_js_of_a_constant_critic():
    """A critic that cannot tell pairs apart: NWJ = T + 1 - e^T (0 at T = 0), JS = -2 softplus-ish."""
    a, b = torch.randn(8, 5), torch.randn(8, 5)
    partner = different_clip_partner(8)
    for t in (-1.0, 0.0, 2.0):
        assert math.isclose(float(nwj_estimate(_const(t), a, b, partner)), t + 1 - math.exp(t), rel_tol=1e-5)
    assert math.isclose(float(js_bound(_const(0.0), a, b, partner)), -2 * math.log(2), rel_tol=1e-5)


class MatchCritic(torch.nn.Module):
    """High on pairs with equal vectors (joint pairs below), low otherwise, scaled by `s`."""

    def __init__(self, s):
        super().__init__()
        self.s = s

    def forward(self, a, b):
        return self.s * (1 - 2 * (a - b).abs().sum(1).clamp(max=1))


def test_bounds_grow_when_pairs_are_dependent():
    """Poses equal within a clip carry information; a critic that sees it raises both bounds above
    their value at independence (0 for NWJ with T = 0), and the sign is what the encoders minimise."""
    torch.manual_seed(0)
    a = torch.randn(64, 5)
    partner = different_clip_partner(64)
    nwj = nwj_estimate(MatchCritic(1.0), a, a.clone(), partner)
    assert nwj > 0.5
    assert js_bound(MatchCritic(3.0), a, a.clone(), partner) > js_bound(_const(0.0), a, a.clone(), partner)
    # independent poses: joint and marginal pairs look alike, the estimate is about 0 or below
    b = torch.randn(64, 5)
    assert nwj_estimate(MatchCritic(1.0), a, b, partner) < 0.05


def test_mipae_step_trains_autoencoder_and_critic():
    torch.manual_seed(0)
    model = build_autoencoder(AutoencoderModel(content_dim=8, pose_dim=3, width=8), 1, 32)
    critic = PairCritic(3, 32)
    mipae = MIPAE(
        model, critic, AutoencoderObjective(name="mipae", beta=1e-4), TrainConfig(), Runtime(torch.device("cpu"))
    )
    before = [p.clone() for p in critic.parameters()]
    out = mipae.step(torch.rand(6, 1, 32, 32), torch.rand(6, 1, 32, 32))
    assert set(out) == {"loss", "rec", "sim", "mi", "critic"}
    assert torch.isclose(out["loss"], out["rec"] + out["sim"] + 1e-4 * out["mi"])
    assert all(not torch.equal(x, y) for x, y in zip(before, critic.parameters()))
    assert set(mipae.modules) == {"model", "critic"}
