"""Pose forecasting (The Pose Knows, first stage): the CVAE of models/pose_forecaster.py trained on
keypoint sequences of the figures (context = predictor.context frames seen, future =
predictor.future frames forecast), by the negative ELBO

    L = rec + kl_weight * KL(q(z | past, future) || N(0, I))

rec is the squared error of the forecast keypoints (the running sum of the decoded velocities,
z drawn from the posterior), summed over joints and coordinates in units of FRAME_UNIT of the
frame and averaged over frames and clips: a Gaussian likelihood with a fixed variance, up to
a constant. The decoder is fed its own outputs during training too, as when forecasting.
With model.forecast_latent = 0 there is no KL and this trains the deterministic LSTM baseline.
"""

from __future__ import annotations

import torch

from contentpose.config import Config
from contentpose.data.figures import KEYPOINTS
from contentpose.data.samplers import KeypointSampler
from contentpose.errors import UserError
from contentpose.models.pose_forecaster import PoseForecaster
from contentpose.runtime import Runtime

FRAME_UNIT = 0.02  # errors are measured in 1/50 of the frame (1.3 px of a 64 px frame)


def elbo_terms(forecaster, past: torch.Tensor, future: torch.Tensor) -> dict[str, torch.Tensor]:
    """The loss terms of one pass on past (B, C, K, 2) and future (B, H, K, 2) keypoints in frame units:
    'rec', 'kl' (0 without a latent) and 'ade' (mean joint distance, frame units)."""
    out = forecaster(past, future.shape[1], future=future)
    error = out.keypoints - future
    rec = (error / FRAME_UNIT).pow(2).sum(dim=(2, 3)).mean()
    kl = (
        -0.5 * (1 + out.logvar - out.mu.pow(2) - out.logvar.exp()).sum(dim=1).mean()
        if out.mu is not None
        else rec.new_zeros(())
    )
    return {"rec": rec, "kl": kl, "ade": error.norm(dim=-1).mean().detach()}


class PoseForecast:
    """Owns the forecaster and its optimiser; `step(keypoints)` is one update."""

    name = "poseforecast"

    def __init__(self, forecaster: PoseForecaster, cfg: Config, rt: Runtime):
        self.forecaster, self.rt = forecaster, rt
        self.train_forecaster = rt.trainable(forecaster)
        self.context, self.kl_weight, self.size = cfg.predictor.context, cfg.objective.kl_weight, cfg.data.frame_size
        self.opt = rt.adam(forecaster.parameters(), cfg.train.lr, (cfg.train.beta1, cfg.train.beta2))

    @staticmethod
    def networks(cfg: Config, channels: int) -> dict[str, torch.nn.Module]:
        """The networks a trained run needs for inference: the forecaster (encoder, decoder; the
        posterior is kept too, to score held-out futures)."""
        m = cfg.model
        return {"forecaster": PoseForecaster(len(KEYPOINTS), m.forecast_hidden, m.forecast_latent)}

    @classmethod
    def build(cls, cfg: Config, channels: int, rt: Runtime) -> PoseForecast:
        if cfg.data.name != "figures":
            raise UserError(f"objective poseforecast forecasts keypoints and needs data=figures, not {cfg.data.name}")
        if cfg.predictor.context < 2:
            raise UserError("poseforecast needs predictor.context of at least 2 frames (a velocity to start from)")
        return cls(rt.place(cls.networks(cfg, channels)["forecaster"]), cfg, rt)

    @staticmethod
    def sampler(data, cfg: Config, batch_size: int, seed: int) -> KeypointSampler:
        return KeypointSampler(data, batch_size, cfg.predictor.context + cfg.predictor.future, seed)

    @property
    def modules(self) -> dict[str, torch.nn.Module]:
        return {"forecaster": self.forecaster}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"forecaster": self.opt}

    def step(self, keypoints: torch.Tensor) -> dict[str, torch.Tensor]:
        """One update from keypoint sequences (B, context + future, K, 2) in frame units. Returns
        detached scalars: loss, rec, kl and ade_px (mean joint error in pixels, z from the posterior)."""
        self.forecaster.train()
        keypoints = keypoints.to(self.rt.device)
        terms = elbo_terms(self.train_forecaster, keypoints[:, : self.context], keypoints[:, self.context :])
        loss = terms["rec"] + self.kl_weight * terms["kl"]
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {
            "loss": loss.detach(),
            "rec": terms["rec"].detach(),
            "kl": terms["kl"].detach(),
            "ade_px": terms["ade"] * self.size,
        }
