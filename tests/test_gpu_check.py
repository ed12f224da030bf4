"""scripts/gpu_check.py on a machine without a GPU: it fails loudly and writes nothing; its report
renders from a result (the one a GPU run produces)."""

import importlib.util
import json
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gpu_check.py"
spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
gpu_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_check)

RESULT = {
    "gpu": "NVIDIA H100 80GB HBM3",
    "date": "2026-11-28 03:00 UTC",
    "command": "make gpu-check",
    "machine": "Intel Xeon, 16 cores, GPU NVIDIA H100 80GB HBM3, torch 2.13.0",
    "torch": "2.13.0",
    "cuda": "12.8",
    "failures": ["throughput paper fp32+compile: RuntimeError: out of resources"],
    "ok": False,
    "total_s": 431.2,
    "tests": {
        "returncode": 0,
        "summary": "3 passed, 1 skipped",
        "skipped": ["NCCL across processes needs two GPUs"],
        "seconds": 52.0,
        "tail": [],
    },
    "matmul_gflops": {"fp32": 412000.0, "bf16": 745000.0},
    "throughput": [
        {
            "preset": "quick",
            "variant": "bf16",
            "batch": 64,
            "frame_size": 32,
            "step_s": 0.0123,
            "samples_per_s": 5203.3,
            "gflop_per_step": 41.5,
            "gflops": 33740.0,
            "matmul_gflops": 745000.0,
            "ratio_to_matmul": 0.0453,
            "peak_gpu_mib": 812,
            "rss_mib": 2100.0,
        },
        {"preset": "paper", "variant": "fp32+compile", "error": "RuntimeError: out of resources"},
    ],
    "training": {
        "preset": "paper",
        "precision": "bf16",
        "steps": 2800,
        "run": "runs/gpu-check/x/paper",
        "seconds": 118.4,
        "peak_gpu_mib": 3310,
        "samples_per_s": 2410.5,
        "last": {"step": 2800, "rec": 0.0123, "sim": 0.0004},
    },
    "evaluate": {
        "seconds": 61.0,
        "peak_gpu_mib": 2200,
        "figures": {"swap psnr": 18.25, "reconstruction ssim": 0.91},
        "table": "",
    },
}


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: the check would run for real")
def test_fails_loudly_without_cuda_and_writes_nothing(tmp_path, capsys):
    assert gpu_check.main(["--docs", str(tmp_path / "docs"), "--runs", str(tmp_path / "runs")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("gpu-check: error: CUDA is not available"), err
    assert list(tmp_path.iterdir()) == []


def test_report_renders_gpu_date_command_and_tables(tmp_path):
    md, js = gpu_check.write_report(RESULT, tmp_path / "docs")
    text = md.read_text()
    assert md == tmp_path / "docs" / "gpu.md" and json.loads(js.read_text()) == RESULT
    for expected in (
        "GPU: **NVIDIA H100 80GB HBM3**",
        "date: 2026-11-28 03:00 UTC",
        "`make gpu-check`",
        "FAILED: throughput paper fp32+compile",
        "3 passed, 1 skipped",
        "needs two GPUs",
        "fp32 (TF32) 412.0 TFLOP/s",
        "| quick | bf16 | 64 | 32 | 12.3 | 5203 | 41.50 | 33.74 | 4.5% | 812 |",
        "| paper | fp32+compile | failed: RuntimeError: out of resources",
        "2800 steps in 118 s",
        "| swap psnr | 18.25 |",
    ):
        assert expected in text, expected


def test_pytest_summary_counts_and_skip_reasons():
    out = (
        "..s\nSKIPPED [1] tests/test_cuda.py:71: NCCL across processes needs two GPUs\n"
        "3 passed, 1 skipped, 250 deselected in 40.12s\n"
    )
    s = gpu_check.pytest_summary(out, 0)
    assert (s["returncode"], s["summary"], s["skipped"]) == (
        0,
        "3 passed, 1 skipped",
        ["NCCL across processes needs two GPUs"],
    )
    assert gpu_check.pytest_summary("4 skipped, 250 deselected in 1.0s", 0)["returncode"] == 1  # nothing ran
