"""Benchmark on Sprites (lpc_sprites): DrNet, MIPAE, no penalty and DSVAE at one CPU budget, several seeds.

Every method trains with the same budget: 32 px RGB frames, the same steps and batch size
(--steps, --batch; default 1000 steps of 32), seeds 0 .. N-1; then `contentpose evaluate` scores
each run with the Sprites protocol (`eval/protocols/sprites.py`: the judge on 1,000 test pairs
(A, B) differing in every attribute and in motion, A's content drawn in B's motion) and the table
gives mean +- std over seeds: the judge's accuracy on all four attributes of A at once and on B's
motion, IS, H(y|x), H(y) of the motion, swap PSNR/SSIM against the true answer (character A in
motion m_B: it exists in the data set), and the training time; then the baselines (copy B, copy A,
content-blind, real sequences = the judge's ceiling) and the published figure.

    python benchmarks/sprites.py [--out runs/sprites] [--seeds 3] [--steps 1000] [--batch 32] [--jobs 2]
                                 [--methods drnet mipae no-penalty keypoints dsvae lpc_sprites] [--data PATH]
                                 [--set key=value ...]

Settings. DrNet, MIPAE (beta 1e-4, its published weight) and no penalty (beta 0) start from the
`quick` preset's data settings with `data=lpc_sprites:PATH data.frame_size=32 data.colour=true`
and its networks before it took keypoint pose (VECTOR_POSE: a 5-d pose vector, a DCGAN decoder);
"keypoints" is DrNet with quick's current networks (4 keypoints; the decoder moves A's encoder
features from A's keypoints to B's); "lpc_sprites" is that preset as it is. Of quick's
one-digit settings, BCE reconstruction suits [0, 1] RGB as it suits digits, the pooled content
encoder (a max over positions) keeps where things are out of content, which is right for sprites
too (the pose is the animation cell), the scaled similarity loss and alpha 0.1 keep content from
collapsing; num_digits/max_offset do not apply to lpc_sprites; the learning rate (2e-3) is
quick's. DSVAE is the `dsvae_sprites` preset (the paper's latent sizes, factorised q, Gaussian
decoder, lr 1e-3), at the same steps and batch. A batch is `--batch` frame pairs for the
content/pose autoencoders and `--batch` 8-frame sequences for DSVAE (its unit of data), so DSVAE
sees 4x as many frames per step (8 per sequence against 2 per pair). DSVAE gets two rows: its
swap (f of A, z_1:T of B), and "z of B, f ~ p(f)", the generation test whose action accuracy the
DSVAE papers report.

Runs go to OUT/METHOD-seedS (one folder, so every run shares the data cache and the judge in
OUT/.contentpose-cache); each trains in its own process (`contentpose train ... train.threads=1`,
--jobs at once) with its log in OUT/METHOD-seedS.train.log and its training time (all sessions of
it together) in OUT/METHOD-seedS.timing.json.
A run whose checkpoint is at the requested steps is reused, one below them is resumed, so an
interrupted benchmark continues where it stopped; runs whose RUN/eval.json already scores that
checkpoint with this protocol are not evaluated again (--reevaluate to force it). The table goes to --json (default
docs/results/sprites.json), the swap picture of the first seed of the best content/pose method
(by the judge's all-four-attributes accuracy times its motion accuracy) to --picture (default
docs/sprites_swap.png): rows the content of A, columns the motion of B.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from common import checkpoint_step, machine, positive_int, train_subprocess
from contentpose.config import load_config
from contentpose.data.lpc_sprites import MOTIONS, motion_name
from contentpose.trained import load_run
from contentpose.viz.grid import save_grid

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "lpc-sprites"
# The networks of quick before it took keypoint pose (2026-11-28): a pose vector and a DCGAN decoder.
VECTOR_POSE = ["model.architecture=dcgan", "model.pose_dim=5"]
METHODS = {  # name: (preset, overrides)
    "drnet": ("quick", ["objective.name=drnet", "objective.beta=0.1", *VECTOR_POSE]),
    "mipae": ("quick", ["objective.name=mipae", "objective.beta=0.0001", *VECTOR_POSE]),
    "no-penalty": ("quick", ["objective.name=drnet", "objective.beta=0", *VECTOR_POSE]),
    "keypoints": ("quick", ["objective.name=drnet", "objective.beta=0.1", "model.pose_dim=8"]),
    "dsvae": ("dsvae_sprites", []),
    "lpc_sprites": ("lpc_sprites", []),  # the preset as it is
}
CONTENT_POSE = ("drnet", "mipae", "no-penalty", "keypoints", "lpc_sprites")
COLUMNS = {  # table column: key of a protocol score
    "attr all 4": "all_attributes",
    "motion": "motion",
    "action": "action",
    "facing": "facing",
    "IS": "IS",
    "H(y|x)": "H_y_given_x",
    "H(y)": "H_y",
    "swap PSNR": "psnr",
    "swap SSIM": "ssim",
    "group": "group",
    "MIG": "mig",
}
BASELINES = (
    ("copy_motion", "baseline: copy B"),
    ("copy_content", "baseline: copy A"),
    ("content_blind", "baseline: content-blind"),
    ("real", "real test sequences (judge ceiling)"),
)
PUBLISHED = {  # as later papers quote them; not re-checked against the DSVAE paper's text (not in ../shared/papers)
    "published DSVAE: z fixed, f ~ p(f)": {  # Li & Mandt, ICML 2018
        "motion": 0.907,
        "source": "DSVAE (Li & Mandt 2018) action accuracy, published, as quoted by later papers "
        "(S3VAE, C-DSVAE); not re-checked against the paper text",
    },
}
MACHINE_NOTE = "2-core Intel Xeon (AMX), torch 2.13 CPU, shared with other work at the time"
TIMING_NOTE = (
    "train s: wall seconds of each run (its sessions together), --jobs runs at once on a CPU shared with "
    "other work: they follow the machine's load at the time as much as the method's cost"
)


def overrides(method: str, args, seed: int) -> list[str]:
    return [
        f"data=lpc_sprites:{args.data}",
        "data.frame_size=32",
        "data.colour=true",
        *METHODS[method][1],
        f"train.steps={args.steps}",
        f"train.batch_size={args.batch}",
        f"train.seed={seed}",
        f"train.checkpoint_every={min(250, args.steps)}",
        *args.set,
    ]


def train_run(method: str, seed: int, args) -> Path:
    """Train (or resume, or reuse) one run in its own process; returns its folder."""
    run = Path(args.out) / f"{method}-seed{seed}"
    return train_subprocess(METHODS[method][0], overrides(method, args, seed), run, args.steps)


def evaluated(run: Path) -> bool:
    """Does RUN/eval.json hold this protocol's scores (with the action and facing split) of the checkpoint's step?"""
    if not (run / "eval.json").exists():
        return False
    entry = json.loads((run / "eval.json").read_text())
    sprites = entry.get("sprites", {})
    model = sprites.get("swap", sprites).get("model", {})
    return (
        entry.get("step") == checkpoint_step(run) and "action" in model and ("redraw" in sprites or "swap" in sprites)
    )


def evaluate(runs: list[Path], out: Path) -> None:
    """`contentpose evaluate RUN...` (one process per model kind: autoencoders and DSVAE apart)."""
    command = [sys.executable, "-m", "contentpose.cli", "evaluate", *map(str, runs), "--out", str(out)]
    done = subprocess.run(command, env={**os.environ, "OMP_NUM_THREADS": "2"})
    if done.returncode != 0:
        raise SystemExit(f"contentpose evaluate failed (exit {done.returncode})")


def protocol_rows(method: str, entry: dict) -> dict[str, dict]:
    """The protocol scores of one run's eval.json that go in the table, by row name."""
    s = entry["sprites"]
    if method == "dsvae":
        sampled = {k: v for k, v in s["fixed_motion"]["model"].items() if k not in ("psnr", "ssim")}  # f is not A's
        return {"dsvae: swap (f of A, z of B)": s["swap"]["model"], "dsvae: z of B, f ~ p(f)": sampled}
    d = entry["disentanglement"]  # on the Sprites labels: content the 4 attributes, pose action, facing, frame
    rows = {method: {**s["model"], "group": d["group"]["score"], "mig": d["mig"]["mig"]}}
    if "redraw" in s:  # transfer(A, A) against A: the ceiling of the swaps
        rows[f"{method}: redrawing A"] = s["redraw"]
    return rows


