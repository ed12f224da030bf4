"""Progress bars: tqdm redrawn in place on a terminal; in a log file (stderr not a terminal) a
line every 30 seconds, so a redirected run's log stays readable."""

from __future__ import annotations

import sys

from tqdm import tqdm

LOG_INTERVAL_S = 30


def progress(iterable=None, **kwargs) -> tqdm:
    """tqdm(iterable, **kwargs) with the width following the terminal, and sparse in a log."""
    kwargs.setdefault("dynamic_ncols", True)
    if not sys.stderr.isatty():
        kwargs.setdefault("mininterval", LOG_INTERVAL_S)
    return tqdm(iterable, **kwargs)
