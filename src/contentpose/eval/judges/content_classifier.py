"""Does content survive a rollout? A content classifier trained on real frames scores generated ones.

It names the content classes in a frame (digits 0-9; or each sprite's shape, scale and colour,
numbered one group after the other), is trained once per
data config on the train split's ground truth and kept in RUN/content_classifier.safetensors.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from contentpose.data.synthetic import START_TIMES
from contentpose.eval.judges.fit import fit_one_cycle, seeded
from contentpose.runtime.checkpoint import load_cached, save_cached

CLASSIFIER = "content_classifier.safetensors"
RECIPE = 4  # bump when training changes, so cached classifiers are retrained
STEPS = 1000  # training steps (tests lower it; a cached classifier is reused only with its own count)


class ContentClassifier(nn.Module):
    """A small CNN that names the content classes in a frame (digits, sprite shapes): (B, C, H, W) -> logits (B, K).

    Multi-label (a frame can show several digits), trained with BCE; used to check that
    content survives long rollouts and swaps, not as a representation. Four stride-2 layers, so a unit
    of the last one sees 31 px, a whole 28 px digit: with three (15 px, strokes only) it found 0.70 of
    the digits in held-out two-digit frames at 64 px, with four 0.905 (1000 steps each).
    """

    def __init__(self, channels: int, classes: int = 10, width: int = 32):
        super().__init__()
        layers, cin = [], channels
        for cout in (width, 2 * width, 4 * width, 4 * width):
            layers += [nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.head = nn.Linear(4 * cin, classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Features before the class layer: (B, C, H, W) -> (B, 16 * width)."""
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def multi_hot(labels: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """Content labels (B, D) -> (B, classes) with a 1 for each class present."""
    return torch.zeros(len(labels), classes, device=labels.device).scatter_(1, labels, 1.0)


def label_accuracy(logits: torch.Tensor, labels: torch.Tensor, groups: dict[str, int] | None = None) -> torch.Tensor:
    """Fraction of each frame's digit classes found among its top-n predicted classes,
    n = number of distinct classes in the frame: logits (B, K), labels (B, D) -> (B,).

    With `groups` (each content factor's number of classes, in class order, e.g. a sprite's
    shape, scale and colour) the top-n is taken within each factor's classes and the fractions
    are averaged over factors, so one factor's classes cannot stand in for another's."""
    if groups is not None:
        parts, start = [], 0
        for size in groups.values():
            inside = (labels >= start) & (labels < start + size)
            local = torch.where(inside, labels - start, labels.new_full((), size))  # others: a spare class
            parts.append(_top_n_hits(logits[:, start : start + size], local, size))
            start += size
        return torch.stack(parts).mean(0)
    return _top_n_hits(logits, labels, logits.shape[1])


def _top_n_hits(logits: torch.Tensor, labels: torch.Tensor, classes: int) -> torch.Tensor:
    """label_accuracy over `classes` classes; labels equal to `classes` are ignored."""
    truth = multi_hot(labels, classes + 1)[:, :classes]
    n = truth.sum(1).long()  # distinct classes per frame
    ranks = logits.argsort(dim=1, descending=True).argsort(dim=1)  # rank of each class
    hit = (ranks < n[:, None]) & truth.bool()
    return hit.sum(1) / n.clamp(min=1)


def train_content_classifier(
    data, steps: int | None = None, batch_size: int = 64, lr: float = 3e-3, seed: int = 0, quiet: bool = False
) -> ContentClassifier:
    """Train on frames of fresh training clips at random times. A one-cycle learning rate keeps
    it stable: with a constant rate, label accuracy ranged 0.3-0.8 across seeds (32 px, 2 digits);
    with it, 0.84-0.87 after 1000 steps."""
    steps = STEPS if steps is None else steps
    g = torch.Generator().manual_seed(seed)
    model = seeded(seed, lambda: ContentClassifier(data.channels, data.num_classes).to(data.device))

    def loss() -> torch.Tensor:
        factors = data.sample_factors(batch_size, g)
        times = torch.randint(0, START_TIMES, (batch_size, 1), generator=g).to(data.device)
        frames = data.clips(factors, times).frames[:, 0]
        return F.binary_cross_entropy_with_logits(model(frames), multi_hot(factors.label, data.num_classes))

    return fit_one_cycle(model, loss, steps, lr, "content classifier", quiet)


def content_classifier(run_path: Path, train_data, quiet: bool = False) -> ContentClassifier:
    """The run's cached classifier for its data (pass the training split), trained now if missing
    or made for other data."""
    path = run_path / CLASSIFIER
    data, data_cfg = train_data, dict(vars(train_data.cfg))
    model = ContentClassifier(data.channels, data.num_classes).to(data.device)
    if load_cached(path, "classifier", model, {"data": data_cfg, "recipe": RECIPE, "steps": STEPS}):
        return model.eval()
    model = train_content_classifier(data, quiet=quiet)
    meta = {"objective": "content_classifier", "data": data_cfg, "recipe": RECIPE, "steps": STEPS}
    save_cached(path, "classifier", model, meta)
    return model


def share_classifier(source_run: Path, runs: list[Path], name: str = CLASSIFIER) -> None:
    """Copy `source_run`'s cached classifier (or other judge: the file `name`) into each of `runs` that
    has none, so runs evaluated together are judged by one network (and later evaluations reuse it)."""
    for run in runs:
        if not (run / name).exists():
            shutil.copyfile(source_run / name, run / name)
