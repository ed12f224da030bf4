"""Swap fidelity: how well D(Ec(x_a), Ep(x_b)) matches the true render of a's content in b's pose.

Synthetic data can draw any (content, pose) pair, so disentanglement is measured directly on
held-out clips (val or test): for pairs of different clips (a, b) at random times, decode the content
of frame a with the pose of frame b and compare with a's objects drawn at b's positions. With
several objects, which of a's objects belongs at which of b's positions is not determined by the
pose, so each output is scored against the assignment (permutation of a's objects) that fits it best.

Every output gets PSNR and SSIM against that truth and, where the data knows where its objects are,
per-object scores at the true positions (`object_judge`: the share of a's objects named right in
the windows at b's positions, and whether all are) and the foreground IoU against the truth's mask;
each mean comes with a 95% bootstrap interval over pairs (`intervals`). Beside the model, by the
same protocol: cut-and-paste (a's objects moved to b's positions, no learning: `cut_and_paste`),
copying frame b (right pose, wrong content), copying frame a (right content, wrong pose), and a
content-blind decoder: the mean of training objects drawn in b's pose, the lowest mean squared
error any output can reach without knowing a's content; the true frames give the judge's ceiling.
Reconstruction D(Ec(x_b), Ep(x_b)) vs x_b is reported alongside.
"""

from __future__ import annotations

import itertools

import torch

from contentpose.eval.baselines.cut_and_paste import cut_and_paste
from contentpose.eval.judges.object_judge import ObjectJudge, chance_object_accuracy, foreground_iou, object_scores
from contentpose.eval.metrics.image_metrics import psnr, ssim
from contentpose.eval.metrics.intervals import summarise
from contentpose.models.autoencoder import ContentPoseAutoencoder

BASELINES = ("cut_and_paste", "copy_pose_frame", "copy_content_frame", "content_blind")
BLIND_SAMPLES = 128  # training contents averaged per pair; PSNR 0.03 dB below the exact mean digit's (measured)
MAX_PAIRS = 20000  # `evaluate --pairs`: ~1 GB of frames at 64 px


@torch.no_grad()
def swap_pairs(data, seed: int = 0, pairs: int | None = None) -> dict[str, torch.Tensor]:
    """`pairs` swap pairs (default: one per clip of the split, `data.test_clips`; more reuse clips at
    other times): x_a, x_b (n, C, H, W), every candidate truth (P, n, C, H, W) with its foreground mask
    (P, n, 1, H, W), a's and b's backgrounds (n, C, H, W), b's mask (n, 1, H, W), b's poses (n, 1, D, P')
    and the content labels of a and b (n, L)."""
    test = data.test_set()
    n = len(test) if pairs is None else pairs
    g = torch.Generator().manual_seed(seed)
    clips = torch.arange(n) % len(test)
    b_index = clips[content_disjoint_partner(test.content_key.cpu()[clips], g)]
    a, b = test.index(clips.to(data.device)), test.index(b_index.to(data.device))
    times = torch.randint(0, 1000, (n, 2), generator=g).to(data.device)
    pos_a = data.positions(a, times[:, :1])
    pos_b = data.positions(b, times[:, 1:])
    perms = list(itertools.permutations(range(data.num_objects)))
    drawn = [data.draw(a, pos_b[:, :, list(p)]) for p in perms]  # a's background too
    frame_b, mask_b, background_b = data.draw(b, pos_b)
    out = {
        "x_a": data.draw(a, pos_a)[0][:, 0],
        "x_b": frame_b[:, 0],
        "truths": torch.stack([d[0][:, 0] for d in drawn]),
        "truth_masks": torch.stack([d[1][:, 0] for d in drawn]),
        "background_a": drawn[0][2],
        "background_b": background_b,
        "mask_b": mask_b[:, 0],
        "pose_b": pos_b,
        "label_a": a.label,
        "label_b": b.label,
    }
    if hasattr(data, "object_labels"):
        out["objects_a"], out["objects_b"] = data.object_labels(a), data.object_labels(b)
    return out


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
    best = truths[closest(pred, truths), torch.arange(pred.shape[0])]
    return {"psnr": psnr(pred, best), "ssim": ssim(pred, best)}


