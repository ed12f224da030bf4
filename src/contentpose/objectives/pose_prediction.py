"""Training the pose predictor on a trained, frozen autoencoder (DrNet, MIPAE).

Targets are the encoded ground-truth poses, computed with the encoders in eval mode
(BatchNorm running statistics, unlike the public code, whose targets depend on the
batch). Content is taken from the last context frame. Teacher forcing: the predictor
sees true poses 0..T-2 and is scored on poses 1..T-1 with a mean squared error.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from contentpose.config import PredictorConfig
from contentpose.models.autoencoder import ContentPoseAutoencoder
from contentpose.models.pose_predictor import PosePredictor
from contentpose.runtime import Runtime


@torch.no_grad()
def encode_clips(model: ContentPoseAutoencoder, frames: torch.Tensor, content_frame: int):
    """frames (B, T, C, H, W) -> poses (B, T, P) and the content (B, Dc) of frame `content_frame`."""
    B, T = frames.shape[:2]
    poses = model.pose(frames.flatten(0, 1)).view(B, T, -1)
    content = model.content(frames[:, content_frame]).vector
    return poses, content


class PosePrediction:
    """One objective step: teacher-forced MSE of the predictor on encoded poses."""

    name = "pose_predictor"

    def __init__(self, model: ContentPoseAutoencoder, predictor: PosePredictor, cfg: PredictorConfig, rt: Runtime):
        self.model, self.predictor, self.cfg, self.rt = model.eval().requires_grad_(False), predictor, cfg, rt
        self.train_predictor = rt.trainable(predictor)
        self.opt = rt.adam(predictor.parameters(), cfg.lr, (0.9, 0.999))

    @property
    def modules(self) -> dict[str, torch.nn.Module]:
        return {"predictor": self.predictor}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"predictor": self.opt}

    def step(self, frames: torch.Tensor) -> dict[str, torch.Tensor]:
        """frames (B, context + future, C, H, W) -> detached losses: all steps and future steps only.

        Encoders and LSTM run in fp32 (bf16 would quantise the poses that are the targets)."""
        self.model.eval()
        self.predictor.train()
        poses, content = encode_clips(self.model, frames, self.cfg.context - 1)
        pred, _ = self.train_predictor(poses[:, :-1], content)  # (B, T-1, P): poses 1..T-1
        target = poses[:, 1:]
        assert pred.shape == target.shape, (pred.shape, target.shape)
        loss = F.mse_loss(pred, target)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        future = F.mse_loss(pred[:, self.cfg.context - 1 :].detach(), target[:, self.cfg.context - 1 :])
        return {"loss": loss.detach(), "future": future}
