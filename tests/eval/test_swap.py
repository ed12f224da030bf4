import pytest
import torch

from contentpose.config import DataConfig
from contentpose.data.moving_digits import MovingDigits
from contentpose.eval.image_metrics import PSNR_CAP, psnr, ssim
from contentpose.eval.swap import best_match, content_disjoint_partner, swap_fidelity, swap_pairs


def test_psnr_ssim_known_values():
    x = torch.rand(3, 1, 32, 32)
    noisy = (x + 0.1).clamp(0, 1)
    mse = ((noisy - x) ** 2).flatten(1).mean(1)
    assert torch.allclose(psnr(noisy, x), -10 * torch.log10(mse), atol=1e-3)
    assert torch.allclose(ssim(x, x), torch.ones(3), atol=1e-5)
    assert (ssim(torch.rand(3, 1, 32, 32), x) < 0.2).all()


def test_identical_images_get_the_psnr_cap_not_infinity():
    x = torch.rand(2, 1, 16, 16)
    assert torch.equal(psnr(x, x), torch.full((2,), PSNR_CAP))


def test_best_match_takes_the_closest_assignment():
    truths = torch.stack([torch.zeros(2, 1, 16, 16), torch.ones(2, 1, 16, 16)])
    pred = torch.stack([torch.zeros(1, 16, 16), torch.ones(1, 16, 16)])
    scores = best_match(pred * 0.9 + 0.05, truths)
    assert torch.allclose(scores["psnr"], torch.full((2,), 20 * torch.log10(torch.tensor(20.0))), atol=1e-3)


class Oracle(torch.nn.Module):
    """'Decodes' by returning the true swap, which it is handed in advance."""

    def __init__(self, truth):
        super().__init__()
        self.truth, self.i = truth, 0

    def forward(self, x_a, x_b):
        if torch.equal(x_a, x_b):            # reconstruction call
            return x_b
        out = self.truth[self.i:self.i + len(x_a)]
        self.i += len(x_a)
        return out


def test_swap_fidelity_orders_oracle_above_baselines_and_copy_equals_baseline():
    data = MovingDigits(DataConfig(frame_size=32, test_clips=40))
    pairs = swap_pairs(data)
    assert pairs["truths"].shape == (2, 40, 1, 32, 32)  # two digits: two assignments
    copy_b = swap_fidelity(lambda a, b: b, data, batch_size=16)
    assert copy_b["swap"] == copy_b["copy_pose_frame"]
    oracle = swap_fidelity(Oracle(pairs["truths"][1]), data, batch_size=16)
    assert oracle["swap"]["ssim"] == pytest.approx(1.0)
    assert oracle["swap"]["ssim"] > oracle["copy_pose_frame"]["ssim"] > oracle["copy_content_frame"]["ssim"]


def test_pairs_never_share_a_digit_image():
    digit = torch.randint(0, 6, (300, 2))  # few distinct digits: many clips share one
    partner = content_disjoint_partner(digit, torch.Generator().manual_seed(0))
    assert (partner != torch.arange(300)).all()
    assert not (digit[:, :, None] == digit[partner][:, None, :]).any()
    data = MovingDigits(DataConfig(num_digits=1, frame_size=32, test_clips=200))
    baselines = swap_fidelity(None, data)
    assert baselines["copy_pose_frame"]["psnr"] < 40  # finite: copy b is never the exact answer
