"""The field's keypoint scores for people in generated video (First Order Motion Model's AKD and MKR):
a pose detector reads the same landmarks in each output frame and in the true frame.

    AKD = mean over landmarks found in both of |point in output - point in truth|  (pixels of the frame)
    MKR = share of the landmarks found in the truth that are not found in the output

per frame pair; a pair whose truth shows no landmark has neither (NaN, dropped by the caller).
"""

from __future__ import annotations

import torch


def keypoint_distance(
    output: tuple[torch.Tensor, torch.Tensor], truth: tuple[torch.Tensor, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Detections (points (T, L, 2), found (T, L)) of the output frames and of the true frames ->
    {"akd": (T,) pixels, "mkr": (T,) in [0, 1]}, NaN where the truth has no landmark (and "akd" also
    NaN where the output finds none of the truth's)."""
    (p, f), (q, g) = output, truth
    both = (f & g).float()
    dist = (p - q).norm(dim=-1)  # (T, L)
    akd = (dist * both).sum(1) / both.sum(1)  # NaN where no landmark is found in both
    truth_count = g.float().sum(1)
    mkr = (g & ~f).float().sum(1) / truth_count
    return {"akd": akd, "mkr": mkr}
