"""Picture of the digits-on-photos data (the `photo_digits` preset's) for docs/data.md.

Rows 1-3: the first frame of ten clips of the train, val and test splits (their photo crops come
from disjoint bands of each photo, their digits from disjoint sets of MNIST images).
Row 4: one test clip, every second frame.

    python benchmarks/photo_digits_samples.py [--out docs/photo_digits_samples.png]
"""

from __future__ import annotations

import argparse

import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.viz.grid import save_grid

COLUMNS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/photo_digits_samples.png")
    parser.add_argument("--preset", default="photo_digits")
    args = parser.parse_args()
    cfg = load_config(args.preset)
    rows = []
    for split in ("train", "val", "test"):
        data = build_dataset(cfg.data, split)
        factors = data.sample_factors(COLUMNS, torch.Generator().manual_seed(0))
        rows.append(data.draw(factors, data.positions(factors, torch.zeros(COLUMNS, 1)))[0][:, 0])
    clip = data.sample_factors(1, torch.Generator().manual_seed(1))
    rows.append(data.draw(clip, data.positions(clip, torch.arange(0, 2 * COLUMNS, 2)[None].float()))[0][0])
    print(f"wrote {save_grid(torch.stack(rows), args.out)}")


if __name__ == "__main__":
    main()
