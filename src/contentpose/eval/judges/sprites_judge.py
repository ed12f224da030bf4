"""The Sprites judge trained on labelled real training sequences, cached beside the data cache.

    CACHE/lpc_sprites-KEY-judge.safetensors   weights; metadata: recipe, data, held-out accuracy, training time

KEY is the data cache's (the sheets and the frame size), so a judge is trained once per data;
RECIPE changes when training changes, so a cached judge from an older recipe is retrained.
Its held-out accuracy (every head, on all real test sequences) is printed when it is trained.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from contentpose.data.lpc_sprites import ATTRIBUTES, LpcSprites, frame_poses
from contentpose.eval.judges.fit import fit_one_cycle, seeded
from contentpose.runtime.checkpoint import load_cached, save_cached

RECIPE = 2  # bump when training changes, so cached judges are retrained
STEPS, BATCH, LR = 400, 32, 3e-3


SIZE = 32  # the trunk's input side


class SpritesJudge(nn.Module):
    """The Sprites judge: a classifier of a sequence's 4 attributes and its motion.

    (B, T, 3, H, W) in [0, 1] -> attribute logits (B, 4, 6) and motion logits (B, 9). A small conv
    trunk embeds each frame (frames above 32 px are area-downsampled to 32 first, so one judge
    reads 32 and 64 px data alike and trains in minutes on a CPU); the attribute heads read each
    frame alone (`frame_attributes`, usable on single generated frames) and a sequence's attribute
    logits are their mean over time; the motion head reads the frame embeddings concatenated in time
    order. A pose head names the sheet cell a single frame shows (`frame_pose`; 63 classes), the
    per-frame stand-in for motion where only frames are generated (Set GAN).
    """

    def __init__(
        self,
        frames: int = 8,
        attributes: int = 4,
        classes: int = 6,
        motions: int = 9,
        poses: int = 63,
        width: int = 16,
        features: int = 128,
    ):
        super().__init__()
        layers, cin = [], 3
        for cout in (width, 2 * width, 4 * width):  # 32 -> 16 -> 8 -> 4
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.trunk = nn.Sequential(*layers, nn.Flatten(), nn.Linear(cin * 16, features), nn.ReLU(inplace=True))
        self.attributes, self.classes, self.frames = attributes, classes, frames
        self.attribute_head = nn.Linear(features, attributes * classes)
        self.pose_head = nn.Linear(features, poses)
        self.motion_head = nn.Sequential(
            nn.Linear(frames * features, 256), nn.ReLU(inplace=True), nn.Linear(256, motions)
        )

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Frames (N, 3, H, W) -> features (N, features)."""
        if x.shape[-1] != SIZE:
            x = F.adaptive_avg_pool2d(x, SIZE)  # area downsampling
        return self.trunk(x)

    def frame_attributes(self, x: torch.Tensor) -> torch.Tensor:
        """Single frames (N, 3, H, W) -> attribute logits (N, 4, 6)."""
        return self.attribute_head(self.embed(x)).view(len(x), self.attributes, self.classes)

    def frame_pose(self, x: torch.Tensor) -> torch.Tensor:
        """Single frames (N, 3, H, W) -> pose logits (N, poses)."""
        return self.pose_head(self.embed(x))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Sequences (B, T, 3, H, W), T = `frames` -> attribute logits (B, 4, 6), motion logits (B, 9)."""
        return self.heads(self.embed(x.flatten(0, 1)).view(*x.shape[:2], -1))

    def heads(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Frame features (B, T, features) -> attribute logits (B, 4, 6), motion logits (B, 9)."""
        attributes = self.attribute_head(h).mean(1).view(len(h), self.attributes, self.classes)
        return attributes, self.motion_head(h.flatten(1))


def judge_path(data: LpcSprites) -> Path:
    return data.cache_dir / f"lpc_sprites-{data.cache_key}-judge.safetensors"


def train_judge(
    data: LpcSprites,
    steps: int = STEPS,
    batch_size: int = BATCH,
    lr: float = LR,
    seed: int = 0,
    sequences: np.ndarray | None = None,
    width: int = 16,
    quiet: bool = False,
) -> SpritesJudge:
    """Cross-entropy on all heads (4 attributes and the pose of each frame, the motion of each
    sequence), one-cycle learning rate, batches of random training sequences (all of the split, or only `sequences`); `width`:
    the trunk's first conv width (the cached judge's is 16)."""
    poses = torch.as_tensor(frame_poses(), device=data.device)
    pool = np.arange(len(data)) if sequences is None else np.asarray(sequences)
    g = np.random.default_rng(seed)
    model = seeded(seed, lambda: SpritesJudge(width=width).to(data.device))

    def loss() -> torch.Tensor:
        seq = data.labelled(g.choice(pool, batch_size))
        h = model.embed(seq.frames.flatten(0, 1)).view(*seq.frames.shape[:2], -1)
        attributes = model.attribute_head(h).view(*h.shape[:2], len(ATTRIBUTES), -1)  # each frame's (B, T, 4, 6)
        frame_truth = seq.attributes[:, None].expand(-1, h.shape[1], -1)
        return (
            F.cross_entropy(attributes.flatten(0, 2), frame_truth.flatten()) * len(ATTRIBUTES)
            + F.cross_entropy(model.heads(h)[1], seq.motions)
            + F.cross_entropy(model.pose_head(h).flatten(0, 1), poses[seq.motions].flatten())
        )

    return fit_one_cycle(model, loss, steps, lr, "Sprites judge", quiet)


