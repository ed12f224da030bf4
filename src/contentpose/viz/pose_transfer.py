"""`contentpose transfer RUN --content A --motion B` for pose-to-frame runs (posegen).

A and B are clips of the run's figures (`test:N` or `train:N`): the motion clip's keypoints,
normalised to the content clip's body (EDN's global pose normalisation), are drawn as stick
figures and rendered by the generator with A's first frame as the reference. The outputs are
those of the other runs' transfer (A, B and the result side by side; see viz/transfer.py); the
renderer's truth (A's figure in B's pose) is known, so the PSNR against it is printed too.
"""

from __future__ import annotations

from pathlib import Path

import torch

from contentpose.data.figures import bone_maps
from contentpose.errors import UserError
from contentpose.eval.image_metrics import psnr
from contentpose.eval.pose_transfer import normalise_to_target
from contentpose.trained import load_pose_generator
from contentpose.viz.transfer import DATA_CLIP, check_transfer_outputs, write_transfer


def figure_clip(run, source: str, frames: int):
    """`test:N` or `train:N` -> clip N of the run's figures, frames 0..frames-1 (a FigureClips of one clip)."""
    found = DATA_CLIP.match(source)
    if not found or not found.group(2).isdigit():
        raise UserError(
            f"{source!r}: a pose-to-frame run takes its poses from the figures' keypoints; give clips "
            f"as test:N or train:N (video files have no keypoints)"
        )
    split, number = found.group(1), int(found.group(2))
    data = run.dataset(split)
    if number >= data.cfg.test_clips:
        raise UserError(
            f"clip number {number} is out of range: this split has {data.cfg.test_clips} clips "
            f"(0 to {data.cfg.test_clips - 1}; data.test_clips)"
        )
    factors = data.test_set().index(torch.tensor([number], device=data.device))
    return data, data.clips(factors, torch.arange(frames, device=data.device)[None])


@torch.no_grad()
def pose_transfer_to_files(
    run_path: str | Path,
    content: str,
    motion: str,
    outputs: list[str],
    frames: int = 100,
    fps: int = 10,
    device: str = "auto",
) -> tuple[list[Path], float]:
    """Render `content`'s figure doing `motion`'s motion (`frames` frames); write `outputs`. Returns the
    files written and the mean PSNR of the result against the renderer's truth."""
    check_transfer_outputs(outputs, frames)
    run = load_pose_generator(run_path, device)
    data, a = figure_clip(run, content, frames)
    _, b = figure_clip(run, motion, frames)
    poses = bone_maps(normalise_to_target(b.keypoints, a.keypoints), data.size)
    result = run.render(poses, a.frames[:, 0])[0]
    truth = data.render(a.factors, b.positions)[0]
    written = write_transfer(a.frames[0], b.frames[0], result, outputs, fps)
    return written, float(psnr(result, truth).mean())


@torch.no_grad()
def transfer_grid(runs: list, pairs: int = 3, frames: int = 8) -> torch.Tensor:
    """Rows per pair: the source's frames, the truth (target in the source's pose), then each run's
    transfer from EDN-normalised keypoints; the target's reference frame leads every row."""
    data = runs[0].dataset("test")
    test = data.test_set()
    pick = lambda start: test.index(torch.arange(start, start + pairs, device=data.device))  # noqa: E731
    source, target = pick(0), pick(pairs)
    times = torch.arange(0, 2 * frames, 2, device=data.device).expand(pairs, frames)
    a, b = data.clips(source, times), data.clips(target, times)
    truth = data.render(target, a.positions)
    poses = bone_maps(normalise_to_target(a.keypoints, b.keypoints), data.size)
    rows = [a.frames, truth] + [run.render(poses, b.frames[:, 0]) for run in runs]
    reference = b.frames[:, :1]
    cells = torch.stack([torch.cat([reference, r], dim=1) for r in rows], dim=1)  # (pairs, rows, 1 + T, ...)
    return cells.flatten(0, 1)
