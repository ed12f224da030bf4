import pytest
import torch

from contentpose.config import DataConfig
from contentpose.data.moving_digits import MovingDigits
from contentpose.data.moving_sprites import MovingSprites
from contentpose.eval.content_classifier import label_accuracy
from contentpose.eval.image_metrics import PSNR_CAP, psnr, ssim
from contentpose.eval.swap import (
    BASELINES,
    best_match,
    content_blind_frames,
    content_disjoint_partner,
    swap_fidelity,
    swap_pairs,
)


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
        if torch.equal(x_a, x_b):  # reconstruction call
            return x_b
        out = self.truth[self.i : self.i + len(x_a)]
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


def test_content_blind_baseline_is_the_mean_training_digit_at_bs_position():
    """One grey digit: the baseline is the mean of training digit images pasted at b's position."""
    cfg = DataConfig(num_digits=1, frame_size=32, test_clips=24)
    data, train = MovingDigits(cfg, "test"), MovingDigits(cfg, "train")
    pairs = swap_pairs(data)
    blind = content_blind_frames(train, pairs["pose_b"], samples=400)
    mean_digit = train.images.mean(0)
    s = train.digit_size
    for i in range(24):
        y, x = pairs["pose_b"][i, 0, 0].round().long().tolist()
        assert torch.allclose(blind[i, 0, y : y + s, x : x + s], mean_digit, atol=0.12)  # 400 samples: close
        assert blind[i, 0].sum() == pytest.approx(blind[i, 0, y : y + s, x : x + s].sum().item(), rel=1e-5)
    scores = swap_fidelity(None, data, train_data=train)
    assert set(scores) == set(BASELINES)
    # it knows b's pose, so it beats copying b, whose digit is drawn wrong at full contrast
    assert scores["content_blind"]["psnr"] > scores["copy_pose_frame"]["psnr"]


def test_classifier_reads_as_content_in_each_output(tiny_classifier):
    cfg = DataConfig(num_digits=1, frame_size=32, test_clips=48)  # TINY's digits: its classifier was trained on them
    data, train = MovingDigits(cfg, "test"), MovingDigits(cfg, "train")
    pairs = swap_pairs(data)
    oracle = swap_fidelity(
        Oracle(pairs["truths"][0]), data, batch_size=16, train_data=train, classifier=tiny_classifier
    )
    acc = {k: v["content_accuracy"] for k, v in oracle.items()}
    assert acc["chance"] == pytest.approx(0.1)
    assert acc["swap"] == acc["real_frames"] > 0.4  # the true swap reads as a's content
    assert acc["copy_content_frame"] > 0.4  # frame a itself shows a's content
    assert acc["copy_pose_frame"] < 0.25 and acc["content_blind"] < 0.25  # b's digit, or no digit in particular
    assert 0 <= acc["reconstruction"] <= 1


@pytest.mark.parametrize("rotation", [False, True])
def test_content_blind_baseline_on_sprites(rotation):
    cfg = DataConfig(name="moving_sprites", num_sprites=2, frame_size=32, test_clips=16, rotation=rotation, colour=True)
    data, train = MovingSprites(cfg, "test"), MovingSprites(cfg, "train")
    scores = swap_fidelity(None, data, train_data=train)
    assert scores["content_blind"]["psnr"] > scores["copy_pose_frame"]["psnr"]
    blind = content_blind_frames(train, swap_pairs(data)["pose_b"], samples=16)
    assert blind.shape == (16, 3, 32, 32) and 0 <= blind.min() and blind.max() <= 1


def test_label_accuracy_per_content_factor():
    """Sprite labels name one class per factor; grouped, a factor's classes cannot stand in for another's."""
    logits = torch.tensor([[5.0, 0.0, 4.0, 0.0, 3.0]])  # factor a: classes 0-2, factor b: classes 3-4
    labels = torch.tensor([[0, 4]])
    assert label_accuracy(logits, labels).item() == pytest.approx(0.5)  # top-2 of all: {0, 2}
    assert label_accuracy(logits, labels, {"a": 3, "b": 2}).item() == pytest.approx(1.0)
    assert label_accuracy(logits, torch.tensor([[1, 4]]), {"a": 3, "b": 2}).item() == pytest.approx(0.5)
    digits = torch.randn(6, 10), torch.randint(0, 10, (6, 2))
    assert torch.equal(label_accuracy(*digits), label_accuracy(*digits, {"digit": 10}))
