"""Glimpses: the frame drawn as one patch per point, each decoded from a window of the content frame
centred on that frame's own point and pasted at the pose's point (objects on black). The content is
the windows' codes, content_dim / (pose_dim / 2) each, read by the glimpses' own window encoder."""

from __future__ import annotations

import torch

from contentpose.families.autoencoder import AutoencoderModel
from contentpose.models.architectures.parts import keypoint_encoder
from contentpose.models.autoencoder import Content, ContentPoseAutoencoder
from contentpose.models.glimpses import Glimpses


class Autoencoder(ContentPoseAutoencoder):
    skips = False  # whether the window encoder passes its feature maps to the patch decoder

    def __init__(self, cfg: AutoencoderModel, channels: int, frame_size: int):
        super().__init__(cfg, channels)
        self.content_encoder = None  # the content is read by the decoder's window encoder
        self.pose_encoder = keypoint_encoder(cfg, self.pose_channels, frame_size)
        self.decoder = Glimpses(
            channels,
            frame_size,
            cfg.width,
            grid=frame_size // 4,
            extent=cfg.glimpse_window,
            code=cfg.content_dim // (cfg.pose_dim // 2),  # validated with the config: a whole number
            skips=self.skips,
        )

    def content(self, x: torch.Tensor, pose: torch.Tensor | None = None) -> Content:
        codes, skips = self.decoder.read(x, self.pose(x) if pose is None else pose)
        return Content(codes.flatten(1), skips)

    def decode(self, content: Content, pose: torch.Tensor) -> torch.Tensor:
        return self.decoder(content.vector.view(len(pose), pose.shape[1] // 2, -1), pose, content.skips)
