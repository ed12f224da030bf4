"""`contentpose transfer RUN --content A --motion B` for pose-to-frame runs (posegen).

A and B are clips of the run's figures (`test:N` or `train:N`, their keypoints exact) or video
files, read as the run's data pipeline reads frames (viz/transfer.py's `read_run_video`), whose
keypoints the run's keypoint regressor reads (eval/judges/keypoint_regressor.py: trained on the run's
figures on first use, cached in the run folder): every frame of a motion video, the first frame
of a content video. The motion's keypoints, normalised to the content's body (EDN's global pose
normalisation), are drawn as stick figures and rendered by the generator with A's first frame as
the reference. The outputs are those of the other runs' transfer (A, B and the result side by
side). When A and B are both figures' clips the renderer's truth (A's figure in B's pose) is
known and the PSNR against it is returned; otherwise the keypoint error of the result (the
regressor's reading of it against the normalised motion keypoints it was given).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from contentpose.data.figures import FigureClips, bone_maps
from contentpose.errors import UserError
from contentpose.eval.judges.keypoint_regressor import keypoint_error, keypoint_regressor, read_keypoints
from contentpose.eval.metrics.image_metrics import psnr
from contentpose.eval.protocols.pose_transfer import normalise_to_target
from contentpose.trained import TrainedPoseGenerator, load_pose_generator
from contentpose.viz.transfer import DATA_CLIP, check_transfer_outputs, read_run_video, write_transfer


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


@dataclass
class PoseSource:
    """A content or motion clip of a pose transfer: frames (T, C, H, W) in [0, 1] on the run's device,
    and the figures' clip (a FigureClips of one clip, with exact keypoints) or None for a video file."""

    frames: torch.Tensor
    figures: FigureClips | None


def read_pose_source(run: TrainedPoseGenerator, source: str, frames: int) -> PoseSource:
    """`test:N`, `train:N` (clip N of the run's figures) or a video file -> its first `frames` frames."""
    found = DATA_CLIP.match(source)
    if found and not Path(source).exists():
        if not found.group(2).isdigit():
            raise UserError(f"{source!r}: a clip of the run's data is written {found.group(1)}:N, N a clip number")
        clip = figure_clip(run, source, frames)[1]
        return PoseSource(clip.frames[0], clip)
    return PoseSource(read_run_video(run.config, source, frames).to(run.device), None)


@torch.no_grad()
def pose_transfer_to_files(
    run_path: str | Path,
    content: str,
    motion: str,
    outputs: list[str],
    frames: int = 100,
    fps: int = 10,
    device: str = "auto",
    quiet: bool = False,
) -> tuple[list[Path], dict[str, float]]:
    """Render `content`'s figure doing `motion`'s motion (`frames` frames); write `outputs`. Returns the
    files written and the score: {"psnr": mean PSNR against the renderer's truth} when both are
    figures' clips, else {"keypoint_error_px": the regressor's reading of the result against the
    normalised motion keypoints, mean joint distance in pixels}. A video file on either side trains
    the run's keypoint regressor on first use (a progress bar unless `quiet`)."""
    check_transfer_outputs(outputs, frames)
    run = load_pose_generator(run_path, device)
    a = read_pose_source(run, content, frames)
    b = read_pose_source(run, motion, frames)
    regressor = None
    if a.figures is None or b.figures is None:
        regressor = keypoint_regressor(run.path, run.dataset("train"), quiet=quiet)
    # keypoints (T, K, 2): exact for the figures' clips, read by the regressor from video (content: its first frame)
    a_keypoints = a.figures.keypoints[0] if a.figures is not None else read_keypoints(regressor, a.frames[:1])
    b_keypoints = b.figures.keypoints[0] if b.figures is not None else read_keypoints(regressor, b.frames)
    target = normalise_to_target(b_keypoints[None], a_keypoints[None])[0]
    result = run.render(bone_maps(target[None], run.config.data.frame_size), a.frames[:1])[0]
    if regressor is None:
        truth = run.dataset("test").render(a.figures.factors, b.figures.positions)[0]
        score = {"psnr": float(psnr(result, truth).mean())}
    else:
        score = {"keypoint_error_px": float(keypoint_error(regressor, result, target).mean())}
    written = write_transfer(a.frames, b.frames, result, outputs, fps)
    return written, score


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
