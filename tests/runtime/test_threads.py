import os

import contentpose.runtime.threads as threads


def task(proc, pid: int, tid: int, state: str, nice: int) -> None:
    """A /proc/PID/task/TID/stat line with `state` (field 3) and `nice` (field 19)."""
    folder = proc / str(pid) / "task" / str(tid)
    folder.mkdir(parents=True)
    fields = [state] + ["0"] * 15 + [str(nice)] + ["0"] * 30
    (folder / "stat").write_text(f"{tid} (a (strange) name) " + " ".join(fields) + "\n")


def test_busy_tasks_count_other_running_tasks_at_our_priority(tmp_path, monkeypatch):
    monkeypatch.setattr(threads, "INTERVAL", 0)
    monkeypatch.setattr(threads.os, "getpriority", lambda *_: 0)  # as if not niced (`nice make test`)
    task(tmp_path, 100, 100, "R", 0)  # a busy loop
    task(tmp_path, 101, 101, "R", 0)  # a second training's two threads
    task(tmp_path, 101, 102, "R", 0)
    task(tmp_path, 102, 102, "R", 10)  # niced: yields to us
    task(tmp_path, 103, 103, "S", 0)  # asleep
    task(tmp_path, os.getpid(), os.getpid(), "R", 0)  # ourselves
    assert threads.busy_tasks(tmp_path) == 3


def test_the_default_leaves_busy_cores_alone_and_an_asked_count_wins(monkeypatch):
    monkeypatch.setattr(threads, "usable_cpus", lambda: 2)
    monkeypatch.setattr(threads, "busy_tasks", lambda: 1.2)
    assert threads.choose_threads() == 1
    monkeypatch.setattr(threads, "busy_tasks", lambda: 5)
    assert threads.choose_threads() == 1  # at least one
    monkeypatch.setattr(threads, "busy_tasks", lambda: 0.2)
    assert threads.choose_threads() == 2
    assert threads.choose_threads(3) == 3
