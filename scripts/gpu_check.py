"""One command for the first GPU: `make gpu-check` (python scripts/gpu_check.py).

In under 9 minutes on one GPU: the CUDA-marked tests (`pytest -m cuda`); the training step of the
quick, standard and paper presets in fp32 (TF32 on), bf16 and fp32 compiled, each against a large matmul of
the same precision on this GPU (model FLOPs utilisation, with benchmarks/throughput.py's
functions); a ~2-minute `paper` training followed by `evaluate`; peak GPU memory of each part.
Writes docs/gpu.md (GPU, date, command, tables) and docs/results/gpu.json; exits 1 if any part
failed (the report still says which).

Where CUDA is absent it fails at once (exit 1, one line) and writes nothing, so a CPU run is
never taken for a GPU result.

    python scripts/gpu_check.py [--train-seconds 120] [--steps 20] [--docs docs] [--runs runs/gpu-check]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND = "make gpu-check"
PRESETS = ("quick", "standard", "paper")  # standard: the glimpse path (grid_sample windows, 2 U-Nets)
VARIANTS = ("fp32", "bf16", "fp32+compile")  # names of benchmarks/throughput.py's VARIANTS
TRAIN_PRESET = "paper"
DEVICE = "cuda:0"
BUDGET_S = 9 * 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-seconds", type=float, default=120, help="length of the paper training")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per preset and variant")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="where gpu.md and results/gpu.json go")
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "gpu-check", help="where the paper run goes")
    args = parser.parse_args(argv)

    if cuda_missing("gpu-check", "this check"):
        return 1
    result = run_check(args)
    md, js = write_report(result, args.docs)
    print(
        f"gpu-check: {'passed' if result['ok'] else 'FAILED: ' + '; '.join(result['failures'])}; "
        f"{result['total_s']:.0f} s; wrote {md} and {js}"
    )
    return 0 if result["ok"] else 1


def cuda_missing(tool: str, what: str) -> bool:
    """True, after one line on stderr, where CUDA is absent (so a CPU run is never taken for a GPU's)."""
    import torch

    if torch.cuda.is_available():
        return False
    print(
        f"{tool}: error: CUDA is not available on this machine (torch {torch.__version__}, "
        f"CUDA build {torch.version.cuda or 'none'}); {what} needs a GPU and wrote nothing",
        file=sys.stderr,
    )
    return True


def run_check(args) -> dict:
    """Every part of the check on GPU 0; a part that fails is recorded (with its error) and the rest still run."""
    import torch

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from common import machine

    start = time.perf_counter()
    torch.backends.cuda.matmul.allow_tf32 = True  # "fp32" below means fp32 storage, TF32 tensor cores
    torch.backends.cudnn.allow_tf32 = True
    result = {
        "gpu": torch.cuda.get_device_name(0),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": COMMAND,
        "machine": machine(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "failures": [],
    }
    print(f"gpu-check on {result['gpu']}: CUDA tests (pytest -m cuda)", flush=True)
    result["tests"] = cuda_tests()
    print(f"gpu-check: CUDA tests: {result['tests']['summary']}; training-step throughput", flush=True)
    if result["tests"]["returncode"] != 0:
        result["failures"].append(f"CUDA tests: {result['tests']['summary']}")
    result["matmul_gflops"], result["throughput"] = throughput(args.steps)
    result["failures"] += [
        f"throughput {r['preset']} {r['variant']}: {r['error']}" for r in result["throughput"] if "error" in r
    ]
    print(f"gpu-check: {TRAIN_PRESET} training for about {args.train_seconds:.0f} s, then evaluate", flush=True)
    result["training"] = paper_training(args.runs, args.train_seconds, result["throughput"])
    if "error" in result["training"]:
        result["failures"].append(f"{TRAIN_PRESET} training: {result['training']['error']}")
    else:
        result["evaluate"] = evaluate(Path(result["training"]["run"]))
        if "error" in result["evaluate"]:
            result["failures"].append(f"evaluate: {result['evaluate']['error']}")
    result["total_s"] = round(time.perf_counter() - start, 1)
    if result["total_s"] > BUDGET_S:
        result["failures"].append(f"took {result['total_s']:.0f} s, over the {BUDGET_S} s budget")
    result["ok"] = not result["failures"]
    return result


def cuda_tests(timeout: int = 240) -> dict:
    """`pytest -m cuda` in a fresh process: its summary line, return code and time."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-m", "cuda", "-q", "-rs", "-p", "no:cacheprovider"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result = pytest_summary(done.stdout + done.stderr, done.returncode)
    except subprocess.TimeoutExpired:
        result = {"returncode": -1, "summary": f"timed out after {timeout} s", "skipped": [], "tail": []}
    return {**result, "seconds": round(time.perf_counter() - start, 1)}


def pytest_summary(out: str, returncode: int) -> dict:
    """pytest's counts (from its last line) and the reasons of skipped tests (from -rs)."""
    lines = out.strip().splitlines()
    counts = re.findall(r"(\d+) (passed|failed|skipped|errors?|deselected)", lines[-1] if lines else "")
    summary = ", ".join(f"{n} {what}" for n, what in counts if what != "deselected")
    if not any(what == "passed" for _, what in counts):
        returncode = returncode or 1  # nothing ran: not a pass
        summary = summary or (lines[-1] if lines else "no output")
    skipped = [line.split(": ", 1)[-1] for line in lines if line.startswith("SKIPPED")]
    return {"returncode": returncode, "summary": summary, "skipped": skipped, "tail": lines[-15:]}


def throughput(steps: int) -> tuple[dict, list[dict]]:
    """Each preset and variant's training step next to a matmul of the same precision (TF32 for fp32)."""
    import torch
    from throughput import matmul_gflops, step_figures

    device = torch.device(DEVICE)
    matmul = {
        "fp32": round(matmul_gflops(device, torch.float32, n=8192, reps=20), 1),
        "bf16": round(matmul_gflops(device, torch.bfloat16, n=8192, reps=20), 1),
    }
    rows = []
    for preset in PRESETS:
        for variant in VARIANTS:
            torch._dynamo.reset()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            row = {"preset": preset, "variant": variant}
            try:
                row.update(step_figures(preset, variant, device, steps))
                reference = matmul["bf16" if variant.startswith("bf16") else "fp32"]
                row.update(
                    matmul_gflops=reference,
                    ratio_to_matmul=round(row["gflops"] / reference, 3),
                    peak_gpu_mib=round(torch.cuda.max_memory_allocated() / 2**20),
                )
            except Exception as err:  # recorded, and the check fails
                row["error"] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            rows.append(row)
            print(f"throughput {preset} {variant}: {row}", flush=True)
    return matmul, rows


def paper_training(runs: Path, seconds: float, rows: list[dict]) -> dict:
    """`contentpose train paper` for about `seconds`: the step count comes from the measured paper step
    (in the precision that precision=auto picks here), with room for data drawing and logging."""
    import torch

    from contentpose.config import load_config
    from contentpose.runtime import start_runtime
    from contentpose.train.loop import train

    precision = "bf16" if start_runtime(load_config(TRAIN_PRESET).train).bf16 else "fp32"
    measured = [r for r in rows if r["preset"] == TRAIN_PRESET and r["variant"] == precision and "step_s" in r]
    step_s = measured[0]["step_s"] if measured else 0.25
    steps = max(50, int(0.7 * seconds / step_s) // 50 * 50)
    run = runs / datetime.now(UTC).strftime("%Y%m%d-%H%M%S") / Path(TRAIN_PRESET).stem
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    out = {"preset": TRAIN_PRESET, "precision": precision, "steps": steps, "run": str(run)}
    try:
        cfg = load_config(
            TRAIN_PRESET,
            [f"train.steps={steps}", "train.log_every=50", f"train.checkpoint_every={steps}", f"train.device={DEVICE}"],
        )
        train(cfg, run, quiet=True)
    except Exception as err:  # recorded
        out["error"] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        return out
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    out.update(
        seconds=round(time.perf_counter() - start, 1),
        peak_gpu_mib=round(torch.cuda.max_memory_allocated() / 2**20),
        samples_per_s=round(sum(r["samples_per_s"] for r in rows[1:] or rows) / len(rows[1:] or rows), 1),
        last={k: v for k, v in rows[-1].items() if k not in ("samples_per_s", "lr")},
    )
    return out


def evaluate(run: Path) -> dict:
    """`contentpose evaluate RUN` on the GPU: its swap and reconstruction figures, time and peak memory."""
    import torch

    from contentpose.eval.evaluate import evaluate_runs

    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            entry = evaluate_runs([run], DEVICE)["runs"][str(run)]
    except Exception as err:  # recorded
        return {"error": f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"}
    figures = {
        f"{part} {key}": value
        for part in ("swap", "reconstruction")
        for key, value in (entry.get(part) or {}).items()
        if isinstance(value, (int, float))
    }
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "peak_gpu_mib": round(torch.cuda.max_memory_allocated() / 2**20),
        "figures": figures,
        "table": printed.getvalue(),
    }


def write_report(result: dict, docs: Path) -> tuple[Path, Path]:
    """docs/gpu.md (rendered from `result`) and docs/results/gpu.json."""
    md, js = Path(docs) / "gpu.md", Path(docs) / "results" / "gpu.json"
    js.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(render_markdown(result))
    js.write_text(json.dumps(result, indent=2) + "\n")
    return md, js


def render_markdown(r: dict) -> str:
    ok = "all parts passed" if r["ok"] else "FAILED: " + "; ".join(r["failures"])
    t = r["tests"]
    lines = [
        "# GPU check",
        "",
        f"- GPU: **{r['gpu']}**",
        f"- date: {r['date']}",
        f"- command: `{r['command']}` (scripts/gpu_check.py)",
        f"- machine: {r['machine']}; CUDA {r['cuda']}",
        f"- result: **{ok}**, in {r['total_s']:.0f} s",
        "",
        "## CUDA tests",
        "",
        f"`pytest -m cuda`: {t['summary']} ({t['seconds']:.0f} s)."
        + (
            " Skipped: " + "; ".join(f"{why} ({n})" for why, n in Counter(t["skipped"]).items()) + "."
            if t.get("skipped")
            else ""
        ),
        "",
        "## Training step against a matmul of the same precision",
        "",
        f"A {8192}x{8192} matmul on this GPU: fp32 (TF32) {r['matmul_gflops']['fp32'] / 1000:.1f} TFLOP/s, "
        f"bf16 {r['matmul_gflops']['bf16'] / 1000:.1f} TFLOP/s. The step is the one `contentpose train` runs "
        "(forward and backward of every network, optimiser updates); its FLOPs are counted by "
        "torch.utils.flop_counter; *of matmul* is its achieved rate over the matmul's (model FLOPs utilisation).",
        "",
        "| preset | variant | batch | size | step ms | samples/s | GFLOP/step | TFLOP/s | of matmul | peak GPU MiB |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in r["throughput"]:
        if "error" in row:
            lines.append(f"| {row['preset']} | {row['variant']} | failed: {row['error']} | | | | | | | |")
        else:
            lines.append(
                f"| {row['preset']} | {row['variant']} | {row['batch']} | {row['frame_size']} | "
                f"{1000 * row['step_s']:.1f} | {row['samples_per_s']:.0f} | {row['gflop_per_step']:.2f} | "
                f"{row['gflops'] / 1000:.2f} | {100 * row['ratio_to_matmul']:.1f}% | {row['peak_gpu_mib']} |"
            )
    tr = r["training"]
    lines += ["", f"## `{tr['preset']}` training ({tr['precision']}, precision=auto) and `evaluate`", ""]
    if "error" in tr:
        lines.append(f"Training failed: {tr['error']}")
    else:
        last = ", ".join(f"{k} {v:.4g}" for k, v in tr["last"].items() if k != "step")
        lines += [
            f"{tr['steps']} steps in {tr['seconds']:.0f} s ({tr['samples_per_s']:.0f} samples/s), "
            f"peak GPU memory {tr['peak_gpu_mib']} MiB; last logged step {tr['last']['step']}: {last}. "
            f"Run folder: `{tr['run']}`.",
            "",
        ]
        ev = r.get("evaluate", {})
        if "error" in ev:
            lines.append(f"`evaluate` failed: {ev['error']}")
        else:
            lines += [
                f"`evaluate` took {ev['seconds']:.0f} s, peak GPU memory {ev['peak_gpu_mib']} MiB.",
                "",
                "| figure | value |",
                "|---|--:|",
            ]
            lines += [f"| {k} | {v:.4g} |" for k, v in ev["figures"].items()]
    lines += ["", "Figures of one run on one machine at the date above; rerun `make gpu-check` to refresh them.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
