"""Benchmark: frames per second of the data sources at 64x64.

- video folder, first run: decoding MP4 files (PyAV), cropping, resizing, writing the cache;
- video folder, cached: training pairs drawn from the memory-mapped cache;
- Moving Digits and Moving Sprites: training pairs rendered on the fly.

    python benchmarks/data_throughput.py [--videos 20] [--frames 150] [--batch 64]

The test videos (320x240 MP4, a few moving rectangles) are written to a temporary folder first.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from common import machine
from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.viz.video import write_video


def make_videos(folder: Path, videos: int, frames: int) -> None:
    rng = np.random.default_rng(0)
    for v in range(videos):
        boxes = rng.integers(0, 200, (3, 2))
        images = []
        for t in range(frames):
            im = Image.new("RGB", (320, 240), (20, 20, 30))
            for b, (x, y) in enumerate(boxes):
                x0, y0 = (x + 3 * t * (b + 1)) % 280, (y + 2 * t) % 200
                im.paste((200, 80 * b, 255 - 60 * b), (x0, y0, x0 + 40, y0 + 40))
            images.append(im)
        write_video(images, folder / f"clip{v:03d}.mp4", fps=25)


def pair_rate(data, batch: int, seconds: float = 3.0) -> float:
    g = torch.Generator().manual_seed(0)
    data.pairs(batch, 12, g)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        data.pairs(batch, 12, g)
        n += 2 * batch
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "videos"
        folder.mkdir()
        make_videos(folder, args.videos, args.frames)
        cfg = load_config("quick", [f"data=videos:{folder}"]).data
        start = time.perf_counter()
        data = build_dataset(cfg, "train", cache_dir=Path(tmp) / "cache", quiet=True)
        rows["video folder, first decode into the cache"] = args.videos * args.frames / (time.perf_counter() - start)
        start = time.perf_counter()
        data = build_dataset(cfg, "train", cache_dir=Path(tmp) / "cache", quiet=True)
        rows["video folder, opening the cache again"] = args.videos * args.frames / (time.perf_counter() - start)
        rows[f"video folder, cached training pairs (batch {args.batch})"] = pair_rate(data, args.batch)
    for name in ("moving_digits", "moving_sprites"):
        synthetic = build_dataset(load_config("quick", [f"data.name={name}"]).data, "train")
        rows[f"{name}, rendered training pairs (batch {args.batch})"] = pair_rate(synthetic, args.batch)
    print(f"machine: {machine()}; 64x64 frames, grayscale")
    for name, rate in rows.items():
        print(f"  {name:58} {rate:10,.0f} frames/s")


if __name__ == "__main__":
    main()
