"""Picture of the articulated figures (data.name=figures) for the README.

One row per action (walk, wave, jump, squat, kick, dance; with data.motions=eight also turn and bend),
every second frame; then the keypoints of the last row drawn over its frames (the exact skeleton that
comes with each frame); then one pose (the last row's first frame) in ten appearances: the ground
truth of a motion transfer.

    python benchmarks/figures_samples.py [--out docs/figures_samples.png] [--size 64]
    python benchmarks/figures_samples.py --out docs/figures_wild_samples.png \
        --set data.background=photo data.clothing=textured data.motions=eight
"""

from __future__ import annotations

import argparse

import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.figures import bone_maps
from contentpose.viz.grid import save_grid

COLUMNS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/figures_samples.png")
    parser.add_argument("--size", type=int, default=64, choices=(32, 64, 128))
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--set", nargs="*", default=[], metavar="data.key=value", help="data options")
    args = parser.parse_args()
    overrides = ["data=figures", "data.colour=true", f"data.frame_size={args.size}", *args.set]
    data = build_dataset(load_config("quick", overrides).data, "test")
    n = data.vocabulary
    factors = data.sample_factors(n, torch.Generator().manual_seed(args.seed))
    factors.actions[:] = torch.arange(n)[:, None]  # clip i shows action i throughout
    clips = data.clips(factors, torch.arange(0, 2 * COLUMNS, 2).expand(n, COLUMNS))
    bones = bone_maps(clips.keypoints[-1:], args.size).amax(dim=2, keepdim=True)  # (1, T, 1, H, W)
    overlay = clips.frames[-1:] * (1 - bones) + bones
    looks = data.sample_factors(COLUMNS, torch.Generator().manual_seed(args.seed + 1))
    pose = clips.positions[-1:, :1].expand(COLUMNS, 1, 1, -1)
    transfer = data.render(looks, pose)[:, 0][None]  # (1, COLUMNS, C, H, W)
    path = save_grid(torch.cat([clips.frames, overlay, transfer]), args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
