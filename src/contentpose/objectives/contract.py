"""What the training loop (train/loop.py) asks of an objective and of its sampler. Every family's
objective class meets `ObjectiveClass`, and what its `build` returns meets `Objective`
(tests/objectives/test_contract.py checks each registered one)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import torch


@runtime_checkable
class Sampler(Protocol):
    """Batches for `Objective.step`, drawn from its own generator; `state` / `load_state` let a
    resumed run draw what it would have drawn."""

    generator: torch.Generator

    def __call__(self) -> tuple[torch.Tensor, ...]: ...

    def state(self) -> dict: ...

    def load_state(self, state: dict) -> None: ...


@runtime_checkable
class Objective(Protocol):
    """One training objective with its networks and optimisers.

    name        what checkpoints record ("drnet", "setgan", ...)
    modules     every network whose weights the checkpoint holds
    optimizers  every optimiser whose state the checkpoint holds
    step        one update from one batch -> logged scalars (0-dim tensors)
    An objective may also have `preview(*batch) -> (3, H, W)`, an image grid logged at checkpoints.
    """

    name: str

    @property
    def modules(self) -> dict[str, torch.nn.Module]: ...

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]: ...

    def step(self, *batch: torch.Tensor) -> dict[str, torch.Tensor]: ...


class ObjectiveClass(Protocol):
    """The class a family names for an objective: builds it for a config and says what it trains on.

    networks(cfg, channels)             the inference networks, freshly initialised, by name (what a
                                        loaded run holds: the family's `Trained` fields)
    build(cfg, channels, rt)            an Objective: those networks, critics and optimisers, placed by rt
    sampler(data, cfg, batch_size, seed)  its Sampler over a training dataset
    """

    name: str

    @staticmethod
    def networks(cfg: Any, channels: int) -> dict[str, torch.nn.Module]: ...

    @classmethod
    def build(cls, cfg: Any, channels: int, rt: Any) -> Objective: ...

    @staticmethod
    def sampler(data: Any, cfg: Any, batch_size: int, seed: int) -> Sampler: ...
