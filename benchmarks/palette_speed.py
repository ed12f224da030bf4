"""Benchmark: the palette content encoder on real Sprites frames, skipping black pixels or not.

The encoder runs its pixel MLP on lit pixels and one black pixel per row (`models/palette.py`).
Here the same frames are timed twice with one implementation: as they are (about 3 pixels in 4
black), and with every black pixel raised to 1e-3, so that every pixel is lit and the MLP runs on
all of them: what the encoder cost before it skipped black pixels. Forward and backward, one
thread, the best of --repeats.

    python benchmarks/palette_speed.py [--data PATH] [--batch 128] [--repeats 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch

from common import machine, positive_int
from contentpose.data.lpc_sprites import CHARACTERS, character_frames, layer_files
from contentpose.errors import UserError
from contentpose.models.palette import PaletteEncoder

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "lpc-sprites"


def best_ms(encoder: PaletteEncoder, x: torch.Tensor, repeats: int) -> float:
    encoder(x).sum().backward()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        encoder(x).sum().backward()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA.resolve()), help="the folder of LPC sheets")
    parser.add_argument("--batch", type=positive_int, default=128)
    parser.add_argument("--repeats", type=positive_int, default=5)
    parser.add_argument("--json", default=str(ROOT / "docs" / "results" / "palette_speed.json"))
    args = parser.parse_args()
    try:
        layer_files(Path(args.data))
    except UserError as err:
        raise SystemExit(f"palette_speed.py: {err}") from None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    frames = np.concatenate(
        [character_frames(Path(args.data), int(c), 32).reshape(-1, 32, 32, 3) for c in rng.choice(CHARACTERS, 4)]
    )  # (4 * 72, 32, 32, 3) uint8
    x = torch.tensor(frames[rng.integers(0, len(frames), args.batch)]).permute(0, 3, 1, 2).float() / 255
    lit = x.clamp(min=1e-3)  # the same frames with no black pixel
    encoder = PaletteEncoder(3, 128, width=16)  # the lpc_sprites preset's size (frequencies 0)
    black = float((x.amax(1) == 0).float().mean())
    skipping, every = best_ms(encoder, x, args.repeats), best_ms(encoder, lit, args.repeats)
    result = {
        "machine": machine(),
        "date": str(date.today()),
        "batch": args.batch,
        "black_share": round(black, 3),
        "ms_skipping_black": round(skipping, 1),
        "ms_every_pixel": round(every, 1),
        "speed_up": round(every / skipping, 2),
    }
    print(f"machine: {result['machine']}")
    print(f"palette encoder, forward + backward, batch {args.batch} of 32 px Sprites frames ({black:.0%} black)")
    print(f"  every pixel through the MLP   {every:8.1f} ms")
    print(f"  lit pixels + one black per row {skipping:7.1f} ms   ({result['speed_up']:.1f}x)")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
