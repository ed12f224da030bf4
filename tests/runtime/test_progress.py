import io

from contentpose.runtime.progress import LOG_INTERVAL_S, progress


def test_a_log_file_gets_a_line_every_interval_not_every_update(monkeypatch):
    log = io.StringIO()  # not a terminal
    monkeypatch.setattr("sys.stderr", log)
    bar = progress(range(1000), desc="steps")
    assert bar.mininterval == LOG_INTERVAL_S
    assert sum(1 for _ in bar) == 1000
    assert log.getvalue().count("\r") <= 3  # start, end: no redraw per step
    assert progress(range(3), mininterval=0.5).mininterval == 0.5  # a caller's choice wins
