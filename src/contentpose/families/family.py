"""What a model family declares: its config sections, its objectives, and where its loaded run,
evaluation protocol, report section and command-line verbs live.

The parts are named as "module:attribute" strings and imported when first used, so reading a
family (to check a config, before torch is imported) costs nothing, and this module sits below
everything it names: the family's own files import down, never this registry up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def resolve(target: str) -> Any:
    """The attribute named by "package.module:attribute"."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Family:
    """One model family.

    name        what a run of it is called (`contentpose.load(run).kind`, eval.json's family)
    noun        for messages: "a content/pose autoencoder"
    model       the dataclass of the `model:` section (only its keys are accepted)
    objective   the dataclass of the `objective:` section; its `name` field lists the objectives
    objectives  objective name -> "module:Class" of the training objective (objectives/)
    loaded      "module:Class" of the loaded run (a `Trained` subclass with `from_networks`)
    evaluate    "module:function": (paths, device, out, split, pairs) -> results; prints its table
    result      "module:Class": a `eval.results.Result` of one run's eval.json (its text and HTML)
    report      "module:function": (run, files, device) -> the report's HTML sections of pictures
    verbs       command -> "module:function" taking the parsed arguments, for the commands whose
                work differs by family (predict, transfer, samples, ...); they live in the family's
                commands.py, the only part of a family folder in the command-line layer
    predictor   whether the `predictor:` section applies (the pose LSTM or forecast window)
    check       (config) -> None: rules between sections, or None
    upgrade     (raw config dict) -> None: a saved config of an earlier version brought up to date in
                place (renamed or merged keys), or None
    """

    name: str
    noun: str
    model: type
    objective: type
    objectives: dict[str, str]
    loaded: str
    evaluate: str
    result: str
    report: str
    verbs: dict[str, str] = field(default_factory=dict)
    predictor: bool = False
    check: Callable | None = None
    upgrade: Callable | None = None

    def part(self, what: str) -> Any:
        """The imported part: "loaded", "evaluate", "result" or "report"."""
        return resolve(getattr(self, what))

    def objective_class(self, name: str) -> type:
        return resolve(self.objectives[name])
