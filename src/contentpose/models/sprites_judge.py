"""The Sprites judge: a classifier of a sequence's 4 attributes and its motion.

(B, T, 3, H, W) in [0, 1] -> attribute logits (B, 4, 6) and motion logits (B, 9). A small conv
trunk embeds each frame (frames above 32 px are area-downsampled to 32 first, so one judge
reads 32 and 64 px data alike and trains in minutes on a CPU); the attribute heads read each
frame alone (`frame_attributes`, usable on single generated frames) and a sequence's attribute
logits are their mean over time; the motion head reads the frame embeddings concatenated in time
order. A pose head names the sheet cell a single frame shows (`frame_pose`; 63 classes), the
per-frame stand-in for motion where only frames are generated (Set GAN).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE = 32  # the trunk's input side


class SpritesJudge(nn.Module):
    def __init__(
        self,
        frames: int = 8,
        attributes: int = 4,
        classes: int = 6,
        motions: int = 9,
        poses: int = 63,
        width: int = 16,
        features: int = 128,
    ):
        super().__init__()
        layers, cin = [], 3
        for cout in (width, 2 * width, 4 * width):  # 32 -> 16 -> 8 -> 4
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.trunk = nn.Sequential(*layers, nn.Flatten(), nn.Linear(cin * 16, features), nn.ReLU(inplace=True))
        self.attributes, self.classes, self.frames = attributes, classes, frames
        self.attribute_head = nn.Linear(features, attributes * classes)
        self.pose_head = nn.Linear(features, poses)
        self.motion_head = nn.Sequential(
            nn.Linear(frames * features, 256), nn.ReLU(inplace=True), nn.Linear(256, motions)
        )

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Frames (N, 3, H, W) -> features (N, features)."""
        if x.shape[-1] != SIZE:
            x = F.adaptive_avg_pool2d(x, SIZE)  # area downsampling
        return self.trunk(x)

    def frame_attributes(self, x: torch.Tensor) -> torch.Tensor:
        """Single frames (N, 3, H, W) -> attribute logits (N, 4, 6)."""
        return self.attribute_head(self.embed(x)).view(len(x), self.attributes, self.classes)

    def frame_pose(self, x: torch.Tensor) -> torch.Tensor:
        """Single frames (N, 3, H, W) -> pose logits (N, poses)."""
        return self.pose_head(self.embed(x))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Sequences (B, T, 3, H, W), T = `frames` -> attribute logits (B, 4, 6), motion logits (B, 9)."""
        return self.heads(self.embed(x.flatten(0, 1)).view(*x.shape[:2], -1))

    def heads(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Frame features (B, T, features) -> attribute logits (B, 4, 6), motion logits (B, 9)."""
        attributes = self.attribute_head(h).mean(1).view(len(h), self.attributes, self.classes)
        return attributes, self.motion_head(h.flatten(1))
