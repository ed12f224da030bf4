"""Every interval the README and docs/ print, `mean [low, high]`, is one a JSON in docs/results/
holds: its (low, high) pair and its mean in the same file, at the printed precision."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTERVAL = re.compile(r"(-?\d+(?:\.\d+)?) \[(-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)\]")


def numbers_and_pairs(tree, numbers: list, pairs: list) -> None:
    """Every number and every two-number list in a JSON tree."""
    if isinstance(tree, dict):
        tree = list(tree.values())
    if isinstance(tree, list):
        if len(tree) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in tree):
            pairs.append(tuple(tree))
        for x in tree:
            numbers_and_pairs(x, numbers, pairs)
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        numbers.append(tree)


def printed_as(value: float, text: str) -> bool:
    digits = len(text.split(".")[1]) if "." in text else 0
    return abs(round(value, digits) - float(text)) < 1e-9


def test_every_printed_interval_is_in_a_results_json():
    files = []
    for path in sorted((ROOT / "docs" / "results").glob("*.json")):
        numbers, pairs = [], []
        numbers_and_pairs(json.loads(path.read_text()), numbers, pairs)
        files.append((numbers, pairs))
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    checked, missing = 0, []
    for page in pages:
        for match in INTERVAL.finditer(page.read_text()):
            mean, low, high = match.groups()
            checked += 1
            if not any(
                any(printed_as(a, low) and printed_as(b, high) for a, b in pairs)
                and any(printed_as(x, mean) for x in numbers)
                for numbers, pairs in files
            ):
                missing.append(f"{page.name}: {match.group(0)}")
    assert checked > 50
    assert not missing, "intervals with no JSON behind them:\n" + "\n".join(missing)
