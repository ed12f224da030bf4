"""Keypoints, and the decoder moves the content frame's features from that frame's own points to the
pose's points (Monkey-Net's idea, translations only): the content carries its frame's points."""

from __future__ import annotations

import torch

from contentpose.models.architectures import keypoints
from contentpose.models.autoencoder import Content


class Autoencoder(keypoints.Autoencoder):
    skips = True

    def content(self, x: torch.Tensor, pose: torch.Tensor | None = None) -> Content:
        vector, skips = self.content_encoder(x)
        return Content(vector, skips, self.pose(x) if pose is None else pose)

    def decode(self, content: Content, pose: torch.Tensor) -> torch.Tensor:
        moved = self.decoder.moved(content.skips[1], content.points, pose)  # features at the G x G grid
        return self.decoder(content.vector, pose, moved)

    def complete(self, content: Content) -> bool:
        return content.skips is not None and content.points is not None
