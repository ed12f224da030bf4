"""A small 3D-conv video classifier, trained on real clips, whose features score generated clips
(a Frechet distance and an Inception-style score; see `eval/video_scores.py`)."""

from __future__ import annotations

import torch
import torch.nn as nn


class VideoClassifier(nn.Module):
    """Clips (B, T, C, H, W) in [0, 1] -> features (B, F) and one logit vector per head.

    It sees each clip's moving part, every frame minus the clip's mean frame, so that a static
    background cancels: on raw frames of digits over textures (the digit covers 3% of the pixels)
    it stayed at chance. Four 3D convs (3x3x3, stride 1 in time and 2 in space, BatchNorm, ReLU),
    the maximum over space (an object is small and can be anywhere), the mean over time. `heads`
    names each head's number of classes (e.g. digit 10, motion 4)."""

    def __init__(self, channels: int, heads: dict[str, int], width: int = 16):
        super().__init__()
        layers, cin = [], channels
        for cout in (width, 2 * width, 4 * width, 4 * width):
            layers += [nn.Conv3d(cin, cout, 3, (1, 2, 2), 1, bias=False), nn.BatchNorm3d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.body = nn.Sequential(*layers)
        self.feature_dim = cin
        self.heads = nn.ModuleDict({name: nn.Linear(cin, n) for name, n in heads.items()})

    def features(self, clips: torch.Tensor) -> torch.Tensor:
        moving = clips - clips.mean(dim=1, keepdim=True)  # (B, T, C, H, W), static parts 0
        return self.body(moving.transpose(1, 2)).amax(dim=(3, 4)).mean(dim=2)

    def forward(self, clips: torch.Tensor) -> dict[str, torch.Tensor]:
        f = self.features(clips)
        return {name: head(f) for name, head in self.heads.items()}
