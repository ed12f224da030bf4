"""Where and how training computes: devices, precision, layout, compilation."""

import pytest
import torch
from conftest import TINY, for_objective

from contentpose.config import TrainConfig, load_config
from contentpose.errors import UserError
from contentpose.objectives import build_objective
from contentpose.runtime import Runtime, launched_rank, start_runtime

SMALL = [*TINY, "model.z_content=8", "model.z_motion=2", "train.batch_size=4"]


def test_auto_settings_keep_the_cpu_in_fp32():
    rt = start_runtime(TrainConfig(device="cpu"))
    assert (rt.bf16, rt.channels_last, rt.compile, rt.world_size) == (False, True, False, 1)
    assert start_runtime(TrainConfig(device="cpu", precision="bf16", channels_last=True)).bf16


def test_bf16_on_a_cpu_without_bf16_instructions_says_it_is_emulated(tmp_path, monkeypatch, capsys):
    import contentpose.runtime as runtime

    info = tmp_path / "cpuinfo"
    info.write_text("flags\t\t: fpu sse2 avx2 avx512f\n")
    assert runtime.cpu_computes_bf16(info) is False
    info.write_text("flags\t\t: fpu avx512f avx512_bf16\n")
    assert runtime.cpu_computes_bf16(info) is True
    assert runtime.cpu_computes_bf16(tmp_path / "absent") is None  # not Linux: no note
    for answer, noted in ((False, True), (True, False), (None, False)):
        monkeypatch.setattr(runtime, "cpu_computes_bf16", lambda answer=answer: answer)
        assert start_runtime(TrainConfig(device="cpu", precision="bf16")).bf16
        start_runtime(TrainConfig(device="cpu", precision="fp32"))
        assert ("runs emulated" in capsys.readouterr().err) == noted


def test_a_stray_rank_without_torchrun_is_rank_0(monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert launched_rank() == 0 and start_runtime(TrainConfig(device="cpu")).rank == 0
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert launched_rank() == 1


def test_bad_settings_fail_in_one_line(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(UserError, match="MASTER_ADDR is not set"):
        start_runtime(TrainConfig(device="cpu"))
    monkeypatch.setenv("MASTER_ADDR", "localhost")
    with pytest.raises(UserError, match="names one GPU"):
        start_runtime(TrainConfig(device="cuda:1"))
    with pytest.raises(UserError, match="divide evenly"):
        start_runtime(TrainConfig(device="cpu", batch_size=5))


def test_bf16_autocast_keeps_the_decoders_sigmoid_in_fp32():
    """A bf16 sigmoid rounds logits above ~6.3 to 1, where BCE's gradient vanishes."""
    from contentpose.models.blocks import Sigmoid32

    logits = torch.tensor([2.0, 6.5, 8.0], requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = Sigmoid32()(logits.bfloat16())
    assert out.dtype == torch.float32 and (out < 1).all()
    torch.nn.functional.binary_cross_entropy(out, torch.zeros(3)).backward()
    assert (logits.grad > 0.1).all()


@pytest.mark.parametrize("objective", ["drnet", "mipae", "setgan"])
def test_bf16_channels_last_steps_compute_in_bf16_and_keep_fp32_weights(objective):
    cfg = load_config("quick", for_objective(objective, SMALL))
    rt = Runtime(torch.device("cpu"), bf16=True, channels_last=True)
    obj = build_objective(cfg, 1, rt)
    convs = [m for module in obj.modules.values() for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0].weight.is_contiguous(memory_format=torch.channels_last)
    seen = []
    hook = convs[0].register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    before = [p.clone() for p in convs[0].parameters()]
    frames = torch.rand(4, 3 if objective == "setgan" else 2, 1, 32, 32)
    batch = (frames,) if objective == "setgan" else (frames[:, 0], frames[:, 1])
    losses = obj.step(*batch)
    hook.remove()
    assert seen and set(seen) == {torch.bfloat16}
    assert all(torch.isfinite(v) and v.dtype == torch.float32 for v in losses.values())
    assert all(p.dtype == torch.float32 for module in obj.modules.values() for p in module.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, convs[0].parameters()))


@pytest.mark.slow
def test_compiled_training_matches_eager(tmp_path):
    """train.compile=true: the same losses as eager mode, to float tolerance (about 30 s of compiling)."""
    from contentpose.train.loop import build_training

    results = []
    for compile_ in (False, True):
        cfg = load_config("quick", for_objective("drnet", SMALL) + [f"train.compile={str(compile_).lower()}"])
        rt = start_runtime(cfg.train)
        objective, sampler = build_training(cfg, rt, quiet=True)
        results.append([objective.step(*sampler())["rec"] for _ in range(3)])
    assert torch.allclose(torch.stack(results[0]), torch.stack(results[1]), rtol=1e-3)
