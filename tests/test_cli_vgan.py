"""VGAN through the CLI: train, load for inference (generator only), samples (clips and parts), predict
from a held-out clip, an image file or a video file, bad input."""

import json

import av
import numpy as np
import pytest
import torch
from conftest import TINY_VGAN
from PIL import Image

from contentpose.cli import main
from contentpose.trained import TrainedVideoGenerator, load_trained, load_video_generator
from contentpose.viz.video import write_video

TINY = [*TINY_VGAN, "data.background=texture"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vgan")
    for name in ("vgan", "vgan_cond"):
        assert main(["train", "vgan_quick", f"objective={name}", *TINY, "--out", str(folder / name), "--quiet"]) == 0
    return folder


def test_loader_keeps_the_inference_networks_only(runs):
    gen = load_trained(runs / "vgan", "cpu")
    assert isinstance(gen, TrainedVideoGenerator) and not gen.conditional and gen.step == 2
    assert not gen.generator.training
    parts = gen.generate(3, seed=1)
    assert parts.video.shape == (3, 4, 3, 32, 32) and parts.mask.shape == (3, 4, 1, 32, 32)
    assert torch.equal(parts.video, gen.generate(3, seed=1).video)  # the seed fixes the noise
    cond = load_video_generator(runs / "vgan_cond", "cpu")
    assert cond.conditional and not cond.encoder.training
    with pytest.raises(ValueError, match="first frames"):
        cond.generate(2)
    rows = [json.loads(line) for line in (runs / "vgan_cond" / "metrics.jsonl").read_text().splitlines()]
    assert {"mask_mean", "mask_low", "mask_high", "l1", "d_real", "d_fake"} <= set(rows[-1])


@pytest.mark.parametrize("name", ["vgan", "vgan_cond"])
def test_samples_write_clips_and_their_parts(runs, tmp_path, name):
    out = tmp_path / "s.png"
    assert (
        main(
            [
                "samples",
                str(runs / name),
                "--out",
                str(out),
                "--rows",
                "2",
                "--cols",
                "3",
                "--video",
                str(tmp_path / "s.mp4"),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    assert Image.open(out).size == (2 * (4 * 32 + 3 * 2), 2 * (2 * 32 + 2))  # 2 clips x 4 frames
    for video in ("s.mp4", "s_parts.mp4"):
        with av.open(str(tmp_path / video)) as container:
            assert sum(1 for _ in container.decode(video=0)) == 4  # a video frame per clip frame
    assert main(["samples", str(runs / name), "--out", str(out), "--rows", "2", "--cols", "3"]) == 0
    grid, parts = Image.open(tmp_path / "s.gif"), Image.open(tmp_path / "s_parts.gif")  # (Pillow merges equal frames)
    assert grid.size == (2 * (3 * 32 + 2 * 2), 2 * (2 * 32 + 2))  # 2 x 3 clips
    assert parts.size == (2 * (4 * 32 + 3 * 2), 2 * (2 * 32 + 2))  # f, m, b, composite


def test_predict_continues_a_held_out_clip_an_image_or_a_video(runs, tmp_path):
    run = str(runs / "vgan_cond")
    assert (
        main(["predict", run, "--clips", "2", "--out", str(tmp_path / "p.png"), "--out", str(tmp_path / "p.gif")]) == 0
    )
    strip = Image.open(tmp_path / "p.png")
    assert strip.size[0] == 2 * (4 * 32 + 3 * 2)  # input + 3 generated frames
    assert Image.open(tmp_path / "p.gif").size[0] == 2 * (2 * 32 + 2)  # 2 clips side by side
    image = tmp_path / "frame.png"
    Image.fromarray((np.random.default_rng(0).random((50, 70, 3)) * 255).astype(np.uint8)).save(image)
    assert main(["predict", run, "--image", str(image), "--out", str(tmp_path / "i.png")]) == 0
    assert Image.open(tmp_path / "i.png").size[0] == strip.size[0]
    video = write_video([Image.open(image)] * 3, tmp_path / "v.mp4")
    assert main(["predict", run, "--video", str(video), "--out", str(tmp_path / "v.mp4")]) == 0
    with av.open(str(tmp_path / "v.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 4  # the input, then 3 frames


def test_vgan_bad_inputs(runs, tmp_path, fails_cleanly):
    fails_cleanly(["predict", str(runs / "vgan")], "unconditional")
    fails_cleanly(["predict", str(runs / "vgan_cond"), "--image", str(tmp_path / "none.png")], "image not found")
    fails_cleanly(["samples", str(runs / "vgan"), "--out", str(tmp_path / "s.jpg")], ".png")
    fails_cleanly(["train", "vgan_quick", *TINY, "model.vgan_frames=6", "--out", str(tmp_path / "x")], "power of 2")
    fails_cleanly(
        ["train", "vgan_quick", *TINY, "data=videos:/nowhere", "--out", str(tmp_path / "y")], "needs synthetic data"
    )


def test_report_shows_clips_parts_and_predictions(runs):
    assert main(["report", str(runs / "vgan_cond"), "--device", "cpu"]) == 0
    html = (runs / "vgan_cond" / "report.html").read_text()
    assert "foreground, mask" in html and "<h2>Prediction</h2>" in html and html.count("data:image/gif") >= 3
    assert main(["report", str(runs / "vgan")]) == 0
    assert "<h2>Prediction</h2>" not in (runs / "vgan" / "report.html").read_text()
