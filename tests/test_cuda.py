"""The CUDA paths: training and resuming on a GPU (bf16 autocast, channels_last, fused Adam), the same
step on CPU and GPU, checkpoints moving between devices, and NCCL across two GPUs.

Marked `cuda`; skipped without a GPU. `make gpu-check` runs them (`pytest -m cuda`) and fails
loudly where no GPU is present."""

import json
import os
import subprocess
import sys

import pytest
import torch

from contentpose.cli import main
from contentpose.config import load_config
from contentpose.objectives import build_objective
from contentpose.runtime import Runtime
from contentpose.trained import load_run

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (make gpu-check runs these)"),
]

TINY = [
    "data.frame_size=32",
    "data.test_clips=32",
    "model.width=8",
    "model.content_dim=16",
    "train.batch_size=8",
    "train.log_every=2",
    "train.checkpoint_every=2",
]


@pytest.fixture
def plain_fp32():
    """cuDNN and matmuls in full fp32 (no TF32) for comparisons with the CPU."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def test_trains_resumes_and_evaluates_on_the_gpu(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "quick", *TINY, "train.steps=4", "train.device=cuda", "--out", str(run), "--quiet"]) == 0
    assert main(["train", "train.steps=6", "--resume", "--out", str(run), "--quiet"]) == 0
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4, 6] and all(torch.isfinite(torch.tensor(r["rec"])) for r in rows)
    assert main(["evaluate", str(run), "--device", "cuda"]) == 0
    assert "swap PSNR" in capsys.readouterr().out


def test_a_gpu_checkpoint_loads_on_the_cpu_and_gives_the_same_frames(tmp_path, plain_fp32):
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "quick",
                *TINY,
                "train.steps=2",
                "train.device=cuda",
                "train.precision=fp32",
                "--out",
                str(run),
                "--quiet",
            ]
        )
        == 0
    )
    gpu, cpu = load_run(run, "cuda"), load_run(run, "cpu")
    assert all(p.device.type == "cpu" for p in cpu.model.parameters())
    x = cpu.dataset("test").test_clips(4, 2).frames.cpu()
    with torch.no_grad():
        a, b = cpu.model(x[:, 0], x[:, 1]), gpu.model(x[:, 0].cuda(), x[:, 1].cuda())
    assert a.shape == (4, 1, 32, 32) and torch.allclose(a, b.cpu(), atol=1e-3)


def _first_step_losses(device: str, bf16: bool) -> dict[str, float]:
    cfg = load_config("quick", TINY)
    torch.manual_seed(0)
    objective = build_objective(cfg, 1, Runtime(torch.device(device), bf16=bf16, channels_last=True))
    torch.manual_seed(1)
    batch = torch.rand(2, 8, 1, 32, 32)
    return {k: float(v) for k, v in objective.step(batch[0].to(device), batch[1].to(device)).items()}


def test_the_same_step_on_cpu_and_gpu_in_fp32_and_bf16(plain_fp32):
    cpu, gpu, bf16 = (
        _first_step_losses("cpu", False),
        _first_step_losses("cuda", False),
        _first_step_losses("cuda", True),
    )
    for key in ("rec", "sim"):
        assert gpu[key] == pytest.approx(cpu[key], rel=1e-3, abs=1e-5), (key, cpu, gpu)
        assert bf16[key] == pytest.approx(cpu[key], rel=0.05, abs=1e-3), (key, cpu, bf16)


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="NCCL across processes needs two GPUs")
def test_two_gpus_train_with_nccl(tmp_path):
    run = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            "-m",
            "contentpose",
            "train",
            "quick",
            *TINY,
            "train.steps=4",
            "train.device=cuda",
            "--out",
            str(run),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    from contentpose.runtime.checkpoint import read_meta

    assert read_meta(run / "checkpoint.safetensors")["world_size"] == 2
