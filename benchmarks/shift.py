"""How exactly a keypoint run moves content: the frame shifted by s pixels as the target pose.

For each RUN (a Moving Digits run with keypoint pose), on the held-out clips at one time: the
content of frame x decoded with the pose of x shifted by s pixels right and down (zeros enter).
Printed per shift: how far the points moved (their error against s, in pixels), the classifier
naming the digits in the output (beside its score on the real shifted frame, the ceiling), and
the output's mean squared error against the shifted frame (beside copying the unshifted frame).
A shift by whole cells of the keypoint grid (4 px at 64 px) is where a strided encoder is exact.

    python benchmarks/shift.py RUN [RUN ...] [--json docs/results/shift.json]
"""

from __future__ import annotations

from pathlib import Path

import torch

from common import keypoint_digits_run, machine, runs_and_json, write_json
from contentpose.eval.judges.content_classifier import label_accuracy

SHIFTS = (0, 1, 2, 3, 4, 6, 8)


def shifted(x: torch.Tensor, s: int) -> torch.Tensor:
    """x (B, C, H, W) moved s pixels right and down; zeros enter at the top and left."""
    out = torch.zeros_like(x)
    out[..., s:, s:] = x[..., : x.shape[-2] - s, : x.shape[-1] - s]
    return out


def shift_scores(path: Path) -> list[dict]:
    model, test, _, classifier = keypoint_digits_run(path)
    with torch.no_grad():
        return _scores(model, classifier, test)


def _scores(model, classifier, test) -> list[dict]:
    clips = test.test_set()
    times = torch.randint(0, 1000, (len(clips), 1), generator=torch.Generator().manual_seed(1))
    x = test.draw(clips, test.positions(clips, times))[0][:, 0]
    H, G = x.shape[-1], model.decoder.grid
    px = lambda p: p / 2 * (G - 1) * H / G  # noqa: E731  a move in [-1, 1] point units, in pixels
    points = model.pose(x)
    rows = []
    for s in SHIFTS:
        target = shifted(x, s)
        out = torch.cat([model(a, b) for a, b in zip(x.split(100), target.split(100))])
        moved = px(model.pose(target) - points).view(len(x), -1, 2)
        error = (moved - s).abs()
        rows.append(
            {
                "shift_px": s,
                "point_error_px_median": round(error.median().item(), 3),
                "point_error_px_mean": round(error.mean().item(), 3),
                "classifier": round(
                    label_accuracy(classifier(out), clips.label, test.content_groups).float().mean().item(), 3
                ),
                "mse": round(((out - target) ** 2).mean().item(), 5),
                "classifier_on_shifted_frame": round(  # the ceiling
                    label_accuracy(classifier(target), clips.label, test.content_groups).float().mean().item(), 3
                ),
                "mse_copy_unshifted": round(((x - target) ** 2).mean().item(), 5),  # a decoder that ignores pose
            }
        )
    return rows


def main() -> None:
    args = runs_and_json(__doc__)
    result = {"machine": machine(), "shifts": {}}
    for path in args.runs:
        rows = shift_scores(path)
        result["shifts"][str(path)] = rows
        print(
            f"\n{path}\n  shift  point error (median / mean px)  classifier (real shifted frame)"
            "  MSE (copy the unshifted frame)"
        )
        for r in rows:
            print(
                f"  {r['shift_px']:>3} px  {r['point_error_px_median']:>6.2f} / {r['point_error_px_mean']:<6.2f}"
                f"            {r['classifier']:.3f} ({r['classifier_on_shifted_frame']:.3f})"
                f"               {r['mse']:.4f} ({r['mse_copy_unshifted']:.4f})"
            )
    write_json(args.json, result)


if __name__ == "__main__":
    main()
