"""Keypoint pose: the pose encoder reads pose_dim / 2 points (a spatial softmax), which the decoder
draws as maps beside the content vector."""

from __future__ import annotations

import torch

from contentpose.families.autoencoder import AutoencoderModel
from contentpose.models.architectures.parts import content_encoder, keypoint_encoder
from contentpose.models.autoencoder import Content, ContentPoseAutoencoder
from contentpose.models.keypoints import KeypointDecoder


class Autoencoder(ContentPoseAutoencoder):
    skips = False  # whether the decoder moves the content frame's features to the pose's points

    def __init__(self, cfg: AutoencoderModel, channels: int, frame_size: int):
        super().__init__(cfg, channels)
        self.content_encoder = content_encoder(cfg, channels, frame_size, skips=self.skips)
        self.pose_encoder = keypoint_encoder(cfg, self.pose_channels, frame_size)
        self.decoder = KeypointDecoder(
            cfg.content_dim, cfg.pose_dim // 2, channels, frame_size, cfg.width, warp=self.skips
        )

    def content(self, x: torch.Tensor, pose: torch.Tensor | None = None) -> Content:
        return Content(self.content_encoder(x))

    def decode(self, content: Content, pose: torch.Tensor) -> torch.Tensor:
        return self.decoder(content.vector, pose)
