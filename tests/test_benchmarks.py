"""The benchmark scripts run end to end on tiny settings (slow: `make test-all`)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ["data.frame_size=32", "data.test_clips=32", "model.width=8", "model.content_dim=16",
        "train.batch_size=8", "train.steps=4", "train.log_every=2", "train.checkpoint_every=2", "train.device=cpu"]


def _run(script, *args):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_quick_demo_benchmark(tmp_path):
    out = _run("quick_demo.py", "--out", str(tmp_path), "--set", *TINY)
    assert "machine:" in out and "baseline: copy frame b" in out
    assert set(json.loads((tmp_path / "quick_demo.json").read_text())["timings"]) == {"quick", "quick-beta0"}


@pytest.mark.slow
def test_disentangle_benchmark(tmp_path):
    out = _run("disentangle.py", "--out", str(tmp_path), "--seeds", "2", "--data", "moving_digits",
               "moving_sprites", "--set", *TINY)
    table = json.loads((tmp_path / "disentangle.json").read_text())["table"]
    assert set(table) == {f"{d} / {m}" for d in ("moving_digits", "moving_sprites")
                          for m in ("drnet", "mipae", "no-penalty")}
    assert "group" in out and "±" in out


@pytest.mark.slow
def test_prediction_benchmark(trained_run, tmp_path):
    import shutil
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    out = _run("prediction.py", str(run), "--set", "predictor.steps=20")
    assert "500-step rollout speed" in out and "copy-last" in out
    assert "rollout_frames_per_s" in json.loads((run / "prediction_benchmark.json").read_text())


@pytest.mark.slow
def test_data_throughput_benchmark():
    out = _run("data_throughput.py", "--videos", "2", "--frames", "10", "--batch", "8")
    assert out.count("frames/s") == 5 and "moving_sprites" in out


@pytest.mark.slow
def test_setgan_benchmark(tmp_path):
    out = _run("setgan.py", "--out", str(tmp_path), "--set", "data.frame_size=32", "data.test_clips=32",
               "model.width=8", "train.batch_size=8", "train.steps=4", "train.log_every=2",
               "train.checkpoint_every=2", "train.device=cpu")
    assert "machine:" in out and "content changed" in out
    result = json.loads((tmp_path / "setgan.json").read_text())
    assert set(next(iter(result["runs"].values()))["curves"]) == {"content", "motion"}
    assert (tmp_path / "setgan" / "traverse.png").is_file() and (tmp_path / "setgan" / "samples.png").is_file()


@pytest.mark.slow
def test_throughput_benchmark(tmp_path):
    out = _run("throughput.py", "--presets", "quick", "--variants", "fp32", "bf16", "--steps", "1", "--soak", "20",
               "--device", "cpu", "--out", str(tmp_path / "t.json"))
    result = json.loads((tmp_path / "t.json").read_text())
    q = result["presets"]["quick"]
    assert "of matmul" in out and "contentpose train" in out and q["train_command_samples_per_s"] > 0
    for variant in ("fp32", "bf16"):
        assert q[variant]["gflop_per_step"] > 0 and 0 < q[variant]["ratio_to_matmul"] < 2
    table = _run("throughput.py", "--profile", "quick", "--device", "cpu")
    assert "aten::convolution_backward" in table and "Self CPU" in table
    assert result["rollout_frames_per_s"] > 0 and set(result["soak"]["rss_mib"]) == {"2", "20"}


@pytest.mark.slow
def test_network_probe_benchmark(tmp_path):
    out = _run("network_probe.py", "--steps", "4", "--every", "2", "--width", "4", "--out", str(tmp_path / "p.json"))
    curves = json.loads((tmp_path / "p.json").read_text())["curves"]
    assert set(curves) == {"decoder, mse", "decoder, bce", "content encoder, DCGAN head", "content encoder, pooled head"}
    assert all(len(c) == 2 for c in curves.values()) and "machine:" in out
