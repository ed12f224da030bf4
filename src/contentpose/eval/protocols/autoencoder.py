"""The autoencoders' protocol (DrNet, MIPAE): on synthetic data, swaps scored per object at the
true positions beside cut-and-paste and the copies, reconstruction, disentanglement probes and
interpolation; on Sprites the Sprites protocol; on real clips held-out frames beside a global-shift
warp; and, where a pose predictor was trained, prediction curves and long rollouts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from contentpose.errors import UserError
from contentpose.eval.judges.content_classifier import content_classifier, share_classifier
from contentpose.eval.judges.object_judge import JUDGE, object_judge
from contentpose.eval.judges.pose_detector import PoseDetector, pose_detector_installed
from contentpose.eval.metrics.disentanglement import action_probes, disentanglement
from contentpose.eval.metrics.interpolation import interpolation_scores
from contentpose.eval.metrics.intervals import format_cell, seed_spread
from contentpose.eval.metrics.prediction import long_rollout, prediction_curves
from contentpose.eval.plots import plot_prediction_curves
from contentpose.eval.protocols.first_frame import first_frame_scores, format_first_frame
from contentpose.eval.protocols.held_out_video import format_held_out_video, held_out_video_scores
from contentpose.eval.protocols.sprites import SpritesProtocol, format_sprites
from contentpose.eval.protocols.swap import BASELINES, reconstruction_fidelity, swap_fidelity
from contentpose.eval.results import Result
from contentpose.models.video_predictor import VideoPredictor
from contentpose.trained import PREDICTOR, TrainedRun, load_predictor, load_run

PREDICTION_SETTINGS = ((10, 10), (5, 100))  # (context, horizon) of the per-step curves
ROLLOUT_STEPS = (10, 100, 500)  # where long rollouts are checked for content and sharpness


def evaluate_autoencoders(
    paths: list[Path], device: str = "auto", out: Path | None = None, split: str = "val", pairs: int | None = None
) -> dict:
    """Content/pose autoencoders: swaps (synthetic data) or held-out frames (real clips), next to the
    classical baselines; prediction where a pose predictor was trained."""
    runs = [load_run(p, device) for p in paths]
    data_cfg = runs[0].config.data
    for run in runs[1:]:
        if run.config.data != data_cfg:
            raise UserError(f"runs {runs[0].path} and {run.path} use different data; evaluate them separately")
    data = runs[0].dataset(split)
    sprites = SpritesProtocol(runs[0], split) if data_cfg.name == "lpc_sprites" else None  # its judge and baselines
    synthetic = hasattr(data, "render")  # can draw any content in any pose and knows its factors
    baselines, judge, content = {}, None, {}
    if synthetic:  # one object judge scores every run of the table
        train_data = runs[0].dataset("train")
        judge = object_judge(runs[0].path, train_data)
        if judge is not None:
            share_classifier(runs[0].path, [run.path for run in runs[1:]], JUDGE)
        reference = swap_fidelity(None, data, train_data=train_data, judge=judge, pairs=pairs)
        baselines = {k: v for k, v in reference.items() if k in BASELINES}
        content = {k: reference[k] for k in ("real_frames", "chance") if k in reference}
    results = {"split": split, "baselines": baselines, "object_judge": content, "runs": {}}
    for run in runs:
        entry = {
            "step": run.step,
            "split": split,
            "objective": run.config.objective.name,
            "losses": run.config.objective.losses(),
            "beta": run.config.objective.beta,
        }
        if synthetic:
            scores = swap_fidelity(run.model, data, judge=judge, pairs=pairs)
            entry.update(
                pairs=pairs or data_cfg.test_clips,
                swap=scores["swap"],
                reconstruction=scores["reconstruction"],
                baselines=baselines,
                object_judge=content,
                disentanglement=disentanglement(run.model, data),
                interpolation=interpolation_scores(run, split=split),
            )
        else:
            entry["reconstruction"] = reconstruction_fidelity(run.model, data)
            if hasattr(data, "clip_labels"):  # labelled real clips (KTH actions)
                entry["action_probes"] = action_probes(run.model, run.dataset("train"), data)
            if sprites is not None:
                entry["sprites"] = sprites.score(run.transfer, redraw=True)
                entry["disentanglement"] = disentanglement(run.model, data)
            else:  # real clips: transfer within a clip next to the nearest training frame
                entry["held_out"] = held_out_video_scores(
                    run.model, run.dataset("train"), data, run.config.data.max_offset
                )
                names = [Path(n).name for n in data.names] if hasattr(data, "names") else None
                detector = PoseDetector() if pose_detector_installed() else None
                try:
                    entry["first_frame"] = first_frame_scores(run.model, data, names, detector=detector)
                finally:
                    if detector is not None:
                        detector.close()
        if (run.path / PREDICTOR).exists():
            entry["prediction"] = evaluate_prediction(run, data)
        (run.path / "eval.json").write_text(json.dumps(entry, indent=2))
        results["runs"][str(run.path)] = entry
    if synthetic:
        print(format_table(results, n_pairs=pairs or data_cfg.test_clips))
        print()
        print(format_disentanglement(results))
    else:
        print(f"Held-out frames of real clips, {split} split (swap fidelity and factor metrics need synthetic data)")
        for path, entry in results["runs"].items():
            print(format_real_clips(Path(path).name, entry))
        if sprites is not None:
            print()
            print(format_sprites({Path(p).name: e["sprites"] for p, e in results["runs"].items()}))
            print()
            print(format_disentanglement(results))
    for path, entry in results["runs"].items():
        if "prediction" in entry:
            print()
            print(format_prediction(Path(path).name, entry["prediction"]))
    _write(out, results)
    return results


def format_real_clips(name: str, entry: dict) -> str:
    """A run's scores on real clips: held-out transfers (or its reconstruction) and action probes."""
    r = entry["reconstruction"]
    if "held_out" in entry:
        lines = [format_held_out_video(name, entry["held_out"])]
        if "first_frame" in entry:
            lines.append(format_first_frame(entry["first_frame"]))
    else:
        lines = [f"  {name}: reconstruction PSNR {r['psnr']:.2f}, SSIM {r['ssim']:.4f}"]
    if "action_probes" in entry:
        a = entry["action_probes"]
        lines.append(
            f"  action probe on {a['test_clips']} test clips: from content {a['from_content']:.3f}, "
            f"from pose {a['from_pose']:.3f} (chance {a['chance']:.3f})"
        )
    return "\n".join(lines)


