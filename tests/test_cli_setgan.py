"""Set GAN through the CLI: train, samples, traverse, evaluate's identity analysis, bad input."""

import json

import pytest
from conftest import TINY, for_objective
from PIL import Image

from contentpose.cli import main
from contentpose.trained import load_generator
from contentpose.viz.traverse import traverse_animation


@pytest.fixture
def gan_run(setgan_run):
    """The session's Set GAN run (30 steps); tests that write into it take a copy."""
    return setgan_run


def test_identity_analysis_judges_each_sprite_factor_on_its_own(tmp_path, capsys, monkeypatch):
    # 140 steps name colour on real frames already: all 32 real sets agree for classifier seeds 0, 1, 2 (60 steps: 72-88%)
    monkeypatch.setattr("contentpose.eval.judges.content_classifier.STEPS", 140)
    run = tmp_path / "sprites"
    assert (
        main(
            [
                "train",
                "setgan_quick",
                *for_objective("setgan", TINY),
                "train.steps=2",
                "data=moving_sprites",
                "data.colour=true",
                "data.num_sprites=1",
                "--out",
                str(run),
                "--quiet",
            ]
        )
        == 0
    )
    assert main(["evaluate", str(run)]) == 0
    out = capsys.readouterr().out
    assert "per factor: shape, scale, colour" in out and "colour  alone: generated" in out
    result = json.loads((run / "eval.json").read_text())
    assert set(result["sets"]["by_factor"]) == {"shape", "scale", "colour"}
    assert result["sets"]["by_factor"]["colour"]["real"] > 0.9  # colour is easy to name on real frames
    assert set(result["curves"]["content"][-1]["changed_by_factor"]) == {"shape", "scale", "colour"}
    assert main(["report", str(run)]) == 0
    html = (run / "report.html").read_text()
    assert "per factor: shape, scale, colour" in html and "colour  alone: generated" in html  # as evaluate printed


def test_train_logs_both_players(gan_run):
    rows = [json.loads(line) for line in (gan_run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [10, 20, 30] and {"d_loss", "g_loss", "d_real", "d_fake"} <= set(rows[0])


def test_objective_shorthand_trains_a_set_gan_from_any_preset(tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "quick",
                "objective=setgan",
                *TINY[:3],
                "train.steps=2",
                "train.batch_size=4",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    assert "set_discriminator" in (out / "checkpoint.safetensors").read_bytes()[:4000].decode("latin-1")


def test_samples_and_traverse_write_pictures(gan_run, tmp_path):
    assert main(["samples", str(gan_run), "--out", str(tmp_path / "s.png"), "--rows", "3", "--cols", "5"]) == 0
    assert Image.open(tmp_path / "s.png").size == (2 * (5 * 32 + 4 * 2), 2 * (3 * 32 + 2 * 2))
    assert main(["traverse", str(gan_run), "--out", str(tmp_path / "t.png"), "--rows", "4", "--steps", "6"]) == 0
    assert Image.open(tmp_path / "t.png").size == (2 * (6 * 32 + 5 * 2), 2 * (4 * 32 + 3 * 2))
    gif = Image.open(tmp_path / "t.gif")  # default: the PNG's name with .gif
    assert gif.n_frames > 1 and gif.size == (2 * (4 * 32 + 3 * 2), 2 * 32)  # 4 z_C side by side
    frames = traverse_animation(load_generator(gan_run), count=4, steps=18)
    assert len(frames) == 2 * 18 - 2 and frames[0].size == gif.size


def test_evaluate_runs_the_identity_analysis(evaluated_setgan_run):
    """`contentpose evaluate` of a copy of the session's Set GAN run (`evaluated_setgan_run` in conftest.py)."""
    gan_run, out = evaluated_setgan_run
    assert "content changed" in out and "z_C" in out and "z_M" in out
    result = json.loads((gan_run / "eval.json").read_text())
    for subspace in ("content", "motion"):
        rows = result["curves"][subspace]
        assert rows[0]["content_changed"] == 0 and rows[0]["embedding_distance"] == 0  # no perturbation
        assert [r["norm"] for r in rows] == sorted(r["norm"] for r in rows)
    sets = result["sets"]
    assert sets["set_size"] == 3 and sets["real"] > 0.6  # the short classifier agrees with itself; chance ~0.01
    assert 0 <= sets["generated"] <= 1 and 0 <= sets["independent_frames"] <= 1
    for kind in ("generated", "independent_frames", "real"):  # 95% intervals over the sets
        assert sets[f"{kind}_ci"][0] <= sets[kind] <= sets[f"{kind}_ci"][1]
    assert Image.open(result["plot"]).size[0] > 500


def test_set_gan_bad_inputs(gan_run, tmp_path, fails_cleanly):
    fails_cleanly(["analogy", str(gan_run)], "has no `analogy`; it is for: autoencoder (drnet, mipae)")
    fails_cleanly(["train-predictor", str(gan_run)], "needs a content/pose autoencoder")
    fails_cleanly(["traverse", str(gan_run), "--steps", "1"], "--steps: 1 is outside 2 to 64")
    fails_cleanly(
        [
            "train",
            "setgan_quick",
            "objective.set_size=20",
            *for_objective("setgan", TINY),
            "--out",
            str(tmp_path / "x"),
        ],
        "does not fit",
    )
    fails_cleanly(
        ["train", "quick", "objective=gan", "--out", str(tmp_path / "y")], "objective.name' must be one of drnet"
    )


def test_autoencoder_run_is_not_a_generator(trained_run, gan_run, fails_cleanly):
    fails_cleanly(["samples", str(trained_run)], "has no `samples`; it is for: set_gan (setgan); vgan")
    fails_cleanly(["evaluate", str(trained_run), str(gan_run)], "one family at a time")