@torch.no_grad()
def judge_probabilities(
    judge: SpritesJudge, frames: torch.Tensor, batch: int = 256
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences (N, T, 3, H, W) -> p(attribute) (N, 4, 6) and p(motion) (N, 9), on the CPU."""
    judge.eval()
    device = next(judge.parameters()).device
    out = [judge(frames[i : i + batch].to(device)) for i in range(0, len(frames), batch)]
    return (torch.cat([a for a, _ in out]).softmax(-1).cpu(), torch.cat([m for _, m in out]).softmax(-1).cpu())


@torch.no_grad()
def judge_accuracy(judge: SpritesJudge, data: LpcSprites, sequences: np.ndarray | None = None) -> dict:
    """The judge on real sequences (all of `data`'s split, or `sequences`): accuracy of each head;
    `frame_all_attributes` and `frame_pose`: the per-frame heads on every frame (all four attributes
    right; the pose right)."""
    judge.eval()
    index = np.arange(len(data)) if sequences is None else np.asarray(sequences)
    hits = {"attributes": [], "frame_attributes": [], "motion": [], "pose": []}
    truth = torch.as_tensor(frame_poses(), device=data.device)
    for start in range(0, len(index), 256):
        seq = data.labelled(index[start : start + 256])
        h = judge.embed(seq.frames.flatten(0, 1)).view(*seq.frames.shape[:2], -1)
        attributes, motion = judge.heads(h)
        hits["attributes"].append(attributes.argmax(-1) == seq.attributes)
        per_frame = judge.attribute_head(h).view(*h.shape[:2], len(ATTRIBUTES), -1).argmax(-1)  # (B, T, 4)
        hits["frame_attributes"].append((per_frame == seq.attributes[:, None]).all(-1))
        hits["motion"].append(motion.argmax(-1) == seq.motions)
        hits["pose"].append(judge.pose_head(h).argmax(-1) == truth[seq.motions])
    hit = {k: torch.cat(v).float().cpu() for k, v in hits.items()}
    return {
        **{name: round(float(hit["attributes"][:, i].mean()), 4) for i, name in enumerate(ATTRIBUTES)},
        "all_attributes": round(float(hit["attributes"].prod(1).mean()), 4),
        "motion": round(float(hit["motion"].mean()), 4),
        "frame_all_attributes": round(float(hit["frame_attributes"].mean()), 4),
        "frame_pose": round(float(hit["pose"].mean()), 4),
        "sequences": len(index),
    }


def save_judge(
    judge: SpritesJudge,
    train_data: LpcSprites,
    accuracy: dict,
    seconds: float,
    steps: int = STEPS,
    batch_size: int = BATCH,
) -> dict:
    """Cache `judge` (trained on `train_data`) beside the data cache; return its metadata."""
    meta = {
        "objective": "sprites_judge",
        "recipe": RECIPE,
        "data_key": train_data.cache_key,
        "frame_size": train_data.cfg.frame_size,
        "accuracy": accuracy,
        "train_seconds": round(seconds, 1),
        "steps": steps,
        "batch_size": batch_size,
    }
    save_cached(judge_path(train_data), "judge", judge, meta)
    return meta


def sprites_judge(train_data: LpcSprites, test_data: LpcSprites, quiet: bool = False) -> tuple[SpritesJudge, dict]:
    """The judge of this data (pass both splits) and its metadata (held-out `accuracy`, `train_seconds`),
    trained now if it is missing, of an older recipe or broken."""
    if train_data.cache_key != test_data.cache_key:
        raise ValueError("the judge's train and test splits come from different data")
    path = judge_path(train_data)
    judge = SpritesJudge().to(train_data.device)
    meta = load_cached(path, "judge", judge, {"recipe": RECIPE, "data_key": train_data.cache_key})
    if meta:
        return judge.eval(), meta
    start = time.perf_counter()
    judge = train_judge(train_data, quiet=quiet)
    seconds = time.perf_counter() - start
    accuracy = judge_accuracy(judge, test_data)
    meta = save_judge(judge, train_data, accuracy, seconds)
    if not quiet:
        print(
            f"Sprites judge trained in {seconds:.0f} s; held-out accuracy on {accuracy['sequences']} real test "
            f"sequences: " + ", ".join(f"{k} {v:.4f}" for k, v in accuracy.items() if k != "sequences")
        )
    return judge, meta
