"""Content/pose autoencoder: content encoder Ec, pose encoder Ep, decoder D (DrNet, MIPAE)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from contentpose.families.autoencoder import AutoencoderModel


@dataclass
class Content:
    """A frame's content: the vector (B, Dc) (with glimpses, each point's code, K codes of Dc / K);
    in the U-Net variant also the encoder's skips, and with keypoint pose and skips the frame's own
    keypoints (B, 2K), which say where the skips' features are so the decoder can move them to the
    target pose."""

    vector: torch.Tensor
    skips: list[torch.Tensor] | None = None
    points: torch.Tensor | None = None

    def map(self, fn) -> Content:
        """The same content with `fn` applied to every tensor (e.g. repeat, slice, move)."""
        opt = lambda t: None if t is None else fn(t)  # noqa: E731
        return Content(
            fn(self.vector),
            None if self.skips is None else [fn(s) for s in self.skips],
            opt(self.points),
        )


def pose_view(x: torch.Tensor, view: str) -> torch.Tensor:
    """What the pose encoder sees of x (B, C, H, W): x itself, or its silhouette (B, 1, H, W), 1
    where any channel is above 0.05 (for objects on black)."""
    if view == "silhouette":
        return (x.amax(dim=1, keepdim=True) > 0.05).to(x.dtype)
    return x


class ContentPoseAutoencoder(nn.Module):
    """x (B, C, H, W) -> Content, pose (B, Dp) -> D(content, pose) (B, C, H, W).

    The base of the architectures in models/architectures/ (one per `model.architecture`, built by
    `build_autoencoder`): each builds `content_encoder`, `pose_encoder` and `decoder` and says how
    content is read and decoded; what the pose encoder sees (model.pose_input) is shared here.
    """

    skips = False  # whether the decoder reads more of the content frame than its vector

    def __init__(self, cfg: AutoencoderModel, channels: int):
        super().__init__()
        self.pose_input = cfg.pose_input
        self.pose_channels = channels if cfg.pose_input == "frame" else 1

    def content(self, x: torch.Tensor, pose: torch.Tensor | None = None) -> Content:
        """Content of x (B, C, H, W); `pose`, x's own pose if already computed, saves a pass."""
        raise NotImplementedError

    def decode(self, content: Content, pose: torch.Tensor) -> torch.Tensor:
        """The frame (B, C, H, W) of `content` in `pose` (B, Dp)."""
        raise NotImplementedError

    def complete(self, content: Content) -> bool:
        """Whether `content` holds all this decoder reads (skips, points)."""
        return not self.skips or content.skips is not None

    def pose(self, x: torch.Tensor) -> torch.Tensor:
        return self.pose_encoder(pose_view(x, self.pose_input))

    def relative_pose(self, source: torch.Tensor, driving: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
        """Relative motion (FOMM's animation mode): the pose (B, Dp) that moves the source frame's pose
        as the driving clip moved from its first frame's pose `start` to `driving` (each (B, Dp)):
        here source + (driving - start); an architecture whose pose is not additive overrides it."""
        return source + driving - start

    def forward(self, x_content: torch.Tensor, x_pose: torch.Tensor) -> torch.Tensor:
        """Decode the content of `x_content` with the pose of `x_pose` (both (B, C, H, W))."""
        return self.decode(self.content(x_content), self.pose(x_pose))


class PairPass(nn.Module):
    """The autoencoder's training pass as one forward (what DistributedDataParallel wraps).

    (x^t, x^{t+k}), each (B, C, H, W) -> (rec, content^t, content^{t+k}, pose^t, pose^{t+k}):
    rec = D(Ec(x^t), Ep(x^{t+k})) (B, C, H, W); contents (B, Dc); poses (B, Dp). Both frames
    go through the pose encoder in one batch, and through the content encoder too unless
    `second_content` is False: then content^{t+k} is None, which saves a content pass (and its
    backward) when no loss reads it (objective.alpha 0). `extra` frames (B', C, H, W) join the pose
    batch, and their poses (B', Dp) come last (the equivariance loss's warped frames).
    """

    def __init__(self, model: ContentPoseAutoencoder, second_content: bool = True):
        super().__init__()
        self.model, self.second_content = model, second_content

    def forward(self, x_t: torch.Tensor, x_tk: torch.Tensor, extra: torch.Tensor | None = None):
        B = x_t.shape[0]
        pose = self.model.pose(torch.cat([x_t, x_tk] if extra is None else [x_t, x_tk, extra]))
        p_t, p_tk = pose[:B], pose[B : 2 * B]
        more = () if extra is None else (pose[2 * B :],)
        if not self.second_content:
            content = self.model.content(x_t, p_t)
            return (self.model.decode(content, p_tk), content.vector, None, p_t, p_tk, *more)
        content = self.model.content(torch.cat([x_t, x_tk]), pose[: 2 * B])
        c_t, c_tk = content.vector[:B], content.vector[B:]
        rec = self.model.decode(content.map(lambda t: t[:B]), p_tk)
        return (rec, c_t, c_tk, p_t, p_tk, *more)
