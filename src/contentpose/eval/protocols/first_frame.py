"""The field's motion-transfer protocol on held-out real video (First Order Motion Model, Siarohin et
al. 2019): in each held-out segment the source is its first frame x_0 and the driving frames are
every later frame x_j up to HORIZON; the output D(Ec(x_0), Ep(x_j)) is scored against x_j.

Scored the same way, per pair: copy x_0; x_0 blurred (the best of `blur.WIDTHS` in each horizon
bin: at long horizons a blur beats a sharp wrong frame on PSNR); x_0 moved by its global shift
onto x_j (phase correlation); and the model's own reconstruction D(Ec(x_j), Ep(x_j)), its ceiling.
L1, PSNR and SSIM by horizon bin, with 95% bootstrap intervals over pairs. Per segment, over the
horizons from LONG up, the paired PSNR margin of the transfer over the strongest of the three
baselines and its interval: the target "beats every baseline by 1 dB" is met on a segment when the
interval's lower bound clears 1. Segments shorter than a bin leave it empty: the table says how many
pairs each bin has. A split of many short clips (Moving MNIST's 10,000) is read at SEGMENTS of them,
evenly spaced.

Across segments (segment A's first frame driven by all of segment B, for B each of the ACROSS
segments after A, cyclically: every ordered pair when there are three), where no output is true: whether the output moves as B does, by the agreement of its
optical flow with B's (`metrics/optical_flow.py`), beside copying A's first frame (which does not
move at all).

People (with a `detector`, eval/judges/pose_detector.py): on each segment whose first frame and at
least half of whose driving frames show a person, the field's keypoint distance (AKD, in pixels of the
frame) and missing-keypoint rate (MKR) of each output against its driving frame
(`metrics/keypoint_distance.py`).
"""

from __future__ import annotations

import numpy as np
import torch

from contentpose.eval.baselines.blur import WIDTHS, blur
from contentpose.eval.baselines.global_shift import global_shift_warp
from contentpose.eval.metrics.image_metrics import psnr, ssim
from contentpose.eval.metrics.intervals import mean_interval, summarise
from contentpose.eval.metrics.keypoint_distance import keypoint_distance
from contentpose.eval.metrics.optical_flow import flow_agreement
from contentpose.runtime.progress import progress

HORIZON = 100
BINS = ((1, 5), (6, 15), (16, 30), (31, 60), (61, 100))
LONG = 16  # horizons from here on are where copying the source stops being nearly right
SEGMENTS = 50  # held-out segments read at most (evenly spaced over the split)
ACROSS = 2  # driving segments per source segment in the cross-segment flow score
SHOWN = 8  # segments listed one per line in the table (beyond: a count)
ROWS = ("transfer", "reconstruction", "copy_source", "blurred_copy", "global_shift")
BASELINES = ("copy_source", "blurred_copy", "global_shift")
KEYPOINT_ROWS = ("transfer", "reconstruction", "copy_source", "global_shift")


