"""The one training helper every judge uses: a network initialised from a seed, then Adam with a
one-cycle learning rate on a fresh batch's loss each step."""

from __future__ import annotations

import torch

from contentpose.runtime.progress import progress


def seeded(seed: int, make):
    """`make()` (a network) initialised from `seed`, the global random state left untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


def fit_one_cycle(model: torch.nn.Module, loss, steps: int, lr: float, desc: str, quiet: bool = False):
    """Train a judge network: Adam with a one-cycle learning rate for `steps` steps, each on `loss()`
    (the loss of a fresh batch), with a progress bar; returns `model` in eval mode."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps)
    model.train()
    for _ in progress(range(steps), desc=desc, disable=quiet, leave=False):
        value = loss()
        opt.zero_grad(set_to_none=True)
        value.backward()
        opt.step()
        schedule.step()
    return model.eval()
