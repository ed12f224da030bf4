"""VGAN measurements: Frechet distance, Inception-style score, mask IoU, background PSNR, the video
classifier's labels and its training, and the conditional scores of a generator that returns the truth."""

import math
import warnings
from types import SimpleNamespace

import pytest
import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.eval.judges.video_classifier import (
    clip_labels,
    inception_score,
    train_video_classifier,
    video_scores,
)
from contentpose.eval.metrics.frechet import frechet_distance
from contentpose.eval.metrics.image_metrics import PSNR_CAP
from contentpose.eval.metrics.intervals import statistic_interval
from contentpose.eval.protocols.vgan import background_psnr, conditional_scores, mask_iou
from contentpose.models.vgan import VideoParts


def _data(split="train"):
    cfg = load_config("vgan_quick", ["data.test_clips=24"]).data
    return build_dataset(cfg, split)


def test_frechet_distance_is_zero_for_one_distribution_and_grows_with_the_mean_shift():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(4000, 3, generator=g), torch.randn(4000, 3, generator=g)
    assert frechet_distance(a, b) < 0.02
    assert abs(frechet_distance(a, b + 2) - 3 * 4) < 0.3  # ||(2, 2, 2)||^2 = 12
    assert abs(frechet_distance(a, 2 * b) - 3 * (2 - 1) ** 2) < 0.2  # Tr(1 + 4 - 2 * 2) per dimension


@pytest.mark.parametrize("groups", [None, 25])
def test_jackknife_interval_of_the_frechet_distance_covers_the_truth(groups):
    """Two 4-d Gaussians one unit apart (FD 1): the 95% interval from 150 + 150 samples holds 1 in most
    draws (a bootstrap of resamples with repeats would sit above it), and is wider for fewer samples;
    so too deleting one of 25 blocks at a time instead of one sample."""
    g = torch.Generator().manual_seed(0)
    shift = torch.tensor([1.0, 0, 0, 0])
    hits, widths = 0, {}
    for _ in range(12):
        for n in (40, 150):
            a, b = torch.randn(n, 4, generator=g), torch.randn(n, 4, generator=g) + shift
            fd, lo, hi = statistic_interval(frechet_distance, a, b, groups=groups)
            assert lo < fd < hi
            widths.setdefault(n, []).append(hi - lo)
            hits += n == 150 and lo <= 1.0 <= hi
    assert hits >= 9
    assert sum(widths[40]) > 1.5 * sum(widths[150])


