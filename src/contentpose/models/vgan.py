"""VGAN networks (Vondrick, Pirsiavash & Torralba, "Generating Videos with Scene Dynamics", NIPS 2016).

Generator, two streams from one latent z (B, Z):
    foreground: 3D transposed convs -> video f (B, T, C, H, W) and mask m (B, T, 1, H, W) (Sigmoid)
    background: 2D transposed convs -> one image b (B, C, H, W), the same for every frame
    video = m * f + (1 - m) * b
One stream (`streams=1`, the paper's baseline) is the 3D stream alone: video = f.
Layered (`LayeredVideoGenerator`, our departure): z draws one background, one layer and its mask in 2D,
and gives each frame an affine motion of the layer (models/layered_generator.py): the foreground can
move, turn and stretch but not change shape from frame to frame.
Discriminator: 3D convs, stride 2, down to (t0, 4, 4), then one conv to a logit: five layers at 64 px.
Encoder (the conditional model): 2D convs from the first frame to a code (B, Z).

Sizes follow the DCGAN backbone (`blocks.channel_plan`): at 64 px, width 64, the streams start at
512 channels on 4x4 and double to 64x64 in four layers, as in the Lua code. Time doubles in the
same layers, from t0 = 2 frames (32 frames at 64 px, the paper's), or from more frames, or in fewer
layers (stride 1 in time in the first ones) for other clip lengths. Frames are in [0, 1] (Sigmoid;
the Lua code used Tanh on [-1, 1]). Weights are initialised N(0, 0.01), BatchNorm gamma N(1, 0.02),
as in the Lua code; ReLU in G, LeakyReLU 0.2 in D, BatchNorm in all but D's first and last layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.nn.utils.parametrizations import spectral_norm

from contentpose.errors import UserError
from contentpose.models.blocks import Sigmoid32, channel_plan, down_stack
from contentpose.models.decoder import Decoder
from contentpose.models.layered_generator import affine, draw_layers, mask_centre, motion_head, move_layer


def time_strides(frames: int, frame_size: int, width: int) -> tuple[int, list[int]]:
    """Clip length at 4x4 px (t0) and the time stride (1 or 2) of each of the layers that double
    the frame size, coarse to fine: T = t0 * 2^(number of 2s)."""
    layers = len(channel_plan(frame_size, width))
    if frames < 2 or frames & (frames - 1):
        raise UserError(f"VGAN clips must be a power of 2 frames long (at least 2); got model.vgan_frames={frames}")
    doublings = min(layers, int(math.log2(frames)) - 1)
    return frames >> doublings, [1] * (layers - doublings) + [2] * doublings


def _up3d(cin: int, cout: int, stride: int) -> nn.ConvTranspose3d:
    """(B, cin, T, H, W) -> (B, cout, stride*T, 2H, 2W)."""
    k = 4 if stride == 2 else 3
    return nn.ConvTranspose3d(cin, cout, (k, 4, 4), (stride, 2, 2), (1, 1, 1), bias=False)


def vgan_init(module: nn.Module) -> None:
    """The Lua code's initialisation: conv weights N(0, 0.01), biases 0, BatchNorm gamma N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d, nn.ConvTranspose3d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.01)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm3d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


@dataclass
class VideoParts:
    """What the generator draws: video (B, T, C, H, W) and, with two streams, foreground f
    (B, T, C, H, W), mask m (B, T, 1, H, W) and background b (B, C, H, W); all in [0, 1]."""

    video: torch.Tensor
    foreground: torch.Tensor
    mask: torch.Tensor | None = None
    background: torch.Tensor | None = None


