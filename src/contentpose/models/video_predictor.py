"""Video prediction in pose space: encode the context, roll the pose predictor out, decode.

Content is fixed to that of the last context frame; only poses are predicted, and
each predicted pose is fed back in, so any horizon can be generated.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from contentpose.models.autoencoder import Content, ContentPoseAutoencoder
from contentpose.models.pose_predictor import PosePredictor


class VideoPredictor(nn.Module):
    def __init__(self, autoencoder: ContentPoseAutoencoder, predictor: PosePredictor, chunk: int = 4096):
        super().__init__()
        self.autoencoder, self.predictor = autoencoder, predictor
        self.chunk = chunk  # frames decoded per decoder call

    @torch.no_grad()
    def forward(self, context: torch.Tensor, horizon: int) -> torch.Tensor:
        """context frames (B, Tc, C, H, W) -> predicted frames (B, horizon, C, H, W)."""
        B, Tc = context.shape[:2]
        poses = self.autoencoder.pose(context.flatten(0, 1)).view(B, Tc, -1)
        content = self.autoencoder.content(context[:, -1])
        future = self.predictor.rollout(poses, content.vector, horizon)  # (B, horizon, P)
        return self.decode(content, future)

    def decode(self, content: Content, poses: torch.Tensor) -> torch.Tensor:
        """Decode poses (B, T, P) with one content per clip -> frames (B, T, C, H, W), in chunks of time."""
        B, T = poses.shape[:2]
        step = max(1, self.chunk // B)
        out = []
        for s in range(0, T, step):
            p = poses[:, s : s + step]
            n = p.shape[1]
            rep = content.map(lambda t, n=n: t.repeat_interleave(n, 0))
            frames = self.autoencoder.decode(rep, p.flatten(0, 1))  # (B*n, C, H, W)
            out.append(frames.view(B, n, *frames.shape[1:]))
        return torch.cat(out, dim=1)
