"""Training objectives. Each owns its networks and optimisers, builds them (`build`), names the
batches it trains on (`sampler`) and updates them in one `step`."""

from __future__ import annotations

import torch

from contentpose.config import Config
from contentpose.objectives.drnet import DrNet
from contentpose.objectives.dsvae import DSVAEObjective
from contentpose.objectives.mipae import MIPAE
from contentpose.objectives.pose_forecast import PoseForecast
from contentpose.objectives.posegen import PoseGen
from contentpose.objectives.setgan import SetGAN
from contentpose.objectives.vgan import VGAN, ConditionalVGAN
from contentpose.runtime import Runtime

OBJECTIVES = {
    "drnet": DrNet,
    "mipae": MIPAE,
    "setgan": SetGAN,
    "dsvae": DSVAEObjective,  # each has a `kind`: autoencoder, generator, sequence_vae or pose_forecaster
    "poseforecast": PoseForecast,
    "posegen": PoseGen,  # kind pose_generator
    "vgan": VGAN,
    "vgan_cond": ConditionalVGAN,
}  # kind video_generator


def build_objective(cfg: Config, channels: int, rt: Runtime | torch.device):
    """The objective named by `cfg.objective.name`, with freshly initialised networks, run by `rt`
    (or simply on a device, one process, fp32)."""
    if isinstance(rt, torch.device):
        rt = Runtime(rt)
    return OBJECTIVES[cfg.objective.name].build(cfg, channels, rt)
