"""R1 (Mescheder, Geiger & Nowozin, "Which Training Methods for GANs do actually Converge?", ICML
2018): a penalty on the discriminator's gradient at real data,

    R1 = gamma / 2 * E_x~real ||grad_x D(x)||^2,

which keeps D flat where the data is, so a strong D cannot push G away with steep gradients.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def r1_penalty(
    discriminator: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """D's logits on `real` (B, ...) -> (logits (B,), E ||grad_x D(x)||^2 over the batch), the latter
    differentiable in D's weights (create_graph), in fp32."""
    real = real.detach().float().requires_grad_(True)
    logits = discriminator(real).float()
    (grad,) = torch.autograd.grad(logits.sum(), real, create_graph=True)
    return logits, grad.pow(2).flatten(1).sum(1).mean()
