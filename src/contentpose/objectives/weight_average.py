"""A running average of a generator's weights (as in progressive GANs and StyleGAN): the averaged
copy is what a run keeps and samples from; the trained one is kept beside it, for resuming.

    average <- decay * average + (1 - decay) * trained      after every generator update

BatchNorm's running statistics are averaged like the weights; integer buffers are copied.
"""

from __future__ import annotations

import copy

import torch


class WeightAverage:
    """Averaged copies of `nets` ({name: module}); `modules(extra)` is what a checkpoint holds."""

    def __init__(self, nets: dict[str, torch.nn.Module], decay: float):
        self.decay, self.trained = decay, nets
        self.averaged = {k: copy.deepcopy(v).requires_grad_(False) for k, v in nets.items()}

    @torch.no_grad()
    def update(self) -> None:
        for key, average in self.averaged.items():
            theirs = self.trained[key].state_dict()
            for name, value in average.state_dict().items():
                if value.is_floating_point():
                    value.lerp_(theirs[name], 1 - self.decay)
                else:
                    value.copy_(theirs[name])

    def modules(self, others: dict[str, torch.nn.Module]) -> dict[str, torch.nn.Module]:
        """The averaged nets under their own names, the trained ones as NAME_trained, then `others`."""
        return self.averaged | {f"{k}_trained": v for k, v in self.trained.items()} | others
