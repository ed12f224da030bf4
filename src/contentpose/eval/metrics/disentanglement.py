"""How well are content and pose separated? Metrics on held-out clips with known factors.

Latents of the fixed test clips (several frames each) are paired with the dataset's
per-frame factors (`data.factor_values`): content factors are discrete, pose factors
continuous (binned into 20 equal-width bins where a discrete variable is needed).
Clips are split in two halves: probes and estimators fit on one and are scored on the other.
On Sprites (`sprites_latents`) the factors are the labels: content the four attributes, pose
the action, the facing direction and the frame within the motion; the halves split characters.

- canonical MIG over the concatenated content ++ pose vector: per latent dimension, 20
  equal-width bins, m[i, j] = mutual_info_score(factor_j, latent_i),
  MIG = mean_j (top1_j - top2_j) / H(factor_j);
- group score (MIPAE's content/pose metric):
      0.5 * mean_{f in content} (I(f; z_c) - I(f; z_p)) / H(f)
    + 0.5 * mean_{f in pose}    (I(f; z_p) - I(f; z_c)) / H(f)
  averaged over the factors of each group, I(f; z) of a whole vector estimated by
  `mutual_information.mi_with_vector`; 1 is perfect separation, 0 no preference; beside it
  the same score of the true factors as latents (`group_true_factors`: the estimator's ceiling
  on these frames, below 1 where a factor is not fully readable, e.g. binned positions);
- leakage probes: logistic regression for content factors (accuracy, next to chance, the
  most frequent class) and ridge regression for pose factors (R^2, chance 0), each from
  the pose vector and from the content vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from contentpose.data.lpc_sprites import ATTRIBUTES, DIRECTIONS, FRAMES, LpcSprites
from contentpose.eval.metrics.mutual_information import discretize, entropy, mi_discrete, mi_with_vector
from contentpose.models.autoencoder import ContentPoseAutoencoder


@dataclass
class Latents:
    """N frames: content (N, Dc), pose (N, P), factors {name: (N,)}, and which half each clip is in."""

    content: np.ndarray
    pose: np.ndarray
    content_factors: dict[str, np.ndarray]
    pose_factors: dict[str, np.ndarray]
    train: np.ndarray

    def discrete_factors(self) -> dict[str, np.ndarray]:
        return {**self.content_factors, **{k: discretize(v) for k, v in self.pose_factors.items()}}

    def true_factors(self) -> Latents:
        """The ideal split of the same frames: the content factors as the content vector and the pose
        factors as the pose vector (what the estimators give a perfect model: their ceiling)."""
        stack = lambda d: np.stack([np.asarray(v, dtype=np.float64) for v in d.values()], 1)  # noqa: E731
        c, p = self.content_factors, self.pose_factors
        return Latents(stack(c), stack(p), c, p, self.train)


@torch.no_grad()
def encode(model: ContentPoseAutoencoder, x: torch.Tensor, batch: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """Content vectors (N, Dc) and poses (N, P) of frames x (N, C, H, W), `batch` at a time."""
    model.eval()
    content = torch.cat([model.content(x[i : i + batch]).vector for i in range(0, len(x), batch)])
    pose = torch.cat([model.pose(x[i : i + batch]) for i in range(0, len(x), batch)])
    return content, pose


@torch.no_grad()
def collect_latents(
    model: ContentPoseAutoencoder, data, clips: int = 500, frames: int = 4, seed: int = 0, batch: int = 500
) -> Latents:
    """Encode `frames` random frames of each of the first `clips` fixed test clips."""
    test = data.test_set()
    n = min(clips, len(test))
    g = torch.Generator().manual_seed(seed)
    times = torch.randint(0, 1000, (n, frames), generator=g).to(data.device)
    rendered = data.clips(test.index(torch.arange(n, device=data.device)), times)
    content, pose = encode(model, rendered.frames.flatten(0, 1), batch)
    content_f, pose_f = data.factor_values(rendered)
    flat = lambda d: {k: v.flatten().cpu().numpy() for k, v in d.items()}  # noqa: E731
    train = (torch.arange(n)[:, None].expand(n, frames) < n // 2).flatten().numpy()
    return Latents(content.cpu().numpy(), pose.cpu().numpy(), flat(content_f), flat(pose_f), train)


@torch.no_grad()
def sprites_latents(
    model: ContentPoseAutoencoder, data: LpcSprites, sequences: int = 500, frames: int = 4, seed: int = 0
) -> Latents:
    """Encode `frames` random frames of `sequences` random test sequences of Sprites; the probes'
    halves split the characters, so no character is on both sides."""
    rng = np.random.default_rng(seed)
    index = np.sort(rng.choice(len(data), size=min(sequences, len(data)), replace=False))
    times = rng.integers(0, FRAMES, size=(len(index), frames))
    content, pose = encode(model, data.frames_at(index, times).flatten(0, 1))
    per_frame = lambda a: np.repeat(np.asarray(a), frames)  # noqa: E731  (sequence order, as x)
    motion = per_frame(data.motions[index])
    content_f = {name: per_frame(data.attributes[index, i]) for i, name in enumerate(ATTRIBUTES)}
    pose_f = {
        "action": (motion // len(DIRECTIONS)).astype(np.float64),
        "facing": (motion % len(DIRECTIONS)).astype(np.float64),
        "frame": times.flatten().astype(np.float64),
    }
    characters = rng.permutation(np.unique(data.characters[index]))  # a random half: the index orders by body
    train = np.isin(per_frame(data.characters[index]), characters[: len(characters) // 2])
    return Latents(content.cpu().numpy(), pose.cpu().numpy(), content_f, pose_f, train)


def canonical_mig(latents: np.ndarray, factors: dict[str, np.ndarray], bins: int = 20) -> dict:
    """MIG of latents (N, D) against discrete factors; per-factor gaps and the best dimension."""
    binned = [discretize(latents[:, i], bins) for i in range(latents.shape[1])]
    per_factor = {}
    for name, f in factors.items():
        h = entropy(f)
        mi = np.sort([mi_discrete(f, z) for z in binned])[::-1]
        per_factor[name] = round(float((mi[0] - mi[1]) / h), 4) if h > 0 else 0.0
    return {"mig": round(float(np.mean(list(per_factor.values()))), 4), "per_factor": per_factor}


def group_score(lat: Latents) -> dict:
    """MIPAE's content/pose score and, per factor, I(f; own) / H(f) and I(f; other) / H(f)."""
    terms, parts = {}, {"content": [], "pose": []}
    factors = lat.discrete_factors()
    for name, f in factors.items():
        group = "content" if name in lat.content_factors else "pose"
        own, other = (lat.content, lat.pose) if group == "content" else (lat.pose, lat.content)
        h = entropy(f[~lat.train])
        if h == 0:
            continue
        i_own, i_other = mi_with_vector(f, own, lat.train) / h, mi_with_vector(f, other, lat.train) / h
        terms[name] = {"group": group, "own": round(i_own, 4), "other": round(i_other, 4)}
        parts[group].append(i_own - i_other)
    score = 0.5 * np.mean(parts["content"]) + 0.5 * np.mean(parts["pose"])
    return {"score": round(float(score), 4), "per_factor": terms}


