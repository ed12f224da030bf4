"""The benchmark scripts run end to end on tiny settings (slow: `make test-all`)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import TINY, coloured_videos, for_objective

ROOT = Path(__file__).resolve().parents[1]


def _run(script, *args, timeout=900):
    """Run a benchmark script; on a timeout, kill it with every process it started (its own group),
    so no training or `contentpose evaluate` it spawned outlives the test."""
    command = [sys.executable, str(ROOT / "benchmarks" / script), *args]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as child:
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            pytest.fail(f"{script} ran past {timeout} s; it and its children were killed")
    assert child.returncode == 0, stderr[-2000:]
    return stdout


@pytest.mark.slow
def test_quick_demo_benchmark(tmp_path):
    out = _run("quick_demo.py", "--out", str(tmp_path), "--set", *TINY)
    assert "machine:" in out and "baseline: copy frame b" in out
    assert set(json.loads((tmp_path / "quick_demo.json").read_text())["timings"]) == {"quick", "quick-beta0"}


@pytest.mark.slow
def test_disentangle_benchmark(tmp_path):
    out = _run(
        "disentangle.py",
        "--out",
        str(tmp_path),
        "--seeds",
        "2",
        "--data",
        "moving_digits",
        "moving_sprites",
        "--json",
        str(tmp_path / "table.json"),
        "--set",
        *TINY,
    )
    result = json.loads((tmp_path / "table.json").read_text())
    assert result == json.loads((tmp_path / "disentangle.json").read_text())
    table = result["table"]
    assert set(table) == {
        f"{d} / {m}" for d in ("moving_digits", "moving_sprites") for m in ("drnet", "mipae", "no-penalty")
    }
    assert (
        "all objects right" in table["moving_digits / drnet"] and len(result["per_seed"]["moving_digits / drnet"]) == 2
    )
    assert "moving_digits / baseline: content blind" in result["baselines"]
    assert "moving_digits / true frames (judge ceiling)" in result["baselines"]
    ceiling = result["baselines"]["moving_sprites / true factors as latents (ceiling)"]["group"]
    assert -1 <= ceiling <= 1 and "true factors as latents" in out  # 32 tiny clips: too few to near 1
    assert all(len(s) == 2 for s in result["training_s"].values())
    assert (tmp_path / "moving_digits" / "mipae" / "seed1.train.log").exists()
    assert "group" in out and "±" in out and "content blind" in out


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
    out = _run("setgan.py", "--out", str(tmp_path), "--variants", "all", "--set", *for_objective("setgan", TINY))
    assert "machine:" in out and "content changed" in out and "sharing z_M" in out
    result = json.loads((tmp_path / "setgan.json").read_text())
    assert len(result["runs"]) == 11 and set(result["timing"]) == {
        "preset",
        "paper_g",
        "mixed",
        "shared_mixed",
        "modulated_mixed",
        "hinge",
        "resize",
        "resize_pooled_none_mixed",
        "all_ema",
        "layered_mask_centre",
        "no_frame_disc",
    }
    first = next(iter(result["runs"].values()))
    assert set(first["curves"]) == {"content", "motion"} and "motion_sets" in first and result["split"] == "val"
    assert (tmp_path / "setgan" / "traverse.png").is_file() and (tmp_path / "setgan_hinge" / "samples.png").is_file()


@pytest.mark.slow
def test_throughput_benchmark(tmp_path):
    out = _run(
        "throughput.py",
        "--presets",
        "quick",
        "quick:model.width=32",
        "--variants",
        "fp32",
        "bf16",
        "--steps",
        "1",
        "--soak",
        "20",
        "--device",
        "cpu",
        "--out",
        str(tmp_path / "t.json"),
    )
    result = json.loads((tmp_path / "t.json").read_text())
    q = result["presets"]["quick"]
    assert "of matmul" in out and "contentpose train" in out and q["train_command_samples_per_s"] > 0
    for variant in ("fp32", "bf16"):
        assert q[variant]["gflop_per_step"] > 0 and 0 < q[variant]["ratio_to_matmul"] < 2
    exact = result["presets"]["quick:model.width=32"]["fp32"]
    assert exact["gflop_per_step"] > q["fp32"]["gflop_per_step"]  # the overrides reached the network
    table = _run("throughput.py", "--profile", "quick", "--device", "cpu")
    assert "aten::convolution_backward" in table and "Self CPU" in table
    assert result["rollout_frames_per_s"] > 0 and set(result["soak"]["rss_mib"]) == {"2", "20"}


@pytest.mark.slow
def test_network_probe_benchmark(tmp_path):
    out = _run("network_probe.py", "--steps", "4", "--every", "2", "--width", "4", "--out", str(tmp_path / "p.json"))
    curves = json.loads((tmp_path / "p.json").read_text())["curves"]
    assert set(curves) == {
        "decoder, mse",
        "decoder, bce",
        "content encoder, DCGAN head",
        "content encoder, pooled head",
    }
    assert all(len(c) == 2 for c in curves.values()) and "machine:" in out


@pytest.mark.slow
def test_pose_benchmark(tmp_path):
    (tmp_path / "pose.json").write_text(json.dumps({"pipeline": {"kept": 1}, "training": "old"}))
    out = _run(
        "pose.py",
        "--out",
        str(tmp_path),
        "--json",
        str(tmp_path / "pose.json"),
        "--picture",
        str(tmp_path / "forecasts.png"),
        "--transfer-picture",
        str(tmp_path / "transfer.png"),
        "--regressor-steps",
        "3",
        "--set",
        "train.steps=4",
        "train.log_every=2",
        "train.checkpoint_every=4",
        "data.test_clips=16",
        "model.forecast_hidden=16",
        "model.width=8",
    )
    assert "machine:" in out and "last pose held" in out and "lstm: LSTM" in out and "step 20" in out
    assert "posegen_notemporal: generated (normalised keypoints)" in out
    result = json.loads((tmp_path / "pose.json").read_text())
    assert set(result["training"]) == {"cvae", "lstm", "posegen", "posegen_notemporal"}
    assert result["pipeline"] == {"kept": 1}  # what `contentpose predict` wrote there stays
    assert result["forecasting"]["horizon"] == 20 and set(result["transfer"]) == {"posegen", "posegen_notemporal"}
    assert (
        "keypoint regressor on the true frames (floor)" in out
        and result["transfer"]["posegen"]["regressor_error_px"] > 0
    )
    assert (tmp_path / "forecasts.png").is_file() and (tmp_path / "transfer.png").is_file()


def test_figures_transfer_refuses_a_missing_run_in_one_line(tmp_path, monkeypatch, capsys):
    assert "run folder not found" in refusal(
        "figures_transfer.py", ["--motion", str(tmp_path / "nowhere")], monkeypatch, capsys
    )


@pytest.mark.slow
def test_figures_transfer_benchmark(tmp_path):
    """A 2-step motion run on figures over photos against a 2-step pose-to-frame run: every row scored."""
    motion = tmp_path / "motion"
    train_args = [
        "train",
        "figures_photo",
        "train.steps=2",
        "data.frame_size=32",
        "data.test_clips=16",
        "model.width=8",
    ]
    subprocess.run([sys.executable, "-m", "contentpose.cli", *train_args, "--out", str(motion), "--quiet"], check=True)
    out = _run(
        "figures_transfer.py",
        "--motion",
        str(motion),
        "--out",
        str(tmp_path),
        "--pairs",
        "8",
        "--json",
        str(tmp_path / "r.json"),
        "--picture",
        str(tmp_path / "p.png"),
        "--set",
        "train.steps=2",
        "model.width=8",
    )
    result = json.loads((tmp_path / "r.json").read_text())["transfer"]
    assert "motion model (frames only)" in result["methods"] and "copy source frames" in result["baselines"]
    within = result["diagnostics"]["within b's clip, copy its first frame"]
    assert within["keypoint_error_px"] > 0 and "driven by the truth's frames" in result["diagnostics"]
    assert "strongest baseline on keypoints" in out and (tmp_path / "p.png").is_file()


@pytest.mark.slow
def test_figures_samples_picture(tmp_path):
    from PIL import Image

    _run("figures_samples.py", "--out", str(tmp_path / "figures.png"), "--size", "32")
    assert Image.open(tmp_path / "figures.png").size == (2 * (10 * 32 + 9 * 2), 2 * (8 * 32 + 7 * 2))


@pytest.mark.slow
def test_sprites_benchmark(lpc_sprites, tmp_path):
    """Every method, 2 seeds, 2 steps on lpc_sprites; a tiny judge is placed in the runs' cache first
    (the real judge trains for minutes), beside a link to the fixture's data cache."""
    import os

    from contentpose.data.lpc_sprites import LpcSprites
    from contentpose.eval.judges.sprites_judge import judge_accuracy, save_judge, train_judge

    train = lpc_sprites["train"]
    cache = tmp_path / "runs" / ".contentpose-cache"
    cache.mkdir(parents=True)
    data_file = train.cache_dir / f"lpc_sprites-{train.cache_key}.u8"
    os.link(data_file, cache / data_file.name)
    ours = LpcSprites(train.cfg, "train", cache_dir=cache, quiet=True)
    judge = train_judge(ours, steps=10, batch_size=8, quiet=True)
    save_judge(judge, ours, judge_accuracy(judge, lpc_sprites["test"], sequences=[0, 9]), 0.0)
    out = _run(
        "sprites.py",
        "--out",
        str(tmp_path / "runs"),
        "--seeds",
        "2",
        "--steps",
        "2",
        "--batch",
        "4",
        "--data",
        str(train.cfg.path),
        "--json",
        str(tmp_path / "sprites.json"),
        "--picture",
        str(tmp_path / "swap.png"),
        "--set",
        "model.width=8",
        "train.log_every=1",
        "train.device=cpu",
    )
    result = json.loads((tmp_path / "sprites.json").read_text())
    methods = ("drnet", "mipae", "no-penalty", "keypoints")  # the default: all but the lpc_sprites preset
    assert set(result["table"]) == {
        *methods,
        *(f"{m}: redrawing A" for m in methods),
        "dsvae: swap (f of A, z of B)",
        "dsvae: z of B, f ~ p(f)",
    }
    assert len(result["per_seed"]["mipae"]) == 2 and "swap PSNR" in result["table"]["drnet"]
    assert "swap PSNR" not in result["table"]["dsvae: z of B, f ~ p(f)"]  # f is not A's: no true answer
    assert result["budget"]["steps"] == 2 and set(result["training_s"]) == {
        f"{m}-seed{s}" for m in ("drnet", "mipae", "no-penalty", "keypoints", "dsvae") for s in (0, 1)
    }
    assert "baseline: content-blind" in out and "±" in out and (tmp_path / "swap.png").is_file()
    # a second call reuses every run (nothing retrained)
    again = _run(
        "sprites.py",
        "--out",
        str(tmp_path / "runs"),
        "--seeds",
        "2",
        "--steps",
        "2",
        "--batch",
        "4",
        "--data",
        str(train.cfg.path),
        "--json",
        str(tmp_path / "again.json"),
        "--methods",
        "drnet",
        "lpc_sprites",
        "--picture",
        str(tmp_path / "swap2.png"),
        "--set",
        "model.width=8",
        "train.log_every=1",
        "train.device=cpu",
    )
    assert "trained drnet" not in again
    second = json.loads((tmp_path / "again.json").read_text())
    assert {k: v for k, v in second["training_s"].items() if k.startswith("drnet")} == {
        k: v for k, v in result["training_s"].items() if k.startswith("drnet")
    }
    assert {"lpc_sprites-seed0", "lpc_sprites-seed1"} <= set(second["training_s"])  # the preset, trained now
    assert {"lpc_sprites", "lpc_sprites: redrawing A"} <= set(second["table"])


