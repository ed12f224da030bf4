import pytest
import torch
from conftest import TINY, for_objective

from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.models.layered_generator import SHEAR
from contentpose.objectives import build_objective
from contentpose.objectives.setgan import (
    discriminator_loss,
    fake_loss,
    generate,
    generate_with_mask,
    generator_loss,
    mixed_sets,
    single_frames,
    uniform_latents,
)

# setgan_quick with the paper's DCGAN generator: the layered generator's options undone
NOT_LAYERED = ["model.generator=dcgan", "model.layer_centre=mask", "objective.mask_l1=0"]


def test_latents_are_uniform_in_the_box():
    z_c, z_m = uniform_latents(500, 3, 50, 10, torch.Generator().manual_seed(0))
    assert z_c.shape == (500, 50) and z_m.shape == (500, 3, 10)
    assert z_c.min() >= -1 and z_c.max() <= 1 and z_c.min() < -0.99 and z_c.max() > 0.99
    assert abs(float(z_m.mean())) < 0.02


def test_fake_sets_share_z_content_and_differ_in_z_motion():
    """A generator that echoes its input shows which latent each frame of a set got."""
    echo = lambda c, m: torch.cat([c, m], dim=1)[:, :, None, None]  # (B*n, Zc+Zm, 1, 1)  # noqa: E731
    z_c, z_m = uniform_latents(4, 3, 6, 2)
    frames = generate(echo, z_c, z_m)  # (4, 3, 8, 1, 1)
    assert frames.shape == (4, 3, 8, 1, 1)
    content, motion = frames[:, :, :6, 0, 0], frames[:, :, 6:, 0, 0]
    assert torch.equal(content, z_c[:, None].expand(4, 3, 6))  # one z_C per set
    assert torch.equal(motion, z_m)  # z_M per frame
    assert not torch.equal(motion[:, 0], motion[:, 1])
    assert not torch.equal(content[0, 0], content[1, 0])  # sets differ in z_C


def test_gan_losses_have_the_right_sign():
    good, bad = torch.full((8,), 5.0), torch.full((8,), -5.0)
    assert discriminator_loss(good, bad) < 0.02 < discriminator_loss(bad, good)
    assert generator_loss(good) < 0.01 < generator_loss(bad)  # G wants D to say "real"
    # hinge: no loss once real logits are above 1 and fake ones below -1; G pushes D(G(z)) up
    assert discriminator_loss(good, bad, "hinge") == 0 and discriminator_loss(bad, good, "hinge") == 12
    assert discriminator_loss(torch.zeros(8), torch.zeros(8), "hinge") == 2
    assert generator_loss(good, "hinge") == -5 and fake_loss(bad, "hinge") == 0 and fake_loss(good, "hinge") == 6


def test_step_updates_both_networks_from_real_sets():
    cfg = load_config("setgan_quick", [*for_objective("setgan", TINY), "train.batch_size=4"])
    gan = build_objective(cfg, 1, torch.device("cpu"))
    before = {k: [p.clone() for p in m.parameters()] for k, m in gan.modules.items()}
    logs = gan.step(torch.rand(4, 3, 1, 32, 32))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake", "mask_mean", "frame_d_loss"}  # the preset's options
    assert all(torch.isfinite(v) for v in logs.values())
    for name, module in gan.modules.items():
        assert any(not torch.equal(a, b) for a, b in zip(before[name], module.parameters())), name


