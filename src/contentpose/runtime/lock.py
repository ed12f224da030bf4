"""One process trains in a run folder at a time: an exclusive `flock` on RUN/.lock, which holds its
pid and what it trains (the run's model, or the pose predictor of a trained run).

The lock is taken before anything is written and released (the file removed) when training ends,
however it ends; the kernel drops it if the process dies. A second process is refused with the
holder's pid. A folder that the lock had to create and that is still empty on release is removed,
so a refused or failed start leaves no half-made run folder behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from contentpose.errors import UserError
from contentpose.files import open_nofollow

LOCK = ".lock"


@contextlib.contextmanager
def run_lock(run: Path, what: str = "model"):
    """Hold RUN/.lock for the block, naming `what` is trained: create the folder if needed, refuse if
    another process holds it."""
    run = Path(run)
    if run.exists() and not run.is_dir():
        raise UserError(f"{run} is a file, not a run folder; choose another --out")
    created = [p for p in (run, *run.parents) if not p.exists()]  # deepest first
    try:
        run.mkdir(parents=True, exist_ok=True)
        fd = _acquire(run / LOCK)
    except UserError:
        _remove_empty(created)
        raise
    except OSError as err:
        _remove_empty(created)
        raise UserError(f"cannot write the run folder {run}: {err.strerror or err}") from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {what}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(run / LOCK)  # while still holding it: the next process locks a fresh file
        os.close(fd)
        _remove_empty(created)


def training_process(run: Path) -> tuple[str, str] | None:
    """Who is training what in `run` now (pid, what), from RUN/.lock while its lock is held, or None."""
    try:
        fd = os.open(Path(run) / LOCK, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # refused only while a training holds it
    except BlockingIOError:
        pid, _, what = os.read(fd, 64).decode(errors="replace").strip().partition(" ")
        return pid or "another process", what or "model"
    finally:
        os.close(fd)  # releases the shared lock at once
    return None


def _acquire(path: Path) -> int:
    """An open descriptor of `path` with the exclusive lock held."""
    while True:
        fd = open_nofollow(path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").split(" ")[0].strip()
            os.close(fd)
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise UserError(
                f"{path.parent} is in use: {who} is training in it (it holds {path}); "
                f"wait for it to finish or choose another --out"
            ) from None
        try:
            if os.fstat(fd).st_ino == os.lstat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # the holder removed the file between our open and our lock: retry


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return
