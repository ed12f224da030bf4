"""Calling a network for another network's loss without computing its own gradients."""

from __future__ import annotations

import contextlib

import torch.nn as nn


@contextlib.contextmanager
def frozen(module: nn.Module):
    """Within the block, `module`'s parameters take no gradient (gradients still flow through
    it to its inputs). The penalty on the encoders (critic fixed) and the generator's loss
    (discriminator fixed) use it: no wasted weight gradients, and nothing for
    DistributedDataParallel to reduce."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield module
    finally:
        for p in params:
            p.requires_grad_(True)
