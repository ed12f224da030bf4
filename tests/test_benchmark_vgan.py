"""benchmarks/vgan.py end to end on tiny settings (slow: `make test-all`)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = [
    "model.width=4",
    "model.vgan_z=8",
    "model.vgan_frames=4",
    "train.batch_size=4",
    "data.test_clips=16",
    "train.log_every=1",
    "train.checkpoint_every=2",
    "train.device=cpu",
]


@pytest.mark.slow
def test_vgan_benchmark(tmp_path):
    out = tmp_path / "vgan.json"
    args = [
        "--out",
        str(tmp_path / "runs"),
        "--json",
        str(out),
        "--steps",
        "2",
        "--setgan-steps",
        "2",
        "--clips",
        "8",
        "--classifier-steps",
        "3",
        "--set",
        *TINY,
    ]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "vgan.py"), *args], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "machine:" in done.stdout and "copy-first" in done.stdout and "ablation" in done.stdout
    result = json.loads(out.read_text())
    assert set(result["ablation"]) == {"vgan", "vgan_mask0", "vgan_mask1", "vgan_streams1"}
    assert {"vgan_cond", "setgan", "real (other held-out clips)"} <= set(result["unconditional"])
    assert len(result["conditional"]["psnr"]) == 3 and result["ablation"]["vgan_streams1"]["mask"] is None
    assert set(result["classifier"]["held_out_accuracy"]) == {"content", "motion"}

    checkpoints = {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").glob("*/checkpoint.safetensors")}
    again = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "vgan.py"), *args, "--score-only"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert {p: p.stat().st_mtime_ns for p in checkpoints} == checkpoints  # nothing trained
    assert json.loads(out.read_text())["unconditional"] == result["unconditional"]  # the cached classifier
    empty = [*args, "--score-only"]
    empty[1] = str(tmp_path / "none")
    refused = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "vgan.py"), *empty], capture_output=True, text=True, timeout=900
    )
    assert refused.returncode != 0 and "train it first" in refused.stderr
