"""Pose forecaster (The Pose Knows, Walker et al. ICCV 2017, first stage): a conditional VAE over
future keypoint velocities given past keypoints.

    past keypoints (B, C, K, 2) --LSTM--> h                   the past encoder
    future velocities + h --LSTM--> q(z | past, future)       the posterior (training only)
    p(z) = N(0, I)                                            the prior (forecasting)
    (previous velocity, z, h) --LSTM cell--> next velocity    the decoder, fed its own outputs

Future keypoints are the last past keypoints plus the running sum of the decoded velocities.
With `latent = 0` the same network has no z: a deterministic LSTM forecaster (the baseline).

Keypoints are given in frame units (pixels / frame size), (y, x). Inside, positions are taken
relative to the last past pelvis and scaled by POSITION_SCALE, velocities by VELOCITY_SCALE,
so the LSTMs see values of order 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

POSITION_SCALE = 4.0  # a figure spans about a quarter of the frame
VELOCITY_SCALE = 30.0  # joints move about 1/30 of the frame per frame at most
PELVIS = 2  # index of the pelvis among the figures' keypoints


@dataclass
class Forecast:
    """keypoints, velocities: (B, H, K, 2) in frame units; the posterior's mean and log-variance (B, Z)
    when the future was given (None otherwise)."""

    keypoints: torch.Tensor
    velocities: torch.Tensor
    mu: torch.Tensor | None = None
    logvar: torch.Tensor | None = None


class PoseForecaster(nn.Module):
    def __init__(self, keypoints: int, hidden: int = 128, latent: int = 8):
        super().__init__()
        self.keypoints, self.hidden, self.latent = keypoints, hidden, latent
        d = 2 * keypoints
        self.past = nn.LSTM(2 * d, hidden, batch_first=True)
        if latent:
            self.posterior = nn.LSTM(d, hidden, batch_first=True)
            self.to_latent = nn.Linear(2 * hidden, 2 * latent)
        self.start = nn.Linear(hidden, 2 * hidden)  # decoder's initial (h, c) from the past
        self.cell = nn.LSTMCell(d + latent + hidden, hidden)
        self.out = nn.Linear(hidden, d)

    def encode_past(self, past: torch.Tensor) -> torch.Tensor:
        """past keypoints (B, C, K, 2) -> h (B, hidden). C >= 1; velocities before the first frame are 0."""
        B, C = past.shape[:2]
        position = (past - past[:, -1:, PELVIS : PELVIS + 1]) * POSITION_SCALE
        velocity = torch.cat([torch.zeros_like(past[:, :1]), past.diff(dim=1)], dim=1) * VELOCITY_SCALE
        features = torch.cat([position.flatten(2), velocity.flatten(2)], dim=-1)  # (B, C, 4K)
        return self.past(features)[1][0][-1]

    def posterior_of(self, h: torch.Tensor, past: torch.Tensor, future: torch.Tensor):
        """q(z | past, future): mean and log-variance (B, Z) from the future keypoints (B, H, K, 2)."""
        velocity = torch.diff(torch.cat([past[:, -1:], future], dim=1), dim=1) * VELOCITY_SCALE
        summary = self.posterior(velocity.flatten(2))[1][0][-1]
        return self.to_latent(torch.cat([h, summary], dim=-1)).chunk(2, dim=-1)

    def decode(
        self, h: torch.Tensor, z: torch.Tensor, last: torch.Tensor, last_velocity: torch.Tensor, horizon: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Roll the decoder out for `horizon` steps from the last keypoints and velocity (B, K, 2):
        keypoints and velocities (B, horizon, K, 2) in frame units."""
        state = tuple(torch.tanh(self.start(h)).chunk(2, dim=-1))
        v = last_velocity.flatten(1) * VELOCITY_SCALE
        velocities = []
        for _ in range(horizon):
            state = self.cell(torch.cat([v, z, h], dim=-1), state)
            v = v + self.out(state[0])  # predicts the change of velocity
            velocities.append(v)
        velocities = torch.stack(velocities, dim=1).unflatten(2, (self.keypoints, 2)) / VELOCITY_SCALE
        return last[:, None] + velocities.cumsum(dim=1), velocities

    def forward(
        self, past: torch.Tensor, horizon: int, future: torch.Tensor | None = None, z: torch.Tensor | None = None
    ) -> Forecast:
        """past (B, C, K, 2) -> Forecast of `horizon` frames. With `future` (B, horizon, K, 2), z is drawn
        from the posterior (reparameterised, training); otherwise `z` (B, Z) is used, 0 if not given
        (the prior's mean)."""
        B = past.shape[0]
        h = self.encode_past(past)
        mu = logvar = None
        if self.latent and future is not None:
            mu, logvar = self.posterior_of(h, past, future)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        elif z is None:
            z = h.new_zeros(B, self.latent)
        last_velocity = past[:, -1] - past[:, -2] if past.shape[1] > 1 else torch.zeros_like(past[:, -1])
        keypoints, velocities = self.decode(h, z, past[:, -1], last_velocity, horizon)
        return Forecast(keypoints, velocities, mu, logvar)

    @torch.no_grad()
    def sample(
        self, past: torch.Tensor, horizon: int, samples: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """`samples` futures per clip, z drawn from the prior N(0, I): (B, samples, horizon, K, 2).
        A deterministic forecaster (latent 0) gives the same future `samples` times."""
        B = past.shape[0]
        z = torch.randn(B * samples, self.latent, generator=generator).to(past.device)
        out = self(past.repeat_interleave(samples, dim=0), horizon, z=z)
        return out.keypoints.unflatten(0, (B, samples))
