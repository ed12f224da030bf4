"""`contentpose evaluate` on VGAN runs (untrained, tiny): the unconditional scores next to their
baselines with a cached video classifier, the conditional scores, eval.json, bad input."""

import json

import pytest
from conftest import TINY as AUTOENCODER_TINY
from conftest import TINY_VGAN, untrained_run

from contentpose.cli import main
from contentpose.eval.judges import video_classifier as video_scores

TINY = [*TINY_VGAN, "data.background=texture"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vgan_eval")
    for name in ("vgan", "vgan_cond"):
        untrained_run(folder / name, "vgan_quick", [f"objective={name}", *TINY])
    untrained_run(folder / "autoencoder", "quick", AUTOENCODER_TINY)
    untrained_run(folder / "few_clips", "vgan_quick", [*TINY, "data.test_clips=3"])
    return folder


@pytest.fixture
def short_classifier(monkeypatch):
    monkeypatch.setattr(video_scores, "STEPS", 3)  # test_vgan_scores trains it for real


def test_unconditional_run_gets_video_scores_next_to_the_baselines(runs, short_classifier, capsys, tmp_path):
    out = tmp_path / "all.json"
    assert main(["evaluate", str(runs / "vgan"), "--device", "cpu", "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert "Frechet" in table and "real first frames, frozen" in table and "mask: mean" in table
    entry = json.loads((runs / "vgan" / "eval.json").read_text())
    assert json.loads(out.read_text())["runs"][str(runs / "vgan")] == entry
    u = entry["unconditional"]
    assert u["clips"] == 4 and set(entry["classifier_accuracy"]) == {"content", "motion"}
    for row in ("generated", "real (other held-out clips)", "real first frames, frozen"):
        # an IS is exp(KL) >= 1, up to rounding
        assert u[row]["frechet_distance"] >= 0 and 1 - 1e-9 <= u[row]["is_content"] <= 10
    assert 0 <= u["mask"]["below_0.1"] <= 1
    cached = (runs / "vgan" / video_scores.CLASSIFIER).stat().st_mtime_ns
    assert main(["evaluate", str(runs / "vgan"), "--device", "cpu"]) == 0  # reuses the cached classifier
    assert (runs / "vgan" / video_scores.CLASSIFIER).stat().st_mtime_ns == cached
    assert json.loads((runs / "vgan" / "eval.json").read_text()) == entry  # seeded: the same scores


def test_conditional_run_gets_per_step_scores_mask_iou_and_background_psnr(runs, capsys):
    assert main(["evaluate", str(runs / "vgan_cond"), "--device", "cpu"]) == 0
    assert "copy-first PSNR" in capsys.readouterr().out
    c = json.loads((runs / "vgan_cond" / "eval.json").read_text())["conditional"]
    assert c["clips"] == 8 and len(c["psnr"]) == len(c["copy_first_ssim"]) == 3 and len(c["mask_iou"]) == 4
    assert 0 <= c["mask_iou_mean"] <= 1 and c["background_psnr"] > 0 and 0 <= c["mask"]["mean"] <= 1
    assert not (runs / "vgan_cond" / video_scores.CLASSIFIER).exists()  # no classifier needed


def test_bad_input_fails_in_one_line(runs, short_classifier, fails_cleanly):
    fails_cleanly(
        ["evaluate", str(runs / "vgan"), str(runs / "autoencoder"), "--device", "cpu"],
        "one family at a time; these are autoencoder, vgan",
    )
    fails_cleanly(["evaluate", str(runs / "few_clips"), "--device", "cpu"], "data.test_clips of 4 or more")
