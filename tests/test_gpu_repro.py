"""scripts/gpu_repro.py on a machine without a GPU: it refuses in one line and writes nothing; its
CPU-side logic (a deadline that stops the training with a checkpoint, the resume, the scoring and the
JSON) runs on a tiny `paper_1digit`."""

import importlib.util
import json
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gpu_repro.py"
spec = importlib.util.spec_from_file_location("gpu_repro", SCRIPT)
gpu_repro = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_repro)

TINY = [
    "model.width=8",
    "train.batch_size=8",
    "train.checkpoint_every=5",
    "data.test_clips=16",
    "data.frame_size=32",
    "train.threads=1",
]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_refuses_without_cuda_and_writes_nothing(tmp_path, capsys):
    assert gpu_repro.main(["--json", str(tmp_path / "r.json"), "--runs", str(tmp_path / "runs")]) == 1
    assert "CUDA is not available" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_deadline_stops_with_a_checkpoint_the_next_call_resumes_and_scores(tmp_path):
    run = tmp_path / "paper_1digit"
    first = gpu_repro.reproduce("paper_1digit", 0.25, run, "cpu", ["train.steps=100000", *TINY])
    assert 0 < first["steps"] < 100000 and first["steps_this_call"] == first["steps"]
    assert first["published_samples"] == 12_000_000 and first["published_steps"] == 1_500_000  # batch 8
    second = gpu_repro.reproduce("paper_1digit", 0.3, run, "cpu", ["train.steps=100000", *TINY])
    assert second["steps"] > first["steps"] and second["steps_this_call"] == second["steps"] - first["steps"]
    lo, hi = second["test"]["model"]["all_objects_ci"]
    assert lo <= second["test"]["model"]["all_objects"] <= hi and "all_objects" in second["test"]["cut_and_paste"]
    gpu_repro.write_json(second, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["samples"] == second["steps"] * 8
