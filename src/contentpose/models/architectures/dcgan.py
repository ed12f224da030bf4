"""DrNet's architecture: DCGAN content and pose encoders, the pose a vector of pose_dim, and a DCGAN
decoder from the two vectors (Denton and Birodkar, 2017)."""

from __future__ import annotations

import torch

from contentpose.families.autoencoder import AutoencoderModel
from contentpose.models.architectures.parts import content_encoder
from contentpose.models.autoencoder import Content, ContentPoseAutoencoder
from contentpose.models.decoder import Decoder
from contentpose.models.encoder import Encoder


class Autoencoder(ContentPoseAutoencoder):
    skips = False  # whether the decoder reads the content frame's encoder feature maps

    def __init__(self, cfg: AutoencoderModel, channels: int, frame_size: int):
        super().__init__(cfg, channels)
        self.content_encoder = content_encoder(cfg, channels, frame_size, skips=self.skips)
        self.pose_encoder = Encoder(
            self.pose_channels, cfg.pose_dim, frame_size, cfg.width, first_norm=cfg.first_block_norm
        )
        self.decoder = Decoder(cfg.content_dim, cfg.pose_dim, channels, frame_size, cfg.width, skips=self.skips)

    def content(self, x: torch.Tensor, pose: torch.Tensor | None = None) -> Content:
        out = self.content_encoder(x)
        return Content(*out) if self.skips else Content(out)

    def decode(self, content: Content, pose: torch.Tensor) -> torch.Tensor:
        return self.decoder(content.vector, pose, content.skips)
