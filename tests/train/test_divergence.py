"""A run whose loss turns NaN stops with one clear error and keeps its last good checkpoint."""

import json

import pytest
import torch

from contentpose.errors import UserError
from contentpose.runtime.checkpoint import read_meta
from contentpose.train.loop import Schedule, fit


class Exploding:
    """A real optimiser on a real layer whose learning rate is raised to inf at step `blow_up`."""

    name = "exploding"

    def __init__(self, blow_up: int):
        self.layer = torch.nn.Linear(3, 1)
        self.opt = torch.optim.SGD(self.layer.parameters(), lr=0.01)
        self.modules, self.optimizers = {"layer": self.layer}, {"layer": self.opt}
        self.calls, self.blow_up = 0, blow_up

    def step(self, x):
        self.calls += 1
        if self.calls == self.blow_up:
            self.opt.param_groups[0]["lr"] = float("inf")
        loss = self.layer(x).pow(2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach()}


@pytest.mark.parametrize("blow_up", [7, 10])  # mid-interval, and on the step that logs
def test_divergence_stops_and_keeps_the_last_good_checkpoint(tmp_path, blow_up, ones_sampler):
    ckpt, log = tmp_path / "checkpoint.safetensors", tmp_path / "metrics.jsonl"
    with pytest.raises(UserError, match="diverged") as err:
        fit(
            Exploding(blow_up),
            ones_sampler,
            Schedule(steps=30, log_every=2, checkpoint_every=5),
            ckpt,
            log,
            meta={},
            resume=False,
            desc="",
            quiet=True,
        )
    assert "last good checkpoint (step 5)" in str(err.value) and "\n" not in str(err.value)
    assert read_meta(ckpt)["step"] == 5
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(r["loss"] == r["loss"] for r in rows)  # no NaN was logged
