"""Writing into a run folder without following links: a planted symbolic link (RUN/.lock ->
~/.bashrc) must not redirect what training writes to a file outside the folder."""

from __future__ import annotations

import os
from pathlib import Path

from contentpose.errors import UserError


def open_nofollow(path: Path, flags: int, mode: int = 0o644) -> int:
    """os.open(path, flags) refusing a symbolic link at `path` (O_NOFOLLOW) with one clear line."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW, mode)
    except OSError:
        if Path(path).is_symlink():
            raise UserError(f"{path} is a symbolic link; refusing to write through it (remove it)") from None
        raise


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) via a fresh temporary file beside it: a reader never sees
    half a file, and a link at `path` is replaced, not followed."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = open_nofollow(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def check_run_path(path: Path) -> None:
    """A run folder's path that the file system and the logs can hold: UTF-8, each name at most 255
    bytes (checked before anything is made, so no half-made folder is left)."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(
            f"the run folder {text.encode('utf-8', 'replace').decode()!r} is not valid UTF-8 text"
        ) from None
    long = [part for part in Path(path).parts if len(part.encode()) > 255]
    if long:
        raise UserError(f"the run folder name {long[0][:40]}... is {len(long[0].encode())} bytes; at most 255")
