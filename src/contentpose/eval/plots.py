"""Matplotlib figures of evaluation results."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_prediction_curves(curves: list[dict], path: Path, title: str = "") -> Path:
    """PSNR and SSIM against the predicted step, model vs copy-last-frame and constant shift, one column per setting
    (entries of `eval.prediction.prediction_curves`)."""
    fig, axes = plt.subplots(2, len(curves), figsize=(4.5 * len(curves), 6), squeeze=False)
    for col, c in enumerate(curves):
        steps = range(1, c["horizon"] + 1)
        for row, metric in enumerate(("psnr", "ssim")):
            ax = axes[row, col]
            ax.plot(steps, c["model"][metric], label="model")
            ax.plot(steps, c["copy_last"][metric], "--", label="copy last frame")
            if "constant_shift" in c:
                ax.plot(steps, c["constant_shift"][metric], ":", label="constant global shift")
            ax.set_xlabel("predicted step")
            ax.set_ylabel(metric.upper() + (" (dB)" if metric == "psnr" else ""))
            ax.set_title(f"{c['context']} context -> {c['horizon']} future")
            ax.grid(alpha=0.3)
            ax.legend()
    return _save(fig, path, title)


def plot_identity_curves(curves: dict, path: Path, title: str = "") -> Path:
    """Content change and embedding distance against the perturbation norm, z_C vs z_M
    (`eval.identity.perturbation_curves`)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    panels = (
        ("content_changed", "share of frames whose content label changed"),
        ("embedding_distance", "embedding distance / random real pairs"),
    )
    for ax, (key, label) in zip(axes, panels):
        for name, style in (("content", "o-"), ("motion", "s--")):
            rows = curves[name]
            ax.plot(
                [r["norm"] for r in rows],
                [r[key] for r in rows],
                style,
                label=f"perturb z_{'C' if name == 'content' else 'M'} only",
            )
        ax.set_xlabel("perturbation norm |dz|")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, path, title)


def _save(fig, path: Path, title: str) -> Path:
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_training_curves(logs: dict[str, list[dict]], path: Path) -> Path:
    """Every logged figure against the step, one panel each, for each log (name -> rows of
    metrics.jsonl)."""
    panels = [(name, key) for name, rows in logs.items() for key in rows[0] if key not in ("step",)]
    cols = 4
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    for ax, (name, key) in zip(axes.flat, panels):
        rows = [r for r in logs[name] if key in r]
        ax.plot([r["step"] for r in rows], [r[key] for r in rows])
        ax.set_title(f"{name}: {key}", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    return _save(fig, path, "")
