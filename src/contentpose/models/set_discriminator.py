"""Set GAN discriminator (Tuesca & Uzal, 2018): is a set of n frames n frames of one real clip?

A DCGAN discriminator whose input channels hold the n frames stacked: (B, n, C, H, W) is
read as (B, n*C, H, W). Because a fake set shares z_C and varies z_M, the only way G can
pass is to keep in z_C what stays fixed in a clip and put in z_M what changes.

Two ways of reading a set are our departures (`read`):
- `shared` reads each frame with one shared DCGAN body and judges the set from the mean and the
  spread (standard deviation over the frames) of the frames' 4x4 feature maps (a DeepSets-style set
  function, Zaheer et al. 2017; the order of the frames does not matter).
- `pooled` adds to `shared` a second logit from the mean and spread over the frames of each frame's
  features averaged over the whole map, a comparison that does not depend on where in the frame the
  content is (frames of one clip show one content at different places), while the 4x4 maps' spread
  still sees where the frames differ in place.
  `benchmarks/set_disc_probe.py` measures what each reading can see: trained alone for 1500 steps to
  tell real sets from sets whose digit changes at the same places, the stacked D with spectral norm
  is right on 0.69 of held-out sets, the pooled one without normalisation on 0.93.

`norm="batch"` is DCGAN's discriminator (the paper's). `norm="spectral"` (the default)
replaces its BatchNorm by spectral normalisation of every conv and linear layer (Miyato et al.,
2018): on Moving Digits the BatchNorm discriminator wins within 100 steps (D(fake) ~ 0.001) and the
generator never recovers, while the spectral one lets it draw digits within 500 steps. A BatchNorm D
fed all-real then all-fake batches can also read the batch's statistics instead of each set (in
eval mode the probe's BatchNorm D is at chance). `norm="none"` has neither.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.utils.parametrizations import spectral_norm

from contentpose.models.blocks import channel_plan, dcgan_init, down_stack


def spread(x: torch.Tensor) -> torch.Tensor:
    """The standard deviation over a set's frames: (B, n, ...) -> (B, ...)."""
    return (x.var(dim=1, unbiased=False) + 1e-8).sqrt()


class SetDiscriminator(nn.Module):
    """Sets (B, n, C, H, W) -> logits (B,) (no sigmoid: use BCE with logits)."""

    def __init__(
        self, channels: int, set_size: int, frame_size: int, width: int, norm: str = "spectral", read: str = "stacked"
    ):
        super().__init__()
        self.set_size, self.read = set_size, read
        top = channel_plan(frame_size, width)[-1]
        stacked = read == "stacked"
        self.blocks = down_stack(channels * (set_size if stacked else 1), frame_size, width, norm=norm == "batch")
        # stacked: 4x4 -> 1x1 over the stacked frames; shared and pooled: the frames' mean and spread,
        # 4x4 each; pooled also: the mean and spread over the set of the features pooled over the map
        self.head = nn.Conv2d(top * (1 if stacked else 2), 1, 4, 1, 0)
        self.compare = nn.Linear(2 * top, 1) if read == "pooled" else None
        self.apply(dcgan_init)
        if norm == "spectral":
            for module in list(self.modules()):
                if isinstance(module, (nn.Conv2d, nn.Linear)):
                    spectral_norm(module)

    def forward(self, sets: torch.Tensor) -> torch.Tensor:
        B, n, C, H, W = sets.shape
        if n != self.set_size:
            raise ValueError(f"expected sets of {self.set_size} frames, got {n}")
        x = sets.reshape(B, n * C, H, W) if self.read == "stacked" else sets.reshape(B * n, C, H, W)
        for block in self.blocks:
            x = block(x)
        if self.read == "stacked":
            return self.head(x).flatten()
        x = x.view(B, n, *x.shape[1:])  # (B, n, c, 4, 4) -> (B, 2c, 4, 4): the frames' mean and spread
        logits = self.head(torch.cat([x.mean(dim=1), spread(x)], dim=1)).flatten()
        if self.compare is None:
            return logits
        pooled = x.mean(dim=(-2, -1))  # (B, n, c): what each frame shows, wherever it is
        return logits + self.compare(torch.cat([pooled.mean(dim=1), spread(pooled)], dim=1)).flatten()
