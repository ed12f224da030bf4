"""`contentpose transfer`: held-out and training clips, video files, outputs, and bad input."""

import av
import numpy as np
import torch
from PIL import Image

from contentpose.cli import main
from contentpose.trained import load_run
from contentpose.viz.transfer import read_source
from contentpose.viz.video import write_video


def _clip(n, colour=(255, 255, 255), size=(48, 40)):
    """n colour frames of a square moving right (wider than high: the centre crop cuts the sides)."""
    images = [Image.new("RGB", size, (0, 0, 0)) for _ in range(n)]
    for i, im in enumerate(images):
        im.paste(colour, (8 + 3 * i, 12, 20 + 3 * i, 24))
    return images


def _gif_frames(path):
    with Image.open(path) as gif:
        return [np.asarray(gif.seek(i) or gif.convert("L"), dtype=np.float32) / 255 for i in range(gif.n_frames)]


def test_transfer_of_held_out_clips_writes_mp4_gif_png(trained_run, tmp_path):
    outs = [tmp_path / "t.mp4", tmp_path / "t.gif", tmp_path / "t.png"]
    args = ["transfer", str(trained_run), "--content", "test:0", "--motion", "test:3", "--frames", "8"]
    assert main(args + [x for o in outs for x in ("--out", str(o))]) == 0
    with av.open(str(outs[0])) as container:
        assert len(list(container.decode(video=0))) == 8
    frames = _gif_frames(outs[1])
    # content, motion and result side by side: 32 px cells scaled 2x, 2 px padding, a 14 px label row
    assert len(frames) == 8 and frames[0].shape == (14 + 2 * 32, 2 * (3 * 32 + 2 * 2))
    run = load_run(trained_run, "cpu")
    a, b = read_source(run, "test:0", 8), read_source(run, "test:3", 8)
    assert torch.equal(b, run.dataset("test").clip(3, 8))
    result = run.transfer(a[None], b[None])[0, :, 0]  # (8, 32, 32)
    for t in (0, 7):  # the third cell is the model's output
        cell = frames[t][14:, 2 * (2 * 34) :][::2, ::2]
        assert np.abs(cell - result[t].numpy()).max() < 3 / 255
        assert np.abs(frames[t][14:, 2 * 34 : 2 * 34 + 64][::2, ::2] - b[t, 0].numpy()).max() < 3 / 255
    strip = Image.open(outs[2])
    assert strip.size == (2 * (8 * 32 + 7 * 2), 14 + 2 * (3 * 32 + 2 * 2))  # 3 rows x 8 time steps


def test_transfer_between_video_files_and_training_clips(trained_run, tmp_path, capsys):
    write_video(_clip(5, (255, 200, 0)), tmp_path / "a.mp4")  # colour into a grayscale run
    write_video(_clip(9), tmp_path / "b.gif")
    out = tmp_path / "v.gif"
    assert (
        main(
            [
                "transfer",
                str(trained_run),
                "--content",
                str(tmp_path / "a.mp4"),
                "--motion",
                str(tmp_path / "b.gif"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert f"wrote {out}" in capsys.readouterr().out
    assert Image.open(out).n_frames == 9  # the motion clip sets the length
    assert (
        main(
            [
                "transfer",
                str(trained_run),
                "--content",
                str(tmp_path / "b.gif"),
                "--motion",
                "train:2",
                "--frames",
                "6",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert Image.open(out).n_frames == 6


def test_a_still_image_animated_by_a_video_with_relative_motion(trained_run, tmp_path):
    """`--content photo.png --motion video --relative`: the image's centre square, resized, is the content;
    the video's motion since its first frame moves the image's own pose."""
    photo = Image.new("RGB", (90, 60), (0, 0, 0))
    photo.paste((255, 255, 255), (30, 20, 50, 40))
    photo.save(tmp_path / "photo.png")
    write_video(_clip(6), tmp_path / "drive.gif")
    out = tmp_path / "r.gif"
    args = [
        "transfer",
        str(trained_run),
        "--content",
        str(tmp_path / "photo.png"),
        "--motion",
        str(tmp_path / "drive.gif"),
    ]
    assert main([*args, "--relative", "--out", str(out)]) == 0
    run = load_run(trained_run, "cpu")
    image = read_source(run, str(tmp_path / "photo.png"), 100)
    assert image.shape == (1, 1, 32, 32) and image[0, 0, 16, 16] == 1 and image[0, 0, 2, 2] == 0  # centre square
    frames = _gif_frames(out)
    expected = run.transfer(image[None], read_source(run, str(tmp_path / "drive.gif"), 100)[None], relative=True)[0]
    assert len(frames) == 6 and np.abs(frames[5][14:, 2 * 68 :][::2, ::2] - expected[5, 0].numpy()).max() < 3 / 255


def test_bad_transfer_inputs(trained_run, tiny_gan_run, tmp_path, fails_cleanly):
    run = str(trained_run)
    ok = ["--content", "test:0", "--motion", "test:1"]
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    write_video(_clip(1), tmp_path / "one.gif")
    fails_cleanly(["transfer", str(tmp_path / "nope"), *ok], "run folder not found")
    fails_cleanly(
        ["transfer", str(tiny_gan_run), *ok, "--out", str(tmp_path / "g.gif")],
        "holds a Set GAN generator run, which has no `transfer`",
    )
    fails_cleanly(["transfer", run, "--content", str(broken), "--motion", "test:1"], "cannot read video")
    fails_cleanly(
        ["transfer", run, "--content", "test:0", "--motion", str(tmp_path / "missing.mp4")], "video not found"
    )
    fails_cleanly(
        ["transfer", run, "--content", "test:100000", "--motion", "test:1"], "clip number 100000 is out of range"
    )
    fails_cleanly(["transfer", run, "--content", "test:first", "--motion", "test:1"], "written test:N")
    fails_cleanly(["transfer", run, *ok, "--out", str(tmp_path / "x.avi")], "outputs must end in")
    fails_cleanly(
        [
            "transfer",
            run,
            "--content",
            "test:0",
            "--motion",
            str(tmp_path / "one.gif"),
            "--out",
            str(tmp_path / "s.gif"),
        ],
        "the motion clip needs at least 2",
    )
    fails_cleanly(["transfer", run, *ok, "--frames", "1"], "--frames: 1 is outside 2 to 2000")
    (tmp_path / "fake.jpg").write_bytes(b"not an image")
    fails_cleanly(
        ["transfer", run, "--content", str(tmp_path / "fake.jpg"), "--motion", "test:1"], "cannot read the image"
    )
    assert not list(tmp_path.glob("*.png")) and not (tmp_path / "s.gif").exists() and not (tmp_path / "g.gif").exists()


def test_report_shows_a_transfer_of_two_held_out_clips(trained_run, tmp_path):
    import shutil

    from contentpose.viz.html_report import write_report

    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    page = write_report(run, "cpu").read_text()
    assert ">Motion transfer<" in page and "following the motion of held-out clip 1" in page
    assert Image.open(run / "report_files" / "transfer.gif").n_frames == 30
    assert (run / "report_files" / "transfer.png").is_file()
