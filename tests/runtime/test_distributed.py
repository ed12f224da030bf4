"""Data-parallel training: 2 CPU processes (gloo) against one process holding the global batch."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from contentpose.config import load_config
from contentpose.objectives import build_objective
from contentpose.runtime.distributed import SyncBatchNorm2d, all_gather
from contentpose.train.loop import _seed, rank_seed
from contentpose.runtime import Runtime
from contentpose.data import build_dataset

WORKER = Path(__file__).with_name("ddp_worker.py")
TINY = ["data.frame_size=32", "data.test_clips=8", "model.width=8", "model.content_dim=16", "model.z_content=8",
        "model.z_motion=2", "train.batch_size=8", "train.device=cpu", "train.lr=0.0005"]
STEPS = 3


def torchrun(args: list[str], cwd: Path | None = None, nproc: int = 2) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
                           *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def one_process_reference(overrides: list[str], world_size: int = 2) -> dict[str, torch.Tensor]:
    """STEPS steps in one process on the global batch: the concatenation of what each rank draws."""
    cfg = load_config("quick", overrides)
    _seed(cfg.train)
    data = build_dataset(cfg.data, "train", "cpu")
    objective = build_objective(cfg, data.channels, Runtime(torch.device("cpu")))
    samplers = [objective.sampler(data, cfg, cfg.train.batch_size // world_size, rank_seed(cfg.train.seed + 1, r))
                for r in range(world_size)]
    for _ in range(STEPS):
        shares = [s() for s in samplers]
        objective.step(*[torch.cat(parts) for parts in zip(*shares)])
    return {f"{name}/{key}": value for name, module in objective.modules.items()
            for key, value in module.state_dict().items()}


@pytest.mark.parametrize("objective", ["drnet", "mipae", "setgan", "setgan model.set_disc_norm=batch",
                                       pytest.param("drnet train.compile=true", marks=pytest.mark.slow)])
def test_two_processes_match_one_process_with_the_global_batch(objective, tmp_path):
    name, *extra = objective.split()
    overrides = TINY + [f"objective={name}", *extra]
    result = torchrun([str(WORKER), str(tmp_path), str(STEPS), *overrides])
    assert result.returncode == 0, result.stderr[-3000:]
    rank0, rank1 = load_file(str(tmp_path / "rank0.safetensors")), load_file(str(tmp_path / "rank1.safetensors"))
    reference = one_process_reference([o for o in overrides if o != "train.compile=true"])
    assert rank0.keys() == reference.keys()
    moved = 0
    for key, value in reference.items():
        assert torch.equal(rank0[key], rank1[key]), f"ranks disagree on {key}"
        if value.is_floating_point():
            assert torch.allclose(rank0[key], value, rtol=1e-4, atol=1e-5), \
                f"{key}: max difference {(rank0[key] - value).abs().max():.2e}"
            moved += 1
    assert moved > 10


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
    g1, = torch.autograd.grad((y1 * torch.arange(5.)[:, None, None]).sum(), x)
    y2 = synced(x)
    g2, = torch.autograd.grad((y2 * torch.arange(5.)[:, None, None]).sum(), x)
    assert torch.allclose(y1, y2, atol=1e-5) and torch.allclose(g1, g2, atol=1e-5)
    for key, value in plain.state_dict().items():
        assert torch.allclose(value.float(), synced.state_dict()[key].float(), atol=1e-6), key


def test_torchrun_cli_writes_from_rank_0_and_resumes_exactly(tmp_path):
    """`torchrun -m contentpose train`: one set of files, every rank's data state in the
    checkpoint, and 3 + 3 resumed steps land where 6 straight steps do."""
    train = ["-m", "contentpose", "train", "quick", *TINY, "train.log_every=1", "train.checkpoint_every=3", "--quiet"]
    straight = torchrun([*train, "train.steps=6", "--out", str(tmp_path / "straight")])
    assert straight.returncode == 0, straight.stderr[-3000:]
    first = torchrun([*train, "train.steps=3", "--out", str(tmp_path / "resumed")])
    assert first.returncode == 0, first.stderr[-3000:]
    again = torchrun(["-m", "contentpose", "train", "--resume", "--out", str(tmp_path / "resumed"), "train.steps=6",
                      "--quiet"])
    assert again.returncode == 0, again.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / "straight").iterdir()) == \
        ["checkpoint.safetensors", "config.yaml", "metrics.jsonl", "tensorboard"]
    a = load_file(str(tmp_path / "straight" / "checkpoint.safetensors"))
    b = load_file(str(tmp_path / "resumed" / "checkpoint.safetensors"))
    assert "rng/sampler_rank1" in a and not torch.equal(a["rng/sampler"], a["rng/sampler_rank1"])
    for key in a:
        assert torch.equal(a[key], b[key]), key
    rows = (tmp_path / "resumed" / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 6 and '"samples_per_s"' in rows[0]
    predictor = torchrun(["-m", "contentpose", "train-predictor", str(tmp_path / "straight"), "predictor.steps=2",
                          "predictor.batch_size=4", "predictor.context=2", "predictor.future=2", "predictor.hidden=8",
                          "predictor.log_every=1", "--quiet"])
    assert predictor.returncode == 0, predictor.stderr[-3000:]
    assert len((tmp_path / "straight" / "predictor_metrics.jsonl").read_text().splitlines()) == 2


def test_resuming_with_another_number_of_processes_says_so_and_continues(tmp_path, capsys):
    from contentpose.cli import main

    run = tmp_path / "two"
    first = torchrun(["-m", "contentpose", "train", "quick", *TINY, "train.steps=2", "train.log_every=1",
                      "--out", str(run), "--quiet"])
    assert first.returncode == 0, first.stderr[-3000:]
    assert main(["train", "--resume", "--out", str(run), "train.steps=4", "--quiet"]) == 0
    assert "holds the data state of 2 process(es), this run has 1" in capsys.readouterr().err
    rows = (run / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 4 and load_file(str(run / "checkpoint.safetensors")).keys() >= {"rng/sampler"}