def closest(pred: torch.Tensor, truths: torch.Tensor) -> torch.Tensor:
    """Which of `truths` (P, n, C, H, W) is nearest each of `pred` (n, C, H, W) in squared error: (n,)."""
    return ((truths - pred[None]) ** 2).flatten(2).mean(2).argmin(0)


@torch.no_grad()
def swap_fidelity(
    model: ContentPoseAutoencoder | None,
    data,
    batch_size: int = 100,
    seed: int = 0,
    train_data=None,
    judge: ObjectJudge | None = None,
    pairs: int | None = None,
) -> dict[str, dict]:
    """Scores of the swap and the reconstruction of `model`, and of the baselines, each a mean with
    its 95% interval: {name: {"psnr", "psnr_ci", "ssim", "ssim_ci"[, "fg_iou", "object_accuracy",
    "all_objects" and their _ci]}}.

    With `model=None` only the baselines (and, with `judge`, "real_frames": the true swaps, the
    judge's ceiling, and "chance") are computed; the content-blind one needs `train_data` (the
    training split, whose objects it averages). The per-object scores need `judge`.
    """
    batch = swap_pairs(data, seed, pairs)
    if train_data is not None:
        batch["content_blind"] = content_blind_frames(train_data, batch["pose_b"], seed=seed)
    per_pair: dict[str, dict[str, list[torch.Tensor]]] = {}

    def score(name, pred, truths, masks, background, objects, poses):
        pick = closest(pred, truths)
        rows = torch.arange(pred.shape[0])
        values = {"psnr": psnr(pred, truths[pick, rows]), "ssim": ssim(pred, truths[pick, rows])}
        values["fg_iou"] = foreground_iou(pred, background, masks[pick, rows])
        if judge is not None:
            values.update(object_scores(judge, data, pred, objects, poses))
        for metric, v in values.items():
            per_pair.setdefault(name, {}).setdefault(metric, []).append(v)

    for start in range(0, batch["x_a"].shape[0], batch_size):
        part = {k: v[start : start + batch_size] for k, v in batch.items() if k not in ("truths", "truth_masks")}
        truths = batch["truths"][:, start : start + batch_size]
        masks = batch["truth_masks"][:, start : start + batch_size]
        x_a, x_b, poses = part["x_a"], part["x_b"], part["pose_b"][:, 0]
        swap_args = (truths, masks, part["background_a"], part.get("objects_a"), poses)
        outputs = {
            "cut_and_paste": cut_and_paste(x_a, x_b, data.num_objects),
            "copy_pose_frame": x_b,
            "copy_content_frame": x_a,
        }
        if "content_blind" in part:
            outputs["content_blind"] = part["content_blind"]
        if model is not None:
            outputs["swap"] = model(x_a, x_b).float()
        elif judge is not None:
            outputs["real_frames"] = truths[0]
        for name, pred in outputs.items():
            score(name, pred, *swap_args)
        if model is not None:
            rec_args = (x_b[None], part["mask_b"][None], part["background_b"], part.get("objects_b"), poses)
            score("reconstruction", model(x_b, x_b).float(), *rec_args)
    result = {name: summarise({m: torch.cat(v) for m, v in metrics.items()}) for name, metrics in per_pair.items()}
    if judge is not None and model is None:
        result["chance"] = {"object_accuracy": round(chance_object_accuracy(data.content_groups), 4)}
    return result


@torch.no_grad()
def reconstruction_fidelity(
    model: ContentPoseAutoencoder, data, n: int = 500, batch_size: int = 100, seed: int = 0
) -> dict[str, float]:
    """PSNR/SSIM of D(Ec(x), Ep(x)) against x for n held-out frames of any dataset: means and their
    95% intervals (`intervals.summarise`)."""
    frames = data.test_frames(n, [0], seed)[:, 0]
    parts = [best_match(model(x, x).float(), x[None]) for x in frames.split(batch_size)]
    return summarise({m: torch.cat([p[m] for p in parts]) for m in ("psnr", "ssim")})
