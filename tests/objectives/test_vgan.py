"""VGAN: the two-stream generator, the 3D discriminator, its losses, and training (checkpoint, resume,
divergence) through the common loop, unconditional and conditional."""

import json

import pytest
import torch
from conftest import TINY_VGAN

from contentpose.config import load_config
from contentpose.errors import UserError
from contentpose.models.layered_generator import mask_centre
from contentpose.models.vgan import (
    FrameEncoder,
    LayeredVideoGenerator,
    VideoDiscriminator,
    VideoGenerator,
    time_strides,
)
from contentpose.objectives import build_objective
from contentpose.objectives.vgan import mask_stats
from contentpose.runtime.checkpoint import load_checkpoint, read_meta
from contentpose.train.loop import train

PAPER = ("objective.loss=bce", "objective.ema=0", "model.vgan_disc_norm=batch")  # vgan_quick without its stabilisers
TINY = [*TINY_VGAN, *PAPER, "train.steps=4", "train.log_every=2"]


def _cfg(*overrides):
    return load_config("vgan_quick", [*TINY, *overrides])


def test_two_streams_compose_a_moving_foreground_over_one_background():
    torch.manual_seed(0)
    g = VideoGenerator(10, 3, frames=8, frame_size=32, width=4).eval()
    parts = g(torch.randn(2, 10))
    assert parts.video.shape == parts.foreground.shape == (2, 8, 3, 32, 32)
    assert parts.mask.shape == (2, 8, 1, 32, 32) and parts.background.shape == (2, 3, 32, 32)
    m, f, b = parts.mask, parts.foreground, parts.background[:, None]
    assert torch.allclose(parts.video, m * f + (1 - m) * b)
    for x in (parts.video, m, b):
        assert 0 <= x.min() and x.max() <= 1
    assert (f[:, 1:] - f[:, :1]).abs().amax() > 0  # the 3D stream varies in time
    one = VideoGenerator(10, 1, frames=8, frame_size=32, width=4, streams=1)(torch.randn(2, 10))
    assert one.mask is None and one.background is None and one.video.shape == (2, 8, 1, 32, 32)


def test_the_layered_generator_moves_one_drawn_layer_over_one_background():
    torch.manual_seed(0)
    g = LayeredVideoGenerator(10, 3, frames=8, frame_size=32, width=4).eval()
    torch.nn.init.normal_(g.move[-1].weight, 0, 1)  # a strong motion
    parts = g(torch.randn(2, 10))
    assert parts.video.shape == parts.foreground.shape == (2, 8, 3, 32, 32)
    assert parts.mask.shape == (2, 8, 1, 32, 32) and parts.background.shape == (2, 3, 32, 32)
    m, f, b = parts.mask, parts.foreground, parts.background[:, None]
    assert torch.allclose(parts.video, m * f + (1 - m) * b)
    assert (m[:, 1:] - m[:, :1]).abs().amax() > 0.1  # the layer moves from frame to frame

    # the layer's centre goes where each frame's motion says, wherever the layer was drawn
    class Drawn(torch.nn.Module):  # background 0, layer 1, mask a 6-px square near a corner
        def forward(self, code, _):
            out = torch.zeros(len(code), 7, 32, 32)
            out[:, 3:6], out[:, 6, 2:8, 3:9] = 1, 1
            return out

    g.draw = Drawn()
    g.move[-1].weight.data.zero_()
    places = torch.zeros(8, 6)
    places[:, 4] = torch.atanh(torch.linspace(-0.5, 0.5, 8))
    g.move[-1].bias.data.copy_(places.flatten())
    parts = g(torch.randn(1, 10))
    x = mask_centre(parts.mask[0])[:, 0]
    assert torch.allclose(x, torch.linspace(-0.5, 0.5, 8), atol=1e-4)


@pytest.mark.parametrize(
    "frames,size,t0,strides",
    [(32, 64, 2, [2, 2, 2, 2]), (16, 32, 2, [2, 2, 2]), (16, 64, 2, [1, 2, 2, 2]), (4, 32, 2, [1, 1, 2])],
)
def test_time_doubles_with_space_from_two_frames(frames, size, t0, strides):
    assert time_strides(frames, size, 4) == (t0, strides)
    d = VideoDiscriminator(1, frames, size, 4)
    assert d(torch.rand(3, frames, 1, size, size)).shape == (3,)
    if size == 64:  # the paper's five layers
        assert sum(isinstance(m, torch.nn.Conv3d) for m in d.modules()) == 5


