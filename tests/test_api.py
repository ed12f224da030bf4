"""The Python API (contentpose.load) on tiny trained runs, and the README/docs example run as written."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import TINY, untrained_run
from PIL import Image

import contentpose
from contentpose.errors import UserError
from contentpose.trained import load_run
from contentpose.viz.video import write_video

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = re.compile(r"<!-- api-example -->\s*```python\n(.*?)```\s*<!-- /api-example -->", re.S)


@pytest.fixture(scope="module")
def model(predictor_run):
    return contentpose.load(predictor_run, device="cpu")


@pytest.fixture(scope="module")
def gan_model(tiny_gan_run):
    return contentpose.load(tiny_gan_run, device="cpu")


def test_import_stays_light():
    code = "import sys, contentpose; assert 'torch' not in sys.modules and 'contentpose.api' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    from contentpose.api import load

    assert contentpose.load is load


def test_content_pose_decode_shapes_and_identity(model, predictor_run):
    assert (model.kind, model.frame_size, model.channels) == ("autoencoder", 32, 1)
    clip = model.clip("test", 0, frames=6)
    assert clip.shape == (6, 1, 32, 32) and 0 <= clip.min() and clip.max() <= 1 and clip.max() > 0.5
    dc, dp = model.config.model.content_dim, model.config.model.pose_dim
    assert model.content(clip[0]).vector.shape == (dc,) and model.content(clip).vector.shape == (6, dc)
    poses = model.pose(clip[None])
    assert poses.shape == (1, 6, dp) and poses.abs().max() <= 1
    # decode(content, pose) is the autoencoder's own forward pass, batch by batch
    rec = model.decode(model.content(clip), model.pose(clip))
    net = load_run(predictor_run, "cpu").model
    with torch.no_grad():
        assert torch.allclose(rec, net(clip, clip), atol=1e-5)
    # one content broadcasts over a clip of poses
    one = model.decode(model.content(clip[0]), poses[0])
    assert one.shape == (6, 1, 32, 32) and 0 <= one.min() and one.max() <= 1
    assert torch.allclose(one, model.decode(model.content(clip[:1].expand(6, -1, -1, -1)), poses[0]), atol=1e-5)


def test_transfer_follows_the_motion_clip(model):
    a, b = model.clip("test", 0, frames=4), model.clip("test", 1, frames=9)
    moved = model.transfer(a, b)  # the motion clip sets the length
    assert moved.shape == (9, 1, 32, 32)
    assert torch.allclose(moved, model.decode(model.content(a[0]), model.pose(b)), atol=1e-5)
    assert torch.allclose(model.transfer(a[0], b), moved)  # a single content frame
    batch = model.transfer(torch.stack([a, a]), torch.stack([b[:4], b[5:]]))
    assert batch.shape == (2, 4, 1, 32, 32) and torch.allclose(batch[0], moved[:4], atol=1e-5)
    assert model.clip("train", 2, frames=3).shape == (3, 1, 32, 32)  # training clips too


def test_relative_transfer_applies_the_motion_since_the_first_frame(model):
    a, b = model.clip("test", 0, frames=4), model.clip("test", 1, frames=9)
    moved = model.transfer(a[0], b, relative=True)
    expected = model.decode(model.content(a[0]), model.pose(a[:1]) + model.pose(b) - model.pose(b[:1]))
    assert moved.shape == (9, 1, 32, 32) and torch.allclose(moved, expected, atol=1e-5)
    # the motion clip's own first frame as content: relative and absolute motion agree
    assert torch.allclose(model.transfer(b[0], b, relative=True), model.transfer(b[0], b), atol=1e-5)


def test_predict_uses_the_runs_predictor(model):
    clips = torch.stack([model.clip("test", i, frames=5) for i in range(2)])
    future = model.predict(clips, horizon=7)
    assert future.shape == (2, 7, 1, 32, 32) and 0 <= future.min() and future.max() <= 1
    assert torch.allclose(model.predict(clips[1], 7), future[1], atol=1e-5)


def test_load_video_applies_the_runs_crop_and_size(model, tmp_path):
    images = [Image.new("RGB", (64, 40), (0, 0, 0)) for _ in range(5)]
    for i, im in enumerate(images):
        im.paste((255, 255, 255), (24 + 2 * i, 10, 36 + 2 * i, 22))  # a square inside the centre crop
        im.paste((255, 255, 255), (0, 0, 8, 40))  # a bar the centre crop cuts off
    write_video(images, tmp_path / "v.mp4")
    frames = model.load_video(tmp_path / "v.mp4")
    assert frames.shape == (5, 1, 32, 32) and frames[:, :, :, :3].max() < 0.2 and frames.max() > 0.8
    assert model.load_video(tmp_path / "v.mp4", max_frames=2).shape[0] == 2
    assert model.transfer(frames, frames).shape == (5, 1, 32, 32)


def test_sample_from_a_generator_run(gan_model):
    assert gan_model.kind == "set_gan"
    frames = gan_model.sample(5, seed=3)
    assert frames.shape == (5, 1, 32, 32) and 0 <= frames.min() and frames.max() <= 1
    assert torch.equal(frames, gan_model.sample(5, seed=3)) and not torch.equal(frames, gan_model.sample(5, seed=4))
    assert gan_model.sample(2, frames=3).shape == (2, 3, 1, 32, 32)
    with pytest.raises(UserError, match="needs a content/pose autoencoder run; this is a setgan run"):
        gan_model.pose(frames)
    with pytest.raises(UserError, match="cannot transfer motion"):
        gan_model.transfer(frames, frames)


def test_a_sequence_vae_run_transfers_through_the_api_and_the_cli(tmp_path):
    from contentpose.cli import main
    from contentpose.trained import load_sequence_vae

    run = tmp_path / "dsvae"
    assert (
        main(
            [
                "train",
                "quick",
                "objective.name=dsvae",
                "objective.seq_len=4",
                "data.name=moving_sprites",
                "data.colour=true",
                "data.frame_size=32",
                "data.test_clips=8",
                "model.width=8",
                "model.content_dim=8",
                "model.pose_dim=4",
                "model.dsvae_hidden=16",
                "train.batch_size=4",
                "train.steps=2",
                "train.checkpoint_every=2",
                "train.device=cpu",
                "--out",
                str(run),
                "--quiet",
            ]
        )
        == 0
    )
    model = contentpose.load(run, "cpu")
    a, b = model.clip("test", 0, frames=4), model.clip("test", 1, frames=6)
    moved = model.transfer(a, b)
    assert model.kind == "dsvae" and moved.shape == (6, 3, 32, 32)
    assert torch.allclose(moved, load_sequence_vae(run, "cpu").transfer(a[None], b[None])[0], atol=1e-5)
    with pytest.raises(UserError, match="needs a content/pose autoencoder run; this is a dsvae run"):
        model.content(a)
    assert (
        main(
            [
                "transfer",
                str(run),
                "--content",
                "test:0",
                "--motion",
                "test:1",
                "--frames",
                "5",
                "--out",
                str(tmp_path / "t.gif"),
            ]
        )
        == 0
    )
    assert Image.open(tmp_path / "t.gif").n_frames == 5


def test_wrong_inputs_raise_one_clear_line(model, trained_run, tmp_path):
    clip = model.clip("test", 0, frames=4)
    dp = model.config.model.pose_dim
    cases = [
        (lambda: model.pose(torch.rand(4, 3, 32, 32)), r"C, H, W = 1, 32, 32 .*got \(4, 3, 32, 32\)"),
        (lambda: model.content(torch.rand(2, 1, 64, 64)), "use model.load_video"),
        (lambda: model.pose(torch.rand(32, 32)), r"frames \(\.\.\., C, H, W\)"),
        (lambda: model.transfer(clip[0], clip[0]), r"clip \(T, C, H, W\) or clips"),
        (lambda: model.transfer(torch.stack([clip] * 2), torch.stack([clip] * 3)), "one content clip per motion"),
        (lambda: model.decode(model.content(clip), torch.rand(4, 3)), rf"pose \(\.\.\., {dp}\)"),
        (lambda: model.decode(model.content(clip), torch.rand(3, dp)), "do not broadcast"),
        (lambda: model.predict(clip, 0), "horizon must be at least 1"),
        (lambda: model.sample(4), "does not sample"),
        (lambda: model.clip("valid", 0), "split must be"),
        (lambda: model.clip("test", 10**6), "out of range"),
        (lambda: model.clip("test", 1.5), "index must be a whole number of at least 0"),
        (lambda: model.clip("test", 0, frames=-3), "frames must be a whole number of at least 1"),
        (lambda: model.pose((clip * 255).to(torch.uint8)), r"float tensor .*got torch.uint8 \(divide by 255\)"),
        (lambda: model.pose(clip * 255), r"values in \[0, 1\]; got 0 to .*\(divide by 255\)"),
        (lambda: model.transfer(clip, clip * float("nan")), "NaN or infinite"),
        (lambda: model.load_video(tmp_path / "missing.mp4", max_frames=0), "max_frames must be"),
        (lambda: model.load_video(tmp_path / "missing.mp4"), "video not found"),
        (lambda: contentpose.load(tmp_path), "is not a run folder"),
        (lambda: contentpose.load(trained_run, "cpu").predict(clip, 3), "no pose predictor"),
    ]
    for call, message in cases:
        with pytest.raises(UserError, match=message):
            call()


def test_the_readme_example_runs_as_written(predictor_run, tmp_path, monkeypatch, capsys):
    readme = ROOT / "README.md"
    found = EXAMPLE.search(readme.read_text()) if readme.is_file() else None
    found = found or EXAMPLE.search((ROOT / "docs" / "api.md").read_text())
    code = found.group(1)
    assert 'contentpose.load("runs/demo")' in code and len(code.strip().splitlines()) <= 12
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "demo").symlink_to(predictor_run)
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(code, "api-example", "exec"), scope)
    assert scope["moved"].shape == (30, 1, 32, 32) and scope["future"].shape == (20, 1, 32, 32)
    assert torch.allclose(scope["moved"], scope["same"], atol=1e-5)
    assert "torch.Size([30, 1, 32, 32])" in capsys.readouterr().out


def test_keypoint_warp_content_carries_its_points_through_the_api(tmp_path):
    over = [*TINY, "model.architecture=keypoint_warp", "model.pose_dim=4"]
    model = contentpose.load(untrained_run(tmp_path / "run", "quick", over), device="cpu")
    clip = model.clip("test", 0, frames=5)
    content = model.content(clip[0])
    assert content.points.shape == (4,) and content.vector.shape == (16,)
    moved = model.decode(content, model.pose(clip))  # one frame's content in five poses
    assert moved.shape == (5, 1, 32, 32)
    assert torch.allclose(moved, model.transfer(clip[:1], clip)[0], atol=1e-5)
    with pytest.raises(UserError, match="needs what content\\(\\) returned"):
        model.decode(content.vector, model.pose(clip))


def test_a_bare_content_vector_decodes_in_a_run_without_skips(tmp_path):
    over = [*TINY, "model.architecture=dcgan", "model.pose_dim=5"]
    model = contentpose.load(untrained_run(tmp_path / "run", "quick", over), device="cpu")
    clip = model.clip("test", 0, frames=5)
    content = model.content(clip[0])
    assert torch.allclose(model.decode(content.vector, model.pose(clip)), model.decode(content, model.pose(clip)))


def test_a_glimpse_run_decodes_its_window_codes_and_skips(tmp_path):
    """The standard preset's content is one code per point and a U-Net's skips per window: decode
    takes it whole, broadcast over a clip's poses, and refuses the bare vector."""
    model = contentpose.load(untrained_run(tmp_path / "run", "standard", [*TINY, "data.frame_size=64"]), device="cpu")
    clip = model.clip("test", 0, frames=4)
    content = model.content(clip[0])
    assert content.vector.shape == (16,) and content.skips[0].shape[:2] == (2, 8)  # 2 points, width 8
    assert torch.allclose(model.decode(content, model.pose(clip)), model.transfer(clip[:1], clip), atol=1e-6)
    with pytest.raises(UserError, match="pass it whole"):
        model.decode(content.vector, model.pose(clip))


def test_opening_a_run_that_is_still_training_says_so(tmp_path, capsys):
    """The note names what trains: a predictor training in the run leaves its model final, so opening
    the model says nothing."""
    from contentpose.runtime.lock import run_lock

    run = untrained_run(tmp_path / "run", "quick", TINY)
    load_run(run, "cpu")
    assert "still training" not in capsys.readouterr().err
    hold = "import sys, time\nfrom contentpose.runtime.lock import run_lock\nwith run_lock(sys.argv[1], sys.argv[2]):\n"
    hold += "    print('held', flush=True)\n    time.sleep(60)"
    notes = {}
    for what in ("model", "predictor"):
        child = subprocess.Popen([sys.executable, "-c", hold, str(run), what], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "held"
            load_run(run, "cpu")
            notes[what] = capsys.readouterr().err
        finally:
            child.kill()
            child.wait()
    assert "is still training the model" in notes["model"] and "checkpoint at step 0" in notes["model"]
    assert "still training" not in notes["predictor"]
    with run_lock(run):  # this process's own lock (train-predictor holds it while it loads the run)
        load_run(run, "cpu")
    assert "still training" not in capsys.readouterr().err