class AutoencoderResult(Result):
    """One autoencoder run's eval.json as `evaluate` prints it (the run alone in its tables)."""

    def text(self) -> str:
        e, name = self.data, self.name
        alone = {
            "split": e["split"],
            "baselines": e.get("baselines", {}),
            "object_judge": e.get("object_judge", {}),
            "runs": {name: e},
        }
        parts = []
        if "swap" in e:
            parts += [format_table(alone, n_pairs=e["pairs"]), format_disentanglement(alone)]
        else:
            parts.append(format_real_clips(name, e))
        if "sprites" in e:
            parts += [format_sprites({name: e["sprites"]}), format_disentanglement(alone)]
        if "prediction" in e:
            parts.append(format_prediction(name, e["prediction"]))
        return "\n\n".join(parts)


def _write(out: Path | None, results: dict) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2))


BASELINE_LABELS = {
    "cut_and_paste": "baseline: cut-and-paste (no learning)",
    "copy_pose_frame": "baseline: copy frame b (pose)",
    "copy_content_frame": "baseline: copy frame a (content)",
    "content_blind": "baseline: content-blind (mean object)",
}
SWAP_METRICS = (  # (key, column, format) of the swap table; all-objects-correct is the headline
    ("all_objects", "all objects", ".3f"),
    ("object_accuracy", "per object", ".3f"),
    ("fg_iou", "fg IoU", ".3f"),
    ("psnr", "PSNR", ".2f"),
    ("ssim", "SSIM", ".3f"),
)


