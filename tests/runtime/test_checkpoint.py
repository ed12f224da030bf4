import json
from dataclasses import replace

import pytest
import torch

from contentpose.errors import UserError
from contentpose.objectives import build_objective
from contentpose.runtime import resolve_device
from contentpose.runtime.checkpoint import load_cached, load_checkpoint, read_meta, save_checkpoint
from contentpose.train.loop import train
from contentpose.trained import CHECKPOINT, load_run


def test_round_trip_restores_weights_and_optimiser(tiny_config, tmp_path):
    obj = build_objective(tiny_config, 1, torch.device("cpu"))
    obj.step(torch.rand(8, 1, 32, 32), torch.rand(8, 1, 32, 32))
    path = tmp_path / "c.safetensors"
    rng_state = torch.get_rng_state()
    save_checkpoint(path, obj.modules, obj.optimizers, {"torch": rng_state}, {"step": 1})
    assert not list(tmp_path.glob("*.tmp"))
    fresh = build_objective(tiny_config, 1, torch.device("cpu"))
    meta, rng = load_checkpoint(path, fresh.modules, fresh.optimizers)
    assert meta["step"] == 1 and torch.equal(rng["torch"], rng_state)
    for a, b in zip(obj.model.state_dict().values(), fresh.model.state_dict().values()):
        assert torch.equal(a, b)
    s1, s2 = obj.opt_model.state_dict(), fresh.opt_model.state_dict()
    assert s1["param_groups"] == s2["param_groups"]
    for i in s1["state"]:
        assert torch.equal(s1["state"][i]["exp_avg"], s2["state"][i]["exp_avg"])
    assert path.read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle


def test_resume_continues_exactly(tiny_config, tmp_path):
    full = replace(tiny_config, train=replace(tiny_config.train, steps=6, checkpoint_every=3))
    train(full, tmp_path / "straight", quiet=True)
    half = replace(full, train=replace(full.train, steps=3))
    train(half, tmp_path / "resumed", quiet=True)
    assert read_meta(tmp_path / "resumed" / CHECKPOINT)["step"] == 3
    train(full, tmp_path / "resumed", resume=True, quiet=True)
    a = load_run(tmp_path / "straight", "cpu").model.state_dict()
    b = load_run(tmp_path / "resumed", "cpu").model.state_dict()
    for key in a:
        assert torch.allclose(a[key].float(), b[key].float(), atol=1e-6), key
    rows = (tmp_path / "resumed" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["step"] for r in rows] == [2, 3, 4, 6]  # no duplicated rows after resuming


def test_refuses_to_overwrite_or_resume_nothing(tiny_config, tmp_path):
    train(tiny_config, tmp_path / "r", quiet=True)
    with pytest.raises(UserError, match="--resume"):
        train(tiny_config, tmp_path / "r", quiet=True)
    with pytest.raises(UserError, match="no checkpoint"):
        train(tiny_config, tmp_path / "empty", resume=True, quiet=True)


def test_corrupt_and_foreign_checkpoints(tiny_config, tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(UserError, match="corrupt"):
        read_meta(bad)
    with pytest.raises(UserError, match="no checkpoint"):
        read_meta(tmp_path / "none.safetensors")
    obj = build_objective(tiny_config, 1, torch.device("cpu"))
    save_checkpoint(tmp_path / "c.safetensors", obj.modules, obj.optimizers, {}, {"step": 0})
    wider = replace(tiny_config, model=replace(tiny_config.model, width=16))
    other = build_objective(wider, 1, torch.device("cpu"))
    with pytest.raises(UserError, match="different 'model' network"):
        load_checkpoint(tmp_path / "c.safetensors", other.modules)


def test_device_resolution():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(UserError):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="CUDA is not available"):
            resolve_device("cuda")


def test_more_processes_than_gpus_fail_in_one_line(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("auto", local_rank=1) == torch.device("cuda:1")
    with pytest.raises(UserError, match="shows 2 GPU"):
        resolve_device("auto", local_rank=2)
    with pytest.raises(UserError, match="shows 2 GPU"):
        resolve_device("cuda:3")


def test_resume_keeps_this_runs_optimiser_kernel(tiny_config, tmp_path):
    """A checkpoint written before fused Adam holds fused=None; loading it must not switch the
    fused kernel off for the rest of the run."""
    obj = build_objective(tiny_config, 1, torch.device("cpu"))
    assert obj.opt_model.defaults["fused"] is True
    obj.step(torch.rand(8, 1, 32, 32), torch.rand(8, 1, 32, 32))
    for group in obj.opt_model.param_groups:
        group["fused"] = None  # as an older checkpoint recorded it
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, obj.modules, obj.optimizers, {}, {"step": 1})
    fresh = build_objective(tiny_config, 1, torch.device("cpu"))
    load_checkpoint(path, fresh.modules, fresh.optimizers)
    assert all(g["fused"] is True for g in fresh.opt_model.param_groups)


def test_load_cached_loads_only_a_matching_intact_file(tmp_path):
    path = tmp_path / "cache.safetensors"
    saved, fresh = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    assert load_cached(path, "net", fresh, {"steps": 5}) is None  # missing
    save_checkpoint(path, {"net": saved}, {}, rng={}, meta={"steps": 5, "recipe": 1})
    assert load_cached(path, "net", fresh, {"steps": 6}) is None  # made differently
    assert not torch.equal(fresh.weight, saved.weight)
    assert load_cached(path, "net", fresh, {"steps": 5})["recipe"] == 1
    assert torch.equal(fresh.weight, saved.weight)
    path.write_bytes(path.read_bytes()[:100])  # broken: rebuilt, not an error
    assert load_cached(path, "net", fresh, {"steps": 5}) is None
