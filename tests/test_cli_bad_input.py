"""Hostile input to the CLI: every case ends in one line and exit code 2, and writes nothing
(a refused command leaves a run folder byte for byte as it was, and makes no folder)."""

import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import TINY, coloured_videos

from contentpose.runtime.lock import LOCK
from contentpose.viz.grid import IMAGE_EXTENSIONS


def snapshot(folder):
    """Every file under `folder` (relative path -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run(trained_run, tmp_path_factory):
    """A copy of the session's trained run (step 150), which these tests must leave as it is."""
    assert not (trained_run / LOCK).exists()  # the lock goes with the training
    return shutil.copytree(trained_run, tmp_path_factory.mktemp("bad_input") / "run")


def test_refused_resume_leaves_the_run_folder_as_it_was(run, fails_cleanly):  # case 1
    before = snapshot(run)
    fails_cleanly(
        ["train", "--resume", "model.width=16", "train.steps=300", "--out", str(run), "--quiet"],
        "can change only train.steps",
    )
    assert snapshot(run) == before
    fails_cleanly(
        ["train", "--resume", "objective=mipae", "train.steps=300", "--out", str(run), "--quiet"],
        "not 'objective=mipae'",
    )
    assert snapshot(run) == before


def test_resume_with_fewer_steps_than_done_is_refused(run, fails_cleanly):
    before = snapshot(run)
    fails_cleanly(["train", "--resume", "train.steps=1", "--out", str(run), "--quiet"], "is at step 150, past the 1")
    assert snapshot(run) == before


@pytest.mark.parametrize(
    "override, valid",
    [
        ("objective.rec_loss=l1", "mse, bce"),  # case 2
        ("objective.sim_loss=foo", "mse, scaled"),
    ],
)
def test_unknown_choice_names_the_valid_ones(tmp_path, fails_cleanly, override, valid):
    fails_cleanly(["train", "quick", *TINY, override, "--out", str(tmp_path / "r")], valid)
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "override, key",
    [  # cases 3, 4, 5
        ("train.steps=-5", "train.steps"),
        ("train.steps=0", "train.steps"),
        ("train.lr=-1", "train.lr"),
        ("train.lr=0", "train.lr"),
        ("predictor.lr=0", "predictor.lr"),
        ("train.log_every=0", "train.log_every"),
        ("train.checkpoint_every=0", "train.checkpoint_every"),
        ("train.batch_size=0", "train.batch_size"),
    ],
)
def test_numbers_that_must_be_positive(tmp_path, fails_cleanly, override, key):
    fails_cleanly(["train", "quick", *TINY, override, "--out", str(tmp_path / "r")], f"'{key}' must be greater than 0")
    assert list(tmp_path.iterdir()) == []


def test_bad_predictor_settings_leave_the_run_alone(run, fails_cleanly):  # case 4, train-predictor
    before = snapshot(run)
    fails_cleanly(["train-predictor", str(run), "predictor.lr=-0.1", "--quiet"], "'predictor.lr' must be greater")
    fails_cleanly(["train-predictor", str(run), "predictor.log_every=0", "--quiet"], "'predictor.log_every'")
    assert snapshot(run) == before


@pytest.mark.parametrize(
    "text, message",
    [
        ("- train\n- model\n", "must be a mapping of sections"),  # case 6
        ("just words\n", "not a str"),
        ("", "is empty"),
        ("# only a comment\n", "is empty"),
    ],
)
def test_config_file_that_is_not_a_mapping(tmp_path, fails_cleanly, text, message):
    (tmp_path / "c.yaml").write_text(text)
    fails_cleanly(["train", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "r")], message)
    assert not (tmp_path / "r").exists()


def test_out_naming_an_existing_file(tmp_path, fails_cleanly):  # case 7
    (tmp_path / "afile").write_text("mine")
    fails_cleanly(["train", "quick", *TINY, "--out", str(tmp_path / "afile")], "is a file, not a run folder")
    assert (tmp_path / "afile").read_text() == "mine"


@pytest.mark.parametrize("place", ["under_a_file", "/proc/contentpose-test/run"])  # case 8
def test_out_where_nothing_can_be_written(tmp_path, fails_cleanly, place):
    # /proc refuses new folders even to root (tests may run as root, which chmod does not stop)
    (tmp_path / "afile").write_text("mine")
    out = tmp_path / "afile" / "run" if place == "under_a_file" else place
    fails_cleanly(["train", "quick", *TINY, "--out", str(out)], "cannot write the run folder")
    assert (tmp_path / "afile").read_text() == "mine"