def _metrics(pred: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    return {"l1": (pred - target).abs().mean((1, 2, 3)), "psnr": psnr(pred, target), "ssim": ssim(pred, target)}


@torch.no_grad()
def first_frame_scores(model, test, names: list[str] | None = None, batch_size: int = 100, detector=None) -> dict:
    """{"bins": {"1-5": {"pairs", row: {l1, psnr, ssim (+ _ci)}, "blur_sigma"}}, "segments":
    {name: {"pairs", "margin_psnr", "margin_psnr_ci", "strongest"}}} for ROWS over every held-out
    segment of `test` (a split of real clips; `names` labels its segments), "across" (`_across`) and,
    with a `detector`, "keypoints": {name: {"pairs", row: {akd, mkr (+ _ci)}}} for the segments that
    show a person."""
    per_pair: dict[str, dict[str, list[torch.Tensor]]] = {r: {} for r in ROWS if r != "blurred_copy"}
    blurred = {s: {} for s in WIDTHS}
    horizons, segments, people = [], [], {}
    n = len(test.lengths)
    names = names or [str(i) for i in range(n)]
    chosen = np.unique(np.linspace(0, n - 1, min(n, SEGMENTS)).round().astype(np.int64)).tolist()
    clips = {index: test.clip(index, HORIZON + 1) for index in chosen}  # each (T, C, H, W)

    def draw(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:  # D(Ec(a), Ep(b)) in batches: (n, C, H, W)
        return torch.cat(
            [model(a[i : i + batch_size], b[i : i + batch_size]).float() for i in range(0, len(b), batch_size)]
        )

    for index, frames in progress(clips.items(), desc="first-frame protocol", unit="segment", leave=False):
        if len(frames) < 2:
            continue
        source, driving = frames[:1].expand_as(frames[1:]), frames[1:]
        outputs = {"transfer": draw(source, driving), "reconstruction": draw(driving, driving)}
        outputs["copy_source"] = source
        outputs["global_shift"] = global_shift_warp(source, driving)
        for row, out in outputs.items():
            for metric, values in _metrics(out, driving).items():
                per_pair[row].setdefault(metric, []).append(values)
        for s in WIDTHS:
            for metric, values in _metrics(blur(source, s), driving).items():
                blurred[s].setdefault(metric, []).append(values)
        if detector is not None:
            found = _keypoints(detector, frames[:1], driving, outputs)
            if found:
                people[names[index]] = found
        horizons.append(torch.arange(1, len(driving) + 1))
        segments.append(torch.full((len(driving),), index))
    if not horizons:
        return {"bins": {}, "segments": {}}
    j, seg = torch.cat(horizons), torch.cat(segments)
    cat = lambda d: {m: torch.cat(v) for m, v in d.items()}  # noqa: E731
    per_pair = {r: cat(d) for r, d in per_pair.items()}
    blurred = {s: cat(d) for s, d in blurred.items()}
    per_pair["blurred_copy"] = {m: torch.zeros(len(j)) for m in ("l1", "psnr", "ssim")}  # filled per bin
    bins = {}
    for lo, hi in BINS:
        rows = (j >= lo) & (j <= hi)
        if not rows.any():
            continue
        sigma = max(WIDTHS, key=lambda s: float(blurred[s]["psnr"][rows].mean()))
        for m in ("l1", "psnr", "ssim"):
            per_pair["blurred_copy"][m][rows] = blurred[sigma][m][rows]
        entry = {"pairs": int(rows.sum()), "blur_sigma": sigma}
        entry.update({r: summarise({m: v[rows] for m, v in per_pair[r].items()}) for r in ROWS})
        bins[f"{lo}-{hi}"] = entry
    out_segments = {}
    for index in seg.unique().tolist():
        rows = (seg == index) & (j >= LONG)
        if not rows.any():
            out_segments[names[index]] = {"pairs": 0}
            continue
        means = {b: float(per_pair[b]["psnr"][rows].mean()) for b in BASELINES}
        strongest = max(means, key=means.get)
        margin = per_pair["transfer"]["psnr"][rows] - per_pair[strongest]["psnr"][rows]
        mean, lo, hi = mean_interval(margin)
        out_segments[names[index]] = {
            "pairs": int(rows.sum()),
            "strongest": strongest,
            "margin_psnr": round(mean, 4),
            "margin_psnr_ci": [round(lo, 4), round(hi, 4)],
        }
    return {
        "horizon": HORIZON,
        "long_from": LONG,
        "segments_read": len(chosen),
        "segments_held_out": n,
        "bins": bins,
        "segments": out_segments,
        "across": _across(clips, draw),
        **({"keypoints": people} if detector is not None else {}),
    }


def _keypoints(detector, first: torch.Tensor, driving: torch.Tensor, outputs: dict) -> dict | None:
    """AKD and MKR of each of KEYPOINT_ROWS against the driving frames (T, C, H, W), or None when the
    first frame (1, C, H, W) or fewer than half the driving frames show a person. "akd_pairs": the
    pairs whose output and truth share a landmark (AKD averages over them)."""
    truth = detector(driving)
    shown = truth[1].any(dim=1)
    if not detector(first)[1].any() or shown.float().mean() < 0.5:
        return None
    entry = {"pairs": int(shown.sum())}
    for row in KEYPOINT_ROWS:
        scores = keypoint_distance(detector(outputs[row]), truth)
        akd, mkr = scores["akd"], scores["mkr"][shown]
        both = ~akd.isnan()
        entry[row] = {
            **summarise({"mkr": mkr}),
            **(summarise({"akd": akd[both]}) if both.any() else {}),
            "akd_pairs": int(both.sum()),
        }
    return entry


def _across(clips: dict[int, torch.Tensor], draw) -> dict:
    """Flow agreement of segment A's first frame driven by segment B (B each of the ACROSS segments
    after A, cyclically, of 3 frames or more), beside copying A's first frame: {"pairs", "transfer",
    "copy_source"}."""
    found = {"transfer": {}, "copy_source": {}}
    order = list(clips.values())
    for a, source in enumerate(order):
        for b in {(a + step) % len(order) for step in range(1, ACROSS + 1)} - {a}:
            driving = order[b]
            if len(driving) < 3:
                continue
            still = source[:1].expand_as(driving)
            for row, out in (("transfer", draw(still, driving)), ("copy_source", still)):
                for metric, values in flow_agreement(out, driving).items():
                    found[row].setdefault(metric, []).append(values)
    if not found["transfer"]:
        return {"pairs": 0}
    scores = {row: summarise({m: torch.cat(v) for m, v in d.items()}) for row, d in found.items()}
    return {"pairs": int(sum(len(v) for v in found["transfer"]["cosine"])), **scores}


def format_first_frame(scores: dict) -> str:
    """The by-horizon table of `first_frame_scores`, as `contentpose evaluate` prints it."""
    labels = {
        "transfer": "transfer D(Ec(x_0), Ep(x_j))",
        "reconstruction": "reconstruction (ceiling)",
        "copy_source": "copy x_0",
        "blurred_copy": "x_0 blurred (best width)",
        "global_shift": "x_0 moved by its global shift",
    }
    lines = [
        f"First frame of each held-out segment driven by its later frames (FOMM's protocol, up to {scores.get('horizon', HORIZON)}):",
        f"  {'horizon (pairs)':<16} {'output':<32} {'L1':>7} {'PSNR [95% interval]':>24} {'SSIM':>7}",
    ]
    for name, entry in scores["bins"].items():
        for i, row in enumerate(ROWS):
            s = entry[row]
            head = f"{name} ({entry['pairs']})" if i == 0 else ""
            label = labels[row] + (f", sigma {entry['blur_sigma']:g}" if row == "blurred_copy" else "")
            interval = " [{:.2f}, {:.2f}]".format(*s["psnr_ci"])
            lines.append(f"  {head:<16} {label:<32} {s['l1']:>7.4f} {s['psnr']:>8.2f}{interval:>16} {s['ssim']:>7.4f}")
    long = scores.get("long_from", LONG)
    if scores.get("segments_read", 0) < scores.get("segments_held_out", 0):
        lines.append(
            f"  ({scores['segments_read']} of the {scores['segments_held_out']} held-out segments, evenly spaced)"
        )
    segments = scores["segments"]
    cleared = sum(s["pairs"] > 0 and s["margin_psnr_ci"][0] > 1 for s in segments.values())
    reach = sum(s["pairs"] > 0 for s in segments.values())
    if len(segments) > SHOWN:
        lines.append(
            f"  {cleared} of the {reach} segments reaching horizon {long} beat every baseline by 1 dB there (lower bound)"
        )
    for name, s in list(segments.items())[:SHOWN]:
        if not s["pairs"]:
            lines.append(f"  segment {name}: no driving frame {long} or more frames after its first")
            continue
        lo, hi = s["margin_psnr_ci"]
        lines.append(
            f"  segment {name}, horizons {long}+ ({s['pairs']} pairs): transfer minus {labels[s['strongest']]}"
            f" {s['margin_psnr']:+.2f} dB [{lo:+.2f}, {hi:+.2f}]"
        )
    across = scores.get("across", {"pairs": 0})
    if across["pairs"]:
        t, c = across["transfer"], across["copy_source"]
        lines.append(
            f"  across segments (A's first frame driven by B; {across['pairs']} frame pairs): flow agreement with B,"
            f" cosine {t['cosine']:.3f} [{t['cosine_ci'][0]:.3f}, {t['cosine_ci'][1]:.3f}] (copy A: {c['cosine']:.3f}),"
            f" end-point error {t['epe']:.2f} px (copy A: {c['epe']:.2f})"
        )
    lines.extend(_format_keypoints(scores.get("keypoints"), labels))
    return "\n".join(lines)


def _format_keypoints(people: dict | None, labels: dict[str, str]) -> list[str]:
    if people is None:
        return ["  people's keypoints (AKD, MKR): pip install 'contentpose[akd]' (mediapipe's pose detector)"]
    if not people:
        return ["  people's keypoints (AKD, MKR): no held-out segment shows a person"]
    lines = ["  people's keypoints against the driving frames (mediapipe's BlazePose; AKD in pixels, lower is better):"]
    for name, entry in people.items():
        for row in KEYPOINT_ROWS:
            s = entry[row]
            akd = "AKD -"
            if "akd" in s:
                akd = f"AKD {s['akd']:.2f} [{s['akd_ci'][0]:.2f}, {s['akd_ci'][1]:.2f}] over {s['akd_pairs']}"
            head = f"segment {name} ({entry['pairs']} frames)" if row == KEYPOINT_ROWS[0] else ""
            lines.append(f"    {head:<40} {labels[row]:<32} {akd:<32} MKR {s['mkr']:.3f}")
    return lines
