"""Probe: can the Set GAN's discriminator see that a set's frames show one digit?

Before asking a generator to keep its digit over a set, check that the judge can tell. Each reading
of `models/set_discriminator.py` (stacked channels, the paper's; shared; pooled) with each
normalisation is trained alone, as a classifier, on real sets of `setgan_quick`'s data (3 frames of
one clip, as the Set GAN's sampler draws them) against the same sets with the digit of frames 2 and
3 taken from another clip, drawn at the same places (so only identity differs; one swap in ten keeps
the class, a different writer's digit). Held-out accuracy on fixed sets, in eval mode (a BatchNorm
D in train mode could read the statistics of an all-real or all-swapped batch instead; training
batches hold both halves).

    python benchmarks/set_disc_probe.py [--steps 1500] [--json docs/results/set_disc_probe.json]

Prints held-out accuracy (95% bootstrap interval) every 500 steps per discriminator; chance 0.5.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

from common import machine, positive_int, write_json
from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.eval.metrics.intervals import mean_interval
from contentpose.models.set_discriminator import SetDiscriminator

READINGS = [("stacked", "spectral"), ("stacked", "none"), ("stacked", "batch"), ("shared", "spectral"),
            ("pooled", "spectral"), ("pooled", "none")]  # fmt: skip


def swap_sets(data, batch: int, size: int, window: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Real sets (B, size, C, H, W) of one clip each, and the same places showing another clip's digit
    in every frame but the first."""
    factors = data.sample_factors(batch, g)
    times = torch.randint(0, 100, (batch, 1), generator=g) + torch.rand(batch, window, generator=g).argsort(1)[:, :size]
    real = data.clips(factors, times).frames
    other = replace(factors, digit=factors.digit.roll(1, 0), label=factors.label.roll(1, 0))
    swapped = torch.cat([real[:, :1], data.clips(other, times).frames[:, 1:]], dim=1)
    return real, swapped


def probe(data, read: str, norm: str, steps: int, cfg, seed: int = 0) -> list[dict]:
    """Train one discriminator on real vs swapped sets; its held-out accuracy every 500 steps."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    size, window = cfg.objective.set_size, cfg.data.max_offset + 1
    disc = SetDiscriminator(data.channels, size, cfg.data.frame_size, cfg.model.width, norm, read)
    opt = torch.optim.Adam(disc.parameters(), cfg.train.lr, betas=(cfg.train.beta1, cfg.train.beta2))
    held_real, held_swapped = swap_sets(data, 512, size, window, torch.Generator().manual_seed(10_000 + seed))
    curve, start = [], time.time()
    for step in range(1, steps + 1):
        real, swapped = swap_sets(data, cfg.train.batch_size, size, window, g)
        logits = disc(torch.cat([real, swapped]))
        target = torch.cat([torch.ones(len(real)), torch.zeros(len(swapped))])
        loss = F.binary_cross_entropy_with_logits(logits, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 500 == 0 or step == steps:
            disc.eval()
            with torch.no_grad():
                right = torch.cat([disc(held_real) > 0, disc(held_swapped) < 0]).float()
            disc.train()
            mean, low, high = mean_interval(right)
            curve.append({"steps": step, "accuracy": round(mean, 3), "ci": [round(low, 3), round(high, 3)]})
            print(f"{read:>8} / {norm:<9} step {step:5d}: held-out accuracy {mean:.3f} [{low:.3f}, {high:.3f}]"
                  f" ({time.time() - start:.0f} s)", flush=True)  # fmt: skip
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=positive_int, default=1500)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    cfg = load_config("setgan_quick", [])
    data = build_dataset(cfg.data, "train")
    curves = {f"{read} / {norm}": probe(data, read, norm, args.steps, cfg) for read, norm in READINGS}
    result = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "command": f"python benchmarks/set_disc_probe.py --steps {args.steps}",
        "task": "real sets vs the same places with another clip's digit in frames 2-3; held-out, eval mode; chance 0.5",
        "curves": curves,
    }
    write_json(args.json, result)


if __name__ == "__main__":
    main()
