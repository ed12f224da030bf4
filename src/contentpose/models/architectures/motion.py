"""Motion: the content frame's own features moved to the pose, with motion beyond translation.

The pose is K keypoints with local affine Jacobians (pose_dim = 6K, `dense_motion`), scored by an
hourglass that sees the whole frame (so alike objects get points of their own); the content
is the content frame's feature maps at three scales, its pooled vector and that frame's own pose.
To draw content a in pose b, a dense motion network weighs the K local transforms from b's points
back to a's (and the identity, for what stays) per pixel, and the decoder reads a's features there,
dimmed where b shows what a hides (First Order Motion Model's design, with multi-scale warped
skips). Nothing in it assumes a background colour, an object count or how the data was drawn.
"""

from __future__ import annotations

import torch

from contentpose.families.autoencoder import AutoencoderModel
from contentpose.models.autoencoder import Content, ContentPoseAutoencoder
from contentpose.models.dense_motion import inverse2x2
from contentpose.models.keypoints import KeypointEncoder
from contentpose.models.warp_generator import WarpDecoder, WarpEncoder


class Autoencoder(ContentPoseAutoencoder):
    skips = True

    def __init__(self, cfg: AutoencoderModel, channels: int, frame_size: int):
        super().__init__(cfg, channels)
        points = cfg.pose_dim // 6  # validated with the config: a multiple of 6
        self.content_encoder = WarpEncoder(channels, cfg.content_dim, cfg.width)
        self.pose_encoder = KeypointEncoder(
            self.pose_channels,
            points,
            frame_size,
            cfg.width,
            coords=cfg.keypoint_coords,
            affine=True,
            hourglass=True,
            temperature=0.1,  # FOMM's: points start spread over the frame (models/keypoints.py)
        )
        self.decoder = WarpDecoder(
            channels, cfg.content_dim, points, frame_size, cfg.width, self.pose_encoder.grid, pixels=cfg.pixel_warp
        )

    def content(self, x: torch.Tensor, pose: torch.Tensor | None = None) -> Content:
        vector, features = self.content_encoder(x)
        return Content(vector, [x, *features], self.pose(x) if pose is None else pose)

    def decode(self, content: Content, pose: torch.Tensor) -> torch.Tensor:
        frame, *features = content.skips
        return self.decoder(frame, features, content.vector, content.points, pose)

    def complete(self, content: Content) -> bool:
        return content.skips is not None and content.points is not None

    def relative_pose(self, source: torch.Tensor, driving: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
        """FOMM's relative motion: points source + (driving - start); Jacobians J_driving J_start^-1 J_source."""
        K = source.shape[1] // 6
        points = source[:, : 2 * K] + driving[:, : 2 * K] - start[:, : 2 * K]
        jac = lambda pose: pose[:, 2 * K :].view(-1, K, 2, 2)  # noqa: E731
        moved = jac(driving) @ inverse2x2(jac(start)) @ jac(source)
        return torch.cat([points, moved.flatten(1)], dim=1)
