"""Ctrl-C and SIGTERM as requests to stop between training steps, so the checkpoint written then
holds a consistent state (the finished steps' weights, optimiser, RNG and data position) and
`--resume` repeats the uninterrupted run exactly. A second signal while the step finishes changes
nothing; SIGKILL cannot be caught (the last regular checkpoint is then the one to resume from)."""

from __future__ import annotations

import contextlib
import signal
import threading

NAMES = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated (SIGTERM)"}


class StopRequest:
    """Which signal asked the run to stop (`reason`), or None while none has."""

    def __init__(self):
        self.reason: str | None = None

    def __call__(self, signum, frame) -> None:
        self.reason = self.reason or NAMES.get(signum, "stopped")


@contextlib.contextmanager
def stop_requests(defer: bool = True):
    """Within the block, SIGINT and SIGTERM set the yielded StopRequest instead of stopping the
    process (where signal handlers can be set: the main thread, `defer`); the old handlers return
    after it. Without deferring, the request never fires and Ctrl-C raises as usual."""
    request = StopRequest()
    if not defer or threading.current_thread() is not threading.main_thread():
        yield request
        return
    old = {s: signal.signal(s, request) for s in NAMES}
    try:
        yield request
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