def strongest_baselines(baselines: dict) -> dict[str, tuple[str, float]]:
    """For each metric, the baseline with the best mean (all metrics are higher-is-better): {key: (name, mean)}."""
    best = {}
    for key, _, _ in SWAP_METRICS:
        scored = [(b[key], name) for name, b in baselines.items() if key in b]
        if scored:
            value, name = max(scored)
            best[key] = (name, value)
    return best


def format_table(results: dict, n_pairs: int) -> str:
    """Swap scores of each run with 95% intervals over pairs, next to every baseline, the strongest
    baseline per metric (named), the judge's ceiling on the true frames, and the reconstruction."""
    split = results.get("split", "test")
    widths = [22, 22, 22, 24, 22]
    head = "".join(f"{label:>{w}}" for (_, label, _), w in zip(SWAP_METRICS, widths))
    lines = [
        f"Swap fidelity on {n_pairs} {split} pairs: D(Ec(a), Ep(b)) against a's objects drawn in b's pose "
        "(mean [95% interval over pairs])",
        f"{'':42}{head}",
    ]

    def row(label: str, x: dict) -> str:
        return f"{label:42}" + "".join(f"{format_cell(x, k, f):>{w}}" for (k, _, f), w in zip(SWAP_METRICS, widths))

    for path, entry in results["runs"].items():
        lines.append(row(f"{Path(path).name} (step {entry['step']})", entry["swap"]))
    for key, label in BASELINE_LABELS.items():
        if key in results["baselines"]:
            lines.append(row(label, results["baselines"][key]))
    judge = results.get("object_judge") or {}
    if "real_frames" in judge:
        lines.append(row("true frames (the judge's ceiling)", judge["real_frames"]))
    best = strongest_baselines(results["baselines"])
    if best:
        lines.append(
            "strongest baseline per metric: "
            + "; ".join(f"{label} {best[k][0]} ({best[k][1]:{f}})" for k, label, f in SWAP_METRICS if k in best)
        )
    if "chance" in judge:
        lines.append(
            f"all objects / per object: a judge trained on real windows names each of a's objects at b's true "
            f"places (best assignment); chance per object {judge['chance']['object_accuracy']:.3f}. "
            "fg IoU: drawn foreground against the truth's mask"
        )
    runs = list(results["runs"].values())
    if len(runs) > 1 and all("all_objects" in e["swap"] for e in runs):
        for key, label, f in SWAP_METRICS[:1] + SWAP_METRICS[3:4]:
            mean, sd = seed_spread([e["swap"][key] for e in runs])
            lines.append(f"over the {len(runs)} runs (seeds): {label} {mean:{f}} +- {sd:{f}} (sd)")
    lines.append(f"{'':42}" + "".join(f"{label:>{w}}" for (_, label, _), w in zip(SWAP_METRICS, widths)))
    for path, entry in results["runs"].items():
        lines.append(row(f"reconstruction {Path(path).name}", entry["reconstruction"]))
    for path, entry in results["runs"].items():
        lines.append(f"{Path(path).name} trains with: {'; '.join(entry['losses'])}")
    kept = {Path(p).name: e["interpolation"] for p, e in results["runs"].items() if e.get("interpolation")}
    for name, i in kept.items():
        lines.append(
            f"pose interpolation ({name}): {i['kept_share']:.2f} of {i['rows']} x {i['steps']} interpolated frames "
            "keep the object (foreground mass within 20% of the real end frames')"
        )
    return "\n".join(lines)


