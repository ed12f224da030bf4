"""Disentangled Sequential Autoencoder (Li & Mandt, ICML 2018): one static code f per
sequence, one dynamic code z_t per frame.

    p(x_1:T, z_1:T, f) = p(f) prod_t p(z_t | z_<t) p(x_t | z_t, f)      p(f) = N(0, I)
    p(z_t | z_<t)      an LSTM over z_1..z_{t-1} (z_0 = 0) emitting a diagonal Gaussian
    q(f | x_1:T)       a bidirectional LSTM over per-frame conv features (its two final states)
    q(z_t | x_t)       "factorised": an MLP on frame t's features alone
    q(z_t | f, x_1:T)  "full": a bidirectional LSTM over (features_t, f), then a forward RNN
    p(x_t | z_t, f)    the DCGAN decoder of the autoencoders, fed (f, z_t) frame by frame

In this project's words f is the content (size `model.content_dim`) and z_t the pose
(`model.pose_dim`); the conv features and every recurrent state have `model.dsvae_hidden`
units. Frames are (B, T, C, H, W) in [0, 1].
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn as nn

from contentpose.models.decoder import Decoder
from contentpose.models.encoder import Encoder


def recur(rnn: nn.Module, x: torch.Tensor, state=None):
    """`rnn(x, state)`; under CPU autocast, in fp32 with autocast off: oneDNN has no bf16 LSTM on a
    CPU without bf16 instructions (it stops with "could not create a primitive descriptor")."""
    if x.device.type == "cpu" and torch.is_autocast_enabled("cpu"):
        with torch.autocast("cpu", enabled=False):
            return rnn(x.float(), state)
    return rnn(x, state)


class Gaussian(NamedTuple):
    """A diagonal Gaussian: mean and log-variance of one shape, e.g. (B, D) or (B, T, D)
    (a tuple, so DDP and autocast see its tensors)."""

    mean: torch.Tensor
    logvar: torch.Tensor

    @classmethod
    def from_params(cls, params: torch.Tensor) -> Gaussian:
        """The last dimension (2D) split into mean (D) and log-variance (D)."""
        mean, logvar = params.float().chunk(2, dim=-1)
        return cls(mean, logvar)

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """mean + sigma * eps (reparameterised: gradients reach mean and logvar). eps comes from
        `generator` (on its own device, e.g. a CPU generator for a CUDA model) or the global RNG."""
        device = generator.device if generator is not None else self.mean.device
        eps = torch.randn(self.mean.shape, generator=generator, device=device, dtype=self.mean.dtype)
        return self.mean + torch.exp(0.5 * self.logvar) * eps.to(self.mean.device)

    def kl(self, other: Gaussian | None = None) -> torch.Tensor:
        """KL(self || other) per element (same shape as the mean); `other` None is N(0, I)."""
        if other is None:
            return 0.5 * (self.logvar.exp() + self.mean**2 - 1 - self.logvar)
        return 0.5 * (
            other.logvar - self.logvar + (self.logvar.exp() + (self.mean - other.mean) ** 2) / other.logvar.exp() - 1
        )


class DSVAEPass(NamedTuple):
    """What one training pass returns (sizes: B sequences, T frames, Df = f, Dz = z)."""

    rec: torch.Tensor  # (B, T, C, H, W) decoded from the sampled f and z
    q_f: Gaussian  # (B, Df)
    q_z: Gaussian  # (B, T, Dz)
    p_z: Gaussian  # (B, T, Dz): the LSTM prior at the sampled z_<t


class DSVAE(nn.Module):
    """The DSVAE networks; `forward(x)` is one ELBO pass, the other methods serve inference."""

    def __init__(
        self, channels: int, frame_size: int, width: int, f_dim: int, z_dim: int, hidden: int, q: str = "factorised"
    ):
        super().__init__()
        if q not in ("factorised", "full"):
            raise ValueError(f"q must be 'factorised' or 'full', got {q!r}")
        self.q, self.z_dim, self.hidden = q, z_dim, hidden
        self.frame_encoder = Encoder(channels, hidden, frame_size, width)  # (N, C, H, W) -> (N, hidden)
        self.f_lstm = nn.LSTM(hidden, hidden, batch_first=True, bidirectional=True)
        self.f_head = nn.Linear(2 * hidden, 2 * f_dim)
        if q == "factorised":
            self.z_net = nn.Sequential(nn.Linear(hidden, hidden), nn.LeakyReLU(0.2))
        else:
            self.z_lstm = nn.LSTM(hidden + f_dim, hidden, batch_first=True, bidirectional=True)
            self.z_rnn = nn.RNN(2 * hidden, hidden, batch_first=True)
        self.z_head = nn.Linear(hidden, 2 * z_dim)
        self.prior_lstm = nn.LSTM(z_dim, hidden, batch_first=True)
        self.prior_head = nn.Linear(hidden, 2 * z_dim)
        self.decoder = Decoder(f_dim, z_dim, channels, frame_size, width)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Frames (B, T, C, H, W) -> conv features (B, T, hidden)."""
        B, T = x.shape[:2]
        return self.frame_encoder(x.flatten(0, 1)).view(B, T, -1)

    def q_f(self, h: torch.Tensor) -> Gaussian:
        """q(f | x_1:T) from features (B, T, hidden): (B, Df), from the forward LSTM's last state
        and the backward LSTM's first."""
        _, (last, _) = recur(self.f_lstm, h)  # (2, B, hidden)
        return Gaussian.from_params(self.f_head(torch.cat([last[0], last[1]], dim=1)))

    def q_z(self, h: torch.Tensor, f: torch.Tensor) -> Gaussian:
        """q(z_t | x_t) (factorised; f unused) or q(z_t | f, x_1:T) (full): (B, T, Dz)."""
        if self.q == "factorised":
            return Gaussian.from_params(self.z_head(self.z_net(h)))
        both, _ = recur(self.z_lstm, torch.cat([h, f[:, None].expand(-1, h.shape[1], -1).to(h.dtype)], dim=2))
        out, _ = recur(self.z_rnn, both)  # (B, T, hidden)
        return Gaussian.from_params(self.z_head(out))

    def prior(self, z: torch.Tensor) -> Gaussian:
        """p(z_t | z_<t) for t = 1..T given z (B, T, Dz), teacher-forced: (B, T, Dz)."""
        shifted = torch.cat([torch.zeros_like(z[:, :1]), z[:, :-1]], dim=1)
        out, _ = recur(self.prior_lstm, shifted)
        return Gaussian.from_params(self.prior_head(out))

    def sample_prior(self, batch: int, length: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z_1:T drawn from the LSTM prior, one step at a time: (batch, length, Dz)."""
        device = self.prior_head.weight.device
        z, state, out = torch.zeros(batch, 1, self.z_dim, device=device), None, []
        for _ in range(length):
            h, state = recur(self.prior_lstm, z, state)
            z = Gaussian.from_params(self.prior_head(h)).sample(generator)  # (B, 1, Dz)
            out.append(z)
        return torch.cat(out, dim=1)

    def decode(self, f: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """f (B, Df) held over the sequence and z (B, T, Dz) -> frames (B, T, C, H, W), frame by frame."""
        B, T = z.shape[:2]
        frames = self.decoder(f.repeat_interleave(T, dim=0).to(z.dtype), z.flatten(0, 1))
        return frames.view(B, T, *frames.shape[1:])

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior means of a sequence (B, T, C, H, W): f (B, Df) and z (B, T, Dz) (the full q
        reads z at f's mean)."""
        h = self.features(x)
        f = self.q_f(h).mean
        return f, self.q_z(h, f).mean

    def forward(self, x: torch.Tensor) -> DSVAEPass:
        """One pass of the ELBO on sequences (B, T, C, H, W): f and z sampled from q."""
        h = self.features(x)
        q_f = self.q_f(h)
        f = q_f.sample()
        q_z = self.q_z(h, f)
        z = q_z.sample()
        return DSVAEPass(self.decode(f, z), q_f, q_z, self.prior(z))
