"""Content/pose autoencoder: content encoder Ec, pose encoder Ep, decoder D (DrNet, MIPAE)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from contentpose.config import ModelConfig
from contentpose.models.decoder import Decoder
from contentpose.models.encoder import Encoder
from contentpose.models.keypoints import KeypointDecoder, KeypointEncoder


@dataclass
class Content:
    """A frame's content: the vector (B, Dc); in the U-Net variant also the encoder's skips, and
    with keypoint pose and skips the frame's own keypoints (B, 2K), which say where the skips'
    features are so the decoder can move them to the target pose."""

    vector: torch.Tensor
    skips: list[torch.Tensor] | None = None
    points: torch.Tensor | None = None

    def map(self, fn) -> Content:
        """The same content with `fn` applied to every tensor (e.g. repeat, slice, move)."""
        return Content(
            fn(self.vector),
            None if self.skips is None else [fn(s) for s in self.skips],
            None if self.points is None else fn(self.points),
        )


class ContentPoseAutoencoder(nn.Module):
    """x (B, C, H, W) -> Content, pose (B, Dp) -> D(content, pose) (B, C, H, W)."""

    def __init__(self, cfg: ModelConfig, channels: int, frame_size: int):
        super().__init__()
        self.content_encoder = Encoder(
            channels,
            cfg.content_dim,
            frame_size,
            cfg.width,
            skips=cfg.content_skips,
            pool=cfg.content_pool,
            first_norm=cfg.first_block_norm,
        )
        if cfg.pose_head == "keypoints":
            points = cfg.pose_dim // 2
            self.pose_encoder = KeypointEncoder(
                channels, points, frame_size, cfg.width, cfg.first_block_norm, coords=cfg.keypoint_coords
            )
            self.decoder = KeypointDecoder(
                cfg.content_dim, points, channels, frame_size, cfg.width, warp=cfg.content_skips
            )
        else:
            self.pose_encoder = Encoder(channels, cfg.pose_dim, frame_size, cfg.width, first_norm=cfg.first_block_norm)
            self.decoder = Decoder(
                cfg.content_dim, cfg.pose_dim, channels, frame_size, cfg.width, skips=cfg.content_skips
            )

    def content(self, x: torch.Tensor, pose: torch.Tensor | None = None) -> Content:
        """Content of x (B, C, H, W); `pose`, x's own pose if already computed, saves a pass."""
        out = self.content_encoder(x)
        content = Content(*out) if isinstance(out, tuple) else Content(out)
        if isinstance(self.decoder, KeypointDecoder) and self.decoder.skips:
            content.points = self.pose(x) if pose is None else pose
        return content

    def pose(self, x: torch.Tensor) -> torch.Tensor:
        return self.pose_encoder(x)

    def decode(self, content: Content, pose: torch.Tensor) -> torch.Tensor:
        if isinstance(self.decoder, KeypointDecoder):
            return self.decoder(content.vector, pose, content.skips, content.points)
        return self.decoder(content.vector, pose, content.skips)

    def forward(self, x_content: torch.Tensor, x_pose: torch.Tensor) -> torch.Tensor:
        """Decode the content of `x_content` with the pose of `x_pose` (both (B, C, H, W))."""
        return self.decode(self.content(x_content), self.pose(x_pose))


class PairPass(nn.Module):
    """The autoencoder's training pass as one forward (what DistributedDataParallel wraps).

    (x^t, x^{t+k}), each (B, C, H, W) -> (rec, content^t, content^{t+k}, pose^t, pose^{t+k}):
    rec = D(Ec(x^t), Ep(x^{t+k})) (B, C, H, W); contents (B, Dc); poses (B, Dp). Both frames
    go through each encoder in one batch.
    """

    def __init__(self, model: ContentPoseAutoencoder):
        super().__init__()
        self.model = model

    def forward(self, x_t: torch.Tensor, x_tk: torch.Tensor):
        B = x_t.shape[0]
        both = torch.cat([x_t, x_tk])
        pose = self.model.pose(both)
        content = self.model.content(both, pose)
        c_t, c_tk = content.vector[:B], content.vector[B:]
        p_t, p_tk = pose[:B], pose[B:]
        rec = self.model.decode(content.map(lambda t: t[:B]), p_tk)
        return rec, c_t, c_tk, p_t, p_tk
