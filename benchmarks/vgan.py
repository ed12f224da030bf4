"""Benchmark of VGAN on colour Moving Digits over static textures (the `vgan_quick` data), at a CPU budget.

Trains (or resumes, or reuses when already trained to the step count) these runs in OUT:
    vgan           two streams, mask penalty 0.1 (the paper's settings at quick sizes)
    vgan_mask0     mask penalty 0             vgan_mask1    mask penalty 1
    vgan_streams1  one stream (no mask, no background)
    vgan_cond      conditional on the first frame (+ L1 to the true clip)
    setgan         the Set GAN on the same data (its clips: one z_C, z_M along a line between two draws)
then trains a small video classifier on real clips (digit, and angle of the motion; kept in
OUT/video_classifier.safetensors) and prints:
    unconditional: Frechet distance to held-out real clips and Inception-style scores on its features
    conditional:   per-step PSNR/SSIM next to copying the first frame, mask IoU, background PSNR
    ablation:      the same scores and mask statistics for penalty 0 / 0.1 / 1 and one vs two streams

    python benchmarks/vgan.py [--out runs/bench_vgan] [--steps 400] [--set section.key=value ...]
    python benchmarks/vgan.py --score-only     # score the runs in OUT as they are (no training)

Results go to docs/results/vgan.json (or --json). Scores are on our classifier's features: they rank
our models against each other and are not comparable with published C3D-based ones.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from common import machine
from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.eval.judges.video_classifier import STEPS, video_classifier, video_scores
from contentpose.eval.protocols.vgan import conditional_scores, mask_summary
from contentpose.objectives.setgan import generate, uniform_latents
from contentpose.runtime.checkpoint import read_meta
from contentpose.train.loop import train
from contentpose.trained import CHECKPOINT, METRICS, load_generator, load_video_generator

VGAN_RUNS = {
    "vgan": [],
    "vgan_mask0": ["objective.mask_l1=0.0"],
    "vgan_mask1": ["objective.mask_l1=1.0"],
    "vgan_streams1": ["model.vgan_streams=1"],
    "vgan_cond": ["objective=vgan_cond"],
}


def train_seconds(run: Path) -> float:
    """Training time from the log's throughput (so it holds for runs trained earlier or resumed)."""
    rows = [json.loads(line) for line in (run / METRICS).read_text().splitlines() if line]
    cfg = load_config(run / "config.yaml")
    seconds, last = 0.0, 0
    for r in rows:
        seconds += (r["step"] - last) * cfg.train.batch_size / r["samples_per_s"]
        last = r["step"]
    return round(seconds, 1)


def ensure_trained(run: Path, preset: str, overrides: list[str], score_only: bool = False) -> None:
    if score_only:
        if not (run / CHECKPOINT).exists():
            raise SystemExit(f"--score-only: {run} has no {CHECKPOINT}; train it first (run without --score-only)")
        return
    cfg = load_config(preset, overrides)
    done = (run / CHECKPOINT).exists() and read_meta(run / CHECKPOINT)["step"] >= cfg.train.steps
    if not done:
        train(cfg, run, resume=(run / CHECKPOINT).exists(), quiet=True)


@torch.no_grad()
def setgan_clips(run: Path, n: int, frames: int, seed: int = 0) -> torch.Tensor:
    """Set GAN clips (n, T, C, H, W): one z_C each, z_M moving on a straight line between two draws."""
    gen = load_generator(run, "cpu")
    m = gen.config.model
    z_c, ends = uniform_latents(n, 2, m.z_content, m.z_motion, torch.Generator().manual_seed(seed))
    w = torch.linspace(0, 1, frames)[None, :, None]
    z_m = ends[:, :1] * (1 - w) + ends[:, 1:] * w
    return torch.cat([generate(gen.generator, z_c[i : i + 50], z_m[i : i + 50]) for i in range(0, n, 50)])


