"""The Set GAN's protocol: the identity analysis (perturbation curves and set consistency, read by
the content classifier), or on Sprites the judge's agreements."""

from __future__ import annotations

import json
from pathlib import Path

from contentpose.errors import UserError
from contentpose.eval.judges.content_classifier import content_classifier
from contentpose.eval.judges.keypoint_regressor import keypoint_regressor
from contentpose.eval.metrics.intervals import format_cell
from contentpose.eval.plots import plot_identity_curves
from contentpose.eval.protocols.autoencoder import _write
from contentpose.eval.protocols.identity import (
    frame_quality,
    motion_consistency,
    perturbation_curves,
    reference_distance,
    set_consistency,
)
from contentpose.eval.protocols.sprites import SpritesProtocol, format_generator_agreement
from contentpose.eval.results import Result
from contentpose.trained import load_generator


def evaluate_generators(paths: list[Path], device: str = "auto", out: Path | None = None, split: str = "val") -> dict:
    """The identity analysis of Set GAN runs: perturbation curves and set consistency."""
    results = {"split": split, "runs": {}}
    for path in paths:
        gen = load_generator(path, device)
        data = gen.dataset(split)
        if gen.config.data.name == "lpc_sprites":  # no known factors per frame: the Sprites judge's agreements
            entry = {
                "step": gen.step,
                "objective": gen.config.objective.name,
                "split": split,
                "sprites": SpritesProtocol(gen, split).score_generator(gen),
            }
            (gen.path / "eval.json").write_text(json.dumps(entry, indent=2))
            results["runs"][str(path)] = entry
            print(SetGanResult(gen.path.name, entry).text())
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
            "frames": frame_quality(gen, classifier, data),
            "sets": set_consistency(gen, classifier, data, k, groups=groups),
            "motion_sets": motion_consistency(gen, keypoint_regressor(gen.path, gen.dataset("train")), data),
            "plot": str(plot_identity_curves(curves, gen.path / "identity.png", title=gen.path.name)),
        }
        (gen.path / "eval.json").write_text(json.dumps(entry, indent=2))
        results["runs"][str(path)] = entry
        print(SetGanResult(gen.path.name, entry).text())
    _write(out, results)
    return results


class SetGanResult(Result):
    """One Set GAN run's eval.json: the identity analysis, or on Sprites the judge's agreements."""

    def text(self) -> str:
        if "sprites" in self.data:
            return format_generator_agreement(self.name, self.data["sprites"])
        return format_identity(self.name, self.data)


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
    if "frames" in entry:  # runs evaluated before 2026-12-07 have none
        lines.append(
            "single frames (classifier's first factor): named with p >= 0.9, mean top p, classes in use"
            + (
                ", Frechet distance to real frames (real: two halves)"
                if "frechet_distance" in entry["frames"]["real"]
                else ""
            )
        )
        for kind, f in entry["frames"].items():
            fd = f", FD {format_cell(f, 'frechet_distance', '.2f')}" if "frechet_distance" in f else ""
            lines.append(
                f"  {kind:9} {format_cell(f, 'named', '.3f')}, {f['confidence']:.3f}, perplexity {f['perplexity']:.2f}{fd}"
            )
    s = entry["sets"]
    lines.append(
        f"sets of {s['set_size']} frames with one content label (95% intervals over {s['sets']} sets): "
        f"generated {format_cell(s, 'generated', '.3f')}, real {format_cell(s, 'real', '.3f')}, "
        f"independent frames {format_cell(s, 'independent_frames', '.3f')}"
    )
    if s["independent_frames"] >= 0.5:
        lines.append(
            "  independent frames agree as well: the generator draws few contents (or none the classifier "
            "can tell apart), so agreement says nothing about z_C"
        )
    if len(factors) > 1:
        for f, v in s["by_factor"].items():
            lines.append(
                f"  {f:7} alone: generated {v['generated']:.3f}, real {v['real']:.3f}, "
                f"independent frames {v['independent_frames']:.3f}"
            )
    if "motion_sets" in entry:  # runs evaluated before 2026-12-06 have none
        s = entry["motion_sets"]
        lines.append(
            f"sets of {s['set_size']} frames sharing z_M with their objects within {s['tolerance_px']:g} px "
            f"(keypoint regressor): generated {format_cell(s, 'generated', '.3f')}, "
            f"real at one place {format_cell(s, 'real', '.3f')}, independent frames "
            f"{format_cell(s, 'independent_frames', '.3f')}"
        )
    lines.append(f"plot: {entry['plot']}")
    return "\n".join(lines)
