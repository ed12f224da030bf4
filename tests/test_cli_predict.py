"""train-predictor, predict and evaluate's prediction metrics, end to end through the CLI."""

import json
import shutil

import av
from PIL import Image

from contentpose.cli import main
from contentpose.viz.video import write_video


def test_train_predictor_writes_checkpoint_and_log(predictor_run):
    rows = [json.loads(line) for line in (predictor_run / "predictor_metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [50, 100, 150] and {"loss", "future"} <= set(rows[0])
    assert (predictor_run / "predictor.safetensors").is_file()


def test_train_predictor_resumes(predictor_run, tmp_path, fails_cleanly):
    copy = tmp_path / "copy"
    shutil.copytree(predictor_run, copy)
    fails_cleanly(["train-predictor", str(copy)], "already holds a trained predictor")
    assert main(["train-predictor", str(copy), "predictor.steps=200", "--resume", "--quiet"]) == 0
    rows = (copy / "predictor_metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["step"] for r in rows] == [50, 100, 150, 200]


def test_predict_writes_readable_mp4_gif_png(predictor_run, tmp_path):
    outs = [tmp_path / "p.mp4", tmp_path / "p.gif", tmp_path / "p.png"]
    args = ["predict", str(predictor_run), "--context", "3", "--horizon", "12", "--clips", "2"]
    assert main(args + [x for o in outs for x in ("--out", str(o))]) == 0
    with av.open(str(outs[0])) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    gif = Image.open(outs[1])
    assert len(frames) == gif.n_frames == 3 + 12
    # two clips side by side (ground truth above prediction), 32 px frames scaled 2x, 2 px padding
    assert gif.size == (2 * (2 * 32 + 2), 2 * (2 * 32 + 2)) and frames[0].shape[:2] == (gif.size[1], gif.size[0])
    assert Image.open(outs[2]).size[1] > 4 * 2 * 32  # 2 clips x (truth row + predicted row)


def test_predict_from_a_video_file(predictor_run, tmp_path):
    clip = tmp_path / "in.mp4"
    images = [Image.new("RGB", (48, 40), (0, 0, 0)) for _ in range(6)]
    for i, im in enumerate(images):
        im.paste((255, 255, 255), (4 * i, 10, 4 * i + 12, 22))
    write_video(images, clip)
    out = tmp_path / "v.gif"
    assert (
        main(
            ["predict", str(predictor_run), "--video", str(clip), "--context", "4", "--horizon", "5", "--out", str(out)]
        )
        == 0
    )
    assert Image.open(out).n_frames == 9


def test_evaluate_adds_prediction_metrics(predictor_run, evaluated_predictor_run):
    """`contentpose evaluate` of a copy of predictor_run (with prediction settings 4 -> 4 and 3 -> 12
    frames, rollouts checked at 2, 10 and 30 steps: `evaluated_predictor_run` in conftest.py)."""
    from contentpose.eval.judges.content_classifier import CLASSIFIER

    run, out = evaluated_predictor_run
    assert (run / CLASSIFIER).read_bytes() == (predictor_run / CLASSIFIER).read_bytes()  # the cached one, reused
    assert "copy last frame" in out and "constant global shift" in out and "content acc" in out
    pred = json.loads((run / "eval.json").read_text())["prediction"]
    assert [len(c["model"]["psnr"]) for c in pred["curves"]] == [4, 12]
    for c in pred["curves"]:
        for key in ("model", "copy_last", "constant_shift"):
            lo, hi = c[key]["psnr_mean_ci"]
            assert lo <= c[key]["psnr_mean"] <= hi
    assert set(pred["rollout"]["steps"]) == {"2", "10", "30"} and pred["rollout"]["frames_per_s"] > 0
    step = pred["rollout"]["steps"]["2"]
    assert step["content_accuracy_real"] > 0.5  # the classifier works on real frames
    assert 0 <= step["content_accuracy_reconstructed"] <= 1 and "on reconstructed" in out
    assert Image.open(pred["plot"]).size[0] > 400


def test_bad_prediction_inputs(predictor_run, trained_run, tmp_path, fails_cleanly):
    fails_cleanly(["predict", str(predictor_run), "--horizon", "0"], "--horizon: 0 is outside 1 to 2000")
    fails_cleanly(["predict", str(trained_run), "--out", str(tmp_path / "a.gif")], "no pose predictor")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "config.yaml").write_text((trained_run / "config.yaml").read_text())
    fails_cleanly(["predict", str(empty)], "no checkpoint")
    fails_cleanly(["train-predictor", str(empty)], "no checkpoint")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    fails_cleanly(
        ["predict", str(predictor_run), "--video", str(broken), "--out", str(tmp_path / "b.gif")], "cannot read video"
    )
    fails_cleanly(["predict", str(predictor_run), "--video", str(tmp_path / "missing.mp4")], "video not found")
    fails_cleanly(["predict", str(predictor_run), "--out", str(tmp_path / "x.avi")], "outputs must end in")
    fails_cleanly(["train-predictor", str(predictor_run), "model.width=4"], "only takes predictor")