HOLD_LOCK = textwrap.dedent("""
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"{os.getpid()}\\n".encode())
    print("locked", flush=True)
    sys.stdin.read()                     # hold the lock until the test closes our stdin
    os.unlink(sys.argv[1])               # as contentpose does on release
""")


@pytest.mark.parametrize("existing", [True, False])  # case 9
def test_a_run_folder_in_use_by_another_process_is_refused(run, tmp_path, fails_cleanly, existing):
    folder = tmp_path / "run"
    shutil.copytree(run, folder) if existing else folder.mkdir()
    before = snapshot(folder)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(folder / LOCK)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        args = ["train", "--resume", "train.steps=300"] if existing else ["train", "quick", *TINY]
        fails_cleanly([*args, "--out", str(folder), "--quiet"], f"process {holder.pid} is training in it")
        assert {k: v for k, v in snapshot(folder).items() if k != LOCK} == before
        assert (folder / LOCK).read_text().strip() == str(holder.pid)  # the holder's lock is left alone
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


@pytest.mark.parametrize(
    "env",
    [
        {"WORLD_SIZE": "abc"},
        {"WORLD_SIZE": "0"},  # case 10
        {"WORLD_SIZE": "2", "RANK": "x"},
        {"WORLD_SIZE": "2", "RANK": "2"},
        {"WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "-1"},
    ],
)
def test_garbage_in_torchrun_variables(tmp_path, fails_cleanly, monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    name = list(env)[-1]
    fails_cleanly(["train", "quick", *TINY, "--out", str(tmp_path / "r")], f"environment variable {name}=")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("name", ["afile", "grid.unknown"])  # case 11
def test_picture_with_an_unknown_extension_names_the_valid_ones(run, tmp_path, fails_cleanly, name):
    fails_cleanly(["analogy", str(run), "--size", "2", "--out", str(tmp_path / name)], ", ".join(IMAGE_EXTENSIONS))
    assert list(tmp_path.iterdir()) == []


def test_damaged_checkpoint_bytes_are_caught_by_every_command(run, tmp_path, fails_cleanly):
    damaged = tmp_path / "damaged"
    shutil.copytree(run, damaged)
    path = damaged / "checkpoint.safetensors"
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF  # inside the last tensor's bytes: the file still parses
    path.write_bytes(bytes(data))
    fails_cleanly(["analogy", str(damaged), "--size", "2", "--out", str(tmp_path / "a.png")], "checksum")
    before = snapshot(damaged)
    fails_cleanly(["train", "--resume", "train.steps=300", "--out", str(damaged), "--quiet"], "checksum")
    assert snapshot(damaged) == before


@pytest.mark.slow
def test_two_real_trainings_on_one_folder(tmp_path):
    """Case 9 end to end: a second `contentpose train --resume` on a folder in training (it has a checkpoint
    already) is refused with the first's pid; the first, interrupted, saves its checkpoint and releases the lock."""
    import os
    import signal
    import time

    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "contentpose", "train", "quick", *TINY, "--out", str(out), "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    first = subprocess.Popen([*cmd, "train.steps=100000"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "checkpoint.safetensors").is_file():
            assert first.poll() is None and time.monotonic() < deadline, "the first training did not start"
            time.sleep(0.2)
        assert (out / LOCK).read_text().strip() == str(first.pid)
        second = subprocess.run(
            [*cmd, "--resume", "train.steps=100001"], env=env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 2 and f"process {first.pid} is training in it" in second.stderr, second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=120)
    assert first.returncode == 130 and "checkpoint saved" in first.stderr.read()
    assert (out / "checkpoint.safetensors").is_file() and not (out / LOCK).exists()


def test_ctrl_c_before_training_starts_says_interrupted(monkeypatch, capsys):
    import contentpose.cli as cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_evaluate", interrupted)
    assert cli.main(["evaluate", "somewhere"]) == 130
    assert capsys.readouterr().err.strip() == "contentpose: interrupted"


def test_a_resume_changes_only_steps_and_logging_and_never_rewrites_the_config(tiny_run, tmp_path, fails_cleanly):
    """`--resume` with a setting the checkpoint cannot honour (a learning rate, a NaN weight, another
    preset) is refused before anything is written: config.yaml stays byte for byte."""
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    before = (run / "config.yaml").read_bytes()
    resume = ["train", "--resume", "--out", str(run), "--quiet"]
    fails_cleanly([*resume, "train.lr=0.5"], "can change only train.steps")
    fails_cleanly([*resume, "objective.alpha=nan"], "can change only train.steps")
    fails_cleanly(["train", "mipae_quick", "--resume", "--out", str(run)], "leave out the preset 'mipae_quick'")
    assert (run / "config.yaml").read_bytes() == before


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.lr=nan", "must be a finite number"),
        ("train.lr=inf", "must be a finite number"),
        ("train.lr=1e30", "above 0 and at most 1"),
        ("train.beta1=2", "at least 0 and below 1"),
        ("objective.alpha=nan", "must be a finite number"),
        ("data.test_fraction=1.5", "above 0 and below 1"),
        ("data.test_fraction=0", "above 0 and below 1"),
    ],
)
def test_numbers_no_training_can_use_are_refused_before_any_folder(override, message, tmp_path, fails_cleanly):
    fails_cleanly(["train", "quick", override, "--out", str(tmp_path / "run")], message)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["analogy", "RUN", "--size", "0"], "--size: 0 is outside 1 to 32"),
        (["analogy", "RUN", "--size", "100000"], "--size: 100000 is outside 1 to 32"),
        (["analogy", "RUN", "--seed", str(2**64)], "is outside 0 to"),
        (["interpolate", "RUN", "--rows", "-1"], "--rows: -1 is outside 1 to 64"),
        (["interpolate", "RUN", "--steps", "100000"], "--steps: 100000 is outside 1 to 64"),
        (["samples", "RUN", "--rows", "100000"], "--rows: 100000 is outside 1 to 64"),
        (["transfer", "RUN", "--content", "a", "--motion", "b", "--frames", "999999999999"], "outside 2 to 2000"),
        (["transfer", "RUN", "--content", "a", "--motion", "b", "--fps", "0"], "--fps: 0 is outside 1 to 120"),
        (["predict", "RUN", "--context", "100000"], "--context: 100000 is outside 1 to 200"),
        (["predict", "RUN", "--horizon", "x"], "'x' is not a whole number"),
        (["nosuch"], "invalid choice: 'nosuch'"),
        (["train", "quick", "--out", ""], "--out needs a folder name"),
    ],
)
def test_bounded_arguments_are_refused_in_one_line_before_any_work(args, message, fails_cleanly):
    """Work stays bounded: sizes, frames, rows, steps and contexts have limits, named in the message."""
    fails_cleanly(args, message)


