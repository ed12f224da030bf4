"""Where a keypoint run's points sit on its objects: on each object's ink, or crowded on one.

For each RUN (Moving Digits with keypoint pose, any keypoint architecture), on the first 256 held-out
clips (val) at t = 0: a point is on an object when it lies on that object's ink (the frame's foreground
mask, widened by 3 px, inside the object's box). Reported: the share of objects that hold a point,
the share of frames where every object does, the share of points on any ink beside the share a
point dropped anywhere at random would get (the widened ink's area), and the median distance from
a point to its nearest other point (0 when all sit on one spot). With --picture, the points (dots)
and the objects' centres (crosses) on the first 16 frames.

    python benchmarks/keypoint_cover.py RUN [RUN ...] [--json FILE] [--picture PNG]
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import torch
import torch.nn.functional as F

from common import machine, runs_and_json, write_json
from contentpose.errors import UserError
from contentpose.models.keypoints import to_frame
from contentpose.trained import load_run

CLIPS = 256
WIDEN_PX = 3  # ink within this many pixels of a point counts: a point on a thin stroke's edge is on it


def points_in_pixels(model, frames: torch.Tensor) -> torch.Tensor:
    """frames (n, C, H, W) -> the model's points (n, K, 2), (x, y) in pixels."""
    pose = model.pose(frames)
    K = model.pose_encoder.points
    xy = to_frame(pose[:, : 2 * K], model.pose_encoder.grid).view(len(frames), K, 2)
    return (xy + 1) / 2 * frames.shape[-1]


@torch.no_grad()
def cover(path: Path) -> tuple[dict, tuple]:
    try:
        run = load_run(path)
    except UserError as err:
        raise SystemExit(f"{path}: {err}") from None
    if run.config.model.pose_head != "keypoints" or run.config.data.name != "moving_digits":
        raise SystemExit(f"{path} is not a keypoint run on Moving Digits (data moving_digits, a keypoint architecture)")
    model, test = run.model.eval(), run.dataset("val")
    held_out = test.test_set()
    n = min(CLIPS, len(held_out))
    clips = held_out.index(torch.arange(n))
    positions = test.positions(clips, torch.zeros(n, 1, dtype=torch.long))  # (n, 1, D, 2) top-left (y, x)
    frames, masks, _ = test.draw(clips, positions)
    x, S = frames[:, 0], frames.shape[-1]
    points = points_in_pixels(model, x)  # (n, K, 2)
    ink = F.max_pool2d(masks[:, 0].float(), 2 * WIDEN_PX + 1, 1, WIDEN_PX)[:, 0] > 0.5  # (n, H, W)
    ij = points.floor().long().clamp(0, S - 1)  # the pixel a point lies in (pixel i spans [i, i + 1))
    on_ink = ink[torch.arange(n)[:, None], ij[..., 1], ij[..., 0]]  # (n, K)
    corner = positions[:, 0].round().clamp(0, test.span).flip(-1).float()  # (n, D, 2) top-left (x, y), as drawn
    inside = ((points[:, None] >= corner[:, :, None]) & (points[:, None] < corner[:, :, None] + test.digit_size)).all(
        -1
    )
    held = (inside & on_ink[:, None]).any(-1)  # (n, D): the object holds a point
    gaps = torch.cdist(points, points) + torch.eye(points.shape[1]) * 1e9
    result = {
        "objects holding a point": round(held.float().mean().item(), 3),
        "frames where every object holds one": round(held.all(-1).float().mean().item(), 3),
        "points on ink": round(on_ink.float().mean().item(), 3),
        "points on ink, at random": round(ink.float().mean().item(), 3),
        "median px to the nearest other point": round(gaps.min(-1).values.median().item(), 2),
    }
    return result, (x[:16], points[:16], corner[:16] + test.digit_size / 2)


def picture(path: Path, frames: torch.Tensor, points: torch.Tensor, centres: torch.Tensor, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 8, figsize=(16, 4.6))
    for i, ax in enumerate(axes.flat):
        ax.imshow(frames[i].permute(1, 2, 0).clamp(0, 1).numpy())
        ax.scatter(centres[i, :, 0], centres[i, :, 1], s=40, marker="x", c="white", linewidths=1)
        ax.scatter(points[i, :, 0], points[i, :, 1], s=18, c=range(points.shape[1]), cmap="tab10", edgecolors="k")
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    command = "python benchmarks/keypoint_cover.py " + " ".join(sys.argv[1:])
    fig.text(0.01, 0.01, f"{command}; {machine()}; {date.today()}", fontsize=6, color="0.4")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=70)
    print(f"picture: {path}")


def main() -> None:
    args = runs_and_json(__doc__, picture=True)
    results = {}
    for i, run in enumerate(args.runs):
        results[str(run)], shown = cover(run)
        print(run, results[str(run)])
        if i == 0 and args.picture:
            picture(args.picture, *shown, f"{run}: points (dots) and object centres (x), val")
    write_json(args.json, {"split": "val", "clips": CLIPS, "runs": results})


if __name__ == "__main__":
    main()
