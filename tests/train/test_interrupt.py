"""Ctrl-C and SIGTERM stop a training between steps; `--resume` then repeats the uninterrupted run bit
for bit (every logged figure and every tensor of the checkpoint), wherever the signal came."""

from __future__ import annotations

import os
import signal

import pytest
import torch
from safetensors.torch import load_file

import contentpose.train.loop as loop
from contentpose.config import load_config
from contentpose.runtime.checkpoint import read_meta
from contentpose.train.loop import train
from contentpose.trained import read_metrics

OVERRIDES = [
    "data.frame_size=32",
    "data.num_digits=1",
    "data.digits=sklearn",
    "data.test_clips=8",
    "model.width=4",
    "model.content_dim=8",
    "train.batch_size=4",
    "train.steps=8",
    "train.log_every=3",  # not a divisor of checkpoint_every: checkpoints hold unlogged sums
    "train.checkpoint_every=4",
    "train.device=cpu",
    "train.threads=1",
]


def at_draw(monkeypatch, call: int, action):
    """Training's sampler runs `action()` while drawing batch number `call` (1-based)."""
    build = loop.build_training

    def wrapped(*args, **kwargs):
        objective, sampler = build(*args, **kwargs)
        calls = [0]

        class Watched:
            generator = sampler.generator

            def __call__(self):
                calls[0] += 1
                if calls[0] == call:
                    action()
                return sampler()

            def state(self):
                return sampler.state()

            def load_state(self, state):
                sampler.load_state(state)

        return objective, Watched()

    monkeypatch.setattr(loop, "build_training", wrapped)


def signalled_at(monkeypatch, call: int, signals=(signal.SIGINT,)):
    """Training's sampler sends `signals` to this process while drawing batch number `call`."""
    at_draw(monkeypatch, call, lambda: [os.kill(os.getpid(), s) for s in signals])


def figures(run) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "samples_per_s"} for row in read_metrics(run / "metrics.jsonl")]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    run = tmp_path_factory.mktemp("whole") / "run"
    train(load_config("quick", OVERRIDES), run, quiet=True)
    return run


@pytest.mark.parametrize(
    "call, signals",
    [
        (2, (signal.SIGINT,)),  # between checkpoints, before the first log row
        (4, (signal.SIGINT,)),  # the step that ends at a checkpoint
        (6, (signal.SIGTERM,)),  # SIGTERM saves like Ctrl-C
        (7, (signal.SIGINT, signal.SIGINT)),  # a second Ctrl-C while the step finishes changes nothing
    ],
)
def test_a_stopped_run_resumes_exactly(uninterrupted, tmp_path, monkeypatch, call, signals):
    run = tmp_path / "run"
    signalled_at(monkeypatch, call, signals)
    with pytest.raises(KeyboardInterrupt, match=f"at step {call}; checkpoint saved"):
        train(load_config("quick", OVERRIDES), run, quiet=True)
    assert read_meta(run / "checkpoint.safetensors")["step"] == call
    assert not (run / ".lock").exists()  # released, also after SIGTERM
    monkeypatch.undo()
    with open(run / "metrics.jsonl", "a") as f:
        f.write('{"step": 99, "rec')  # a torn last line, as a kill leaves: dropped on resume
    train(load_config("quick", OVERRIDES), run, resume=True, quiet=True)
    assert figures(run) == figures(uninterrupted)
    ours, theirs = load_file(run / "checkpoint.safetensors"), load_file(uninterrupted / "checkpoint.safetensors")
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_the_interrupt_message_names_the_signal(tmp_path, monkeypatch):
    signalled_at(monkeypatch, 3, (signal.SIGTERM,))
    with pytest.raises(KeyboardInterrupt, match=r"^terminated \(SIGTERM\) at step 3"):
        train(load_config("quick", OVERRIDES), tmp_path / "run", quiet=True)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handler is gone after training


def test_a_killed_run_resumes_exactly_from_its_last_checkpoint(uninterrupted, tmp_path, monkeypatch):
    """Killed (no handler runs: here the process leaves at batch 7, past the checkpoint of step 4
    and a log row at step 6): the resume starts from step 4, with the sums of steps 4-5 that the
    checkpoint held unlogged, and ends where the uninterrupted run did."""

    def killed():
        raise SystemExit("killed")

    at_draw(monkeypatch, 7, killed)
    run = tmp_path / "run"
    with pytest.raises(SystemExit):
        train(load_config("quick", OVERRIDES), run, quiet=True)
    monkeypatch.undo()
    assert read_meta(run / "checkpoint.safetensors")["step"] == 4 and figures(run)[-1]["step"] == 6
    train(load_config("quick", OVERRIDES), run, resume=True, quiet=True)
    assert figures(run) == figures(uninterrupted)
    ours, theirs = load_file(run / "checkpoint.safetensors"), load_file(uninterrupted / "checkpoint.safetensors")
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)


def test_metrics_rows_without_a_step_or_torn_are_left_out(tmp_path):
    """What a kill or a hand edit leaves in metrics.jsonl: resume and the report read the rest."""
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 2, "rec": 0.5}\n{"rec": 0.4}\n[1, 2]\n\n{"step": 4, "rec": 0.3}\n{"step": 6, "re')
    assert [row["step"] for row in read_metrics(path)] == [2, 4]
    assert read_metrics(tmp_path / "missing.jsonl") == []


def test_a_resume_keeps_the_thread_count_the_checkpoint_was_trained_with(tmp_path, monkeypatch):
    """Another thread count changes a CPU step's results in their last bits, so with the default
    threads (train.threads=0, no OMP_NUM_THREADS) a resume uses the checkpoint's, whatever the load now."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    overrides = [o for o in OVERRIDES if not o.startswith("train.threads")] + ["train.steps=4"]
    try:
        monkeypatch.setattr(loop, "choose_threads", lambda requested=0: 2)
        train(load_config("quick", overrides), tmp_path / "run", quiet=True)
        assert read_meta(tmp_path / "run" / "checkpoint.safetensors")["threads"] == 2
        monkeypatch.setattr(loop, "choose_threads", lambda requested=0: 1)  # the machine got busier
        train(load_config("quick", [*overrides[:-1], "train.steps=6"]), tmp_path / "run", resume=True, quiet=True)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(1)  # as `make test` runs
