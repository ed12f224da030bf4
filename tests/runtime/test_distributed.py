"""Data-parallel training: 2 CPU processes (gloo) against one process holding the global batch.

One torchrun launch per test session (`ddp_launch` in conftest.py, `launch_jobs` below, ddp_worker.py)
runs every 2-process job of tests/runtime/; the tests check its results one property at a time.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import TINY, for_objective
from safetensors.torch import load_file

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.objectives import build_objective
from contentpose.runtime import Runtime
from contentpose.runtime.distributed import SyncBatchNorm2d, all_gather
from contentpose.train.loop import _seed, rank_seed

WORKER = Path(__file__).with_name("ddp_worker.py")
DDP = [*TINY, "data.test_clips=8", "model.z_content=8", "model.z_motion=2", "train.lr=0.0005"]
STEPS = 3
OBJECTIVES = ["drnet", "mipae", "setgan", "setgan model.set_disc_norm=batch"]
CLI_TRAIN = ["train", "quick", *for_objective("drnet", DDP), "train.log_every=1", "train.checkpoint_every=3", "--quiet"]


def torchrun(jobs: list[dict], folder: Path) -> None:
    """Run `jobs` (see ddp_worker.py) in one launch of 2 processes."""
    (folder / "jobs.json").write_text(json.dumps(jobs))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            str(WORKER),
            str(folder / "jobs.json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def equivalence_job(folder: Path, objective: str) -> dict:
    name, *extra = objective.split()
    return {
        "out": str(folder / objective.replace(" ", "_")),
        "steps": STEPS,
        "overrides": [*for_objective(name, DDP), *extra],
    }


def launch_jobs(folder: Path) -> list[dict]:
    """The jobs of the session's one torchrun launch: 3 steps of each objective, here and in
    test_distributed_vgan.py (the first joins the process group the ordinary way, in
    `start_runtime`), then `contentpose train` and `train-predictor` runs."""
    from test_distributed_vgan import OBJECTIVES as VGAN_OBJECTIVES

    return [
        *[equivalence_job(folder, objective) for objective in [*OBJECTIVES, *VGAN_OBJECTIVES]],
        {"cli": [*CLI_TRAIN, "train.steps=6", "--out", str(folder / "straight")]},
        {"cli": [*CLI_TRAIN, "train.steps=3", "--out", str(folder / "resumed")]},
        {"cli": ["train", "--resume", "--out", str(folder / "resumed"), "train.steps=6", "--quiet"]},
        {
            "cli": [
                "train-predictor",
                str(folder / "resumed"),
                "predictor.steps=2",
                "predictor.batch_size=4",
                "predictor.context=2",
                "predictor.future=2",
                "predictor.hidden=8",
                "predictor.log_every=1",
                "--quiet",
            ]
        },
        {
            "cli": [
                "train",
                "quick",
                *for_objective("drnet", DDP),
                "train.steps=2",
                "train.log_every=1",
                "--out",
                str(folder / "two"),
                "--quiet",
            ]
        },
    ]


@pytest.fixture
def launch(ddp_launch) -> Path:
    """The folder of the session's torchrun launch (`launch_jobs`)."""
    return ddp_launch


def one_process_reference(overrides: list[str], world_size: int = 2) -> dict[str, torch.Tensor]:
    """STEPS steps in one process on the global batch: the concatenation of what each rank draws."""
    cfg = load_config("quick", overrides)
    _seed(cfg.train)
    data = build_dataset(cfg.data, "train", "cpu")
    objective = build_objective(cfg, data.channels, Runtime(torch.device("cpu")))
    samplers = [
        objective.sampler(data, cfg, cfg.train.batch_size // world_size, rank_seed(cfg.train.seed + 1, r))
        for r in range(world_size)
    ]
    for _ in range(STEPS):
        shares = [s() for s in samplers]
        objective.step(*[torch.cat(parts) for parts in zip(*shares)])
    return {
        f"{name}/{key}": value
        for name, module in objective.modules.items()
        for key, value in module.state_dict().items()
    }


def check_ranks_match_one_process(job: dict) -> None:
    out = Path(job["out"])
    rank0, rank1 = load_file(str(out / "rank0.safetensors")), load_file(str(out / "rank1.safetensors"))
    reference = one_process_reference([o for o in job["overrides"] if o != "train.compile=true"])
    assert rank0.keys() == reference.keys()
    moved = 0
    for key, value in reference.items():
        assert torch.equal(rank0[key], rank1[key]), f"ranks disagree on {key}"
        if value.is_floating_point():
            assert torch.allclose(rank0[key], value, rtol=1e-4, atol=1e-5), (
                f"{key}: max difference {(rank0[key] - value).abs().max():.2e}"
            )
            moved += 1
    assert moved > 10


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_two_processes_match_one_process_with_the_global_batch(objective, launch):
    check_ranks_match_one_process(equivalence_job(launch, objective))


@pytest.mark.slow
def test_compiled_two_processes_match_one_process(tmp_path):
    job = equivalence_job(tmp_path, "drnet train.compile=true")
    torchrun([job], tmp_path)
    check_ranks_match_one_process(job)


def test_without_a_process_group_the_collectives_are_identities():
    x = torch.randn(4, 3)
    assert all_gather(x) is x


def test_sync_batchnorm_matches_batchnorm_in_one_process():
    torch.manual_seed(0)
    plain = torch.nn.BatchNorm2d(5)
    synced = SyncBatchNorm2d(5)
    synced.load_state_dict(plain.state_dict())
    x = torch.randn(6, 5, 4, 4, requires_grad=True)
    y1 = plain(x)
    (g1,) = torch.autograd.grad((y1 * torch.arange(5.0)[:, None, None]).sum(), x)
    y2 = synced(x)
    (g2,) = torch.autograd.grad((y2 * torch.arange(5.0)[:, None, None]).sum(), x)
    assert torch.allclose(y1, y2, atol=1e-5) and torch.allclose(g1, g2, atol=1e-5)
    for key, value in plain.state_dict().items():
        assert torch.allclose(value.float(), synced.state_dict()[key].float(), atol=1e-6), key


def test_torchrun_cli_writes_from_rank_0_and_resumes_exactly(launch):
    """`contentpose train` under torchrun: one set of files, every rank's data state in the
    checkpoint, and 3 + 3 resumed steps land where 6 straight steps do."""
    assert sorted(p.name for p in (launch / "straight").iterdir()) == [
        "checkpoint.safetensors",
        "config.yaml",
        "metrics.jsonl",
        "tensorboard",
    ]
    a = load_file(str(launch / "straight" / "checkpoint.safetensors"))
    b = load_file(str(launch / "resumed" / "checkpoint.safetensors"))
    assert "rng/sampler_rank1" in a and not torch.equal(a["rng/sampler"], a["rng/sampler_rank1"])
    for key in a:
        assert torch.equal(a[key], b[key]), key
    rows = (launch / "resumed" / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 6 and '"samples_per_s"' in rows[0]
    assert len((launch / "resumed" / "predictor_metrics.jsonl").read_text().splitlines()) == 2


def test_resuming_with_another_number_of_processes_says_so_and_continues(launch, tmp_path, capsys):
    import shutil

    from contentpose.cli import main

    run = tmp_path / "two"
    shutil.copytree(launch / "two", run)
    assert main(["train", "--resume", "--out", str(run), "train.steps=4", "--quiet"]) == 0
    assert "holds the data state of 2 process(es), this run has 1" in capsys.readouterr().err
    rows = (run / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 4 and load_file(str(run / "checkpoint.safetensors")).keys() >= {"rng/sampler"}
