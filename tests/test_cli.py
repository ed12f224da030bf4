"""Every command, and every bad input ending in one clear line with exit code 2."""

import json
import shutil
import subprocess
import sys

import pytest
from conftest import TINY
from PIL import Image

from contentpose.cli import main


@pytest.fixture
def run(tiny_run):
    """The session's tiny run (4 steps of TINY); tests that write into it take a copy."""
    return tiny_run


def test_train_writes_a_run_folder(run):
    assert (run / "config.yaml").is_file() and (run / "checkpoint.safetensors").is_file()
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4] and {"rec", "sim", "adv", "disc_acc"} <= set(rows[0])


def test_resume_extends_a_run(run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    assert main(["train", "train.steps=6", "--out", str(copy), "--resume", "--quiet"]) == 0
    assert json.loads((copy / "metrics.jsonl").read_text().splitlines()[-1])["step"] == 6


def test_overrides_may_follow_the_options(tmp_path, capsys):
    out = tmp_path / "late"
    assert main(["train", "quick", "--out", str(out), "--quiet", "--threads", "1", *TINY, "train.steps=2"]) == 0
    assert "steps: 2" in (out / "config.yaml").read_text() and "threads: 1" in (out / "config.yaml").read_text()
    assert main(["analogy", str(out), "--out", str(tmp_path / "a.png"), "train.steps=3"]) == 2
    assert "unrecognized arguments: train.steps=3" in capsys.readouterr().err


def test_evaluate_prints_table_and_writes_json(run, tmp_path, capsys, with_classifier):
    run = with_classifier(shutil.copytree(run, tmp_path / "run"))  # the session's classifier for TINY's data
    assert main(["evaluate", str(run), "--out", str(tmp_path / "all.json")]) == 0
    out = capsys.readouterr().out
    assert "val pairs" in out and "baseline: cut-and-paste" in out and "baseline: copy frame a" in out
    assert "baseline: content-blind" in out and "all objects" in out and "strongest baseline per metric" in out
    result = json.loads((run / "eval.json").read_text())
    assert {"swap", "reconstruction", "baselines", "object_judge"} <= set(result) and result["step"] == 4
    assert result["split"] == "val" and result["losses"][0] == "reconstruction (bce)"
    assert set(result["baselines"]) == {"cut_and_paste", "copy_pose_frame", "copy_content_frame", "content_blind"}
    for x in [result["swap"], *result["baselines"].values()]:
        lo, hi = x["all_objects_ci"]
        assert 0 <= lo <= x["all_objects"] <= hi <= 1 and 0 <= x["fg_iou"] <= 1
    assert result["object_judge"]["chance"]["object_accuracy"] == pytest.approx(0.1)
    assert str(run) in json.loads((tmp_path / "all.json").read_text())["runs"]


def test_evaluate_refuses_bad_pairs(run, fails_cleanly):
    fails_cleanly(["evaluate", str(run), "--pairs", "0"], "--pairs must be between 1 and")


def test_analogy_and_interpolate_write_pngs(run, tmp_path):
    assert main(["analogy", str(run), "--out", str(tmp_path / "a.png"), "--size", "3"]) == 0
    assert main(["interpolate", str(run), "--out", str(tmp_path / "i.png"), "--rows", "2", "--steps", "4"]) == 0
    assert Image.open(tmp_path / "a.png").size[0] > 4 * 32
    w, h = Image.open(tmp_path / "i.png").size
    assert w > 6 * 32 and h > 2 * 32


def test_unknown_config_key(tmp_path, fails_cleanly):
    fails_cleanly(["train", "quick", "train.lrr=0.1", "--out", str(tmp_path / "x")], "unknown config key")


def test_unsupported_frame_size(tmp_path, fails_cleanly):
    fails_cleanly(
        ["train", "quick", "data.frame_size=48", "--out", str(tmp_path / "x")],
        "data.frame_size' must be one of 32, 64, 128",
    )


def test_missing_run_and_checkpoint(tmp_path, run, fails_cleanly):
    fails_cleanly(["evaluate", str(tmp_path / "nowhere")], "run folder not found")
    (tmp_path / "nockpt").mkdir()
    (tmp_path / "nockpt" / "config.yaml").write_text((run / "config.yaml").read_text())
    fails_cleanly(["analogy", str(tmp_path / "nockpt")], "no checkpoint")


def test_corrupt_checkpoint(tmp_path, run, fails_cleanly):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(run, bad)
    data = (bad / "checkpoint.safetensors").read_bytes()
    (bad / "checkpoint.safetensors").write_bytes(data[: len(data) // 3])
    fails_cleanly(["evaluate", str(bad)], "corrupt")


def test_checkpoint_from_another_model(tmp_path, run, fails_cleanly):
    import shutil

    other = tmp_path / "other"
    assert main(["train", "quick", *TINY, "model.width=4", "train.steps=2", "--out", str(other), "--quiet"]) == 0
    shutil.copy(run / "checkpoint.safetensors", other / "checkpoint.safetensors")
    fails_cleanly(["interpolate", str(other)], "different model")


def test_console_entry_point_exit_code(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "contentpose", "train", "nosuchpreset"], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 2 and proc.stderr.strip().startswith("contentpose: error: no preset")
    assert "Traceback" not in proc.stderr


@pytest.mark.slow  # 10 s; MIPAE trains in tests/runtime/test_distributed.py, two-digit swaps in eval/protocols
def test_mipae_trains_and_evaluates_end_to_end(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("contentpose.eval.judges.content_classifier.STEPS", 40)
    run = tmp_path / "mipae"
    assert (
        main(
            [
                "train",
                "quick",
                *TINY,
                "objective.name=mipae",
                "objective.beta=0.0001",
                "data.num_digits=2",
                "--out",
                str(run),
                "--quiet",
            ]
        )
        == 0
    )
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert {"rec", "sim", "mi", "critic"} <= set(rows[-1])
    assert main(["evaluate", str(run), "--split", "test", "--pairs", "40"]) == 0
    out = capsys.readouterr().out
    assert "mutual-information critic (MIPAE), beta 0.0001" in out and "MIG" in out and "group" in out
    result = json.loads((run / "eval.json").read_text())
    assert result["objective"] == "mipae" and result["split"] == "test" and result["pairs"] == 40
    assert "40 test pairs" in out and 0 <= result["swap"]["all_objects"] <= 1  # both digits, at b's places
    d = result["disentanglement"]
    assert set(d) == {"frames", "mig", "group", "group_true_factors", "probes"} and -1 <= d["group"]["score"] <= 1
    assert d["group_true_factors"] > 0.5 and "true factors as latents (ceiling)" in out
    assert set(d["probes"]) == {"digit_1", "digit_2", "x_1", "y_1", "x_2", "y_2"}


def test_moving_sprites_trains_and_evaluates(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("contentpose.eval.judges.content_classifier.STEPS", 40)
    run = tmp_path / "sprites"
    assert (
        main(["train", "quick", *TINY, "data.name=moving_sprites", "data.rotation=true", "--out", str(run), "--quiet"])
        == 0
    )
    assert main(["evaluate", str(run)]) == 0
    assert "shape_1" in capsys.readouterr().out
    d = json.loads((run / "eval.json").read_text())["disentanglement"]
    assert {"shape_1", "scale_2", "colour_1", "x_1", "angle_2"} <= set(d["probes"])
    assert main(["analogy", str(run), "--out", str(tmp_path / "a.png"), "--size", "3"]) == 0


def test_train_evaluate_and_predict_on_a_video_folder(tmp_path, capsys):
    from PIL import Image as PILImage

    from contentpose.viz.video import write_video

    videos = tmp_path / "videos"
    videos.mkdir()
    for v in range(4):
        frames = []
        for i in range(30):
            im = PILImage.new("RGB", (48, 48))
            im.paste((255, 255, 255), (2 + i % 20, 5 + 8 * v, 14 + i % 20, 17 + 8 * v))
            frames.append(im)
        write_video(frames, videos / f"clip{v}.mp4")
    run = tmp_path / "runs" / "v"
    assert (
        main(["train", "quick", *TINY, f"data=videos:{videos}", "data.split=video", "--out", str(run), "--quiet"]) == 0
    )
    assert list((tmp_path / "runs" / ".contentpose-cache").glob("videos-*.u8"))  # cache next to the run
    assert (
        main(
            [
                "train-predictor",
                str(run),
                "predictor.steps=3",
                "predictor.batch_size=4",
                "predictor.context=3",
                "predictor.future=3",
                "--quiet",
            ]
        )
        == 0
    )
    assert main(["evaluate", str(run)]) == 0
    out = capsys.readouterr().out
    assert "Held-out frames of real clips" in out and "10 context ->  10 future" in out
    assert "nearest training frame to x_t+k" in out  # split by video: no judge across videos
    assert "across videos" not in out
    assert "5 -> 100 skipped: no clip has the 105 frames" in out
    assert main(["analogy", str(run), "--out", str(tmp_path / "a.png"), "--size", "2"]) == 0
    assert main(["predict", str(run), "--context", "3", "--horizon", "4", "--out", str(tmp_path / "p.gif")]) == 0
