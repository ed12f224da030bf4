"""A small CNN that reads a figure's keypoints from a frame: (B, C, H, W) -> (B, K, 2) as (y, x) in frame units.

Two coordinate channels (CoordConv: y and x in [0, 1]) are added to the input so the convolutions
can tell where they are; strided convolutions bring the frame to 4x4, and a linear layer on the
flattened features (not pooled: the position matters) gives the keypoints. Used to score generated
frames by the pose they show, not as a pose estimator for real video.
"""

from __future__ import annotations

import torch
import torch.nn as nn


class KeypointRegressor(nn.Module):
    def __init__(self, channels: int, size: int, keypoints: int = 15, width: int = 16):
        super().__init__()
        self.keypoints = keypoints
        layers, cin, s = [], channels + 2, size
        while s > 4:  # width, 2 width, 4 width, 4 width, ... channels down to 4x4
            cout = width * min(2 ** (len(layers) // 3), 4)
            layers += [nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin, s = cout, s // 2
        self.features = nn.Sequential(*layers, nn.Flatten())
        hidden = 8 * width
        self.head = nn.Sequential(
            nn.Linear(cin * s * s, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, 2 * keypoints)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Frames (B, C, H, W) in [0, 1] -> keypoints (B, K, 2), (y, x) in frame units (pixels / size)."""
        B, _, H, W = x.shape
        y = torch.linspace(0, 1, H, device=x.device, dtype=x.dtype)[:, None].expand(H, W)
        xs = torch.linspace(0, 1, W, device=x.device, dtype=x.dtype)[None].expand(H, W)
        x = torch.cat([x, torch.stack([y, xs]).expand(B, 2, H, W)], dim=1)
        return self.head(self.features(x)).view(B, self.keypoints, 2) + 0.5