def test_hostile_configs_and_environments_end_in_one_line(tmp_path, fails_cleanly, monkeypatch):
    (tmp_path / "latin1.yaml").write_bytes(b"train:\n  steps: \xff\xfe\n")
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 5000 + "\n")
    fails_cleanly(["train", str(tmp_path / "latin1.yaml"), "--out", str(tmp_path / "a")], "is not UTF-8 text")
    fails_cleanly(["train", str(tmp_path / "deep.yaml"), "--out", str(tmp_path / "b")], "nested too deeply")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    fails_cleanly(["train", "quick", *TINY, "--out", str(tmp_path / "c"), "--quiet"], "MASTER_ADDR is not set")
    assert not any((tmp_path / name).exists() for name in "abc")  # no half-made run folder


def test_report_and_traverse_refuse_before_writing(tmp_path, setgan_run, fails_cleanly):
    run = tmp_path / "untrained"
    shutil.copytree(setgan_run, run)
    (run / "checkpoint.safetensors").unlink()
    fails_cleanly(["report", str(run)], "has no trained networks yet")
    assert not (run / "report_files").exists()
    fails_cleanly(
        ["traverse", str(setgan_run), "--out", str(tmp_path / "t.png"), "--video", str(tmp_path / "x.foo")],
        "use a .mp4 or .gif",
    )
    assert not (tmp_path / "t.png").exists()


def test_refused_run_folders_are_left_unmade(tmp_path, fails_cleanly):
    """A name the file system cannot hold, one that is not UTF-8, and training data that cannot make
    pairs: one line, and no folder, config, metrics or TensorBoard log left behind."""
    videos = tmp_path / "one_video"
    coloured_videos(videos, frames=12)
    for extra in sorted(videos.iterdir())[1:]:
        extra.unlink()
    fails_cleanly(
        ["train", "video", f"data=videos:{videos}", "train.steps=2", "--out", str(tmp_path / "a"), "--quiet"],
        "needs at least 2 training clips",
    )
    fails_cleanly(["train", "quick", "--out", str(tmp_path / ("x" * 300)), "--quiet"], "is 300 bytes; at most 255")
    fails_cleanly(["train", "quick", "--out", str(tmp_path) + "/bad\udcff", "--quiet"], "is not valid UTF-8 text")
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == [".contentpose-cache", "one_video"]  # the decoded-video cache, shared by run folders
