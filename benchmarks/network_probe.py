"""How fast can each network of the quick preset learn when it is handed the right answer?

Two supervised probes on one-digit 64x64 Moving Digits, with the quick preset's networks:
- decoder: D(true digit image as a 100-d vector, true position) -> frame, trained with MSE
  (the paper's) or BCE; held-out SSIM against the true frame over the steps.
- content encoder: Ec(frame) -> digit label through a linear layer, with the DCGAN head
  (4x4 conv) or the pooled head (`model.content_pool`); held-out accuracy over the steps.
If a network is slow even here, it is the bottleneck of the unsupervised run.

    python benchmarks/network_probe.py [--steps 2000] [--every 250] [--width 16]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import machine
from contentpose.config import DataConfig
from contentpose.data.moving_digits import MovingDigits
from contentpose.eval.metrics.image_metrics import ssim
from contentpose.models.decoder import Decoder
from contentpose.models.encoder import Encoder
from contentpose.objectives.content_pose import reconstruction_loss


def frames(data: MovingDigits, n: int, g: torch.Generator):
    """n single frames: (n, 1, H, W), digit images (n, 100) at 10x10, positions in [-1, 1] (n, 2), labels (n,)."""
    factors = data.sample_factors(n, g)
    pos = data.positions(factors, torch.zeros(n, 1))
    small = F.interpolate(data.images[factors.digit[:, 0], None], size=10, mode="area").flatten(1)
    return data.render(factors, pos)[:, 0], small, pos[:, 0, 0] / data.span * 2 - 1, factors.label[:, 0]


def probe(name: str, net: nn.Module, loss_fn, score_fn, train: MovingDigits, test_batch, args) -> list[float]:
    opt = torch.optim.Adam(net.parameters(), args.lr, betas=(0.5, 0.999))
    g, scores, start = torch.Generator().manual_seed(1), [], time.perf_counter()
    for step in range(1, args.steps + 1):
        loss = loss_fn(net, frames(train, args.batch_size, g))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % args.every == 0:
            net.eval()
            with torch.no_grad():
                scores.append(round(float(score_fn(net, test_batch)), 3))
            net.train()
            print(f"{name:24s} step {step:5d}  {scores[-1]:.3f}  ({time.perf_counter() - start:.0f} s)", flush=True)
    return scores


class OracleDecoder(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.decoder = Decoder(100, 2, 1, 64, width)

    def forward(self, batch):
        return self.decoder(batch[1], batch[2])


class LabelEncoder(nn.Module):
    def __init__(self, width: int, pool: bool):
        super().__init__()
        self.encoder, self.head = Encoder(1, 128, 64, width, pool=pool), nn.Linear(128, 10)

    def forward(self, batch):
        return self.head(self.encoder(batch[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--out", default=None, help="also write the curves as JSON here")
    args = parser.parse_args()
    cfg = DataConfig(num_digits=1)
    train, test = MovingDigits(cfg, "train"), MovingDigits(cfg, "val")
    test_batch = frames(test, 500, torch.Generator().manual_seed(99))
    print(f"machine: {machine()}\nheld-out SSIM (decoder) or digit accuracy (encoder) every {args.every} steps")
    curves = {}
    for kind in ("mse", "bce"):
        torch.manual_seed(0)
        curves[f"decoder, {kind}"] = probe(
            f"decoder, {kind}",
            OracleDecoder(args.width),
            lambda net, b, kind=kind: reconstruction_loss(net(b), b[0], kind),
            lambda net, b: ssim(net(b), b[0]).mean(),
            train,
            test_batch,
            args,
        )
    for pool in (False, True):
        name = f"content encoder, {'pooled' if pool else 'DCGAN'} head"
        torch.manual_seed(0)
        curves[name] = probe(
            name,
            LabelEncoder(args.width, pool),
            lambda net, b: F.cross_entropy(net(b), b[3]),
            lambda net, b: (net(b).argmax(1) == b[3]).float().mean(),
            train,
            test_batch,
            args,
        )
    if args.out:
        Path(args.out).write_text(json.dumps({"machine": machine(), "every": args.every, "curves": curves}, indent=2))


if __name__ == "__main__":
    main()