@pytest.mark.slow
def test_video_benchmark(tmp_path):
    clips = coloured_videos(tmp_path / "clips")
    picture = tmp_path / "video.png"
    out = _run(
        "video.py",
        *("--out", str(tmp_path / "runs"), "--clips", str(clips), "--json", str(tmp_path / "video.json")),
        *("--picture", str(picture), "--set", *TINY),
    )
    assert "machine:" in out and "nearest training frame to x_t+k" in out and "a kept" in out
    assert "FOMM's protocol" in out and "val pairs" in out
    result = json.loads((tmp_path / "video.json").read_text())
    assert len(result["held_out"]) == 3 and all("across_videos" in r for r in result["held_out"].values())
    assert result["split"] == "val" and set(result["first_frame"]) == set(result["held_out"])
    assert picture.is_file() and picture.with_name("video_across.png").is_file()


def test_subprocess_training_progress_reads_the_logged_step(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from common import logged_step

    assert logged_step(tmp_path) == 0  # no log yet
    (tmp_path / "metrics.jsonl").write_text('{"loss": 0.5, "step": 25}\n{"loss": 0.4, "step": 50}\n{"loss": 0.')
    assert logged_step(tmp_path) == 50  # the last line is still being written


def test_interrupted_subprocess_training_keeps_its_time(tmp_path, monkeypatch):
    """Ctrl-C while a benchmark follows a training: it waits for the training to save and stop,
    writes the time spent so far to RUN.timing.json (a resumed run adds to it), then stops."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import common

    child = [sys.executable, "-c", "import time; time.sleep(0.5)"]  # stands in for the training's process
    real_popen = common.subprocess.Popen
    monkeypatch.setattr(common.subprocess, "Popen", lambda command, **kw: real_popen(child, **kw))

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(common.time, "sleep", interrupt)
    run = tmp_path / "runs" / "seed0"
    with pytest.raises(KeyboardInterrupt):
        common.train_subprocess("quick", [], run, steps=10)
    timing = json.loads((tmp_path / "runs" / "seed0.timing.json").read_text())
    assert timing["seconds"] >= 0.4 and timing["steps"] is None  # it waited for the child; no checkpoint


def refusal(script: str, args: list[str], monkeypatch, capsys) -> str:
    """What a benchmark's main() says when it refuses `args`, run in this process (a subprocess per
    case cost 3-4 s of Python and torch start-up each): the one line of its SystemExit or usage error."""
    import importlib

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    module = importlib.import_module(script.removesuffix(".py"))
    monkeypatch.setattr(sys, "argv", [script, *args])
    with pytest.raises(SystemExit) as stopped:
        module.main()
    code = stopped.value.code
    if isinstance(code, str):  # SystemExit("...") prints just this line
        assert "\n" not in code.strip(), code
        return code
    lines = capsys.readouterr().err.strip().splitlines()  # argparse: usage, then the error
    assert code != 0 and lines and "Traceback" not in "".join(lines)
    return lines[-1]


def test_disentangle_benchmark_refuses_bad_input_in_one_line(tmp_path, monkeypatch, capsys):
    for args, message in [
        (["--preset", "nope"], "disentangle.py:"),
        (["--jobs", "0"], "argument --jobs: must be a whole number >= 1, got '0'"),
        (["--seeds", "-1"], "argument --seeds: must be a whole number >= 1"),
    ]:
        assert message in refusal("disentangle.py", ["--out", str(tmp_path), *args], monkeypatch, capsys)
    assert not list(tmp_path.iterdir())  # nothing trained


def test_shift_and_throughput_refuse_bad_input_in_one_line(tmp_path, monkeypatch, capsys):
    from conftest import untrained_run

    vector = untrained_run(tmp_path / "vector", "quick", [*TINY, "model.architecture=dcgan", "model.pose_dim=5"])
    for script, args, message in [
        ("shift.py", [str(tmp_path / "nowhere")], "nowhere"),
        ("shift.py", [str(vector)], "does not have keypoint pose"),
        ("within_clip.py", [str(vector)], "does not have keypoint pose"),
        ("throughput.py", ["--presets", "standard:model.nope=1"], "nope"),
    ]:
        assert message in refusal(script, args, monkeypatch, capsys)
    done = subprocess.run(  # one run as a user starts it: the message is all that is printed
        [sys.executable, str(ROOT / "benchmarks" / "shift.py"), str(vector)], capture_output=True, text=True
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and len(lines) == 1 and "does not have keypoint pose" in lines[0], done.stderr[-500:]


def test_shift_benchmark_scores_each_shift(tiny_run, with_classifier, tmp_path, monkeypatch, capsys):
    import shutil

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import shift  # in this process, where the session's short content classifier is valid

    run = with_classifier(Path(shutil.copytree(tiny_run, tmp_path / "run")))
    monkeypatch.setattr(sys, "argv", ["shift.py", str(run), "--json", str(tmp_path / "shift.json")])
    shift.main()
    assert "point error" in capsys.readouterr().out
    rows = json.loads((tmp_path / "shift.json").read_text())["shifts"][str(run)]
    assert [r["shift_px"] for r in rows] == [0, 1, 2, 3, 4, 6, 8]
    assert rows[0]["point_error_px_median"] == 0 and all(0 <= r["classifier"] <= 1 for r in rows)
    assert rows[0]["mse_copy_unshifted"] == 0 < rows[1]["mse_copy_unshifted"]  # the baseline beside each shift


def test_within_clip_benchmark_splits_pairs_by_overlap(tmp_path, monkeypatch, capsys):
    from conftest import untrained_run

    from contentpose.eval.judges import content_classifier as cc

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import within_clip  # in this process, with a classifier trained for a few steps

    monkeypatch.setattr(cc, "STEPS", 5)
    one = untrained_run(tmp_path / "one", "quick", TINY)
    monkeypatch.setattr(sys, "argv", ["within_clip.py", str(one)])
    with pytest.raises(SystemExit, match="two-digit"):
        within_clip.main()

    run = untrained_run(tmp_path / "two", "standard", [*TINY, "data.frame_size=64"])  # glimpses need 64 px
    monkeypatch.setattr(sys, "argv", ["within_clip.py", str(run), "--json", str(tmp_path / "w.json")])
    within_clip.main()
    assert "digits overlap in a frame" in capsys.readouterr().out
    rows = json.loads((tmp_path / "w.json").read_text())["runs"][str(run)]
    share = lambda name: rows[name]["share"]  # noqa: E731
    assert share("all") == 1 and share("digits overlap in a frame") + share("digits apart in both") == pytest.approx(1)
    parts = share("apart, points keep their digits") + share("apart, a point switches digits")
    assert parts == pytest.approx(share("digits apart in both"), abs=2e-3)
    assert 0 <= rows["all"]["classifier"] <= 1 and 0 <= rows["all"]["ceiling"] <= 1


def test_palette_speed_benchmark(lpc_root, tmp_path):
    out = _run(
        "palette_speed.py",
        "--data",
        str(lpc_root),
        "--batch",
        "8",
        "--repeats",
        "1",
        "--json",
        str(tmp_path / "p.json"),
    )
    result = json.loads((tmp_path / "p.json").read_text())
    assert "machine:" in out and 0.5 < result["black_share"] < 0.95
    assert result["ms_every_pixel"] > 0 and result["speed_up"] == pytest.approx(
        result["ms_every_pixel"] / result["ms_skipping_black"],
        rel=0.05,  # from the unrounded times
    )


def test_a_timed_out_benchmark_takes_its_children_with_it(tmp_path):
    script = tmp_path / "hangs.py"
    pid_file = tmp_path / "grandchild.pid"
    script.write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(120)\n"
    )
    with pytest.raises(pytest.fail.Exception, match="ran past 3 s"):
        _run(str(script), timeout=3)
    grandchild = int(pid_file.read_text())
    for _ in range(50):  # killed, then reaped by init
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"the benchmark's child {grandchild} outlived it")


@pytest.mark.slow
def test_learning_curve_resumes_one_run_to_each_budget(tmp_path):
    """A constant learning rate: one run resumed from budget to budget (the --set overrides are not
    passed to the resume, which refuses them), scored on val at each; another setup in the same
    folder is refused in one line."""
    out = tmp_path / "curve"
    tiny = [*TINY, "train.lr_decay=none"]
    common = ("quick", "--out", str(out), "--metric", "swap.psnr", "swap.all_objects", "--set", *tiny)
    picture = tmp_path / "c.png"
    stdout = _run(
        "learning_curve.py", *common, "--budgets", "2", "4", "--json", str(tmp_path / "c.json"), "--plot", str(picture)
    )
    result = json.loads((tmp_path / "c.json").read_text())
    assert [p["steps"] for p in result["curve"]["swap.psnr"]] == [2, 4] and result["one_run_resumed"]
    assert result["curve"]["swap.psnr"][0]["ci"] and (out / "eval_2.json").exists() and (out / "eval_4.json").exists()
    seconds = [p["train_seconds"] for p in result["curve"]["swap.psnr"]]
    assert 0 < seconds[0] < seconds[1]  # the time to each budget, cumulative over the resumed sessions
    assert "samples" in stdout and sorted(p.name for p in out.iterdir() if p.is_dir()) == ["run"]
    assert picture.stat().st_size > 10_000
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "learning_curve.py"),
        *common,
        "model.width=4",
        "--budgets",
        "6",
    ]
    refused = subprocess.run(command, capture_output=True, text=True)
    assert refused.returncode != 0 and "set up with other settings" in refused.stderr.strip().splitlines()[-1]


def test_learning_curve_refuses_bad_input_in_one_line(tmp_path, monkeypatch, capsys):
    for args, message in [
        (["nope", "--budgets", "2", "--metric", "swap.psnr"], "learning_curve.py:"),
        (["quick", "--budgets", "4", "2", "--metric", "swap.psnr"], "--budgets must be distinct and ascending"),
        (["quick", "--budgets", "0", "--metric", "swap.psnr"], "must be a whole number >= 1"),
    ]:
        assert message in refusal("learning_curve.py", [*args, "--out", str(tmp_path / "c")], monkeypatch, capsys)
    assert not (tmp_path / "c").exists()  # nothing made, nothing trained


def _curve_json(path, preset, batch, points):
    """A curve file as learning_curve.py writes it: (steps, seconds, value) per budget."""
    evals = {
        str(steps): {
            "swap": {"all_objects": v, "all_objects_ci": [v - 0.05, v + 0.05]},
            "baselines": {"cut_and_paste": {"all_objects": 0.5, "all_objects_ci": [0.45, 0.55]}},
        }
        for steps, _, v in points
    }
    curve = [{"steps": s, "value": v, "ci": [v - 0.05, v + 0.05], "train_seconds": t} for s, t, v in points]
    result = {"command": "c", "machine": "m", "preset": preset, "overrides": [], "batch_size": batch}
    path.write_text(json.dumps(result | {"curve": {"swap.all_objects": curve}, "evals": evals}))
    return str(path)


def test_learning_curve_combines_curves_by_samples_and_minutes(tmp_path, monkeypatch, capsys):
    a = _curve_json(tmp_path / "a.json", "paper", 100, [(10, 60.0, 0.2), (20, 120.0, 0.4)])
    b = _curve_json(tmp_path / "b.json", "quick", 64, [(30, 90.0, 0.7)])
    monkeypatch.setattr(sys, "argv", ["learning_curve.py", "--combine", f"DrNet={a}", b, "--metric", "swap.all_objects",
        "--baseline", "baselines.cut_and_paste.all_objects", "--json", str(tmp_path / "c.json"),
        "--plot", str(tmp_path / "c.png")])  # fmt: skip
    import importlib

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    importlib.import_module("learning_curve").main()
    out = capsys.readouterr().out
    assert "DrNet" in out and "quick" in out and "0.500 [0.450, 0.550]" in out
    assert "   1920" in out and "    2.0  0.400" in out  # quick's 30 x 64 samples; paper's 2 minutes
    result = json.loads((tmp_path / "c.json").read_text())
    assert (
        list(result["curves"]) == ["DrNet", "quick"]
        and result["baselines"]["baselines.cut_and_paste.all_objects"]["value"] == 0.5
    )
    assert (tmp_path / "c.png").stat().st_size > 10_000
    for args, message in [
        (["--combine", a, "--metric", "swap.psnr"], "has no curve of swap.psnr"),
        (["--combine", str(tmp_path / "none.json"), "--metric", "swap.psnr"], "none.json"),
        (["--combine", a, "--metric", "swap.psnr", "swap.ssim"], "one --metric"),
        (["--metric", "swap.psnr"], "a PRESET and --budgets"),
    ]:
        assert message in refusal("learning_curve.py", args, monkeypatch, capsys)


@pytest.mark.slow
def test_published_budget_multiplies_one_counted_step_by_the_published_steps(tmp_path, monkeypatch, capsys):
    out = _run("published_budget.py", "--presets", "quick", "--steps", "1", "--json", str(tmp_path / "b.json"))
    r = json.loads((tmp_path / "b.json").read_text())["presets"]["quick"]
    assert "H100 min" in out and r["gflop_per_step"] > 0 and r["cpu_step_s"] > 0
    total = r["gflop_per_step"] * 1e9 * r["published_steps"]
    assert r["published_samples"] == r["published_steps"] * r["batch"]
    assert abs(r["total_pflop"] - total / 1e15) <= 0.05 + 1e-9
    assert abs(r["h100_minutes_at_peak"] - total / 989e12 / 60) <= 0.05 + 1e-9
    assert abs(r["h100_minutes_at_30pct"] - total / (0.3 * 989e12) / 60) <= 0.05 + 1e-9
    assert "nope" in refusal("published_budget.py", ["--presets", "quick:model.nope=1"], monkeypatch, capsys)


def test_figures_transfer_diagnostics_drive_from_the_truth_and_b_own_clip(monkeypatch):
    """The diagnostics feed the right frames: a stand-in that returns the driving frames scores the
    truth against itself (driven by the truth) and b against itself (within b's clip); one that
    repeats the content frame scores exactly as copying b's first frame does."""
    import importlib
    from types import SimpleNamespace

    from contentpose.config import load_config
    from contentpose.data import build_dataset

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    diagnostics = importlib.import_module("figures_transfer").diagnostics
    cfg = load_config("figures_photo", ["data.frame_size=32", "data.test_clips=16"])
    data = build_dataset(cfg.data, "val")
    follows = SimpleNamespace(transfer=lambda content, motion: motion)
    copies = SimpleNamespace(transfer=lambda content, motion: content.expand_as(motion))
    right = diagnostics(follows, data, 4, None)
    assert right["driven by the truth's frames"]["psnr"] > 60 and right["within b's clip"]["psnr"] > 60
    copied = diagnostics(copies, data, 4, None)
    assert copied["within b's clip"] == copied["within b's clip, copy its first frame"]
    assert copied["driven by the truth's frames"]["psnr"] < 40


def test_set_disc_probe_swaps_only_the_digit():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from set_disc_probe import swap_sets

    from contentpose.config import load_config
    from contentpose.data import build_dataset

    cfg = load_config("setgan_quick", [])
    real, swapped = swap_sets(build_dataset(cfg.data, "train"), 8, 3, 13, torch.Generator().manual_seed(0))
    assert real.shape == swapped.shape == (8, 3, 1, 32, 32)
    assert torch.equal(real[:, 0], swapped[:, 0]) and not torch.equal(real[:, 1:], swapped[:, 1:])
    # the same places: the ink's centre of mass moves by less than half the digit in each swapped frame
    grid = torch.arange(32.0)

    def centre(x):  # (B, F, H, W) -> the ink's centre of mass (B, F, 2)
        return torch.stack([(x.sum(-1) * grid).sum(-1), (x.sum(-2) * grid).sum(-1)], -1) / x.sum((-2, -1))[..., None]

    assert (centre(real[:, 1:, 0]) - centre(swapped[:, 1:, 0])).abs().max() < 7


@pytest.mark.slow
def test_set_disc_probe_benchmark(tmp_path):
    out = _run("set_disc_probe.py", "--steps", "2", "--json", str(tmp_path / "probe.json"))
    curves = json.loads((tmp_path / "probe.json").read_text())["curves"]
    assert {"stacked / spectral", "pooled / none"} <= set(curves) and "held-out accuracy" in out
    assert all(0 <= c[-1]["accuracy"] <= 1 and c[-1]["steps"] == 2 for c in curves.values())


def test_keypoint_cover_counts_objects_holding_a_point(tmp_path, monkeypatch):
    """Points all on one spot crowd (distance 0) and leave objects without a point; a point put on
    each object's ink gives every object one. A run without keypoints is refused in one line."""
    from conftest import untrained_run

    from contentpose.trained import load_run

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import keypoint_cover

    run = untrained_run(tmp_path / "run", "photo_digits", TINY)
    monkeypatch.setattr(keypoint_cover, "points_in_pixels", lambda model, x: torch.full((len(x), 4, 2), 1.0))
    one_spot, _ = keypoint_cover.cover(run)
    assert one_spot["median px to the nearest other point"] == 0 and one_spot["objects holding a point"] < 0.2

    data = load_run(run).dataset("val")
    clips = data.test_set().index(torch.arange(len(data.test_set())))
    positions = data.positions(clips, torch.zeros(len(clips), 1, dtype=torch.long))
    masks = data.draw(clips, positions)[1][:, 0, 0]  # (n, H, W)
    inked = []  # per clip and object, the centre of a pixel of the mask inside the object's box, (x, y)
    for mask, corners in zip(masks, positions[:, 0].round().long().clamp(0, data.span)):
        box = [(mask[y : y + data.digit_size, x : x + data.digit_size] > 0.5).nonzero()[0] for y, x in corners.tolist()]
        inked.append([(x + col + 0.5, y + row + 0.5) for (row, col), (y, x) in zip(box, corners.tolist())])
    on_ink = torch.tensor(inked, dtype=torch.float32)  # (n, D, 2)
    monkeypatch.setattr(keypoint_cover, "points_in_pixels", lambda model, x: on_ink[: len(x)])
    monkeypatch.setattr(
        sys,
        "argv",
        ["keypoint_cover.py", str(run), "--json", str(tmp_path / "c.json"), "--picture", str(tmp_path / "c.png")],
    )
    keypoint_cover.main()
    rows = json.loads((tmp_path / "c.json").read_text())["runs"][str(run)]
    assert rows["objects holding a point"] == 1 and rows["points on ink"] == 1
    assert (tmp_path / "c.png").stat().st_size > 0
    with pytest.raises(SystemExit, match="not a keypoint run"):
        keypoint_cover.cover(untrained_run(tmp_path / "vector", "paper", TINY))


@pytest.mark.slow
def test_swap_protocol_trains_the_missing_seeds_and_records_its_overrides(tmp_path):
    result = tmp_path / "results" / "protocol.json"
    args = ["--preset", "quick", "--seeds", "2", "--split", "val", "--out", str(tmp_path / "runs")]
    _run("swap_protocol.py", *args, "--json", str(result), "--set", *TINY)
    written = json.loads(result.read_text())
    assert written["command"].endswith("--set " + " ".join(TINY)) and set(written["training_seconds"]) == {
        "quick_s0",
        "quick_s1",
    }
    assert len(written["runs"]) == 2 and set(written["seeds"]) == {"all_objects", "psnr"}
    assert (tmp_path / "quick_protocol.png").stat().st_size > 0
    again = _run("swap_protocol.py", *args, "--json", str(result), "--set", *TINY)  # both seeds reused
    assert json.loads(result.read_text())["training_seconds"] == {} and "results written" in again
