"""Scores of generated clips on the features of a small video classifier trained on real clips of
the same synthetic data: a Frechet distance (as FID/FVD, on our features) and an Inception-style
score exp(E_x KL(p(y|x) || p(y))) per classifier head.

The classifier (`models/video_classifier.py`) learns two labels of a real clip: the first object's
content class (the digit) and its direction of motion at the first frame (one of 4 quadrants).
No pretrained video network is downloaded, so these numbers compare our models with each other
only; they are not comparable with published C3D/I3D-based scores.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import torch
import torch.nn.functional as F
from tqdm import tqdm

from contentpose.data.synthetic import START_TIMES
from contentpose.models.video_classifier import VideoClassifier

DIRECTIONS = 4


def clip_labels(clips) -> dict[str, torch.Tensor]:
    """Labels (n,) of rendered synthetic clips: 'content', the first object's first content class
    (Moving Digits: the digit), and 'direction', the quadrant of its first step (dy > 0, dx > 0)."""
    step = clips.positions[:, 1, 0, :2] - clips.positions[:, 0, 0, :2]
    return {"content": clips.factors.label[:, 0], "direction": (step[:, 0] > 0).long() * 2 + (step[:, 1] > 0).long()}


def heads(data) -> dict[str, int]:
    return {"content": data.num_classes, "direction": DIRECTIONS}


def draw_clips(data, n: int, frames: int, generator: torch.Generator):
    """n new clips of `frames` frames from random start times (frames and factors)."""
    factors = data.sample_factors(n, generator)
    t = torch.randint(0, START_TIMES, (n, 1), generator=generator)
    return data.clips(factors, (t + torch.arange(frames)).to(data.device))


def train_video_classifier(
    train_data, test_data, frames: int, steps: int = 300, batch: int = 32, seed: int = 0, quiet: bool = False
) -> tuple[VideoClassifier, dict[str, float]]:
    """Train the classifier on clips of `train_data` (Adam 1e-3, cross-entropy of both heads); return
    it (eval mode) and its accuracy per head on 200 held-out clips of `test_data`."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = VideoClassifier(train_data.channels, heads(train_data)).to(train_data.device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in tqdm(range(steps), desc="video classifier", disable=quiet):
        clips = draw_clips(train_data, batch, frames, g)
        labels = clip_labels(clips)
        out = model(clips.frames)
        loss = sum(F.cross_entropy(out[k], labels[k]) for k in out)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()
    test = test_data.test_clips(200, frames)
    with torch.no_grad():
        out = model(test.frames)
    labels = clip_labels(test)
    return model, {k: float((out[k].argmax(1) == labels[k]).float().mean()) for k in out}


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2) of features (n, F), (m, F)."""
    a, b = a.double().cpu().numpy(), b.double().cpu().numpy()
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(s_a @ s_b)
    root = root.real if np.iscomplexobj(root) else root
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a + s_b - 2 * root))


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


def video_scores(model: VideoClassifier, real: torch.Tensor, fake: torch.Tensor) -> dict[str, float]:
    """Frechet distance of fake clips to real ones, and the Inception-style score per head of both."""
    f_real, l_real = classify(model, real)
    f_fake, l_fake = classify(model, fake)
    out = {"frechet_distance": frechet_distance(f_real, f_fake)}
    for k in l_real:
        out[f"is_{k}"] = inception_score(l_fake[k])
        out[f"is_{k}_real"] = inception_score(l_real[k])
    return out