def mean_std(rows: list[dict]) -> dict[str, list[float]]:
    keys = [c for c, k in COLUMNS.items() if all(k in r for r in rows)]
    return {
        c: [float(np.mean([r[COLUMNS[c]] for r in rows])), float(np.std([r[COLUMNS[c]] for r in rows]))] for c in keys
    }


@torch.no_grad()
def swap_picture(run: Path, path: Path, rows: int = 6, frame: int = 3) -> Path:
    """Rows: the content of `rows` test sequences A (first column: A's frame 0); columns: the 9 motions
    of one other test character B (top row: B's frame `frame`); cell: the transfer's frame `frame`."""
    trained = load_run(run, "cpu")
    test = trained.dataset("val")
    characters = len(test) // MOTIONS
    pick = np.random.default_rng(0).choice(characters, rows + 1, replace=False)
    a = test.labelled(pick[:rows] * MOTIONS).frames  # (rows, 8, C, H, W): motion 0 each
    b = test.labelled(pick[rows] * MOTIONS + np.arange(MOTIONS)).frames  # (9, 8, C, H, W): B's 9 motions
    cells = torch.stack(
        [trained.transfer(a[i : i + 1].expand(MOTIONS, -1, -1, -1, -1), b)[:, frame] for i in range(rows)]
    )  # (rows, 9, C, H, W)
    corner = torch.full_like(a[:1, 0], float("nan"))
    top = torch.cat([corner, b[:, frame]])[None]
    grid = torch.cat([top, torch.cat([a[:, 0, None], cells], 1)])
    labels = [""] + [motion_name(m).replace("spellcard", "spell") for m in range(MOTIONS)]
    return save_grid(grid, path, header=True, column_labels=labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/sprites")
    parser.add_argument("--data", default=str(DATA.resolve()), help="the folder of LPC sheets")
    parser.add_argument("--seeds", type=positive_int, default=3)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--jobs", type=positive_int, default=2, help="trainings at once (one thread each)")
    parser.add_argument(
        "--methods", nargs="+", default=[m for m in METHODS if m != "lpc_sprites"], choices=list(METHODS)
    )
    parser.add_argument("--json", default=str(ROOT / "docs" / "results" / "sprites.json"))
    parser.add_argument("--picture", default=str(ROOT / "docs" / "sprites_swap.png"))
    parser.add_argument("--set", nargs="*", default=[], metavar="section.key=value")
    parser.add_argument("--reevaluate", action="store_true", help="evaluate runs whose eval.json is up to date too")
    args = parser.parse_args()
    out = Path(args.out)
    for method in args.methods:  # bad overrides fail here, before any training
        load_config(METHODS[method][0], overrides(method, args, 0))
    jobs = [(m, s) for m in sorted(args.methods, key=lambda m: m != "dsvae") for s in range(args.seeds)]
    start = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:  # DSVAE (the slowest) first
        runs = list(pool.map(lambda job: train_run(*job, args), jobs))
    train_wall = time.perf_counter() - start
    by_method = {m: [r for (mm, _), r in zip(jobs, runs) if mm == m] for m in args.methods}
    groups = {  # one `evaluate` call per data config (the preset's differs from quick's) and model kind
        "eval-autoencoders.json": [
            r for m in CONTENT_POSE if m in by_method and m != "lpc_sprites" for r in by_method[m]
        ],
        "eval-preset.json": by_method.get("lpc_sprites", []),
        "eval-dsvae.json": by_method.get("dsvae", []),
    }
    for name, group in groups.items():
        if group and (args.reevaluate or not all(evaluated(r) for r in group)):
            evaluate(group, out / name)
    eval_wall = time.perf_counter() - start - train_wall

    table, seconds, per_seed, first = {}, {}, {}, None
    for method, method_runs in by_method.items():
        entries = [json.loads((r / "eval.json").read_text()) for r in method_runs]
        first = first or entries[0]
        rows: dict[str, list] = {}
        for entry in entries:
            for name, scores in protocol_rows(method, entry).items():
                rows.setdefault(name, []).append(scores)
        secs = [json.loads((r.parent / f"{r.name}.timing.json").read_text())["seconds"] for r in method_runs]
        seconds[method] = [float(np.mean(secs)), float(np.std(secs))]
        for name, scores in rows.items():
            table[name] = {**mean_std(scores), "train s": seconds[method]}
            per_seed[name] = scores
    sprites = first["sprites"]["swap"] if "swap" in first["sprites"] else first["sprites"]
    baselines = {label: sprites["baselines"][key] for key, label in BASELINES}
    judge = sprites["judge"]

    best = max(
        (m for m in CONTENT_POSE if m in table),
        key=lambda m: table[m]["attr all 4"][0] * table[m]["motion"][0],
        default=None,
    )
    picture = swap_picture(by_method[best][0], Path(args.picture)) if best else None

    budget = (
        f"{args.steps} steps, batch {args.batch}, 32 px RGB frames, {args.seeds} seeds (0..{args.seeds - 1}), "
        f"{args.jobs} trainings at once, 1 thread each"
    )
    columns = list(COLUMNS) + ["train s"]
    print(f"\nmachine: {machine()} ({MACHINE_NOTE})")
    print(f"budget: {budget}; overrides {' '.join(args.set) or 'none'}")
    print(
        f"Sprites protocol, {sprites['baselines']['pairs']} test pairs (A, B) differing in every attribute and in "
        f"motion; A's content in B's motion, read by our judge; swap PSNR/SSIM against A's character in B's "
        f"motion; mean ± std over seeds"
    )
    print(f"{'':38}" + "".join(f"{c:>16}" for c in columns))
    for name, row in table.items():
        print(
            f"{name[:38]:38}"
            + "".join(f"{row[c][0]:9.3f} ±{row[c][1]:5.3f}" if c in row else f"{'-':>16}" for c in columns)
        )
    for label, s in baselines.items():
        print(
            f"{label[:38]:38}"
            + "".join(f"{s[COLUMNS[c]]:16.3f}" if COLUMNS.get(c) in s else f"{'-':>16}" for c in columns)
        )
    for label, p in PUBLISHED.items():
        print(
            f"{label[:38]:38}"
            + "".join(f"{p['motion']:16.3f}" if c == "motion" else f"{'-':>16}" for c in columns)
            + f"   ({p['source']})"
        )
    print(
        "judge held-out accuracy on real test sequences: "
        + ", ".join(f"{k} {v:.4f}" for k, v in judge["accuracy"].items() if k != "sequences")
    )
    print(TIMING_NOTE)
    print(
        f"wall clock of this call: training {train_wall:.0f} s, evaluation {eval_wall:.0f} s "
        f"(runs and evaluations already done are reused; each run's own training time is in the table)"
    )
    if picture:
        print(f"swap picture ({best}, seed 0; rows: content of A, columns: motion of B, frame 3): {picture}")

    result = {
        "machine": machine(),
        "machine_note": MACHINE_NOTE,
        "timing_note": TIMING_NOTE,
        "budget": {
            "steps": args.steps,
            "batch_size": args.batch,
            "frame_size": 32,
            "seeds": args.seeds,
            "jobs": args.jobs,
            "threads_per_job": 1,
            "overrides": args.set,
        },
        "methods": {m: {"preset": METHODS[m][0], "overrides": METHODS[m][1]} for m in args.methods},
        "table": table,
        "per_seed": per_seed,
        "baselines": baselines,
        "published": PUBLISHED,
        "judge": judge,
        "training_s": {r.name: json.loads((r.parent / f"{r.name}.timing.json").read_text())["seconds"] for r in runs},
        "wall_s_this_call": {"training": round(train_wall, 1), "evaluation": round(eval_wall, 1)},
        "picture": {"path": str(picture), "run": best, "seed": 0} if picture else None,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