def test_bad_clip_length_and_weights_initialised_as_the_lua_code():
    with pytest.raises(UserError, match="power of 2"):
        time_strides(12, 32, 4)
    g = VideoGenerator(100, 3, 16, 32, 64)
    weights = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, torch.nn.ConvTranspose3d)])
    assert abs(float(weights.detach().std()) - 0.01) < 0.001
    assert FrameEncoder(3, 32, 4, 8)(torch.rand(2, 3, 32, 32)).shape == (2, 8)


def test_mask_stats_count_pixels_near_zero_and_one():
    m = torch.tensor([0.0, 0.05, 0.5, 0.95, 1.0]).view(1, 5, 1, 1, 1)
    s = mask_stats(m)
    assert torch.isclose(s["mask_mean"], torch.tensor(0.5)) and s["mask_low"] == 0.4 and s["mask_high"] == 0.4


@pytest.mark.parametrize("name", ["vgan", "vgan_cond"])
def test_step_updates_every_network_and_adds_the_penalties(name):
    cfg = _cfg(f"objective={name}", "objective.mask_l1=0.5", "objective.future_l1=3")
    torch.manual_seed(0)
    gan = build_objective(cfg, 3, torch.device("cpu"))
    assert set(gan.modules) == {"generator", "video_discriminator"} | ({"encoder"} if name == "vgan_cond" else set())
    before = {k: [p.clone() for p in m.parameters()] for k, m in gan.modules.items()}
    logs = gan.step(torch.rand(4, 4, 3, 32, 32))
    for key in ("d_loss", "g_loss", "adv_loss", "d_real", "d_fake", "mask_mean", "mask_low", "mask_high"):
        assert torch.isfinite(logs[key]), key
    expected = logs["adv_loss"] + 0.5 * logs["mask_mean"] + (3 * logs["l1"] if name == "vgan_cond" else 0)
    assert torch.isclose(logs["g_loss"], expected, atol=1e-5)
    for key, module in gan.modules.items():
        assert any(not torch.equal(a, b) for a, b in zip(before[key], module.parameters())), key


def test_conditional_generator_reads_the_first_frame():
    gan = build_objective(_cfg("objective=vgan_cond"), 1, torch.device("cpu"))
    gan.generator.eval(), gan.encoder.eval()
    for p in gan.generator.parameters():  # weights of N(0, 0.01) hardly move the output from 0.5
        p.data.mul_(20)
    z = torch.zeros(2, 8)
    first = torch.rand(2, 1, 32, 32)
    with torch.no_grad():
        a = gan.generate(z, first).video
        b = gan.generate(z, first.flip(0)).video
    assert torch.allclose(a, b.flip(0), atol=1e-6) and (a[0] - a[1]).abs().max() > 1e-3


def test_the_layered_generator_trains_unconditional_and_conditional():
    for name in ("vgan", "vgan_cond"):
        gan = build_objective(_cfg(f"objective={name}", "model.vgan_generator=layered"), 1, torch.device("cpu"))
        assert type(gan.generator).__name__ == "LayeredVideoGenerator"
        before = gan.generator.move[-1].weight.detach().clone()
        logs = gan.step(torch.rand(4, 4, 1, 32, 32))
        assert all(torch.isfinite(v) for v in logs.values()) and "mask_mean" in logs
        assert not torch.equal(gan.generator.move[-1].weight, before)
    with pytest.raises(UserError, match="vgan_streams=2"):
        load_config("vgan_quick", ["model.vgan_generator=layered", "model.vgan_streams=1"])


def test_one_stream_logs_no_mask():
    gan = build_objective(_cfg("model.vgan_streams=1"), 1, torch.device("cpu"))
    logs = gan.step(torch.rand(4, 4, 1, 32, 32))
    assert "mask_mean" not in logs and torch.isclose(logs["g_loss"], logs["adv_loss"])
    with pytest.raises(UserError, match="vgan_streams"):
        load_config("vgan_quick", ["model.vgan_streams=3"])


STABLE = ("objective.loss=hinge", "objective.ema=0.5", "model.vgan_disc_norm=spectral")


