"""Latent pose predictor (DrNet): the next pose from the previous pose and the clip's content.

    h~_p^{t+1} = L(h_p^t, h_c),    frame^{t+1} = D(h_c, h~_p^{t+1})

concat(pose, content) -> Linear -> LSTM (2 layers of 256) -> Linear -> Tanh, so the
prediction lives in the pose encoder's range [-1, 1].
"""

from __future__ import annotations

import torch
import torch.nn as nn

State = tuple[torch.Tensor, torch.Tensor]  # LSTM (h, c), each (layers, B, hidden)


class PosePredictor(nn.Module):
    def __init__(self, pose_dim: int, content_dim: int, hidden: int = 256, layers: int = 2):
        super().__init__()
        self.pose_dim, self.content_dim = pose_dim, content_dim
        self.embed = nn.Linear(pose_dim + content_dim, hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Sequential(nn.Linear(hidden, pose_dim), nn.Tanh())

    def forward(
        self, poses: torch.Tensor, content: torch.Tensor, state: State | None = None
    ) -> tuple[torch.Tensor, State]:
        """poses (B, T, P), content (B, Dc) -> next poses (B, T, P) and the LSTM state.

        Output t is the prediction for pose t+1 given poses 0..t (teacher forcing when
        `poses` are the encoded ground truth).
        """
        B, T, P = poses.shape
        if P != self.pose_dim or content.shape != (B, self.content_dim):
            raise ValueError(
                f"expected poses (B, T, {self.pose_dim}) and content (B, {self.content_dim}), "
                f"got {tuple(poses.shape)} and {tuple(content.shape)}"
            )
        x = torch.cat([poses, content[:, None].expand(B, T, -1)], dim=-1)
        h, state = self.lstm(self.embed(x), state)
        return self.out(h), state

    def rollout(self, context: torch.Tensor, content: torch.Tensor, horizon: int) -> torch.Tensor:
        """Warm up on context poses (B, Tc, P), then feed predictions back: (B, horizon, P)."""
        pred, state = self(context, content)
        nxt = pred[:, -1:]
        out = [nxt]
        for _ in range(horizon - 1):
            nxt, state = self(nxt, content, state)
            out.append(nxt)
        return torch.cat(out, dim=1)
