"""Cut-and-paste: the classical answer to "draw a's objects where b's are", with no learning.

Foreground is what differs from the frame's border colour (the per-channel median of its outer
pixels: black on black backgrounds) by more than a threshold; it is split into K objects by k-means
on the pixel coordinates, weighted by how much each pixel differs. a's objects are matched to b's by
position (the assignment with the least total distance between their centres), then a's pixels are
moved by whole pixels from each object's centre to its match's, over a's frame with its objects
filled by the border colour. Where a renderer draws objects at whole-pixel positions on black, it
redraws a one-object swap nearly exactly; the learned models are learned versions of this, and any
score beside it shows whether they add anything. It cannot animate parts (limbs), nor find objects
on a textured background.
"""

from __future__ import annotations

import itertools

import torch

THRESHOLD = 0.05  # foreground: more than this from the border colour (best of 0.05-0.3 on val PSNR, 200 pairs)
ITERATIONS = 10  # Lloyd steps of the k-means (2 digits settle in 3-4)


def border_colour(x: torch.Tensor) -> torch.Tensor:
    """Per-channel median of each frame's outer ring of pixels: (n, C, H, W) -> (n, C, 1, 1)."""
    ring = torch.cat([x[..., 0, :], x[..., -1, :], x[..., 1:-1, 0], x[..., 1:-1, -1]], dim=-1)
    return ring.median(dim=-1).values[..., None, None]


def objects(x: torch.Tensor, k: int, threshold: float = THRESHOLD) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Foreground of frames (n, C, H, W) split into k objects: their masks (n, k, H, W) (bool), centres
    (n, k, 2) as (y, x), and the border colour (n, C, 1, 1). An object with no pixels sits at the
    frame's centre."""
    n, _, H, W = x.shape
    colour = border_colour(x)
    weight = (x - colour).abs().amax(1).flatten(1)  # (n, HW)
    weight = torch.where(weight > threshold, weight, torch.zeros_like(weight))
    ys, xs = torch.meshgrid(torch.arange(H, device=x.device), torch.arange(W, device=x.device), indexing="ij")
    coords = torch.stack([ys, xs], -1).flatten(0, 1).to(x.dtype)  # (HW, 2)
    fg = weight > 0
    total = weight.sum(1, keepdim=True).clamp(min=1e-8)
    mean = (weight @ coords) / total  # (n, 2)
    centres = [mean]  # farthest-point start: the foreground pixel farthest from those chosen so far
    for _ in range(1, k):
        gap = torch.stack([torch.cdist(coords[None], c[:, None])[..., 0] for c in centres]).amin(0)  # (n, HW)
        centres.append(coords[torch.where(fg, gap, -1.0).argmax(1)])
    centre = torch.stack(centres, 1)  # (n, k, 2)
    for _ in range(ITERATIONS if k > 1 else 0):
        assign = torch.cdist(coords[None].expand(n, -1, -1), centre).argmin(2)  # (n, HW)
        member = torch.nn.functional.one_hot(assign, k).to(x.dtype) * weight[..., None]  # (n, HW, k)
        mass = member.sum(1)  # (n, k)
        moved = member.transpose(1, 2) @ coords / mass.clamp(min=1e-8)[..., None]
        centre = torch.where(mass[..., None] > 0, moved, centre)
    assign = torch.cdist(coords[None].expand(n, -1, -1), centre).argmin(2)
    masks = (torch.nn.functional.one_hot(assign, k).bool() & fg[..., None]).transpose(1, 2).view(n, k, H, W)
    empty = masks.flatten(2).sum(2) == 0
    centre = torch.where(empty[..., None], centre.new_tensor([(H - 1) / 2, (W - 1) / 2]), centre)
    return masks, centre, colour


def match(centres_a: torch.Tensor, centres_b: torch.Tensor) -> torch.Tensor:
    """For each frame, the permutation p (n, k) that sends a's object j to b's object p[j] with the least
    total distance between centres (all k! assignments tried; k is small)."""
    k = centres_a.shape[1]
    perms = torch.tensor(list(itertools.permutations(range(k))), device=centres_a.device)  # (P, k)
    cost = torch.stack([(centres_a - centres_b[:, p]).norm(dim=-1).sum(1) for p in perms])  # (P, n)
    return perms[cost.argmin(0)]


def cut_and_paste(x_a: torch.Tensor, x_b: torch.Tensor, k: int, threshold: float = THRESHOLD) -> torch.Tensor:
    """a's k objects moved to the places of b's: (n, C, H, W), (n, C, H, W) -> (n, C, H, W)."""
    n, C, H, W = x_a.shape
    masks_a, centres_a, colour = objects(x_a, k, threshold)
    _, centres_b, _ = objects(x_b, k, threshold)
    target = centres_b.gather(1, match(centres_a, centres_b)[..., None].expand(n, k, 2))
    shift = (target - centres_a).round().long()  # (n, k, 2) whole pixels
    ys = torch.arange(H, device=x_a.device)[None, None, :, None] - shift[..., 0, None, None]  # source rows
    xs = torch.arange(W, device=x_a.device)[None, None, None, :] - shift[..., 1, None, None]
    inside = (ys >= 0) & (ys < H) & (xs >= 0) & (xs < W)  # (n, k, H, W)
    source = (ys.clamp(0, H - 1) * W + xs.clamp(0, W - 1)).flatten(2)  # (n, k, HW)
    layers = (x_a[:, None] * masks_a[:, :, None]).flatten(3)  # (n, k, C, HW)
    moved = layers.gather(3, source[:, :, None].expand(n, k, C, H * W)).view(n, k, C, H, W)
    moved_mask = masks_a.flatten(2).gather(2, source).view(n, k, H, W) & inside
    pasted = torch.where(moved_mask[:, :, None], moved, torch.zeros_like(moved)).amax(1)  # overlaps: max
    canvas = torch.where(masks_a.any(1, keepdim=True), colour.expand_as(x_a), x_a)
    return torch.where(moved_mask.any(1, keepdim=True), pasted, canvas)
