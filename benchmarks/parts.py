"""How a `model.keypoint_parts` run splits two digits between its points, where they overlap and
where they are apart.

For each RUN (two-digit Moving Digits, keypoint pose with parts), on one frame of each held-out
clip: the learned split of the frame's features (K + 1 weights per cell of the H/4 grid) is read
against each digit drawn alone. A cell is a digit's own when that digit alone covers a quarter of
it and the other digit none of it. There, "own" is the weight of the live points nearest that
digit, "other" that of live points nearest the other digit, "rest" the last part's (and dead
points). A split that moves each digit with its own point has own near 1 and other near 0. The
baseline beside it ignores what the frame shows: each cell goes wholly to its nearest live point.

    python benchmarks/parts.py RUN [RUN ...] [--json docs/results/parts.json] [--picture docs/parts.png]
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from within_clip import APART, LIVE_PX, _centres

from common import keypoint_digits_run, machine, runs_and_json, write_json
from contentpose.viz.grid import save_grid

COVER = 0.25  # a digit covers a cell when its ink fills this share of the cell's pixels
PICTURE_FRAMES = 8  # four where the digits overlap, four where they are apart


def _split(path: Path) -> dict:
    """The learned split of each test frame and the digits drawn alone, at the grid."""
    model, test, _, _ = keypoint_digits_run(path)
    if test.num_objects != 2:
        raise SystemExit(f"{path} is not trained on two-digit Moving Digits clips (the standard preset)")
    if getattr(model.decoder, "segment", None) is None:
        raise SystemExit(f"{path} has no learned split of content (train it with model.keypoint_parts=true)")
    clips = test.test_set()
    n, size = len(clips), test.digit_size
    t = torch.randint(0, 1000, (n, 1), generator=torch.Generator().manual_seed(1))
    positions = test.positions(clips, t)  # (n, 1, D, 2)
    frames = test.draw(clips, positions)[0][:, 0]  # (n, C, H, W)
    alone = []
    for j in range(2):  # each digit drawn with the other's colour set to 0
        keep = torch.zeros_like(clips.colour)
        keep[:, j] = 1
        alone.append(test.draw(dataclasses.replace(clips, colour=clips.colour * keep), positions)[0][:, 0])
    with torch.no_grad():
        content = model.content(frames)
        weights = model.decoder.parts(content.skips[1], content.points)  # (n, K + 1, G, G)
    G, H = weights.shape[-1], frames.shape[-1]
    cover = [torch.nn.functional.avg_pool2d((a.amax(1, keepdim=True) > 0.1).float(), H // G)[:, 0] for a in alone]
    points = (content.points.view(n, -1, 2) + 1) / 2 * H  # (n, K, 2) x, y in pixels
    d = (points[:, :, None] - _centres(positions[:, 0], size)[:, None]).norm(dim=-1)  # (n, K, D)
    centres = _centres(positions[:, 0], size)
    return {
        "frames": frames,
        "weights": weights,
        "cover": torch.stack(cover, dim=1),  # (n, D, G, G)
        "points": points,
        "nearest": d.argmin(-1),  # (n, K)
        "live": d.min(-1).values.mean(0) < LIVE_PX,  # (K,)
        "apart": (centres[:, 0] - centres[:, 1]).norm(dim=-1) > APART * size,  # (n,)
    }


def _scores(s: dict) -> dict:
    w, cover, nearest, live = s["weights"], s["cover"], s["nearest"], s["live"]
    n, K = nearest.shape
    G, H = w.shape[-1], s["frames"].shape[-1]
    centre = (torch.arange(G) + 0.5) * H / G  # cell centres in pixels
    cell_xy = torch.stack(torch.meshgrid(centre, centre, indexing="xy"), dim=-1)  # (G, G, 2): x, y
    far = (cell_xy[None, None] - s["points"][:, :, None, None]).norm(dim=-1)  # (n, K, G, G)
    far[:, ~live] = float("inf")
    nearest_point = torch.nn.functional.one_hot(far.argmin(1), K).permute(0, 3, 1, 2).float()  # (n, K, G, G)
    sums = {name: torch.zeros(n) for name in ("own", "other", "rest", "nearest point: own")}
    cells = torch.zeros(n)
    for j in range(2):
        own_cells = (cover[:, j] >= COVER) & (cover[:, 1 - j] == 0)  # (n, G, G)
        mine = live[None] & (nearest == j)  # (n, K): live points nearest digit j
        theirs = live[None] & (nearest != j)
        at = lambda weights, mask: (weights * mask[:, :, None, None]).sum(1)  # noqa: E731  (n, G, G)
        for name, value in (
            ("own", at(w[:, :K], mine)),
            ("other", at(w[:, :K], theirs)),
            ("rest", 1 - at(w[:, :K], mine) - at(w[:, :K], theirs)),
            ("nearest point: own", at(nearest_point, mine)),
        ):
            sums[name] += (value * own_cells).sum((1, 2))
        cells += own_cells.sum((1, 2))

    def row(mask: torch.Tensor) -> dict:
        m = mask & (cells > 0)
        out = {"share": round(mask.float().mean().item(), 3)}
        for name, total in sums.items():
            out[name] = round((total[m].sum() / cells[m].sum()).item(), 3) if m.any() else None
        return out

    return {
        "live_points": int(live.sum()),
        "all": row(torch.ones(n, dtype=torch.bool)),
        "digits overlap": row(~s["apart"]),
        "digits apart": row(s["apart"]),
    }


def _picture(s: dict, path: Path) -> Path:
    """Frames (top row) and their split (below): each live point's part in its own colour, the rest
    black; each live point drawn as a 3 x 3 square of its colour on both."""
    overlap = (~s["apart"]).nonzero()[:, 0][: PICTURE_FRAMES // 2]
    apart = s["apart"].nonzero()[:, 0][: PICTURE_FRAMES // 2]
    index = torch.cat([overlap, apart])
    colours = torch.tensor([[1.0, 0.3, 0.2], [0.2, 0.6, 1.0], [0.3, 1.0, 0.3], [1.0, 0.9, 0.2], [0.8, 0.3, 1.0]])
    K, live = s["nearest"].shape[1], s["live"].nonzero()[:, 0]
    frames = s["frames"][index].amax(1, keepdim=True).expand(-1, 3, -1, -1).clone()  # (F, 3, H, W)
    H = frames.shape[-1]
    w = s["weights"][index, :K][:, live]  # (F, L, G, G)
    split = (w[:, :, None] * colours[: len(live), :, None, None]).sum(1).clamp(0, 1)  # (F, 3, G, G)
    split = torch.nn.functional.interpolate(split, size=H, mode="nearest")
    for row in (frames, split):
        for f, i in enumerate(index.tolist()):
            for c, k in enumerate(live.tolist()):
                x, y = s["points"][i, k].round().long().clamp(1, H - 2).tolist()
                row[f, :, y - 1 : y + 2, x - 1 : x + 2] = colours[c, :, None, None]
    labels = ["overlap"] * len(overlap) + ["apart"] * len(apart)
    return save_grid(torch.stack([frames, split]), path, column_labels=labels)


def main() -> None:
    args = runs_and_json(__doc__, picture=True)
    result = {"machine": machine(), "cover": COVER, "runs": {}}
    for number, path in enumerate(args.runs):
        split = _split(path)
        scores = result["runs"][str(path)] = _scores(split)
        print(f"\n{path} ({scores['live_points']} live points); weight on each digit's own cells")
        print(f"  {'frames':<18}share   own  other   rest  (each cell to its nearest point: own)")
        for name, r in scores.items():
            if isinstance(r, dict) and r["own"] is not None:
                values = f"{r['own']:.3f}  {r['other']:.3f}  {r['rest']:.3f}  ({r['nearest point: own']:.3f})"
                print(f"  {name:<18}{r['share']:.2f}  {values}")
        if args.picture and number == 0:
            print(f"picture (frames; their split, one colour per live point): {_picture(split, args.picture)}")
    write_json(args.json, result)


if __name__ == "__main__":
    main()
