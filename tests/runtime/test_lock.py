"""The run-folder lock: one process trains in a folder at a time; nothing is left behind."""

import os

import pytest

from contentpose.errors import UserError
from contentpose.runtime.lock import LOCK, run_lock, training_process


def test_lock_holds_the_pid_and_refuses_a_second_holder(tmp_path):
    run = tmp_path / "run"
    with run_lock(run):
        assert (run / LOCK).read_text().strip() == f"{os.getpid()} model"
        # flock locks conflict between open files, even in one process
        with pytest.raises(UserError, match=f"process {os.getpid()} is training in it"), run_lock(run):
            pass
        assert (run / LOCK).is_file()  # the refused one leaves the holder's lock alone
    assert not run.exists()  # made by the lock and still empty: removed
    with run_lock(run):  # free again
        (run / "config.yaml").write_text("x")
    assert [p.name for p in run.iterdir()] == ["config.yaml"]


def test_a_failed_start_leaves_no_half_made_folders(tmp_path):
    with pytest.raises(RuntimeError), run_lock(tmp_path / "a" / "b" / "run"):
        raise RuntimeError("failed before writing anything")
    assert list(tmp_path.iterdir()) == []


def test_a_stale_lock_file_of_a_dead_process_does_not_block(tmp_path):
    (tmp_path / LOCK).write_text("999999\n")  # kill -9 leaves the file; the kernel dropped the lock
    with run_lock(tmp_path, "predictor"):
        assert (tmp_path / LOCK).read_text().strip() == f"{os.getpid()} predictor"
    assert not (tmp_path / LOCK).exists()


def test_training_process_names_the_holder_while_it_trains(tmp_path):
    run = tmp_path / "run"
    assert training_process(run) is None  # no folder yet
    with run_lock(run):
        (run / "keep").write_text("")  # so the folder stays after the lock goes
        assert training_process(run) == (str(os.getpid()), "model")
        with run_lock(tmp_path / "other"):  # looking did not take the lock from its holder
            pass
        with pytest.raises(UserError, match="in use"), run_lock(run):
            pass
    assert training_process(run) is None
    (run / LOCK).write_text("12345\n")  # a stale file of a dead process
    assert training_process(run) is None
    with run_lock(run, "predictor"):
        assert training_process(run) == (str(os.getpid()), "predictor")


def test_a_planted_lock_link_is_refused_and_its_target_untouched(tmp_path):
    """RUN/.lock pointing outside the run folder: training refuses it in one line and writes nothing
    through it (O_NOFOLLOW)."""
    outside = tmp_path / "bashrc"
    outside.write_text("keep me\n")
    run = tmp_path / "run"
    run.mkdir()
    (run / ".lock").symlink_to(outside)
    with pytest.raises(UserError, match="is a symbolic link; refusing to write through it"), run_lock(run):
        pass
    assert outside.read_text() == "keep me\n" and (run / ".lock").is_symlink()
    assert training_process(run) is None  # reading the lock does not follow it either
