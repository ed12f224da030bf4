"""`contentpose evaluate`: the runs' family's protocol (eval/protocols/, named by the family), on a
held-out split. Each protocol prints its table, with the strongest classical baseline beside the
model, and writes RUN/eval.json."""

from __future__ import annotations

import inspect
from pathlib import Path

from contentpose.data.splits import HELD_OUT
from contentpose.errors import UserError
from contentpose.eval.protocols.swap import MAX_PAIRS
from contentpose.trained import run_family


def evaluate_runs(
    paths: list[Path], device: str = "auto", out: Path | None = None, split: str = "val", pairs: int | None = None
) -> dict:
    """Evaluate each run on the same held-out pairs of `split` (val: where settings are chosen; test:
    reported once); print one table; write RUN/eval.json (and `out`)."""
    if split not in HELD_OUT:
        raise UserError(f"evaluate scores a held-out split: val or test, not {split!r}")
    if pairs is not None and not 1 <= pairs <= MAX_PAIRS:
        raise UserError(f"--pairs must be between 1 and {MAX_PAIRS}; got {pairs}")
    families = {family.name: family for family in map(run_family, paths)}
    if len(families) > 1:
        raise UserError(f"evaluate runs of one family at a time; these are {', '.join(sorted(families))}")
    protocol = families.popitem()[1].part("evaluate")
    if "pairs" in inspect.signature(protocol).parameters:
        return protocol(paths, device, out, split, pairs)
    if pairs is not None:
        raise UserError("--pairs sets the number of swap pairs; this run's evaluation has none to set")
    return protocol(paths, device, out, split)