def frechet_seeds(classifier, real: torch.Tensor, clips_of, seeds=(0, 1, 2)) -> list[float]:
    """Frechet distances of a generator's clips `clips_of(seed)` for several noise seeds: their spread
    (seed 0 is the table's row; one trained model each, so training seeds are not covered)."""
    return [round(video_scores(classifier, real, clips_of(seed))["frechet_distance"], 3) for seed in seeds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/bench_vgan")
    parser.add_argument("--json", default="docs/results/vgan.json")
    parser.add_argument("--steps", type=int, default=400, help="training steps of each VGAN run")
    parser.add_argument(
        "--setgan-steps", type=int, default=500, help="Set GAN steps (batch 64 sets of 3: about the frames VGAN sees)"
    )
    parser.add_argument("--clips", type=int, default=200, help="held-out / generated clips scored")
    parser.add_argument("--classifier-steps", type=int, default=STEPS)
    parser.add_argument("--score-only", action="store_true", help="score the runs in OUT as they are; train nothing")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="section.key=value",
        help="overrides of every run (e.g. model.width=4 for a smoke run)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    base = load_config("vgan_quick", args.set)
    data_set = [
        f"data.{k}={v}"
        for k, v in (
            ("name", base.data.name),
            ("frame_size", base.data.frame_size),
            ("num_digits", base.data.num_digits),
            ("colour", base.data.colour),
            ("background", base.data.background),
            ("test_clips", base.data.test_clips),
        )
    ]
    start = time.perf_counter()
    for name, extra in VGAN_RUNS.items():
        ensure_trained(out / name, "vgan_quick", [*extra, f"train.steps={args.steps}", *args.set], args.score_only)
    ensure_trained(
        out / "setgan",
        "setgan_quick",
        [*data_set, f"train.steps={args.setgan_steps}", "train.device=cpu"],
        args.score_only,
    )
    T = base.model.vgan_frames
    train_data, test_data = build_dataset(base.data, "train"), build_dataset(base.data, "val")
    classifier, accuracy = video_classifier(out, train_data, test_data, T, args.classifier_steps)
    real = test_data.test_clips(args.clips, T)
    other = test_data.test_clips(2 * args.clips, list(range(T)))  # more held-out clips: a real reference
    reference = other.frames[args.clips :]

    unconditional = {
        "real (other held-out clips)": video_scores(classifier, real.frames, reference),
        "real first frames, frozen": video_scores(
            classifier, real.frames, reference[:, :1].expand_as(reference).contiguous()
        ),
    }
    ablation, conditional = {}, None
    for name in VGAN_RUNS:
        gen = load_video_generator(out / name, "cpu")
        first = reference[:, 0] if gen.conditional else None
        parts = gen.generate(len(reference), seed=0, first=first)
        scores = video_scores(classifier, real.frames, parts.video)
        scores["frechet_seeds"] = frechet_seeds(
            classifier, real.frames, lambda seed, gen=gen, first=first: gen.generate(len(reference), seed, first).video
        )
        row = {**scores, "mask": mask_summary(parts), "train_seconds": train_seconds(out / name), "steps": gen.step}
        if gen.conditional:
            conditional = {**conditional_scores(gen, real), "train_seconds": row["train_seconds"], "steps": gen.step}
        else:
            ablation[name] = row
        unconditional[name] = scores
    unconditional["setgan"] = video_scores(classifier, real.frames, setgan_clips(out / "setgan", len(reference), T))
    unconditional["setgan"]["frechet_seeds"] = frechet_seeds(
        classifier, real.frames, lambda seed: setgan_clips(out / "setgan", len(reference), T, seed)
    )
    result = {
        "machine": machine(),
        "note": "CPU shared with other work while it ran",
        "budget": {
            "vgan_steps": read_meta(out / "vgan" / CHECKPOINT)["step"],
            "setgan_steps": read_meta(out / "setgan" / CHECKPOINT)["step"],
            "setgan_train_seconds": train_seconds(out / "setgan"),
            "clips_scored": args.clips,
            "frames": T,
            "frame_size": base.data.frame_size,
            "overrides": args.set,
            "wall_seconds": round(time.perf_counter() - start, 1),
            "score_only": args.score_only,
        },
        "classifier": {"steps": args.classifier_steps, "held_out_accuracy": accuracy},
        "unconditional": unconditional,
        "conditional": conditional,
        "ablation": ablation,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    print_tables(result)
    print(f"\nresults written to {args.json}")


def print_tables(r: dict) -> None:
    print(f"\nmachine: {r['machine']} ({r['note']})")
    b = r["budget"]
    print(
        f"budget: VGAN {b['vgan_steps']} steps, Set GAN {b['setgan_steps']} steps; {b['frames']} frames of "
        f"{b['frame_size']} px; {b['clips_scored']} clips scored"
    )
    acc = r["classifier"]["held_out_accuracy"]
    print(f"video classifier on held-out real clips: digit {acc['content']:.2f}, motion angle {acc['motion']:.2f}")
    print(f"\n{'unconditional':30s} {'Frechet':>9s} {'IS digit':>9s} {'IS motion':>10s}  Frechet, noise seeds 0-2")
    for name, s in r["unconditional"].items():
        spread = " ".join(f"{v:.1f}" for v in s.get("frechet_seeds", []))
        print(f"{name:30s} {s['frechet_distance']:9.3f} {s['is_content']:9.2f} {s['is_motion']:10.2f}  {spread}")
    print(f"(IS of real clips: digit {s['is_content_real']:.2f}, motion {s['is_motion_real']:.2f})")
    c = r["conditional"]
    if c:
        print(
            f"\nconditional ({c['clips']} held-out clips, {c['steps']} steps): step, PSNR / SSIM, copy-first PSNR / SSIM"
        )
        for t, (p, s, cp, cs) in enumerate(zip(c["psnr"], c["ssim"], c["copy_first_psnr"], c["copy_first_ssim"]), 1):
            print(f"  +{t:<3d} {p:6.2f} / {s:.3f}    {cp:6.2f} / {cs:.3f}")
        if c.get("mask_iou") is not None:
            print(
                f"  mask IoU (mean over frames) {c['mask_iou_mean']:.3f}; background PSNR {c['background_psnr']:.2f} dB;"
                f" first frame PSNR {c['first_frame_psnr']:.2f} dB"
            )
    print(
        f"\n{'ablation':16s} {'Frechet':>9s} {'IS digit':>9s} {'IS motion':>10s} {'mask mean':>10s} {'<0.1':>6s} {'>0.9':>6s} "
        f"{'train s':>8s}"
    )
    for name, s in r["ablation"].items():
        m = s["mask"] or {"mean": float("nan"), "below_0.1": float("nan"), "above_0.9": float("nan")}
        print(
            f"{name:16s} {s['frechet_distance']:9.3f} {s['is_content']:9.2f} {s['is_motion']:10.2f} "
            f"{m['mean']:10.3f} {m['below_0.1']:6.3f} {m['above_0.9']:6.3f} {s['train_seconds']:8.0f}"
        )


if __name__ == "__main__":
    main()
