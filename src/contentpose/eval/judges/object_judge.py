"""Per-object scores at the true positions: is each of a's objects drawn where it belongs?

For data whose renderer knows where each object is (`object_windows`: digits, sprites), a window is
cut from a frame at each object's true place, and a small CNN trained on such windows of real
frames names the object's class in each content group (a digit's class; a sprite's shape, scale
and colour). An object counts as correct when every group is named right. A swap "a's objects in
b's pose" is scored at b's windows, under the assignment of a's objects to them that gets the most
right (nothing in a pose says which object goes where); the headline is the share of swaps with
**every** object right. Copying frame a, which shows a's objects at a's places, scores near chance.
The judge is trained once per data config and kept in RUN/object_judge.safetensors.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import torch
import torch.nn.functional as F

from contentpose.data.synthetic import START_TIMES
from contentpose.eval.judges.content_classifier import ContentClassifier
from contentpose.eval.judges.fit import fit_one_cycle, seeded
from contentpose.runtime.checkpoint import load_cached, save_cached

JUDGE = "object_judge.safetensors"
RECIPE = 1  # bump when training changes, so cached judges are retrained
STEPS = 1000  # training steps (tests lower it; a cached judge is reused only with its own count)
FOREGROUND = 0.5  # a pixel is foreground when it is this far from the true background (any channel)


def crop_windows(frames: torch.Tensor, corners: torch.Tensor, size: int) -> torch.Tensor:
    """Square windows of side `size` at top-left `corners` (n, D, 2) (y, x; may reach past the edge,
    read as 0) of frames (n, C, H, W) -> (n, D, C, size, size)."""
    n, C, H, W = frames.shape
    padded = F.pad(frames, (size, size, size, size))
    c = corners.clamp(-size, max(H, W)) + size
    ar = torch.arange(size, device=frames.device)
    rows = (c[..., 0, None] + ar)[:, :, :, None]  # (n, D, size, 1)
    cols = (c[..., 1, None] + ar)[:, :, None, :]  # (n, D, 1, size)
    picked = padded[torch.arange(n, device=frames.device)[:, None, None, None], :, rows, cols]  # (n, D, s, s, C)
    return picked.permute(0, 1, 4, 2, 3)


class ObjectJudge(torch.nn.Module):
    """Names an object's class in each content group from its window: (B, C, s, s) -> (B, groups)."""

    def __init__(self, channels: int, groups: dict[str, int], width: int = 32):
        super().__init__()
        self.sizes = list(groups.values())
        self.net = ContentClassifier(channels, sum(self.sizes), width)

    def forward(self, windows: torch.Tensor) -> list[torch.Tensor]:
        """Logits of each group: a list of (B, size_g)."""
        return list(self.net(windows).split(self.sizes, dim=1))

    @torch.no_grad()
    def predict(self, windows: torch.Tensor) -> torch.Tensor:
        """The named class of each group: (B, C, s, s) -> (B, G)."""
        return torch.stack([g.argmax(1) for g in self(windows)], dim=1)


def real_windows(data, batch: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of every object of `batch` new training clips at a random time, and their classes:
    (batch * D, C, s, s), (batch * D, G)."""
    factors = data.sample_factors(batch, generator)
    times = torch.randint(0, START_TIMES, (batch, 1), generator=generator).to(data.device)
    clips = data.clips(factors, times)
    corners, size = data.object_windows(clips.positions[:, 0])
    windows = crop_windows(clips.frames[:, 0], corners, size)
    return windows.flatten(0, 1), data.object_labels(factors).flatten(0, 1)


def train_object_judge(
    data, steps: int | None = None, batch_size: int = 64, lr: float = 3e-3, seed: int = 0, quiet: bool = False
) -> ObjectJudge:
    """Train on the windows of fresh training clips (other objects' overlaps and backgrounds
    included, as they appear), one-cycle learning rate (as the content classifier)."""
    steps = STEPS if steps is None else steps
    g = torch.Generator().manual_seed(seed)
    judge = seeded(seed, lambda: ObjectJudge(data.channels, data.content_groups).to(data.device))

    def loss() -> torch.Tensor:
        windows, labels = real_windows(data, batch_size, g)
        return sum(F.cross_entropy(logits, labels[:, i]) for i, logits in enumerate(judge(windows)))

    return fit_one_cycle(judge, loss, steps, lr, "object judge", quiet)


def object_judge(run_path: Path, train_data, quiet: bool = False) -> ObjectJudge | None:
    """The run's cached judge for its data (pass the training split), trained now if missing or made
    for other data; None for data that does not know where its objects are."""
    if not hasattr(train_data, "object_windows"):
        return None
    path = run_path / JUDGE
    data_cfg = dict(vars(train_data.cfg))
    judge = ObjectJudge(train_data.channels, train_data.content_groups).to(train_data.device)
    if load_cached(path, "judge", judge, {"data": data_cfg, "recipe": RECIPE, "steps": STEPS}):
        return judge.eval()
    judge = train_object_judge(train_data, quiet=quiet)
    save_cached(path, "judge", judge, {"objective": "object_judge", "data": data_cfg, "recipe": RECIPE, "steps": STEPS})
    return judge


@torch.no_grad()
def object_scores(
    judge: ObjectJudge, data, frames: torch.Tensor, labels: torch.Tensor, poses: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Per frame: the share of the objects `labels` (n, D, G) named right in the windows at `poses`
    (n, D, P) of `frames` (n, C, H, W), and whether all are, under the best assignment of objects to
    windows: {"object_accuracy": (n,), "all_objects": (n,)}."""
    n, D = labels.shape[:2]
    corners, size = data.object_windows(poses)
    named = judge.predict(crop_windows(frames, corners, size).flatten(0, 1)).view(n, D, -1)  # at window w
    best = torch.zeros(n, device=frames.device)
    for perm in itertools.permutations(range(D)):  # object j at window perm[j]
        best = torch.maximum(best, (named[:, list(perm)] == labels).all(-1).sum(1).float())
    return {"object_accuracy": best / D, "all_objects": (best == D).float()}


def chance_object_accuracy(groups: dict[str, int]) -> float:
    """What a uniform guess names right for one object (every group right)."""
    p = 1.0
    for size in groups.values():
        p /= size
    return p


def foreground_iou(frames: torch.Tensor, background: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """IoU of each frame's foreground (pixels FOREGROUND from the true `background` (n, C, H, W) in any
    channel) with the true foreground (`mask` (n, 1, H, W) above 0.5): (n,); 1 when both are empty."""
    drawn = (frames - background).abs().amax(1) > FOREGROUND
    truth = mask[:, 0] > 0.5
    inter = (drawn & truth).flatten(1).sum(1).float()
    union = (drawn | truth).flatten(1).sum(1).float()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))
