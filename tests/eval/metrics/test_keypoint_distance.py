"""AKD and MKR (FOMM's keypoint scores for people) with known answers, and the optional detector."""

import math

import pytest
import torch

from contentpose.errors import UserError
from contentpose.eval.judges import pose_detector
from contentpose.eval.metrics.keypoint_distance import keypoint_distance


def test_akd_averages_the_landmarks_found_in_both_and_mkr_counts_those_lost():
    truth_points = torch.zeros(3, 4, 2)
    truth_found = torch.tensor([[True, True, True, False], [True, True, True, True], [False] * 4])
    out_points = truth_points + torch.tensor([3.0, 4.0])  # every landmark 5 px off
    out_points[0, 0] = 0  # one exact
    out_found = torch.tensor([[True, True, False, True], [False] * 4, [True] * 4])
    s = keypoint_distance((out_points, out_found), (truth_points, truth_found))
    assert s["akd"][0] == pytest.approx(2.5)  # landmarks 0 (0 px) and 1 (5 px); 2 is lost, 3 not in the truth
    assert s["mkr"][0] == pytest.approx(1 / 3) and s["mkr"][1] == 1  # no person found in output 1
    assert math.isnan(s["akd"][1]) and math.isnan(s["akd"][2]) and math.isnan(s["mkr"][2])  # truth 2: nobody


def test_the_detector_is_optional_and_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(pose_detector, "pose_detector_installed", lambda: False)
    with pytest.raises(UserError, match=r"contentpose\[akd\]"):
        pose_detector.PoseDetector()


@pytest.mark.skipif(not pose_detector.pose_detector_installed(), reason="mediapipe 0.10.14 not installed ([akd])")
def test_mediapipe_finds_nobody_in_noise_and_returns_frame_pixels():
    detector = pose_detector.PoseDetector()
    points, found = detector(torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0)) * 0.1)
    assert points.shape == (2, 33, 2) and found.shape == (2, 33) and not found.any()
