"""A small CNN that names the content classes in a frame (digits, sprite shapes): (B, C, H, W) -> logits (B, K).

Multi-label (a frame can show several digits), trained with BCE; used to check that
content survives long rollouts and swaps, not as a representation. Four stride-2 layers, so a unit
of the last one sees 31 px, a whole 28 px digit: with three (15 px, strokes only) it found 0.70 of
the digits in held-out two-digit frames at 64 px, with four 0.905 (1000 steps each).
"""

from __future__ import annotations

import torch
import torch.nn as nn


class ContentClassifier(nn.Module):
    def __init__(self, channels: int, classes: int = 10, width: int = 32):
        super().__init__()
        layers, cin = [], channels
        for cout in (width, 2 * width, 4 * width, 4 * width):
            layers += [nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.head = nn.Linear(4 * cin, classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Features before the class layer: (B, C, H, W) -> (B, 16 * width)."""
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