@pytest.mark.parametrize("name, extra", [("vgan", ()), ("vgan_cond", ()), ("vgan_cond", STABLE)])
def test_train_checkpoint_and_resume_match_an_uninterrupted_run(tmp_path, name, extra):
    cfg = _cfg(f"objective={name}", "data.background=photo", *extra)
    whole = train(cfg, tmp_path / "whole", quiet=True)
    half = train(
        _cfg(f"objective={name}", "data.background=photo", *extra, "train.steps=2"), tmp_path / "half", quiet=True
    )
    train(cfg, half, resume=True, quiet=True)
    assert (
        read_meta(whole / "checkpoint.safetensors")["step"] == read_meta(half / "checkpoint.safetensors")["step"] == 4
    )
    nets = {}
    for run in (whole, half):
        gan = build_objective(cfg, 3, torch.device("cpu"))
        load_checkpoint(run / "checkpoint.safetensors", gan.modules, gan.optimizers)
        nets[run] = gan.modules
    for key in nets[whole]:
        for a, b in zip(nets[whole][key].state_dict().values(), nets[half][key].state_dict().values()):
            assert torch.equal(a, b), key
    rows = [json.loads(line) for line in (half / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4] and {"mask_mean", "mask_low", "mask_high"} <= set(rows[0])


def test_divergence_stops_a_vgan_run(tmp_path):
    cfg = _cfg("train.steps=6")
    cfg.train.lr = 1e30  # past what a config accepts: the loop's own check is what is tested
    with pytest.raises(UserError, match="diverged"):
        train(cfg, tmp_path / "run", quiet=True)


def test_a_bf16_channels_last_runtime_trains_the_3d_networks_in_fp32_on_a_cpu(capsys):
    """On a CPU the 3-D networks' bf16 generator step gave NaN at random (AMD EPYC, torch 2.13), so
    VGAN takes them out of bf16 and channels_last there; several steps stay finite."""
    from contentpose.runtime import Runtime

    gan = build_objective(_cfg("objective=vgan_cond"), 3, Runtime(torch.device("cpu"), bf16=True, channels_last=True))
    assert not gan.rt.bf16 and not gan.rt.channels_last
    assert "trains its 3-D networks in fp32" in capsys.readouterr().err  # said, not silent
    for _ in range(4):
        logs = gan.step(torch.rand(4, 4, 3, 32, 32))
        assert all(torch.isfinite(v) for v in logs.values())
    preview = gan.preview(torch.rand(4, 4, 3, 32, 32))
    assert preview.shape == (8, 4, 3, 32, 32) and preview.dtype == torch.float32


def test_a_spectral_discriminator_has_no_batchnorm_and_every_conv_normalised():
    d = VideoDiscriminator(3, frames=4, frame_size=32, width=4, norm="spectral")
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv3d)]
    assert convs and not any(isinstance(m, torch.nn.BatchNorm3d) for m in d.modules())
    assert all(hasattr(m, "parametrizations") for m in convs)
    assert d(torch.rand(2, 4, 3, 32, 32)).shape == (2,)
    batch = VideoDiscriminator(3, frames=4, frame_size=32, width=4)
    assert any(isinstance(m, torch.nn.BatchNorm3d) for m in batch.modules())


@pytest.mark.parametrize("name", ["vgan", "vgan_cond"])
def test_the_averaged_generator_is_the_one_a_run_keeps_and_samples(name):
    torch.manual_seed(0)
    gan = build_objective(_cfg(f"objective={name}", "objective.ema=0.9"), 3, torch.device("cpu"))
    kept = {"generator", "generator_trained", "video_discriminator"}
    assert set(gan.modules) == kept | ({"encoder", "encoder_trained"} if name == "vgan_cond" else set())
    start = [p.clone() for p in gan.generator.parameters()]
    gan.step(torch.rand(4, 4, 3, 32, 32))
    averaged = gan.modules["generator"]
    assert averaged is not gan.generator and not any(p.requires_grad for p in averaged.parameters())
    for before, trained, avg in zip(start, gan.generator.parameters(), averaged.parameters()):
        assert torch.allclose(avg, 0.9 * before + 0.1 * trained, atol=1e-6)
    z, first = torch.randn(2, 8), torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        sampled = gan.generate(z, first).video
        z_in = torch.cat([gan.modules["encoder"](first), z], 1) if name == "vgan_cond" else z
        assert torch.equal(sampled, averaged(z_in).video)


def test_the_hinge_loss_reaches_both_networks(monkeypatch):
    import contentpose.objectives.vgan as vgan

    seen = []
    for fn in ("discriminator_loss", "generator_loss"):
        original = getattr(vgan, fn)
        monkeypatch.setattr(vgan, fn, lambda *a, _f=original, **k: seen.append(a[-1]) or _f(*a, **k))
    gan = build_objective(_cfg("objective.loss=hinge"), 3, torch.device("cpu"))
    logs = gan.step(torch.rand(4, 4, 3, 32, 32))
    assert seen == ["hinge", "hinge"] and logs["d_loss"] >= 0
    with pytest.raises(UserError, match="decay"):
        _cfg("objective.ema=1")
