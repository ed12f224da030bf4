import torch

from contentpose.eval.metrics.interpolation import kept_share


def test_kept_share_counts_frames_that_keep_the_objects_mass():
    strips = torch.zeros(2, 6, 1, 8, 8)
    strips[:, 0, 0, :2, :2] = 1  # ends: mass 4 and 6 (mean 5)
    strips[:, -1, 0, :2, :3] = 1
    strips[0, 1:-1, 0, 4:6, 4:6] = 1.2  # row 0: mass 4.8, kept
    strips[1, 1:3, 0, 0, 0] = 1  # row 1: two nearly empty frames, two at 5.5
    strips[1, 3:5, 0, :1, :5] = 1.1
    assert kept_share(strips) == (4 + 2) / 8
    assert kept_share(strips[:1]) == 1.0 and kept_share(strips[1:]) == 0.5
