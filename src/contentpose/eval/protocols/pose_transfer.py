"""Motion transfer scored against ground truth on the figures (Everybody Dance Now's task).

For pairs of held-out clips (source a, target b, different looks), `frames` consecutive frames
of a's motion are transferred onto b, whose first frame is the reference. The truth is the
renderer's b drawn in a's pose parameters. The generator is given a's keypoints after EDN's
global pose normalisation (`normalise_to_target`), or, as an upper bound, b's true keypoints in
a's pose ("oracle keypoints"). Scores, averaged over frames: PSNR and SSIM against the truth;
flicker, the mean absolute change between consecutive frames (the truth's is given beside it);
the normalisation's own keypoint error in pixels; and, given a keypoint regressor trained on real
frames (eval/judges/keypoint_regressor.py), the keypoint error of the frames: the mean joint distance in
pixels between the keypoints it reads from them and the truth's keypoints (its error on the truth
itself is the floor), with a 95% bootstrap interval over pairs. Baselines: b's reference frame
copied (right look, wrong pose), a's frames copied (right pose, wrong look), and cut-and-paste
(b's figure cut from its reference frame and moved to where a's figure is in each frame: the
right look in the right place, but it cannot move the limbs).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from contentpose.data.figures import KEYPOINTS, bone_maps
from contentpose.data.synthetic import START_TIMES
from contentpose.eval.baselines.cut_and_paste import cut_and_paste
from contentpose.eval.judges.keypoint_regressor import keypoint_error, keypoint_regressor
from contentpose.eval.metrics.image_metrics import psnr, ssim
from contentpose.eval.metrics.intervals import summarise
from contentpose.eval.protocols.swap import content_disjoint_partner
from contentpose.eval.results import Result
from contentpose.trained import load_pose_generator

HEAD, PELVIS = KEYPOINTS.index("head"), KEYPOINTS.index("pelvis")
ANKLES = [KEYPOINTS.index("ankle_l"), KEYPOINTS.index("ankle_r")]


def normalise_to_target(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """EDN's global pose normalisation of source keypoints (n, T, K, 2) to a target's (n, T', K, 2), (y, x)
    pixels: scaled by the ratio of the bodies' heights (head to lower ankle, the tallest frame of
    each clip) about the source's ground point (its lowest ankle, its mean pelvis x), which is moved
    to the target's ground line; the source's horizontal path is kept."""

    def height(k):
        return (k[..., ANKLES, 0].amax(-1) - k[..., HEAD, 0]).amax(1)  # (n,)

    def ground(k):
        return k[..., ANKLES, 0].amax(-1).amax(1)  # (n,)

    scale = (height(target) / height(source))[:, None, None, None]
    x = source[..., PELVIS, 1].mean(1)
    anchor_source = torch.stack([ground(source), x], dim=-1)[:, None, None]
    anchor_target = torch.stack([ground(target), x], dim=-1)[:, None, None]
    return (source - anchor_source) * scale + anchor_target


def flicker(frames: torch.Tensor) -> float:
    """Mean absolute change between consecutive frames (n, T, C, H, W)."""
    return float((frames[:, 1:] - frames[:, :-1]).abs().mean())


def frame_scores(pred: torch.Tensor, truth: torch.Tensor, regressor=None, keypoints=None) -> dict[str, float]:
    """PSNR, SSIM (mean over every frame) and flicker of pred (n, T, C, H, W) against the truth; with a
    keypoint regressor, also the keypoint error in pixels of pred against the truth's keypoints
    (n, T, K, 2). PSNR and the keypoint error come with 95% intervals over the n pairs (`_ci`)."""
    n, p, t = pred.shape[0], pred.flatten(0, 1), truth.flatten(0, 1)
    per_pair = {"psnr": psnr(p, t).view(n, -1).mean(1)}
    if regressor is not None:
        per_pair["keypoint_error_px"] = keypoint_error(regressor, pred, keypoints).reshape(n, -1).mean(1)
    out = summarise(per_pair, digits=6)
    out.update(ssim=float(ssim(p, t).mean()), flicker=flicker(pred))
    return out


def pasted(reference: torch.Tensor, motion: torch.Tensor) -> torch.Tensor:
    """Cut-and-paste: the figure of each reference frame (n, C, H, W) moved to where the figure is in
    each frame of `motion` (n, T, C, H, W) -> (n, T, C, H, W)."""
    flat = cut_and_paste(reference[:, None].expand_as(motion).flatten(0, 1), motion.flatten(0, 1), k=1)
    return flat.view(motion.shape)


@torch.no_grad()
def transfer_pairs(data, pairs: int = 64, frames: int = 16, seed: int = 0):
    """The fixed held-out pairs: source clips a and target clips b (FigureClips of `frames` frames, b's
    looks different from a's) and the truth, b drawn in a's poses (n, T, C, H, W)."""
    test = data.test_set()
    g = torch.Generator().manual_seed(seed)
    partner = content_disjoint_partner(test.content_key.cpu(), g)
    n = min(pairs, len(test))
    source = test.index(torch.arange(n, device=data.device))
    target = test.index(partner[:n].to(data.device))
    steps = torch.arange(frames)
    times_s = (torch.randint(0, START_TIMES, (n, 1), generator=g) + steps).to(data.device)
    times_t = (torch.randint(0, START_TIMES, (n, 1), generator=g) + steps).to(data.device)
    a, b = data.clips(source, times_s), data.clips(target, times_t)
    return a, b, data.render(target, a.positions)


@torch.no_grad()
def transfer_scores(render, data, pairs: int = 64, frames: int = 16, seed: int = 0, regressor=None) -> dict:
    """Scores of `render(poses (n, T, P, H, W), reference (n, C, H, W)) -> frames` on `pairs` fixed
    held-out pairs of `frames` frames, next to the baselines (see the module docstring); keypoint
    errors too if a keypoint `regressor` is given."""
    a, b, truth = transfer_pairs(data, pairs, frames, seed)
    normalised = normalise_to_target(a.keypoints, b.keypoints)
    oracle = data.keypoints(b.factors, a.positions)
    reference = b.frames[:, 0]
    scores = lambda pred: frame_scores(pred, truth, regressor, oracle)  # noqa: E731
    out = {
        "pairs": len(truth),
        "frames": frames,
        "truth_flicker": flicker(truth),
        "normalisation_error_px": float((normalised - oracle).norm(dim=-1).mean()),
        "methods": {
            "generated (normalised keypoints)": scores(render(bone_maps(normalised, data.size), reference)),
            "generated (oracle keypoints)": scores(render(bone_maps(oracle, data.size), reference)),
        },
        "baselines": {
            "copy target frame": scores(reference[:, None].expand_as(truth)),
            "copy source frames": scores(a.frames),
            "cut-and-paste target onto source": scores(pasted(reference, a.frames)),
        },
    }
    if regressor is not None:  # the floor: the regressor's error on the true frames
        out["regressor_error_px"] = float(keypoint_error(regressor, truth, oracle).mean())
    return out


@torch.no_grad()
def frame_transfer_scores(
    transfer, data, pairs: int = 64, frames: int = 16, seed: int = 0, regressor=None
) -> dict[str, float]:
    """The same pairs and scores for a method that sees frames only (no keypoints), e.g. DrNet's swap:
    `transfer(content (n, 1, C, H, W), motion (n, T, C, H, W)) -> frames (n, T, C, H, W)`, the
    content being the target's reference frame and the motion the source's frames."""
    a, b, truth = transfer_pairs(data, pairs, frames, seed)
    oracle = data.keypoints(b.factors, a.positions)
    return frame_scores(transfer(b.frames[:, :1], a.frames), truth, regressor, oracle)


def evaluate_pose_generators(
    paths: list[Path], device: str = "auto", out: Path | None = None, split: str = "val"
) -> dict:
    """Transfer scores of pose-to-frame runs on the same held-out pairs of `split`; print one table;
    write RUN/eval.json (and `out`)."""
    results, regressors = {}, {}
    for path in paths:
        run = load_pose_generator(path, device)
        data = repr(run.config.data)  # runs on the same figures share one regressor (cached in the first)
        if data not in regressors:
            regressors[data] = keypoint_regressor(run.path, run.dataset("train"))
        regressor = regressors[data]
        entry = {
            "step": run.step,
            "split": split,
            "temporal_disc": run.config.objective.temporal_disc,
            "transfer": transfer_scores(run.render, run.dataset(split), regressor=regressor),
        }
        (run.path / "eval.json").write_text(json.dumps(entry, indent=2))
        results[str(path)] = entry["transfer"]
    print(format_transfer({Path(p).name: r for p, r in results.items()}))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"runs": results}, indent=2))
    return results


class PoseTransferResult(Result):
    """One pose-to-frame run's eval.json: its transfers beside the copies and cut-and-paste."""

    def text(self) -> str:
        return format_transfer({self.name: self.data["transfer"]})


def format_transfer(transfer: dict) -> str:
    """One table of {run name: transfer_scores result}, baselines first."""
    first = next(iter(transfer.values()))
    lines = [
        f"Motion transfer on {first['pairs']} held-out pairs x {first['frames']} frames against the "
        f"renderer's truth (truth flicker {first['truth_flicker']:.4f}; EDN normalisation's keypoint error "
        f"{first['normalisation_error_px']:.2f} px)",
        f"{'':58} {'PSNR':>6} {'SSIM':>7} {'flicker':>8} {'keypoint error px':>18}",
    ]
    if "regressor_error_px" in first:
        lines.append(
            f"{'keypoint regressor on the true frames (floor)':58} {'':24} {first['regressor_error_px']:18.2f}"
        )
    rows = [(f"baseline: {k}", v) for k, v in first["baselines"].items()]
    rows += [(f"{run}: {k}", v) for run, r in transfer.items() for k, v in r["methods"].items()]
    lines += [format_row(label, v) for label, v in rows]
    if all("keypoint_error_px" in v for v in first["baselines"].values()):
        name, best = min(first["baselines"].items(), key=lambda kv: kv[1]["keypoint_error_px"])
        lines.append(f"strongest baseline on keypoint error: {name} {best['keypoint_error_px']:.2f} px")
    return "\n".join(lines)


def format_row(label: str, v: dict) -> str:
    """A row of `format_transfer`: PSNR, SSIM, flicker and (if measured) keypoint error of one method,
    with its 95% interval where measured."""
    error = f"{v['keypoint_error_px']:18.2f}" if "keypoint_error_px" in v else ""
    if "keypoint_error_px_ci" in v:
        error += " [{:.2f}, {:.2f}]".format(*v["keypoint_error_px_ci"])
    return f"{label:58} {v['psnr']:6.2f} {v['ssim']:7.4f} {v['flicker']:8.4f} {error}".rstrip()