class VideoGenerator(nn.Module):
    """z (B, Z) -> VideoParts of T frames (one or two streams)."""

    def __init__(self, z_dim: int, channels: int, frames: int, frame_size: int, width: int, streams: int = 2):
        super().__init__()
        plan = channel_plan(frame_size, width)[::-1]  # coarse to fine, e.g. [512, 256, 128, 64]
        t0, strides = time_strides(frames, frame_size, width)
        self.streams = streams
        self.fg = nn.Sequential(
            nn.ConvTranspose3d(z_dim, plan[0], (t0, 4, 4), bias=False), nn.BatchNorm3d(plan[0]), nn.ReLU(inplace=True)
        )
        for cin, cout, s in zip(plan[:-1], plan[1:], strides):
            self.fg.extend([_up3d(cin, cout, s), nn.BatchNorm3d(cout), nn.ReLU(inplace=True)])
        k = 4 if strides[-1] == 2 else 3
        self.video = nn.Sequential(
            nn.ConvTranspose3d(plan[-1], channels, (k, 4, 4), (strides[-1], 2, 2), 1), Sigmoid32()
        )
        if streams == 2:
            self.mask = nn.Sequential(nn.ConvTranspose3d(plan[-1], 1, (k, 4, 4), (strides[-1], 2, 2), 1), Sigmoid32())
            self.bg = nn.Sequential(
                nn.ConvTranspose2d(z_dim, plan[0], 4, 1, 0, bias=False), nn.BatchNorm2d(plan[0]), nn.ReLU(inplace=True)
            )
            for cin, cout in zip(plan[:-1], plan[1:]):
                self.bg.extend(
                    [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
                )
            self.bg.extend([nn.ConvTranspose2d(plan[-1], channels, 4, 2, 1), Sigmoid32()])
        self.apply(vgan_init)

    def forward(self, z: torch.Tensor) -> VideoParts:
        h = self.fg(z[:, :, None, None, None])  # (B, c, T/2, H/2, W/2)
        f = self.video(h).transpose(1, 2)  # (B, T, C, H, W)
        if self.streams == 1:
            return VideoParts(f, f)
        m = self.mask(h).transpose(1, 2)  # (B, T, 1, H, W)
        b = self.bg(z[:, :, None, None])  # (B, C, H, W)
        return VideoParts(m * f + (1 - m) * b[:, None], f, m, b)


class LayeredVideoGenerator(nn.Module):
    """z (B, Z) -> VideoParts of T frames: a DCGAN decoder (nearest-neighbour upsampling) draws the
    background b, a layer and its mask from z; an MLP gives T affine motions from z, each placing the
    mask's centre of mass (models/layered_generator.py); frame t is
    m_t * f_t + (1 - m_t) * b with f_t, m_t the layer and mask moved by motion t."""

    def __init__(self, z_dim: int, channels: int, frames: int, frame_size: int, width: int):
        super().__init__()
        self.channels, self.frames = channels, frames
        self.draw = Decoder(z_dim, 0, 2 * channels + 1, frame_size, width, resize=True)
        self.move = motion_head(z_dim, 6 * frames)

    def forward(self, z: torch.Tensor) -> VideoParts:
        B, T = z.shape[0], self.frames
        background, layer, mask = draw_layers(self.draw, self.channels, z)
        theta = affine(self.move(z).view(B * T, 6), mask_centre(mask).repeat_interleave(T, dim=0))
        f, m = move_layer(layer.repeat_interleave(T, dim=0), mask.repeat_interleave(T, dim=0), theta)
        f, m = f.view(B, T, *f.shape[1:]), m.view(B, T, *m.shape[1:])
        return VideoParts(m * f + (1 - m) * background[:, None], f, m, background)


class VideoDiscriminator(nn.Module):
    """Clips (B, T, C, H, W) -> logits (B,): 3D convs 4x4x4 stride 2 (stride 1 in time where the
    generator has it), LeakyReLU 0.2, BatchNorm but in the first layer, then a (t0, 4, 4) conv.
    `norm="spectral"` (our departure) drops the BatchNorm and spectrally normalises every conv
    (Miyato et al. 2018), which bounds how fast D can outrun G."""

    def __init__(self, channels: int, frames: int, frame_size: int, width: int, norm: str = "batch"):
        super().__init__()
        plan = channel_plan(frame_size, width)
        t0, strides = time_strides(frames, frame_size, width)
        self.frames = frames
        layers, cin = [], channels
        for i, (cout, s) in enumerate(zip(plan, strides[::-1])):  # fine to coarse
            k = 4 if s == 2 else 3
            layers += [nn.Conv3d(cin, cout, (k, 4, 4), (s, 2, 2), 1, bias=i == 0 or norm != "batch")]
            layers += [nn.BatchNorm3d(cout)] if i > 0 and norm == "batch" else []
            layers += [nn.LeakyReLU(0.2, inplace=True)]
            cin = cout
        layers += [nn.Conv3d(cin, 1, (t0, 4, 4))]
        self.net = nn.Sequential(*layers)
        self.apply(vgan_init)
        if norm == "spectral":
            for module in self.net:
                if isinstance(module, nn.Conv3d):
                    spectral_norm(module)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        if clips.shape[1] != self.frames:
            raise ValueError(f"expected clips of {self.frames} frames, got {clips.shape[1]}")
        return self.net(clips.transpose(1, 2)).flatten()


class FrameEncoder(nn.Module):
    """The conditional model's encoder: first frame (B, C, H, W) -> code (B, Z) (DCGAN convs, then a
    4x4 conv; no output non-linearity)."""

    def __init__(self, channels: int, frame_size: int, width: int, code_dim: int):
        super().__init__()
        self.blocks = nn.Sequential(*down_stack(channels, frame_size, width))
        self.head = nn.Conv2d(channel_plan(frame_size, width)[-1], code_dim, 4, 1, 0)
        self.apply(vgan_init)

    def forward(self, frame: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(frame)).flatten(1)
