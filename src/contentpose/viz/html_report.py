"""`contentpose report RUN`: one self-contained HTML page (RUN/report.html) that a person can
open offline and understand in a minute.

Pictures and animations are embedded as data URIs (their files are kept in RUN/report_files/).
Sections appear only for what the run has: analogies, interpolation and (with a predictor)
predicted videos for autoencoders; samples, traversals and the identity plot for Set GANs;
metrics tables when `contentpose evaluate RUN` has written RUN/eval.json. Every string taken
from the run (names, paths, config values) is HTML-escaped.
"""

from __future__ import annotations

import base64
import json
from html import escape
from pathlib import Path

import yaml

from contentpose.errors import UserError
from contentpose.eval.metrics.interpolation import interpolation_strips
from contentpose.eval.plots import plot_training_curves
from contentpose.trained import (
    CHECKPOINT,
    METRICS,
    PREDICTOR,
    PREDICTOR_METRICS,
    load_forecaster,
    load_generator,
    load_pose_generator,
    load_run,
    load_video_generator,
    read_metrics,
    read_run_config,
)
from contentpose.viz.analogy import analogy_grid
from contentpose.viz.grid import save_grid
from contentpose.viz.pose_forecast import forecast_grid
from contentpose.viz.pose_transfer import transfer_grid
from contentpose.viz.prediction import predict_to_files
from contentpose.viz.sequence_swap import save_sequence_swaps
from contentpose.viz.transfer import transfer_to_files
from contentpose.viz.traverse import sample_grid, traverse_animation, traverse_grid
from contentpose.viz.vgan import predict_to_files as vgan_predict
from contentpose.viz.vgan import samples_to_files
from contentpose.viz.video import write_video

REPORT = "report.html"
FILES = "report_files"
MIME = {".png": "image/png", ".gif": "image/gif"}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
.sub { color: #666; } figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; }
img { max-width: min(100%, 800px); image-rendering: pixelated; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
"""


def write_report(run_path: str | Path, device: str = "auto", out: str | Path | None = None) -> Path:
    """Write the run's report page (default RUN/report.html) and return its path."""
    run = Path(run_path)
    cfg = read_run_config(run)
    if not (run / CHECKPOINT).is_file():
        raise UserError(f"{run} has no trained networks yet ({CHECKPOINT}); train it first")
    files = run / FILES
    files.mkdir(exist_ok=True)
    evaluation = _read_evaluation(run)
    sections = [
        _section(
            "Configuration",
            f"<p>{escape(data_summary(cfg.data))}</p><details><summary>resolved "
            f"config</summary><pre>{escape(yaml.safe_dump(cfg.to_dict(), sort_keys=False))}</pre></details>",
        )
    ]
    curves = {
        name: read_metrics(run / log) for name, log in (("training", METRICS), ("pose predictor", PREDICTOR_METRICS))
    }
    curves = {k: v for k, v in curves.items() if v}
    if curves:
        sections.append(
            _section(
                "Training curves",
                _figure(plot_training_curves(curves, files / "curves.png"), "every logged figure against the step"),
            )
        )
    sections += cfg.family.part("report")(run, files, device)
    if evaluation:
        split = evaluation.get("split", "val")
        scores = cfg.family.part("result")(run.name, evaluation).html()
        sections.append(
            _section(f"Scores on the {split} split", f"<p>as `contentpose evaluate` printed them</p>{scores}")
        )
    title = f"{run.name}: {cfg.objective.name} on {cfg.data.name}"
    page = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f"<p class='sub'>contentpose report of {escape(str(run.resolve()))}</p>{''.join(sections)}</body></html>"
    )
    path = Path(out) if out else run / REPORT
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page)
    except OSError as err:
        raise UserError(f"cannot write the report to {path}: {err.strerror}") from None
    return path


def data_summary(data) -> str:
    what = {
        "moving_digits": f"Moving Digits, {data.num_digits} digit(s)",
        "moving_sprites": f"Moving Sprites, {data.num_sprites} sprite(s)" + (", turning" if data.rotation else ""),
        "videos": f"video folder {data.path} (layout {data.layout})",
        "moving_mnist": f"Moving MNIST file {data.path}",
        "figures": "articulated figures with exact keypoints",
    }.get(data.name, data.name)
    colour = "colour" if data.colour else "grayscale"
    return f"Data: {what}; {data.frame_size}x{data.frame_size} {colour} frames; pairs up to {data.max_offset} frames apart."


