"""Swap fidelity: how well D(Ec(x_a), Ep(x_b)) matches the true render of a's content in b's pose.

Moving Digits can draw any (content, pose) pair, so disentanglement is measured directly
on held-out clips: for pairs of different test clips (a, b) at random times, decode the
content of frame a with the pose of frame b and compare with a's digits drawn at b's
positions. With several digits, which of a's digits belongs at which of b's positions
is not determined by the pose, so each output is scored against the assignment
(permutation of a's digits) that fits it best.

Two baselines are scored the same way: copying frame b (right pose, wrong content) and
copying frame a (right content, wrong pose). A model that separates content from pose
beats both. Reconstruction D(Ec(x_b), Ep(x_b)) vs x_b is reported alongside.
"""
from __future__ import annotations

import itertools

import torch

from contentpose.eval.image_metrics import psnr, ssim
from contentpose.models.autoencoder import ContentPoseAutoencoder

BASELINES = ("copy_pose_frame", "copy_content_frame")


@torch.no_grad()
def swap_pairs(data, seed: int = 0) -> dict[str, torch.Tensor]:
    """Frames of the fixed test pairs: x_a, x_b (n, C, H, W) and every candidate truth (P, n, C, H, W)."""
    test = data.test_set()
    n = len(test)
    g = torch.Generator().manual_seed(seed)
    b_index = content_disjoint_partner(test.content_key.cpu(), g)
    a, b = test, test.index(b_index.to(data.device))
    times = torch.randint(0, 1000, (n, 2), generator=g).to(data.device)
    pos_a = data.positions(a, times[:, :1])
    pos_b = data.positions(b, times[:, 1:])
    perms = list(itertools.permutations(range(data.num_objects)))
    truths = torch.stack([data.render(a, pos_b[:, :, list(p)])[:, 0] for p in perms])
    return {"x_a": data.render(a, pos_a)[:, 0], "x_b": data.render(b, pos_b)[:, 0], "truths": truths}


def content_disjoint_partner(digit: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """For each clip i (content ids (n, D), e.g. digit images), a partner clip that shows none of them.

    Otherwise "copy frame b" could be the exact answer and the pair would measure nothing.
    """
    n = digit.shape[0]
    partner = torch.full((n,), -1)
    for _ in range(1000):
        todo = partner < 0
        if not todo.any():
            return partner
        candidate = (torch.arange(n) + torch.randint(1, n, (n,), generator=generator)) % n
        shares = (digit[:, :, None] == digit[candidate][:, None, :]).flatten(1).any(1)
        partner[todo & ~shares] = candidate[todo & ~shares]
    raise ValueError("could not find content-disjoint test pairs; the test set shows too few distinct digits")


def best_match(pred: torch.Tensor, truths: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-image PSNR and SSIM of `pred` (n, C, H, W) against the closest of `truths` (P, n, C, H, W)."""
    mse = ((truths - pred[None]) ** 2).flatten(2).mean(2)          # (P, n)
    best = truths[mse.argmin(0), torch.arange(pred.shape[0])]
    return {"psnr": psnr(pred, best), "ssim": ssim(pred, best)}


@torch.no_grad()
def swap_fidelity(model: ContentPoseAutoencoder | None, data, batch_size: int = 100,
                  seed: int = 0) -> dict[str, dict[str, float]]:
    """Mean PSNR/SSIM of the swap (and reconstruction) for `model`, and of the two baselines.

    With `model=None` only the baselines are computed.
    """
    pairs = swap_pairs(data, seed)
    scores: dict[str, list[dict[str, torch.Tensor]]] = {}
    for start in range(0, pairs["x_a"].shape[0], batch_size):
        x_a, x_b = pairs["x_a"][start:start + batch_size], pairs["x_b"][start:start + batch_size]
        truths = pairs["truths"][:, start:start + batch_size]
        outputs = {"copy_pose_frame": (x_b, truths), "copy_content_frame": (x_a, truths)}
        if model is not None:
            outputs["swap"] = (model(x_a, x_b), truths)
            outputs["reconstruction"] = (model(x_b, x_b), x_b[None])
        for name, (pred, truth) in outputs.items():
            scores.setdefault(name, []).append(best_match(pred, truth))
    return {name: {metric: round(float(torch.cat([p[metric] for p in parts]).mean()), 4)
                   for metric in ("psnr", "ssim")}
            for name, parts in scores.items()}


@torch.no_grad()
def reconstruction_fidelity(model: ContentPoseAutoencoder, data, n: int = 500, batch_size: int = 100,
                            seed: int = 0) -> dict[str, float]:
    """Mean PSNR/SSIM of D(Ec(x), Ep(x)) against x for n held-out frames of any dataset."""
    frames = data.test_frames(n, [0], seed)[:, 0]
    parts = [best_match(model(x, x), x[None]) for x in frames.split(batch_size)]
    return {m: round(float(torch.cat([p[m] for p in parts]).mean()), 4) for m in ("psnr", "ssim")}
