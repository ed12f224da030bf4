"""DCGAN building blocks shared by the encoders and the decoder, and their initialisation."""

from __future__ import annotations

import math

import torch
import torch.nn as nn

from contentpose.config import FRAME_SIZES
from contentpose.errors import UserError


def channel_plan(frame_size: int, width: int) -> list[int]:
    """Channels after each stride-2 block, from the frame down to 4x4 pixels.

    64 px, width 64 -> [64, 128, 256, 512]; a 128 px frame adds one block, 32 px removes one.
    """
    if frame_size not in FRAME_SIZES:
        raise UserError(f"frame size {frame_size} is not supported by the DCGAN backbone; choose one of {FRAME_SIZES}")
    blocks = int(math.log2(frame_size)) - 2
    return [width * min(2**i, 8) for i in range(blocks)]


class Sigmoid32(nn.Module):
    """Sigmoid taken in fp32. Under bf16 autocast a bf16 sigmoid rounds every logit above ~6.3
    to exactly 1, where BCE saturates and its gradient vanishes; frames come out fp32."""

    def forward(self, x):
        return torch.sigmoid(x.float())


def down(cin: int, cout: int, norm: bool = True) -> nn.Sequential:
    """Conv 4x4 stride 2: (B, cin, H, W) -> (B, cout, H/2, W/2)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 4, 2, 1, bias=not norm),
        nn.BatchNorm2d(cout) if norm else nn.Identity(),
        nn.LeakyReLU(0.2, inplace=True),
    )


def down_stack(
    channels: int, frame_size: int, width: int, norm: bool = True, first_norm: bool = False
) -> nn.ModuleList:
    """The DCGAN encoder/discriminator body: stride-2 blocks from (B, channels, H, W) down to
    (B, channel_plan[-1], 4, 4); BatchNorm in every block but the first (DCGAN's discriminator),
    in the first too with `first_norm` (the published DrNet encoders), none if not `norm`."""
    plan = channel_plan(frame_size, width)
    ins = [channels] + plan[:-1]
    return nn.ModuleList(
        down(cin, cout, norm=norm and (i > 0 or first_norm)) for i, (cin, cout) in enumerate(zip(ins, plan))
    )


def conv(cin: int, cout: int) -> nn.Sequential:
    """Conv 3x3 stride 1, BatchNorm, LeakyReLU: (B, cin, H, W) -> (B, cout, H, W)."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, True))


def upsample(cin: int, cout: int, resize: bool = False, bias: bool = False) -> nn.Module:
    """(B, cin, H, W) -> (B, cout, 2H, 2W): a transposed conv 4x4 stride 2 (DCGAN's), or with `resize`
    nearest-neighbour upsampling then a 3x3 conv, which draws no checkerboard of dots (Odena et al. 2016)."""
    if resize:
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, 1, 1, bias=bias))
    return nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=bias)


def up(cin: int, cout: int, resize: bool = False) -> nn.Sequential:
    """Upsample by 2 (`upsample`), BatchNorm, LeakyReLU: (B, cin, H, W) -> (B, cout, 2H, 2W)."""
    return nn.Sequential(
        upsample(cin, cout, resize),
        nn.BatchNorm2d(cout),
        nn.LeakyReLU(0.2, inplace=True),
    )


def dcgan_init(module: nn.Module) -> None:
    """Weights N(0, 0.02), biases 0; BatchNorm gamma N(1, 0.02), beta 0 (apply with `.apply`)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
