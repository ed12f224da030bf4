"""Swap fidelity: how well D(Ec(x_a), Ep(x_b)) matches the true render of a's content in b's pose.

Moving Digits can draw any (content, pose) pair, so disentanglement is measured directly
on held-out clips: for pairs of different test clips (a, b) at random times, decode the
content of frame a with the pose of frame b and compare with a's digits drawn at b's
positions. With several digits, which of a's digits belongs at which of b's positions
is not determined by the pose, so each output is scored against the assignment
(permutation of a's digits) that fits it best.

Three baselines are scored the same way: copying frame b (right pose, wrong content), copying
frame a (right content, wrong pose), and a content-blind decoder: the mean of training objects
drawn in b's pose (for one digit, the mean training digit at b's position), the lowest mean
squared error any output can reach without knowing a's content. Beating copy-b shows little;
a swap that transfers content beats the content-blind baseline. Reconstruction
D(Ec(x_b), Ep(x_b)) vs x_b is reported alongside.

With a content classifier (`contentpose.eval.content_classifier`) every output is also scored
by whether the classifier reads a's content in it (b's for the reconstruction): real frames of
a's content (the true swaps) give its ceiling, copy-b and the content-blind baseline its floor.
"""

from __future__ import annotations

import itertools

import torch

from contentpose.eval.content_classifier import label_accuracy, multi_hot
from contentpose.eval.image_metrics import psnr, ssim
from contentpose.models.autoencoder import ContentPoseAutoencoder
from contentpose.models.content_classifier import ContentClassifier

BASELINES = ("copy_pose_frame", "copy_content_frame", "content_blind")
BLIND_SAMPLES = 128  # training contents averaged per pair; PSNR 0.03 dB below the exact mean digit's (measured)


@torch.no_grad()
def swap_pairs(data, seed: int = 0) -> dict[str, torch.Tensor]:
    """Frames of the fixed test pairs: x_a, x_b (n, C, H, W), every candidate truth (P, n, C, H, W),
    b's poses (n, 1, D, P) and the content labels of a and b (n, L)."""
    test = data.test_set()
    n = len(test)
    g = torch.Generator().manual_seed(seed)
    b_index = content_disjoint_partner(test.content_key.cpu(), g)
    a, b = test, test.index(b_index.to(data.device))
    times = torch.randint(0, 1000, (n, 2), generator=g).to(data.device)
    pos_a = data.positions(a, times[:, :1])
    pos_b = data.positions(b, times[:, 1:])
    perms = list(itertools.permutations(range(data.num_objects)))
    truths = torch.stack([data.draw(a, pos_b[:, :, list(p)])[0][:, 0] for p in perms])  # a's background too
    return {
        "x_a": data.draw(a, pos_a)[0][:, 0],
        "x_b": data.draw(b, pos_b)[0][:, 0],
        "truths": truths,
        "pose_b": pos_b,
        "label_a": a.label,
        "label_b": b.label,
    }


@torch.no_grad()
def content_blind_frames(train_data, poses: torch.Tensor, samples: int = BLIND_SAMPLES, seed: int = 0) -> torch.Tensor:
    """The content-blind baseline in the given poses (n, 1, D, P): the mean of `samples` random
    training contents (objects, colours, backgrounds) drawn in each pose -> (n, C, H, W).

    An estimate of E_content[frame | pose], the per-pixel best guess of a decoder that ignores
    content; with several objects it averages whole frames (overlaps drawn as they are drawn).
    """
    g = torch.Generator().manual_seed(seed)
    total = 0
    for _ in range(samples):
        total = total + train_data.draw(train_data.sample_factors(poses.shape[0], g), poses)[0][:, 0]
    return total / samples


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
    mse = ((truths - pred[None]) ** 2).flatten(2).mean(2)  # (P, n)
    best = truths[mse.argmin(0), torch.arange(pred.shape[0])]
    return {"psnr": psnr(pred, best), "ssim": ssim(pred, best)}


@torch.no_grad()
def swap_fidelity(
    model: ContentPoseAutoencoder | None,
    data,
    batch_size: int = 100,
    seed: int = 0,
    train_data=None,
    classifier: ContentClassifier | None = None,
) -> dict[str, dict[str, float]]:
    """Mean PSNR/SSIM of the swap (and reconstruction) for `model`, and of the baselines:
    {name: {"psnr", "ssim"[, "content_accuracy"]}}.

    With `model=None` only the baselines are computed; the content-blind one needs `train_data`
    (the training split, whose objects it averages). With `classifier`, each output's
    "content_accuracy" is the share of a's content classes (b's for the reconstruction) that the
    classifier names in it (`label_accuracy`, per content factor); "real_frames" holds its accuracy on the true swaps
    (real frames of a's content in b's pose: the ceiling) and "chance" what random guesses get.
    """
    pairs = swap_pairs(data, seed)
    groups = data.content_groups  # each content factor scored on its own classes (digit; shape, ...)
    if train_data is not None:
        pairs["content_blind"] = content_blind_frames(train_data, pairs["pose_b"], seed=seed)
    scores: dict[str, list[dict[str, torch.Tensor]]] = {}
    for start in range(0, pairs["x_a"].shape[0], batch_size):
        part = {k: v[start : start + batch_size] for k, v in pairs.items() if k != "truths"}
        x_a, x_b, label_a, label_b = part["x_a"], part["x_b"], part["label_a"], part["label_b"]
        truths = pairs["truths"][:, start : start + batch_size]
        outputs = {"copy_pose_frame": (x_b, truths, label_a), "copy_content_frame": (x_a, truths, label_a)}
        if "content_blind" in part:
            outputs["content_blind"] = (part["content_blind"], truths, label_a)
        if model is not None:
            outputs["swap"] = (model(x_a, x_b), truths, label_a)
            outputs["reconstruction"] = (model(x_b, x_b), x_b[None], label_b)
        for name, (pred, truth, labels) in outputs.items():
            score = best_match(pred, truth)
            if classifier is not None:
                score["content_accuracy"] = label_accuracy(classifier(pred), labels, groups)
            scores.setdefault(name, []).append(score)
        if classifier is not None:
            scores.setdefault("real_frames", []).append(
                {"content_accuracy": label_accuracy(classifier(truths[0]), label_a, groups)}
            )
    result = {
        name: {metric: round(float(torch.cat([p[metric] for p in parts]).mean()), 4) for metric in parts[0]}
        for name, parts in scores.items()
    }
    if classifier is not None:  # random scores: n of a factor's K classes present -> n / K
        present, start, chance = multi_hot(pairs["label_a"], classifier.head.out_features), 0, []
        for size in groups.values():
            chance.append(present[:, start : start + size].sum(1) / size)
            start += size
        result["chance"] = {"content_accuracy": round(float(torch.stack(chance).mean()), 4)}
    return result


@torch.no_grad()
def reconstruction_fidelity(
    model: ContentPoseAutoencoder, data, n: int = 500, batch_size: int = 100, seed: int = 0
) -> dict[str, float]:
    """Mean PSNR/SSIM of D(Ec(x), Ep(x)) against x for n held-out frames of any dataset."""
    frames = data.test_frames(n, [0], seed)[:, 0]
    parts = [best_match(model(x, x), x[None]) for x in frames.split(batch_size)]
    return {m: round(float(torch.cat([p[m] for p in parts]).mean()), 4) for m in ("psnr", "ssim")}
