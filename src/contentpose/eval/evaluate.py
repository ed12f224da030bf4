"""`contentpose evaluate`: swap fidelity and reconstruction of runs, next to the copy baselines,
and, for runs with a pose predictor, prediction metrics (RUN/eval.json, RUN/prediction_curves.png);
for Set GAN runs, the identity analysis (RUN/eval.json, RUN/identity.png); for VGAN runs, the
scores of eval/vgan.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from contentpose.errors import UserError
from contentpose.eval.content_classifier import content_classifier, share_classifier
from contentpose.eval.disentanglement import action_probes, disentanglement
from contentpose.eval.held_out_video import format_held_out_video, held_out_video_scores
from contentpose.eval.identity import perturbation_curves, reference_distance, set_consistency
from contentpose.eval.interpolation import interpolation_scores
from contentpose.eval.plots import plot_identity_curves, plot_prediction_curves
from contentpose.eval.pose_forecast import evaluate_forecasters, is_forecaster_run
from contentpose.eval.pose_transfer import evaluate_pose_generators, is_pose_generator_run
from contentpose.eval.prediction import long_rollout, prediction_curves
from contentpose.eval.sequence_vae import evaluate_sequence_vaes, is_sequence_vae_run
from contentpose.eval.sprites_protocol import SpritesProtocol, format_generator_agreement, format_sprites
from contentpose.eval.swap import BASELINES, reconstruction_fidelity, swap_fidelity
from contentpose.eval.vgan import evaluate_video_generators, is_video_generator_run
from contentpose.models.video_predictor import VideoPredictor
from contentpose.trained import PREDICTOR, TrainedRun, is_generator_run, load_generator, load_predictor, load_run

PREDICTION_SETTINGS = ((10, 10), (5, 100))  # (context, horizon) of the per-step curves
ROLLOUT_STEPS = (10, 100, 500)  # where long rollouts are checked for content and sharpness


def evaluate_runs(paths: list[Path], device: str = "auto", out: Path | None = None) -> dict:
    """Evaluate each run on the same held-out pairs; print one table; write RUN/eval.json (and `out`)."""
    if any(is_generator_run(p) for p in paths):
        if not all(is_generator_run(p) for p in paths):
            raise UserError("evaluate Set GAN runs and autoencoder runs separately")
        return evaluate_generators(paths, device, out)
    if any(is_sequence_vae_run(p) for p in paths):
        if not all(is_sequence_vae_run(p) for p in paths):
            raise UserError("evaluate DSVAE runs and autoencoder runs separately")
        return evaluate_sequence_vaes(paths, device, out)
    if any(is_forecaster_run(p) for p in paths):
        if not all(is_forecaster_run(p) for p in paths):
            raise UserError("evaluate pose forecasting runs and other runs separately")
        return evaluate_forecasters(paths, device, out)
    if any(is_pose_generator_run(p) for p in paths):
        if not all(is_pose_generator_run(p) for p in paths):
            raise UserError("evaluate pose-to-frame runs and other runs separately")
        return evaluate_pose_generators(paths, device, out)
    if any(is_video_generator_run(p) for p in paths):
        if not all(is_video_generator_run(p) for p in paths):
            raise UserError("evaluate VGAN runs and other runs separately")
        return evaluate_video_generators(paths, device, out)
    runs = [load_run(p, device) for p in paths]
    data_cfg = runs[0].config.data
    for run in runs[1:]:
        if run.config.data != data_cfg:
            raise UserError(f"runs {runs[0].path} and {run.path} use different data; evaluate them separately")
    data = runs[0].dataset("test")
    sprites = SpritesProtocol(runs[0]) if data_cfg.name == "lpc_sprites" else None  # its judge and baselines
    synthetic = hasattr(data, "render")  # can draw any content in any pose and knows its factors
    baselines, classifier, content = {}, None, {}
    if synthetic:  # one content classifier judges every run of the table
        train_data = runs[0].dataset("train")
        classifier = content_classifier(runs[0].path, train_data)
        share_classifier(runs[0].path, [run.path for run in runs[1:]])
        reference = swap_fidelity(None, data, train_data=train_data, classifier=classifier)
        baselines = {k: v for k, v in reference.items() if k in BASELINES}
        content = {
            "real_frames": reference["real_frames"]["content_accuracy"],
            "chance": reference["chance"]["content_accuracy"],
        }
    results = {"baselines": baselines, "content_classifier": content, "runs": {}}
    for run in runs:
        entry = {"step": run.step, "beta": run.config.objective.beta, "objective": run.config.objective.name}
        if synthetic:
            scores = swap_fidelity(run.model, data, classifier=classifier)
            entry.update(
                swap=scores["swap"],
                reconstruction=scores["reconstruction"],
                baselines=baselines,
                content_classifier=content,
                disentanglement=disentanglement(run.model, data),
                interpolation=interpolation_scores(run),
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
        if (run.path / PREDICTOR).exists():
            entry["prediction"] = evaluate_prediction(run, data)
        (run.path / "eval.json").write_text(json.dumps(entry, indent=2))
        results["runs"][str(run.path)] = entry
    if synthetic:
        print(format_table(results, n_pairs=data_cfg.test_clips))
        print()
        print(format_disentanglement(results))
    else:
        print("Held-out frames of real clips (swap fidelity and factor metrics need synthetic data)")
        for path, entry in results["runs"].items():
            r = entry["reconstruction"]
            if "held_out" in entry:
                print(format_held_out_video(Path(path).name, entry["held_out"]))
            else:
                print(f"  {Path(path).name}: reconstruction PSNR {r['psnr']:.2f}, SSIM {r['ssim']:.4f}")
            if "action_probes" in entry:
                a = entry["action_probes"]
                print(
                    f"  action probe on {a['test_clips']} test clips: from content {a['from_content']:.3f}, "
                    f"from pose {a['from_pose']:.3f} (chance {a['chance']:.3f})"
                )
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


def evaluate_generators(paths: list[Path], device: str = "auto", out: Path | None = None) -> dict:
    """The identity analysis of Set GAN runs: perturbation curves and set consistency."""
    results = {"runs": {}}
    for path in paths:
        gen = load_generator(path, device)
        data = gen.dataset("test")
        if gen.config.data.name == "lpc_sprites":  # no known factors per frame: the Sprites judge's agreements
            entry = {
                "step": gen.step,
                "objective": gen.config.objective.name,
                "sprites": SpritesProtocol(gen).score_generator(gen),
            }
            (gen.path / "eval.json").write_text(json.dumps(entry, indent=2))
            results["runs"][str(path)] = entry
            print(format_generator_agreement(gen.path.name, entry["sprites"]))
            continue
        if not hasattr(data, "factor_values"):
            raise UserError(
                f"{path}: the identity analysis needs data with known content "
                f"(moving_digits or moving_sprites), not {gen.config.data.name}"
            )
        classifier = content_classifier(gen.path, gen.dataset("train"))
        k, groups = data.num_objects, data.content_groups
        curves = perturbation_curves(gen, classifier, k, reference_distance(classifier, data), groups=groups)
        entry = {
            "step": gen.step,
            "objective": gen.config.objective.name,
            "curves": curves,
            "sets": set_consistency(gen, classifier, data, k, groups=groups),
            "plot": str(plot_identity_curves(curves, gen.path / "identity.png", title=gen.path.name)),
        }
        (gen.path / "eval.json").write_text(json.dumps(entry, indent=2))
        results["runs"][str(path)] = entry
        print(format_identity(gen.path.name, entry))
    _write(out, results)
    return results


def format_identity(name: str, entry: dict) -> str:
    lines = [
        f"{name}: identity analysis at step {entry['step']} (content classifier on generated frames)",
        "perturb  fraction  |dz|  content changed  embedding distance (1 = random real pair)",
    ]
    for subspace, label in (("content", "z_C"), ("motion", "z_M")):
        for r in entry["curves"][subspace]:
            lines.append(
                f"{label:7} {r['fraction']:9.2f} {r['norm']:5.2f} {r['content_changed']:16.3f} "
                f"{r['embedding_distance']:19.3f}"
            )
    factors = list(entry["sets"]["by_factor"])
    if len(factors) > 1:
        lines.append("content changed, per factor: " + ", ".join(factors))
        for subspace, label in (("content", "z_C"), ("motion", "z_M")):
            for r in entry["curves"][subspace]:
                lines.append(
                    f"{label:7} {r['fraction']:9.2f} "
                    + "  ".join(f"{f} {r['changed_by_factor'][f]:.3f}" for f in factors)
                )
    s = entry["sets"]
    lines.append(
        f"sets of {s['set_size']} frames with one content label: generated {s['generated']:.3f}, "
        f"real {s['real']:.3f}, independent frames {s['independent_frames']:.3f}"
    )
    if len(factors) > 1:
        for f, v in s["by_factor"].items():
            lines.append(
                f"  {f:7} alone: generated {v['generated']:.3f}, real {v['real']:.3f}, "
                f"independent frames {v['independent_frames']:.3f}"
            )
    lines.append(f"plot: {entry['plot']}")
    return "\n".join(lines)


def _write(out: Path | None, results: dict) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2))


BASELINE_LABELS = {
    "copy_pose_frame": "baseline: copy frame b (pose)",
    "copy_content_frame": "baseline: copy frame a (content)",
    "content_blind": "baseline: content-blind (mean object)",
}


def format_table(results: dict, n_pairs: int) -> str:
    """Swap and reconstruction PSNR/SSIM and the content classifier's accuracy on a's content
    ("content acc"; on the reconstruction, b's), next to the baselines and the classifier's ceiling."""
    c = results.get("content_classifier") or {}
    lines = [
        f"Swap fidelity on {n_pairs} held-out pairs: D(Ec(a), Ep(b)) vs a's content rendered in b's pose",
        f"{'':40} {'swap PSNR':>10} {'swap SSIM':>10} {'content acc':>12} {'rec PSNR':>9} {'rec SSIM':>9} "
        f"{'rec content acc':>16}",
    ]
    acc = lambda x: f"{x['content_accuracy']:.3f}" if "content_accuracy" in x else "-"  # noqa: E731
    for path, entry in results["runs"].items():
        name = f"{Path(path).name} ({entry['objective']}, beta={entry['beta']:g})"
        s, r = entry["swap"], entry["reconstruction"]
        lines.append(
            f"{name:40} {s['psnr']:10.2f} {s['ssim']:10.4f} {acc(s):>12} {r['psnr']:9.2f} {r['ssim']:9.4f} {acc(r):>16}"
        )
    for key, label in BASELINE_LABELS.items():
        if key in results["baselines"]:
            b = results["baselines"][key]
            lines.append(f"{label:40} {b['psnr']:10.2f} {b['ssim']:10.4f} {acc(b):>12} {'-':>9} {'-':>9} {'-':>16}")
    if c:
        lines.append(
            f"content acc: the content classifier names a's content classes; on real frames of a's content "
            f"in b's pose {c['real_frames']:.3f} (its ceiling), chance {c['chance']:.3f}"
        )
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
        name = f"{Path(path).name} ({entry['objective']}, beta={entry['beta']:g})"
        chance = mean([p[k]["chance"] for k in content])
        lines.append(
            f"{name:34} {d['mig']['mig']:6.3f} {d['group']['score']:6.3f} "
            f"{mean([p[k]['from_content'] for k in content]):12.3f} "
            f"{mean([p[k]['from_pose'] for k in content]):8.3f} ({chance:.3f}) "
            f"{mean([p[k]['from_pose'] for k in pose]):9.3f} {mean([p[k]['from_content'] for k in pose]):9.3f}"
        )
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


def format_prediction(name: str, pred: dict) -> str:
    """Step-averaged scores of each setting against copy-last-frame, then the long-rollout checks."""
    lines = [
        f"Prediction of {name} on held-out clips (mean over predicted steps)",
        f"{'':26} {'PSNR':>7} {'SSIM':>7} {'copy-last PSNR':>15} {'copy-last SSIM':>15}",
    ]
    for c in pred["curves"]:
        mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
        m, b = c["model"], c["copy_last"]
        lines.append(
            f"{c['context']:>3} context -> {c['horizon']:>3} future {mean(m['psnr']):7.2f} "
            f"{mean(m['ssim']):7.4f} {mean(b['psnr']):15.2f} {mean(b['ssim']):15.4f}"
        )
    lines += [f"  {note}" for note in pred["notes"]]
    if "rollout" in pred:
        r = pred["rollout"]
        lines.append(
            f"Long rollout from {r['context']} context frames, {r['clips']} clips, "
            f"{r['frames_per_s']:.0f} generated frames/s"
        )
        lines.append(
            f"{'step':>6} {'content acc':>12} {'on real':>8} {'on reconstructed':>17} {'sharpness vs real':>18}"
        )
        for step, x in r["steps"].items():
            lines.append(
                f"{step:>6} {x['content_accuracy']:12.3f} {x['content_accuracy_real']:8.3f} "
                f"{x['content_accuracy_reconstructed']:17.3f} {x['sharpness_ratio']:18.3f}"
            )
    if "plot" in pred:
        lines.append(f"plot: {pred['plot']}")
    return "\n".join(lines)
