"""A generator where motion can only move what content drew: (B, Dc), (B, Dp) -> (B, C, H, W).

The content code alone draws three images with one DCGAN decoder: a background, a layer and the
layer's mask. The pose code alone makes an affine transform that moves the layer and its mask over
the background: frame = m' * f' + (1 - m') * b, where f', m' are the layer and mask resampled by the
transform (outside the layer: empty). The layer is first centred on a point of it, so the pose code
alone says where that point goes: wherever the content code drew it, it lands at the same place for
the same pose. `centre` chooses the point: "mask", its mask's centre of mass; "difference", the centre
of where the layer differs from the background under its mask (the ink of a digit drawn on black, the
object on a texture, not the mask's spill around it), read off the drawing with no gradient through
it (else the content code learns to steer where the layer lands); "difference_when_sampling", the
mask's centre in training and the difference centre in eval mode (trained as "mask", so one z_M puts
every content's visible object at one place when sampling: measured best on val, docs/generators.md).
With `motion="shift"` the layer only moves; by default an affine transform also scales, slants and
turns it within SHEAR. A transform cannot turn one shape into another, so frames that share
the content code show one thing and differ only in where it is, its size, slant and turn;
nothing assumes a black background or one object (the layer and mask are learned). This is the
layered model of VGAN's two streams and of the warp-based motion models (Monkey-Net, FOMM) reduced to
one layer and one affine motion. Used by the Set GAN (`model.generator=layered`, our departure from
the paper's DCGAN generator, which reads z_C ++ z_M at its stem).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from contentpose.models.decoder import Decoder

SHEAR = 0.25  # the most the linear part departs from the identity, per entry


def affine(params: torch.Tensor, centre: torch.Tensor, shear: float = SHEAR) -> torch.Tensor:
    """Unbounded (N, 6) -> affine matrices (N, 2, 3) for `F.affine_grid` that put the point `centre`
    (N, 2) of the input (x, y in [-1, 1]) at q = tanh(params[:, 4:]) of the output, anywhere in the
    frame, with a linear part A = identity + shear * tanh(params[:, :4]) (each entry within `shear`;
    0: a shift) about it: output point p reads input point A (p - q) + centre."""
    params = params.float()
    linear = torch.eye(2, device=params.device) + shear * torch.tanh(params[:, :4]).view(-1, 2, 2)
    place = torch.tanh(params[:, 4:, None])  # (N, 2, 1)
    return torch.cat([linear, centre.float()[:, :, None] - linear @ place], dim=2)


def mask_centre(mask: torch.Tensor) -> torch.Tensor:
    """The centre of mass (N, 2) of masks (N, 1, H, W), as x, y in [-1, 1] (`F.affine_grid`'s pixel
    centres); the frame's centre for an empty mask."""
    N, _, H, W = mask.shape
    ys = (torch.arange(H, device=mask.device) + 0.5) * 2 / H - 1
    xs = (torch.arange(W, device=mask.device) + 0.5) * 2 / W - 1
    m = mask.float()[:, 0]
    total = m.sum(dim=(1, 2)).clamp_min(1e-6)
    return torch.stack([(m.sum(1) * xs).sum(1) / total, (m.sum(2) * ys).sum(1) / total], dim=1)


def difference_centre(background: torch.Tensor, layer: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The centre (N, 2) of what the layer shows (N, C, H, W) where its mask (N, 1, H, W) lets it over
    the background (N, C, H, W): the centre of mass of mask * mean |layer - background| over channels."""
    return mask_centre(mask * (layer - background).abs().mean(dim=1, keepdim=True))


def move_layer(layer: torch.Tensor, mask: torch.Tensor, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The layer (N, C, H, W) and its mask (N, 1, H, W) resampled by `theta` (N, 2, 3); outside the
    drawn layer both are empty (0), so the background shows there."""
    grid = F.affine_grid(theta, list(layer.shape), align_corners=False)
    moved = F.grid_sample(torch.cat([layer, mask], dim=1), grid, align_corners=False)
    return moved[:, :-1], moved[:, -1:]


def draw_layers(draw: nn.Module, channels: int, code: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """A decoder's (N, 2C + 1, H, W) output for `code` (N, D) split into background, layer and mask."""
    drawn = draw(code, code.new_zeros(code.shape[0], 0))
    return drawn[:, :channels], drawn[:, channels : 2 * channels], drawn[:, 2 * channels :]


def motion_head(in_dim: int, out_dim: int) -> nn.Sequential:
    """An MLP whose output starts near 0 (so `affine` starts near a shift of the centre to the frame's centre)."""
    head = nn.Sequential(nn.Linear(in_dim, 64), nn.LeakyReLU(0.2), nn.Linear(64, out_dim))
    nn.init.normal_(head[-1].weight, 0, 0.02)
    nn.init.zeros_(head[-1].bias)
    return head


class LayeredGenerator(nn.Module):
    """content (B, Dc) -> background, layer, mask; pose (B, Dp) -> the layer's affine motion."""

    def __init__(
        self,
        content_dim: int,
        pose_dim: int,
        channels: int,
        frame_size: int,
        width: int,
        resize: bool = False,
        centre: str = "mask",
        motion: str = "affine",
    ):
        super().__init__()
        self.channels, self.centre = channels, centre
        self.shear = SHEAR if motion == "affine" else 0.0  # "shift": the layer only moves
        self.draw = Decoder(content_dim, 0, 2 * channels + 1, frame_size, width, resize=resize)
        self.move = motion_head(pose_dim, 6)

    def motion(self, pose: torch.Tensor, centre: torch.Tensor) -> torch.Tensor:
        """pose (B, Dp) -> affine matrices (B, 2, 3) that carry the point `centre` (B, 2) to where the pose says."""
        return affine(self.move(pose), centre, self.shear)

    def layers(self, content: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """content (B, Dc) -> background (B, C, H, W), layer (B, C, H, W), mask (B, 1, H, W), in [0, 1]."""
        return draw_layers(self.draw, self.channels, content)

    def frames_and_mask(self, content: torch.Tensor, pose: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """content (B, Dc), pose (B, Dp) -> frames (B, C, H, W) and the moved mask (B, 1, H, W), in [0, 1]."""
        background, layer, mask = self.layers(content)
        if self.centre == "difference" or (self.centre == "difference_when_sampling" and not self.training):
            centre = difference_centre(background, layer, mask).detach()
        else:
            centre = mask_centre(mask)
        moved, moved_mask = move_layer(layer, mask, self.motion(pose, centre))
        return moved_mask * moved + (1 - moved_mask) * background, moved_mask

    def forward(self, content: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        """content (B, Dc), pose (B, Dp) -> frames (B, C, H, W) in [0, 1]."""
        return self.frames_and_mask(content, pose)[0]