def test_mixed_sets_take_each_frame_from_another_clip():
    real = (
        torch.arange(5.0)[:, None, None, None, None].expand(5, 3, 1, 2, 2) * 10
        + torch.arange(3.0)[None, :, None, None, None]
    )  # clip b, frame j holds 10 b + j
    mixed = mixed_sets(real)
    assert mixed.shape == real.shape
    clips = (mixed[..., 0, 0, 0] // 10).long()  # (5, 3): the clip each frame came from
    assert all(len(set(row.tolist())) == 3 for row in clips)  # three clips per set
    assert torch.equal(mixed[..., 0, 0, 0] % 10, real[..., 0, 0, 0] % 10)  # frame j stays frame j


def steps_with(key: str, *values) -> list[dict]:
    """One step of the same seeded GAN on the same real sets per value of `key`: the logs."""
    real, logs = torch.rand(4, 3, 1, 32, 32), []
    for value in values:
        cfg = load_config("setgan_quick", [*for_objective("setgan", TINY), "train.batch_size=4", f"{key}={value}"])
        torch.manual_seed(0)
        gan = build_objective(cfg, 1, torch.device("cpu"))
        torch.manual_seed(1)
        logs.append(gan.step(real))
    return logs


def test_mixed_sets_change_the_discriminator_loss_only_when_asked():
    assert "mixed real sets as fakes (x1)" in load_config("setgan_quick", ["objective.mixed_sets=1"]).objective.losses()
    off, on = steps_with("objective.mixed_sets", 0, 1)
    assert on["d_loss"] > off["d_loss"] + 0.3  # the extra BCE term of an untrained D is about ln 2


def test_the_frame_discriminator_judges_single_frames_beside_the_set_one():
    cfg = load_config("setgan_quick", for_objective("setgan", TINY))  # the preset's
    assert "frame discriminator (x1)" in cfg.objective.losses()
    frames = single_frames(torch.arange(24.0).view(2, 3, 1, 2, 2))
    assert frames.shape == (6, 1, 1, 2, 2) and torch.equal(frames[4, 0], torch.arange(16.0, 20).view(1, 2, 2))
    gan = build_objective(cfg, 1, torch.device("cpu"))
    assert {"frame_discriminator"} <= set(gan.modules) and {"frame_discriminator"} <= set(gan.optimizers)
    off = build_objective(
        load_config("setgan_quick", [*for_objective("setgan", TINY), "objective.frame_disc=0"]), 1, torch.device("cpu")
    )
    assert "frame_discriminator" not in off.modules and off.frame_discriminator is None
    assert gan.frame_discriminator(torch.rand(5, 1, 1, 32, 32)).shape == (5,)
    off, on = steps_with("objective.frame_disc", 0, 1)
    assert "frame_d_loss" not in off and on["frame_d_loss"] > 0.3  # an untrained D's BCE: about 2 ln 2
    assert float(on["d_loss"]) == pytest.approx(float(off["d_loss"]), rel=1e-5)  # the set D is untouched
    assert on["g_loss"] > off["g_loss"] + 0.3  # G is also judged frame by frame


def test_r1_is_the_squared_gradient_norm_at_the_real_frames():
    from contentpose.objectives.r1 import r1_penalty

    w = torch.tensor([1.0, -2.0, 3.0])
    real = torch.rand(5, 3)
    logits, penalty = r1_penalty(lambda x: x @ w + 1.0, real)  # a linear D: its gradient is w everywhere
    assert torch.allclose(logits, real @ w + 1.0) and penalty.item() == pytest.approx(14.0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    _, penalty = r1_penalty(lambda x: net(x).flatten(), real)
    penalty.backward()  # differentiable in D's weights
    assert net[0].weight.grad is not None and net[0].weight.grad.abs().sum() > 0


def test_r1_raises_the_discriminator_loss_only_when_asked():
    assert load_config("setgan_quick", ["objective.r1=10"]).objective.losses()[1] == "R1 on real sets (gamma 10)"
    off, on = steps_with("objective.r1", 0, 10)
    assert "r1" not in off and on["r1"] > 0
    assert float(on["d_loss"]) == pytest.approx(float(off["d_loss"]) + 5 * float(on["r1"]), rel=1e-4)


def test_the_modulated_generator_trains_in_the_set_gan():
    cfg = load_config(
        "setgan_quick",
        [*for_objective("setgan", TINY), *NOT_LAYERED, "train.batch_size=4", "model.generator=modulated"],
    )
    gan = build_objective(cfg, 1, torch.device("cpu"))
    assert type(gan.generator).__name__ == "ModulatedDecoder"
    logs = gan.step(torch.rand(4, 3, 1, 32, 32))
    assert all(torch.isfinite(v) for v in logs.values())


@pytest.mark.parametrize("norm", ["spectral", "none"])
def test_the_pooled_discriminator_trains_in_the_set_gan(norm):
    over = ["train.batch_size=4", "model.set_disc_input=pooled", f"model.set_disc_norm={norm}"]
    gan = build_objective(load_config("setgan_quick", [*for_objective("setgan", TINY), *over]), 1, torch.device("cpu"))
    assert gan.discriminator.read == "pooled" and gan.discriminator.compare is not None
    before = gan.discriminator.compare.state_dict()["bias"].clone()
    logs = gan.step(torch.rand(4, 3, 1, 32, 32))
    assert all(torch.isfinite(v) for v in logs.values())
    assert not torch.equal(gan.discriminator.compare.state_dict()["bias"], before)  # the comparison learns


@pytest.mark.parametrize("generator", ["dcgan", "modulated"])
def test_the_resize_generator_upsamples_without_transposed_convs(generator):
    over = [*NOT_LAYERED, "train.batch_size=4", "model.upsample=resize", f"model.generator={generator}"]
    cfg = load_config("setgan_quick", [*for_objective("setgan", TINY), *over])
    gan = build_objective(cfg, 1, torch.device("cpu"))
    kinds = {type(m).__name__ for m in gan.generator.modules()}
    assert "Upsample" in kinds  # and one transposed conv: the stem from the latent to 4x4
    assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in gan.generator.modules()) == 1
    logs = gan.step(torch.rand(4, 3, 1, 32, 32))
    assert all(torch.isfinite(v) for v in logs.values())
    z_c, z_m = uniform_latents(2, 3, cfg.model.z_content, cfg.model.z_motion)
    assert generate(gan.generator, z_c, z_m).shape == (2, 3, 1, 32, 32)


def test_the_averaged_generator_is_the_one_a_run_keeps():
    cfg = load_config("setgan_quick", [*for_objective("setgan", TINY), "train.batch_size=4", "objective.ema=0.9"])
    gan = build_objective(cfg, 1, torch.device("cpu"))
    assert set(gan.modules) == {"generator", "generator_trained", "set_discriminator", "frame_discriminator"}
    start = [p.clone() for p in gan.generator.parameters()]
    gan.step(torch.rand(4, 3, 1, 32, 32))
    for before, trained, averaged in zip(start, gan.generator.parameters(), gan.modules["generator"].parameters()):
        assert torch.allclose(averaged, 0.9 * before + 0.1 * trained, atol=1e-6)
    assert not any(p.requires_grad for p in gan.modules["generator"].parameters())


def test_an_averaged_run_resumes_exactly(tmp_path):
    from contentpose.train.loop import train
    from contentpose.trained import load_generator

    over = [*for_objective("setgan", TINY), "objective.ema=0.5", "train.checkpoint_every=3", "train.log_every=1"]
    train(load_config("setgan_quick", [*over, "train.steps=6"]), tmp_path / "straight", quiet=True)
    train(load_config("setgan_quick", [*over, "train.steps=3"]), tmp_path / "resumed", quiet=True)
    train(load_config("setgan_quick", [*over, "train.steps=6"]), tmp_path / "resumed", resume=True, quiet=True)
    a, b = (load_generator(tmp_path / r, "cpu").generator.state_dict() for r in ("straight", "resumed"))
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-6) for k in a)


