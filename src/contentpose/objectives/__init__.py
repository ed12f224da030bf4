"""Training objectives. Each owns its networks and optimisers, builds them (`build`), names the
batches it trains on (`sampler`) and updates them in one `step`."""
from __future__ import annotations

import torch

from contentpose.config import Config
from contentpose.objectives.drnet import DrNet
from contentpose.objectives.mipae import MIPAE
from contentpose.objectives.setgan import SetGAN
from contentpose.runtime import Runtime

OBJECTIVES = {"drnet": DrNet, "mipae": MIPAE, "setgan": SetGAN}   # each has a `kind`: autoencoder or generator


def build_objective(cfg: Config, channels: int, rt: Runtime | torch.device):
    """The objective named by `cfg.objective.name`, with freshly initialised networks, run by `rt`
    (or simply on a device, one process, fp32)."""
    if isinstance(rt, torch.device):
        rt = Runtime(rt)
    return OBJECTIVES[cfg.objective.name].build(cfg, channels, rt)
