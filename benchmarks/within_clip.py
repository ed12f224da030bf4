"""Swaps within a clip, split by what limits them: overlapping digits and points that change digits.

For each RUN (Moving Digits with keypoint pose), on the held-out clips: content from frame t and
pose from frame t + k of the same clip (k uniform in [0, 12], as in training), so the truth is
frame t + k itself. The classifier must name the clip's digits in the output. Split by whether
the digits are apart in both frames (centres further than 0.8 of a digit's width) and, where
they are, whether each live point sits on the same digit in both frames (a point is live when
its mean distance to the nearest digit's centre is under 10 px; a point "switches" when the
nearest digit differs). Beside each share: the classifier on the real frame t + k, the ceiling.

    python benchmarks/within_clip.py RUN [RUN ...] [--json docs/results/within_clip.json]
"""

from __future__ import annotations

from pathlib import Path

import torch

from common import keypoint_digits_run, machine, runs_and_json, write_json
from contentpose.eval.judges.content_classifier import label_accuracy

MAX_K = 12  # frames between content and pose, as the standard preset trains (data.max_offset)
APART = 0.8  # digits are apart when their centres are further than this many digit widths
LIVE_PX = 10  # a point follows a digit when its mean distance to the nearest centre is under this


def within_clip_scores(path: Path) -> dict:
    model, test, _, classifier = keypoint_digits_run(path)
    if test.num_objects != 2:
        raise SystemExit(f"{path} is not trained on two-digit Moving Digits clips (the standard preset)")
    with torch.no_grad():
        return _scores(model, classifier, test)


def _centres(positions: torch.Tensor, size: int) -> torch.Tensor:
    """Top-left (y, x) of each digit (n, D, 2) -> centres (x, y) in pixels (n, D, 2)."""
    return positions.flip(-1).float() + size / 2


def _scores(model, classifier, test) -> dict:
    clips = test.test_set()
    n, size = len(clips), test.digit_size
    g = torch.Generator().manual_seed(1)
    t = torch.randint(0, 1000, (n, 1), generator=g)
    k = torch.randint(0, MAX_K + 1, (n, 1), generator=g)
    positions = test.positions(clips, torch.cat([t, t + k], dim=1))  # (n, 2, D, 2)
    x_t = test.draw(clips, positions[:, :1])[0][:, 0]
    x_tk = test.draw(clips, positions[:, 1:])[0][:, 0]
    out = torch.cat([model(a, b) for a, b in zip(x_t.split(100), x_tk.split(100))])
    named = lambda y: label_accuracy(classifier(y), clips.label, test.content_groups).float()  # noqa: E731
    hit, ceiling = named(out), named(x_tk)

    H = x_t.shape[-1]
    nearest, distance = [], []
    for frame, where in ((x_t, positions[:, 0]), (x_tk, positions[:, 1])):
        points = (model.pose(frame).view(n, -1, 2) + 1) / 2 * H  # (n, K, 2) x, y in pixels
        d = (points[:, :, None] - _centres(where, size)[:, None]).norm(dim=-1)  # (n, K, D)
        nearest.append(d.argmin(-1))
        distance.append(d.min(-1).values)
    live = (distance[0].mean(0) < LIVE_PX) & (distance[1].mean(0) < LIVE_PX)  # (K,)
    gap = lambda where: (_centres(where, size)[:, 0] - _centres(where, size)[:, 1]).norm(dim=-1)  # noqa: E731
    apart = (gap(positions[:, 0]) > APART * size) & (gap(positions[:, 1]) > APART * size)
    switched = (nearest[0] != nearest[1])[:, live].any(dim=1)

    def row(mask: torch.Tensor) -> dict:
        return {
            "share": round(mask.float().mean().item(), 3),
            "classifier": round(hit[mask].mean().item(), 3) if mask.any() else None,
            "ceiling": round(ceiling[mask].mean().item(), 3) if mask.any() else None,
        }

    return {
        "live_points": int(live.sum()),
        "all": row(torch.ones(n, dtype=torch.bool)),
        "same_frame (k = 0)": row(k[:, 0] == 0),
        "digits overlap in a frame": row(~apart),
        "digits apart in both": row(apart),
        "apart, points keep their digits": row(apart & ~switched),
        "apart, a point switches digits": row(apart & switched),
    }


def main() -> None:
    args = runs_and_json(__doc__)
    result = {"machine": machine(), "max_k": MAX_K, "runs": {}}
    for path in args.runs:
        scores = within_clip_scores(path)
        result["runs"][str(path)] = scores
        print(f"\n{path} ({scores['live_points']} live points)\n  {'pairs':<34}share  classifier (real frame)")
        for name, r in scores.items():
            if isinstance(r, dict):
                accuracy = "-" if r["classifier"] is None else f"{r['classifier']:.3f} ({r['ceiling']:.3f})"
                print(f"  {name:<34}{r['share']:.2f}   {accuracy}")
    write_json(args.json, result)


if __name__ == "__main__":
    main()