def test_set_gan_options_are_checked_before_training():
    from contentpose.errors import UserError

    base = [*for_objective("setgan", TINY)]
    for bad, says in (
        ("objective.ema=1", "decay"),
        ("objective.mixed_sets=-1", "0 or more"),
        ("objective.r1=-1", "objective.r1 must be 0 or more"),
        ("objective.frame_disc=-1", "objective.frame_disc"),
    ):
        with pytest.raises(UserError, match=says):
            load_config("setgan_quick", [*base, *bad.split()])
    with pytest.raises(UserError, match="train.batch_size at least set_size"):
        load_config("setgan_quick", [*base, "objective.mixed_sets=1", "train.batch_size=2"])
    with pytest.raises(UserError, match="set_size 2 or more"):
        load_config("setgan_quick", [*base, "objective.mixed_sets=1", "objective.set_size=1"])


@pytest.mark.parametrize(
    "centre, motion", [("mask", "affine"), ("difference", "shift"), ("difference_when_sampling", "affine")]
)
def test_the_layered_generator_trains_in_the_set_gan(centre, motion):
    over = [*for_objective("setgan", TINY), "train.batch_size=4", "model.generator=layered"]
    cfg = load_config("setgan_quick", [*over, f"model.layer_centre={centre}", f"model.layer_motion={motion}"])
    gan = build_objective(cfg, 1, torch.device("cpu"))
    assert type(gan.generator).__name__ == "LayeredGenerator" and gan.generator.centre == centre
    assert gan.generator.shear == (0 if motion == "shift" else SHEAR)
    before = gan.generator.move[-1].weight.detach().clone()
    logs = gan.step(torch.rand(4, 3, 1, 32, 32))
    assert all(torch.isfinite(v) for v in logs.values())
    assert not torch.equal(gan.generator.move[-1].weight, before)  # the motion learns from D's verdict


def test_the_mask_penalty_adds_the_layer_masks_mean_to_the_generator_loss():
    over = [*for_objective("setgan", TINY), "train.batch_size=4", "model.generator=layered"]
    with pytest.raises(UserError, match="model.generator=layered"):
        load_config("setgan_quick", [*for_objective("setgan", TINY), *NOT_LAYERED, "objective.mask_l1=1"])
    for option in ("model.layer_centre=difference", "model.layer_motion=shift"):
        with pytest.raises(UserError, match="model.generator=layered"):
            load_config("setgan_quick", [*for_objective("setgan", TINY), *NOT_LAYERED, option])
    cfg = load_config("setgan_quick", [*over, "objective.mask_l1=2"])
    assert "layer mask L1 (2)" in cfg.objective.losses()
    gan = build_objective(cfg, 1, torch.device("cpu"))
    torch.manual_seed(0)
    z_c, z_m = uniform_latents(2, 3, cfg.model.z_content, cfg.model.z_motion)
    frames, mask = generate_with_mask(gan.generator, z_c, z_m)
    assert torch.equal(frames, generate(gan.generator, z_c, z_m)) and mask.shape == (2, 3, 1, 32, 32)
    logs = gan.step(torch.rand(4, 3, 1, 32, 32))
    assert 0 < float(logs["mask_mean"]) < 1 and torch.isfinite(logs["g_loss"])
