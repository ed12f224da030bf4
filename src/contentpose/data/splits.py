"""The three splits every dataset offers: train, val and test.

What is held out from training (digit images, Sprites characters, videos, the end of every video)
is cut in two: its first half is the validation split, on which settings are chosen, the second
half the test split, reported once. Training data is therefore the same as before the val split
existed (except where a single item was held out: two are now, one each), and val and test are
disjoint the way test is disjoint from train. Synthetic clips drawn from a
shared pool of content (sprites, figures) get their val and test sets from different seeds.
"""

from __future__ import annotations

import numpy as np

from contentpose.errors import UserError

SPLITS = ("train", "val", "test")
HELD_OUT = ("val", "test")


def check_split(split: str) -> str:
    """`split` itself when it names a split, else a one-line error."""
    if split not in SPLITS:
        raise UserError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    return split


def held_out_part(held: np.ndarray, split: str, what: str = "held-out items") -> np.ndarray:
    """The part of the held-out items `held` (in a fixed order) that `split` ('val' or 'test') gets:
    the first half for val, the rest for test; both need at least one item."""
    if split not in HELD_OUT:
        raise ValueError(f"held_out_part is for the held-out splits, not {split!r}")
    if len(held) < 2:
        raise UserError(f"{len(held)} {what} held out: val and test need at least 1 each (2 in all)")
    half = len(held) // 2
    return held[:half] if split == "val" else held[half:]


def split_seed(test_seed: int, split: str) -> int:
    """The seed of a synthetic split's fixed clips: data.test_seed for test, the next one for val."""
    return test_seed + (1 if split == "val" else 0)