def leakage_probes(lat: Latents) -> dict:
    """Linear probes fitted on one half of the clips, scored on the other."""
    tr, te = lat.train, ~lat.train
    out = {}
    for name, f in lat.content_factors.items():
        chance = float(np.bincount(f[te]).max() / te.sum())
        row = {"chance": round(chance, 4)}
        for source, z in (("from_content", lat.content), ("from_pose", lat.pose)):
            probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
            row[source] = round(float(probe.fit(z[tr], f[tr]).score(z[te], f[te])), 4)
        out[name] = {"kind": "accuracy", **row}
    for name, y in lat.pose_factors.items():
        row = {"chance": 0.0}
        for source, z in (("from_content", lat.content), ("from_pose", lat.pose)):
            probe = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
            row[source] = round(float(probe.fit(z[tr], y[tr]).score(z[te], y[te])), 4)
        out[name] = {"kind": "r2", **row}
    return out


def disentanglement(model: ContentPoseAutoencoder, data, clips: int = 500, frames: int = 4) -> dict:
    """Every metric above for one model on the fixed test clips (Sprites: random test sequences)."""
    lat = (
        sprites_latents(model, data, clips, frames)
        if isinstance(data, LpcSprites)
        else collect_latents(model, data, clips, frames)
    )
    return {
        "frames": len(lat.pose),
        "mig": canonical_mig(np.concatenate([lat.content, lat.pose], 1), lat.discrete_factors()),
        "group": group_score(lat),
        "group_true_factors": group_score(lat.true_factors())["score"],
        "probes": leakage_probes(lat),
    }


@torch.no_grad()
def action_probes(model: ContentPoseAutoencoder, train_data, test_data, frames: int = 16) -> dict:
    """Labelled real clips (KTH actions): a logistic probe on each clip's mean and spread of its
    content (or pose) vectors over `frames` evenly spaced frames, fitted on the train persons and
    scored on the test persons. Accuracy next to chance (the most frequent test class)."""
    model.eval()

    def features(data):
        x = data.spread_frames(frames)  # (clips, F, C, H, W)
        flat = x.flatten(0, 1)
        c = model.content(flat).vector.view(len(x), frames, -1)
        p = model.pose(flat).view(len(x), frames, -1)
        stats = lambda z: torch.cat([z.mean(1), z.std(1)], 1).cpu().numpy()  # noqa: E731
        return stats(c), stats(p)

    (c_tr, p_tr), (c_te, p_te) = features(train_data), features(test_data)
    y_tr, y_te = train_data.clip_labels, test_data.clip_labels
    out = {
        "classes": train_data.label_names,
        "test_clips": len(y_te),
        "chance": round(float(np.bincount(y_te).max() / len(y_te)), 4),
    }
    for name, (a, b) in {"from_content": (c_tr, c_te), "from_pose": (p_tr, p_te)}.items():
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        out[name] = round(float(probe.fit(a, y_tr).score(b, y_te)), 4)
    return out