def format_disentanglement(results: dict) -> str:
    """MIG, group score and the leakage probes averaged over the factors of each group."""
    first = next(iter(results["runs"].values()))["disentanglement"]
    probes = first["probes"]
    content = [k for k, v in probes.items() if v["kind"] == "accuracy"]
    pose = [k for k, v in probes.items() if v["kind"] == "r2"]
    lines = [
        f"Disentanglement on {first['frames']} held-out frames; content factors {', '.join(content)}, "
        f"pose factors {', '.join(pose)}",
        "probes: content factors by accuracy (chance in brackets), pose factors by R^2 (chance 0)",
        f"{'':34} {'MIG':>6} {'group':>6} {'content<-Ec':>12} {'content<-Ep':>16} {'pose<-Ep':>9} {'pose<-Ec':>9}",
    ]
    mean = lambda xs: float(np.mean(xs)) if xs else float("nan")  # noqa: E731
    for path, entry in results["runs"].items():
        d = entry["disentanglement"]
        p = d["probes"]
        name = f"{Path(path).name} (step {entry['step']})"
        chance = mean([p[k]["chance"] for k in content])
        lines.append(
            f"{name:34} {d['mig']['mig']:6.3f} {d['group']['score']:6.3f} "
            f"{mean([p[k]['from_content'] for k in content]):12.3f} "
            f"{mean([p[k]['from_pose'] for k in content]):8.3f} ({chance:.3f}) "
            f"{mean([p[k]['from_pose'] for k in pose]):9.3f} {mean([p[k]['from_content'] for k in pose]):9.3f}"
        )
    if "group_true_factors" in first:  # the same frames for every run: one ceiling
        lines.append(f"{'true factors as latents (ceiling)':34} {'-':>6} {first['group_true_factors']:6.3f}")
    return "\n".join(lines)


def evaluate_prediction(run: TrainedRun, data) -> dict:
    """Per-step curves for each setting, the long-rollout checks, and a plot in RUN/prediction_curves.png."""
    predictor = VideoPredictor(run.model, load_predictor(run))
    curves, notes = [], []
    for context, horizon in PREDICTION_SETTINGS:
        try:
            curves.append(prediction_curves(predictor, data, context, horizon))
        except UserError as err:  # real clips may be too short for a setting
            notes.append(f"{context} -> {horizon} skipped: {err}")
    out = {"curves": curves, "notes": notes}
    if hasattr(data, "factor_values"):  # content labels are known: check long rollouts
        out["rollout"] = long_rollout(
            predictor,
            content_classifier(run.path, run.dataset("train")),
            data,
            run.config.predictor.context,
            ROLLOUT_STEPS,
        )
    if curves:
        out["plot"] = str(plot_prediction_curves(curves, run.path / "prediction_curves.png", title=run.path.name))
    return out


PREDICTION_ROWS = {"model": "model", "copy_last": "copy last frame", "constant_shift": "constant global shift"}


def format_prediction(name: str, pred: dict) -> str:
    """Step-averaged scores of each setting, the model beside the forecasts that learn nothing, then the
    long-rollout checks."""
    lines = [
        f"Prediction of {name} on held-out clips (mean over predicted steps, 95% bootstrap intervals over clips)",
        f"{'':26} {'':22} {'PSNR':>21} {'SSIM':>24}",
    ]
    for c in pred["curves"]:
        setting = f"{c['context']:>3} context -> {c['horizon']:>3} future"
        for key, label in PREDICTION_ROWS.items():
            if key in c:
                lines.append(
                    f"{setting:26} {label:22} {format_cell(c[key], 'psnr_mean', '.2f'):>21} "
                    f"{format_cell(c[key], 'ssim_mean', '.3f'):>24}"
                )
                setting = ""
        best = max((k for k in PREDICTION_ROWS if k != "model" and k in c), key=lambda k: c[k]["psnr_mean"])
        lines.append(f"{'':26} strongest baseline on PSNR: {PREDICTION_ROWS[best]}")
    lines += [f"  {note}" for note in pred["notes"]]
    if "rollout" in pred:
        r = pred["rollout"]
        lines.append(
            f"Long rollout from {r['context']} context frames, {r['clips']} clips, "
            f"{r['frames_per_s']:.0f} generated frames/s"
        )
        lines.append(
            f"{'step':>6} {'content acc':>21} {'on real':>8} {'on reconstructed':>17} {'sharpness vs real':>18}"
        )
        for step, x in r["steps"].items():
            lines.append(
                f"{step:>6} {format_cell(x, 'content_accuracy', '.3f'):>21} {x['content_accuracy_real']:8.3f} "
                f"{x['content_accuracy_reconstructed']:17.3f} {x['sharpness_ratio']:18.3f}"
            )
    if "plot" in pred:
        lines.append(f"plot: {pred['plot']}")
    return "\n".join(lines)
