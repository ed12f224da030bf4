"""`train.lr_decay=cosine`: every optimiser's learning rate falls from its own to a tenth of it,
and a resumed run picks the curve up where it stopped."""

import json
import math

import pytest
import torch

from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.train.loop import LR_FLOOR, Schedule, fit


class TwoOptimisers:
    """Two real layers with their own optimisers and learning rates (as a GAN's G and D)."""

    name = "two"

    def __init__(self, interrupt_at: int | None = None):
        self.interrupt_at = interrupt_at
        self.g, self.d = torch.nn.Linear(3, 1), torch.nn.Linear(3, 1)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=0.01)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=0.04)
        self.modules, self.optimizers = {"g": self.g, "d": self.d}, {"g": self.opt_g, "d": self.opt_d}
        self.seen: list[tuple[float, float]] = []  # (lr of g, lr of d) at each step

    def step(self, x):
        if len(self.seen) == self.interrupt_at:
            raise KeyboardInterrupt
        self.seen.append((self.opt_g.param_groups[0]["lr"], self.opt_d.param_groups[0]["lr"]))
        loss = (self.g(x) - self.d(x)).pow(2).mean() + self.g(x).pow(2).mean()
        for opt in (self.opt_g, self.opt_d):
            opt.zero_grad()
        loss.backward()
        for opt in (self.opt_g, self.opt_d):
            opt.step()
        return {"loss": loss.detach()}


def _fit(objective, sampler, tmp_path, steps, resume=False, decay="cosine"):
    tmp_path.mkdir(exist_ok=True)
    fit(
        objective,
        sampler,
        Schedule(steps=steps, log_every=1, checkpoint_every=5, lr_decay=decay),
        tmp_path / "checkpoint.safetensors",
        tmp_path / "metrics.jsonl",
        meta={},
        resume=resume,
        desc="",
        quiet=True,
    )


def test_cosine_factor_runs_from_one_to_the_floor():
    s = Schedule(steps=100, log_every=1, checkpoint_every=10, lr_decay="cosine")
    assert s.lr_factor(0) == 1.0
    assert s.lr_factor(50) == pytest.approx(LR_FLOOR + (1 - LR_FLOOR) / 2)
    assert s.lr_factor(100) == pytest.approx(LR_FLOOR)
    factors = [s.lr_factor(k) for k in range(101)]
    assert all(a > b for a, b in zip(factors, factors[1:]))
    assert Schedule(steps=100, log_every=1, checkpoint_every=10).lr_factor(70) == 1.0


def test_each_optimiser_decays_from_its_own_rate_and_the_log_shows_it(tmp_path, ones_sampler):
    objective = TwoOptimisers()
    _fit(objective, ones_sampler, tmp_path, steps=20)
    g, d = zip(*objective.seen)
    expected = [0.5 * (1 + math.cos(math.pi * k / 20)) * (1 - LR_FLOOR) + LR_FLOOR for k in range(20)]
    assert g == pytest.approx([0.01 * f for f in expected])
    assert d == pytest.approx([0.04 * f for f in expected])
    logged = [json.loads(line)["lr"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert logged == pytest.approx(g)  # the rate each logged step used


def test_an_interrupted_run_resumes_on_the_same_curve(tmp_path, ones_sampler):
    whole = TwoOptimisers()
    _fit(whole, ones_sampler, tmp_path / "whole", steps=20)
    with pytest.raises(KeyboardInterrupt):
        _fit(TwoOptimisers(interrupt_at=13), ones_sampler, tmp_path / "split", steps=20)  # checkpoint at step 13
    second = TwoOptimisers()
    _fit(second, ones_sampler, tmp_path / "split", steps=20, resume=True)
    assert len(second.seen) == 7
    assert [lr for pair in second.seen for lr in pair] == pytest.approx([lr for pair in whole.seen[13:] for lr in pair])


def test_no_decay_keeps_the_rate(tmp_path, ones_sampler):
    objective = TwoOptimisers()
    _fit(objective, ones_sampler, tmp_path, steps=6, decay="none")
    assert set(objective.seen) == {(0.01, 0.04)}


def test_the_choice_is_read_and_checked_with_the_config():
    assert load_config("quick", ["train.lr_decay=cosine"]).train.lr_decay == "cosine"
    assert load_config("quick").train.lr_decay == "none"
    with pytest.raises(UserError, match="lr_decay") as err:
        load_config("quick", ["train.lr_decay=linear"])
    assert "\n" not in str(err.value)
