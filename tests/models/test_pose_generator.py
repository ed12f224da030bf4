"""Pose-to-frame networks, their training step, inference and the transfer metrics (issue 19, stage 3)."""

import pytest
import torch
from conftest import untrained_run

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.figures import BONES, bone_maps
from contentpose.data.samplers import PoseFrameSampler
from contentpose.errors import UserError
from contentpose.eval.protocols.pose_transfer import frame_transfer_scores, normalise_to_target, transfer_scores
from contentpose.models.pose_generator import PatchDiscriminator, PoseGenerator
from contentpose.objectives import build_objective
from contentpose.trained import load_pose_generator

TINY = ["model.width=8", "train.batch_size=4", "data.test_clips=16"]


@pytest.mark.parametrize("size", [32, 64])
def test_network_shapes(size):
    g = PoseGenerator(3, len(BONES), size, width=8)
    pose, frame = torch.rand(2, len(BONES), size, size), torch.rand(2, 3, size, size)
    out = g(pose, frame, frame)
    assert out.shape == (2, 3, size, size) and 0 <= out.min() and out.max() <= 1
    logits, features = PatchDiscriminator(len(BONES) + 3, 8)(torch.cat([pose, frame], 1))
    assert logits.shape == (2, 1, size // 8, size // 8) and len(features) == 3


def test_sampler_gives_consecutive_frames_their_poses_and_a_reference_of_the_same_clip():
    data = build_dataset(load_config("posegen_quick").data, "train")
    frames, poses, reference = PoseFrameSampler(data, 4, seed=0)()
    assert frames.shape == (4, 2, 3, 32, 32) and poses.shape == (4, 2, len(BONES), 32, 32)
    assert reference.shape == (4, 3, 32, 32)
    corner = lambda x: x[..., :, 0, 0]  # noqa: E731  the background colour
    assert torch.allclose(corner(reference), corner(frames[:, 0])) and poses.amax() > 0.9


@pytest.mark.parametrize("temporal", [True, False])
def test_training_steps_learn_to_draw(temporal):
    cfg = load_config("posegen_quick", [*TINY, f"objective.temporal_disc={str(temporal).lower()}", "train.lr=0.002"])
    torch.manual_seed(0)
    objective = build_objective(cfg, 3, torch.device("cpu"))
    assert ("temporal_discriminator" in objective.modules) == temporal
    batch = objective.sampler(build_dataset(cfg.data, "train"), cfg, 4, seed=0)()
    first = objective.step(*batch)
    for _ in range(15):
        last = objective.step(*batch)
    assert float(last["l1"]) < 0.7 * float(first["l1"]) and set(last) == {"d_loss", "g_adv", "fm", "l1"}
    assert objective.preview(*batch, n=2).shape == (8, 2, 3, 32, 32)


def test_posegen_needs_figures(fails_cleanly):
    fails_cleanly(["train", "posegen_quick", "data=moving_sprites", "train.steps=1"], "needs data=figures")
    data = build_dataset(load_config("quick", ["data=moving_sprites"]).data, "train")
    with pytest.raises(UserError, match="data=figures"):
        PoseFrameSampler(data, 2, seed=0)


def test_pose_normalisation():
    source = torch.rand(2, 5, 15, 2) * 10
    source[:, :, [11, 14], 0] += 20  # ankles lowest
    ground = source[..., [11, 14], 0].amax(-1).amax(1)
    x = source[..., 2, 1].mean(1)
    anchor = torch.stack([ground, x], -1)[:, None, None]
    target = (source - anchor) * 2 + anchor + torch.tensor([3.0, 0.0])  # twice as tall, ground 3 px lower
    assert torch.allclose(normalise_to_target(source, target), target, atol=1e-4)
    data = build_dataset(load_config("posegen_quick", ["data.frame_size=64"]).data, "test")
    f = data.sample_factors(8, torch.Generator().manual_seed(0))
    a, b = f, f.index(torch.arange(7, -1, -1))
    times = torch.arange(12).expand(8, 12)
    pa, pb = data.positions(a, times), data.positions(b, times)
    truth = data.keypoints(b, pa)  # b's body in a's pose
    error = (normalise_to_target(data.keypoints(a, pa), data.keypoints(b, pb)) - truth).norm(dim=-1)
    naive = (data.keypoints(a, pa) - truth).norm(dim=-1)
    assert error.mean() < 0.5 * naive.mean() and error.mean() < 1.5


def _untrained_run(path):
    return untrained_run(path, "posegen_quick", TINY)


def test_inference_feeds_back_its_output_and_transfers_are_scored(tmp_path):
    run = load_pose_generator(_untrained_run(tmp_path / "run"), "cpu")
    data = run.dataset("test")
    clips = data.sample(2, 3, torch.Generator().manual_seed(0))
    poses, reference = bone_maps(clips.keypoints, 32), clips.frames[:, 0]
    out = run.render(poses, reference)
    assert out.shape == (2, 3, 3, 32, 32)
    assert torch.allclose(out[:, 1], run.generator(poses[:, 1], reference, out[:, 0]))
    copy = transfer_scores(lambda p, ref: ref[:, None].expand(-1, p.shape[1], -1, -1, -1), data, pairs=6, frames=4)
    assert copy["methods"]["generated (oracle keypoints)"] == copy["baselines"]["copy target frame"]
    assert copy["normalisation_error_px"] < 1 and copy["truth_flicker"] > 0
    pasted = copy["baselines"]["cut-and-paste target onto source"]  # the right look, moved to the right place
    assert pasted["psnr"] > copy["baselines"]["copy target frame"]["psnr"] and pasted["flicker"] > 0
    lo, hi = pasted["psnr_ci"]
    assert lo <= pasted["psnr"] <= hi
    scores = transfer_scores(run.render, data, pairs=6, frames=4)
    frames_only = frame_transfer_scores(lambda content, motion: content.expand_as(motion), data, pairs=6, frames=4)
    assert frames_only == copy["baselines"]["copy target frame"]
    assert set(scores["methods"]) == {"generated (normalised keypoints)", "generated (oracle keypoints)"}
