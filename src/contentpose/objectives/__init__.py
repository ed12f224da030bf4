"""Training objectives. Each owns its networks and optimisers, builds them (`build`), names the
batches it trains on (`sampler`) and updates them in one `step` (the contract: objectives/contract.py).
Which class trains an objective name is the family's to say (families/)."""

from __future__ import annotations

import torch

from contentpose.config import Config
from contentpose.families import family_of
from contentpose.runtime import Runtime


def objective_class(name: str) -> type:
    """The class that trains objective `name` (drnet, mipae, setgan, ...)."""
    return family_of(name).objective_class(name)


def build_objective(cfg: Config, channels: int, rt: Runtime | torch.device):
    """The objective named by `cfg.objective.name`, with freshly initialised networks, run by `rt`
    (or simply on a device, one process, fp32)."""
    if isinstance(rt, torch.device):
        rt = Runtime(rt)
    return objective_class(cfg.objective.name).build(cfg, channels, rt)
