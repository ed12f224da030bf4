"""Scores of generated clips on the features of a small video classifier trained on real clips of
the same synthetic data: a Frechet distance (as FID/FVD, on our features) and an Inception-style
score exp(E_x KL(p(y|x) || p(y))) per classifier head.

The classifier (`eval/judges/video_classifier.py`) learns two labels of a real clip that the whole clip
shows: the first object's content class (the digit) and its motion class, the angle of its path to
the horizontal in 4 bins of 22.5 degrees (a bounce flips the direction, not this angle; the first
step's direction, used before, is invisible in 42% of 32 px clips, where the rounded position does
not change on one axis, and needs frame 0 located). It is trained once per data config and clip
length and kept in RUN/video_classifier.safetensors, as the content classifier is.
No pretrained video network is downloaded, so these numbers compare our models with each other
only; they are not comparable with published C3D/I3D-based scores.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from contentpose.data.synthetic import START_TIMES
from contentpose.errors import UserError
from contentpose.eval.judges.fit import fit_one_cycle, seeded
from contentpose.eval.metrics.frechet import frechet_distance
from contentpose.eval.metrics.intervals import mean_interval, statistic_interval
from contentpose.runtime.checkpoint import load_cached, save_cached

CLASSIFIER = "video_classifier.safetensors"
RECIPE = 2  # bump when training changes, so cached classifiers are retrained
STEPS = 1500  # 16 x 32 px digits over textures: 0.90 digit, 0.89 motion held out; ~4 CPU minutes (tests lower it)
MOTIONS = 4  # bins of the path's angle to the horizontal, 0 to 90 degrees


# A small 3D-conv video classifier, trained on real clips, whose features score generated clips
# (a Frechet distance and an Inception-style score; below).
class VideoClassifier(nn.Module):
    """Clips (B, T, C, H, W) in [0, 1] -> features (B, F) and one logit vector per head.

    It sees each clip's moving part, every frame minus the clip's mean frame, so that a static
    background cancels: on raw frames of digits over textures (the digit covers 3% of the pixels)
    it stayed at chance. Four 3D convs (3x3x3, stride 1 in time and 2 in space, BatchNorm, ReLU),
    the maximum over space (an object is small and can be anywhere), the mean over time. `heads`
    names each head's number of classes (e.g. digit 10, motion 4)."""

    def __init__(self, channels: int, heads: dict[str, int], width: int = 16):
        super().__init__()
        layers, cin = [], channels
        for cout in (width, 2 * width, 4 * width, 4 * width):
            layers += [nn.Conv3d(cin, cout, 3, (1, 2, 2), 1, bias=False), nn.BatchNorm3d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.body = nn.Sequential(*layers)
        self.feature_dim = cin
        self.heads = nn.ModuleDict({name: nn.Linear(cin, n) for name, n in heads.items()})

    def features(self, clips: torch.Tensor) -> torch.Tensor:
        moving = clips - clips.mean(dim=1, keepdim=True)  # (B, T, C, H, W), static parts 0
        return self.body(moving.transpose(1, 2)).amax(dim=(3, 4)).mean(dim=2)

    def forward(self, clips: torch.Tensor) -> dict[str, torch.Tensor]:
        f = self.features(clips)
        return {name: head(f) for name, head in self.heads.items()}


def clip_labels(clips) -> dict[str, torch.Tensor]:
    """Labels (n,) of rendered synthetic clips: 'content', the first object's first content class
    (Moving Digits: the digit), and 'motion', the angle of its velocity (dy, dx) to the horizontal,
    atan(|dy| / |dx|) in [0, 90] degrees, in MOTIONS equal bins (bounces keep it)."""
    v = clips.factors.velocity[:, 0].abs()
    angle = torch.atan2(v[:, 0], v[:, 1])
    motion = (angle / (math.pi / 2) * MOTIONS).long().clamp(0, MOTIONS - 1)
    return {"content": clips.factors.label[:, 0], "motion": motion}


def heads(data) -> dict[str, int]:
    return {"content": data.num_classes, "motion": MOTIONS}


def draw_clips(data, n: int, frames: int, generator: torch.Generator):
    """n new clips of `frames` frames from random start times (frames and factors)."""
    factors = data.sample_factors(n, generator)
    t = torch.randint(0, START_TIMES, (n, 1), generator=generator)
    return data.clips(factors, (t + torch.arange(frames)).to(data.device))


def train_video_classifier(
    train_data,
    test_data,
    frames: int,
    steps: int | None = None,
    batch: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    quiet: bool = False,
) -> tuple[VideoClassifier, dict[str, float]]:
    """Train the classifier on fresh clips of `train_data` (Adam with a one-cycle rate up to `lr`,
    cross-entropy of both heads); return it (eval mode) and its accuracy per head on 200 held-out
    clips of `test_data`."""
    steps = STEPS if steps is None else steps
    g = torch.Generator().manual_seed(seed)
    model = seeded(seed, lambda: VideoClassifier(train_data.channels, heads(train_data)).to(train_data.device))

    def loss() -> torch.Tensor:
        clips = draw_clips(train_data, batch, frames, g)
        labels = clip_labels(clips)
        out = model(clips.frames)
        return sum(F.cross_entropy(out[k], labels[k]) for k in out)

    fit_one_cycle(model, loss, steps, lr, "video classifier", quiet)
    return model, held_out_accuracy(model, test_data, frames)


@torch.no_grad()
def held_out_accuracy(model: VideoClassifier, test_data, frames: int, n: int = 200) -> dict[str, float]:
    test = test_data.test_clips(n, frames)
    _, logits = classify(model, test.frames)
    labels = clip_labels(test)
    return {k: float((logits[k].argmax(1) == labels[k]).float().mean()) for k in logits}


def video_classifier(
    run_path: Path, train_data, test_data, frames: int, steps: int | None = None, quiet: bool = False
) -> tuple[VideoClassifier, dict[str, float]]:
    """The run's cached classifier of clips of `frames` frames (and its held-out accuracy), trained
    now if missing or made for other data, another length or another number of steps."""
    if not hasattr(train_data, "render"):
        raise UserError(f"the video classifier needs synthetic data with known factors, not {train_data.cfg.name}")
    steps = STEPS if steps is None else steps
    path = run_path / CLASSIFIER
    data_cfg = dict(vars(train_data.cfg))
    want = {"data": data_cfg, "recipe": RECIPE, "steps": steps, "frames": frames}
    model = VideoClassifier(train_data.channels, heads(train_data)).to(train_data.device)
    meta = load_cached(path, "classifier", model, want)
    if meta:
        return model.eval(), meta["accuracy"]
    model, accuracy = train_video_classifier(train_data, test_data, frames, steps, quiet=quiet)
    meta = {"objective": "video_classifier", **want, "accuracy": accuracy}
    save_cached(path, "classifier", model, meta)
    return model, accuracy


def inception_score(logits: torch.Tensor) -> float:
    """exp(E_x KL(p(y|x) || p(y))) of logits (n, K): from 1 (one class for all, or no confidence)
    up to K (confident and every class equally often)."""
    logp = F.log_softmax(logits.double(), dim=1)
    log_py = torch.logsumexp(logp, dim=0) - np.log(len(logp))
    return float(torch.exp((logp.exp() * (logp - log_py)).sum(1).mean()))


@torch.no_grad()
def classify(
    model: VideoClassifier, clips: torch.Tensor, batch: int = 64
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Features (n, F) and logits per head of clips (n, T, C, H, W), in batches."""
    feats, logits = [], {k: [] for k in model.heads}
    for chunk in clips.split(batch):
        f = model.features(chunk)
        feats.append(f)
        for k, head in model.heads.items():
            logits[k].append(head(f))
    return torch.cat(feats), {k: torch.cat(v) for k, v in logits.items()}


NAMED = 0.9  # a head "names" a clip's class when its top probability is at least this


def video_scores(model: VideoClassifier, real: torch.Tensor, fake: torch.Tensor) -> dict[str, float | list[float]]:
    """Frechet distance of fake clips to real ones, the Inception-style score per head of both, and per
    head the share of fake clips it names with probability >= NAMED (`named_HEAD`); the fake clips'
    scores with 95% intervals over clips (`NAME_ci`: jackknife, bootstrap for the shares)."""
    f_real, l_real = classify(model, real)
    f_fake, l_fake = classify(model, fake)
    out: dict[str, float | list[float]] = {}
    fd, lo, hi = statistic_interval(frechet_distance, f_real, f_fake)
    out["frechet_distance"], out["frechet_distance_ci"] = fd, [round(lo, 3), round(hi, 3)]
    for k in l_real:
        score, lo, hi = statistic_interval(inception_score, l_fake[k])
        out[f"is_{k}"], out[f"is_{k}_ci"] = score, [round(lo, 3), round(hi, 3)]
        out[f"is_{k}_real"] = inception_score(l_real[k])
        named, lo, hi = mean_interval((l_fake[k].float().softmax(dim=1).amax(dim=1) >= NAMED).float())
        out[f"named_{k}"], out[f"named_{k}_ci"] = round(named, 4), [round(lo, 4), round(hi, 4)]
    return out