def test_frechet_distance_of_fewer_samples_than_features_is_exact_and_quiet():
    """Singular covariances (n < F), as in short evaluations: no complex square root, no warning."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(5, 20, generator=g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert frechet_distance(a, a) < 1e-5
        assert frechet_distance(a, a + 1) == pytest.approx(20, abs=1e-4)  # shift only: ||1||^2 over 20 features


def test_inception_score_runs_from_one_to_the_number_of_classes():
    confident = torch.eye(5).repeat(20, 1) * 50
    assert math.isclose(inception_score(confident), 5, rel_tol=1e-3)
    assert math.isclose(inception_score(confident[:, [0, 1, 2, 3, 4]][:, [0] * 5]), 1, rel_tol=1e-6)
    assert math.isclose(inception_score(torch.zeros(10, 5)), 1, rel_tol=1e-6)


def test_mask_iou_and_background_psnr():
    true = torch.zeros(1, 2, 1, 4, 4)
    true[0, 0, 0, :2, :2] = 1  # 4 pixels in frame 1, none in frame 2
    pred = torch.zeros_like(true)
    pred[0, 0, 0, :2, :1] = 0.9  # 2 of them
    assert torch.allclose(mask_iou(pred, true), torch.tensor([[0.5, 1.0]]))
    bg = torch.rand(1, 3, 4, 4)
    wrong_under_object = bg.clone()
    wrong_under_object[..., :2, :2] = 0  # covered in frame 1: not scored
    assert background_psnr(wrong_under_object, bg, true)[0] == PSNR_CAP
    assert abs(background_psnr(bg + 0.1, bg, true)[0].item() - 20.0) < 1e-3  # error 0.1 everywhere: 20 dB


def test_motion_label_is_the_angle_of_the_path_which_bounces_keep():
    clips = _data().sample(64, 3, torch.Generator().manual_seed(0))
    labels = clip_labels(clips)
    assert torch.equal(labels["content"], clips.factors.label[:, 0])
    assert set(labels["motion"].tolist()) == {0, 1, 2, 3}
    v = torch.tensor([[0.0, 2.0], [0.5, 2.0], [1.0, 1.2], [1.2, 1.0], [2.0, 0.5], [2.0, 0.0]])
    for flip in (torch.tensor([1.0, 1.0]), torch.tensor([-1.0, 1.0]), torch.tensor([1.0, -1.0])):  # bounces
        factors = SimpleNamespace(velocity=(v * flip)[:, None], label=torch.zeros(6, 1, dtype=torch.long))
        assert clip_labels(SimpleNamespace(factors=factors))["motion"].tolist() == [0, 0, 1, 2, 3, 3]


def test_the_classifier_learns_both_labels_above_chance_on_held_out_clips():
    """100 steps of 16 clips of 8 frames over textures (seconds): above chance on both heads (about
    0.2 digit and 0.43 motion on 100 held-out clips; chance 0.1 and 0.25). The classifier that read
    raw frames stayed at chance here; `make test-all` checks the full recipe."""
    test = load_config("vgan_quick", ["data.test_clips=100"]).data
    model, accuracy = train_video_classifier(_data(), build_dataset(test, "test"), 8, steps=100, batch=16, quiet=True)
    assert accuracy["content"] > 0.14 and accuracy["motion"] > 0.33, accuracy
    real = _data("test").test_clips(16, 8).frames
    scores = video_scores(model, real[:8], real[8:])
    assert scores["frechet_distance"] >= 0 and 1 <= scores["is_content"] <= 10 and 1 <= scores["is_motion"] <= 4


def test_a_clip_is_named_when_the_head_is_at_least_90_percent_sure():
    """A stand-in classifier whose content logits are the clip's first pixel times 10 on class 0."""

    class Sure(torch.nn.Module):
        heads = {"content": torch.nn.Identity()}

        def features(self, clips):
            logits = torch.zeros(len(clips), 10)
            logits[:, 0] = clips[:, 0, 0, 0, 0] * 10  # p(0) = e^v / (e^v + 9): >= 0.9 from v = 4.4
            return logits

    real = torch.zeros(4, 2, 1, 4, 4)
    fake = torch.zeros(4, 2, 1, 4, 4)
    fake[:3, 0, 0, 0, 0] = torch.tensor([1.0, 0.5, 0.2])  # 10, 5, 2: sure, sure, not
    scores = video_scores(Sure(), real, fake)
    assert scores["named_content"] == 0.5 and scores["named_content_ci"][0] <= 0.5 <= scores["named_content_ci"][1]


class Oracle:
    """A stand-in for a conditional generator that draws the true parts of given clips."""

    device = torch.device("cpu")

    def __init__(self, clips):
        self.clips = clips

    def generate(self, n, seed, first):
        c = self.clips
        assert torch.equal(first, c.frames[:, 0])
        return VideoParts(c.frames, c.frames, c.masks, c.background)


def test_conditional_scores_are_perfect_for_the_truth():
    clips = _data("test").test_clips(6, 4)
    s = conditional_scores(Oracle(clips), clips)
    assert s["psnr"] == [PSNR_CAP] * 3 and all(abs(v - 1) < 1e-4 for v in s["ssim"])
    assert s["mask_iou_mean"] == 1 and s["background_psnr"] == PSNR_CAP
    assert all(c < PSNR_CAP for c in s["copy_first_psnr"])  # the digit moves


def test_the_truth_puts_the_digit_nearer_its_true_place_than_copying_the_first_frame():
    from contentpose.eval.judges.keypoint_regressor import train_keypoint_regressor, true_points

    regressor = train_keypoint_regressor(_data(), steps=300, batch_size=32, width=8, quiet=True).eval()
    clips = _data("test").test_clips(24, 16)  # 16 frames: the digit moves well away from its start
    s = conditional_scores(Oracle(clips), clips, regressor=regressor)
    assert s["place_error"] < 0.9 * s["copy_first_place_error"], s  # about 5.6 against 7.2 px
    assert s["true_place_error"] == s["place_error"]  # the oracle draws the true frames
    assert s["place_error_ci"][0] <= s["place_error"] <= s["place_error_ci"][1]
    truth = true_points(clips)[:, 1:]  # the clip-blind guess: each step's mean place, read without error
    expected = (truth - truth.mean(dim=0)).norm(dim=-1).mean()
    assert s["mean_place_error"] > 1 and abs(s["mean_place_error"] - float(expected)) < 1e-4