def autoencoder_sections(run: Path, files: Path, device: str) -> list[str]:
    trained = load_run(run, device)
    analogy = save_grid(analogy_grid(trained), files / "analogy.png", header=True)
    strips = save_grid(interpolation_strips(trained), files / "interpolation.png")
    out = [
        _section(
            "Analogies",
            _figure(
                analogy,
                "cell (i, j): the content of row frame i (left column) decoded "
                "with the pose of column frame j (top row)",
            ),
        ),
        _section(
            "Pose interpolation",
            _figure(strips, "each row: content fixed, pose moved linearly from the first frame's to the last frame's"),
        ),
        _section("Motion transfer", _transfer_figures(run, files, device)),
    ]
    if (run / PREDICTOR).exists():
        try:
            gif = predict_to_files(run, [str(files / "prediction.gif")], context=5, horizon=50, clips=4, device=device)[
                0
            ]
            body = _figure(
                gif,
                "5 context frames, then 50 predicted; each column a held-out clip, ground truth above the prediction",
            )
        except UserError as err:  # e.g. held-out clips shorter than 55 frames
            body = f"<p>No prediction video: {escape(str(err))}</p>"
        if (run / "prediction_curves.png").is_file():  # written by `contentpose evaluate`
            body += _figure(
                run / "prediction_curves.png", "per-step PSNR/SSIM against copying the last frame and a constant shift"
            )
        out.append(_section("Prediction", body))
    return out


def _transfer_figures(run: Path, files: Path, device: str) -> str:
    """Held-out clip 0's content following held-out clip 1's motion (as `contentpose transfer` writes it)."""
    try:
        gif, strip = transfer_to_files(
            run,
            "test:0",
            "test:1",
            [str(files / "transfer.gif"), str(files / "transfer.png")],
            frames=30,
            device=device,
        )
    except UserError as err:  # e.g. a video folder with one held-out clip
        return f"<p>No transfer: {escape(str(err))}</p>"
    caption = "content of held-out clip 0 (left) following the motion of held-out clip 1 (middle): the result (right)"
    return _figure(gif, caption) + _figure(
        strip, "the same at spread time steps: rows content clip, motion clip, result"
    )


def forecaster_sections(run: Path, files: Path, device: str) -> list[str]:
    grid = save_grid(forecast_grid(load_forecaster(run, device)), files / "forecasts.png")
    out = [
        _section(
            "Pose forecasts",
            _figure(
                grid,
                "each row a held-out window: the last frame seen, then forecast "
                "steps spread over the horizon; the true skeleton in white, "
                "sampled futures in colour, over the true frames",
            ),
        )
    ]
    return out


def video_generator_sections(run: Path, files: Path, device: str) -> list[str]:
    """VGAN: generated clips, their parts, and (conditional) clips continued from held-out first frames."""
    png, grid, parts = samples_to_files(run, files / "samples.png", files / "samples.gif", 4, 4, device=device)
    out = [
        _section(
            "Samples",
            _figure(grid, "16 generated clips")
            + _figure(parts, "per clip: foreground, mask (white: foreground), background, composite")
            + _figure(png, "frames of four clips, left to right"),
        )
    ]
    if load_video_generator(run, device).conditional:
        gif = vgan_predict(run, [str(files / "prediction.gif")], clips=4, device=device)[0]
        out.append(
            _section(
                "Prediction",
                _figure(gif, "from the first frame of held-out clips: ground truth above the generated continuation"),
            )
        )
    return out


def sequence_vae_sections(run: Path, files: Path, device: str) -> list[str]:
    """DSVAE: swaps of held-out sequences and the two generation tests (scores: `contentpose evaluate`)."""
    grid, caption = save_sequence_swaps(run, files / "sequence_swaps.png", device)
    return [_section("Swaps and samples", _figure(grid, caption))]


def pose_generator_sections(run: Path, files: Path, device: str) -> list[str]:
    grid = save_grid(transfer_grid([load_pose_generator(run, device)]), files / "transfer.png")
    body = _figure(
        grid,
        "for each of three held-out pairs: the source's motion, the truth (the target's figure "
        "in the source's pose) and the generated transfer; the target's reference frame leads "
        "each row",
    )
    return [_section("Motion transfer", body)]


def generator_sections(run: Path, files: Path, device: str) -> list[str]:
    gen = load_generator(run, device)
    samples = save_grid(sample_grid(gen), files / "samples.png")
    grid = save_grid(traverse_grid(gen), files / "traverse.png")
    video = write_video(traverse_animation(gen), files / "traverse.gif")
    out = [
        _section("Samples", _figure(samples, "frames from independent random z")),
        _section(
            "Latent traversals",
            _figure(grid, "each row one z_C; columns sweep z_M from -z* to z*")
            + _figure(video, "one z_M path applied to six z_C"),
        ),
    ]
    if (run / "identity.png").is_file():  # written by `contentpose evaluate`
        out.append(
            _section(
                "Identity analysis",
                _figure(run / "identity.png", "content change against the perturbation norm of z_C alone or z_M alone"),
            )
        )
    return out


def _read_evaluation(run: Path) -> dict | None:
    """RUN/eval.json as `contentpose evaluate` wrote it, or None before the first evaluation."""
    path = run / "eval.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        raise UserError(f"{path} is not valid JSON; run contentpose evaluate {run} again") from None


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def _figure(path: Path, caption: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    mime = MIME.get(Path(path).suffix.lower(), "application/octet-stream")
    return (
        f"<figure><img src='data:{mime};base64,{data}' alt='{escape(caption, quote=True)}'>"
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )
