import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.errors import UserError
from contentpose.eval.evaluate import evaluate_runs
from contentpose.models.dsvae import DSVAEPass, Gaussian
from contentpose.objectives import build_objective
from contentpose.objectives.dsvae import elbo_terms
from contentpose.runtime import Runtime
from contentpose.train.loop import train
from contentpose.trained import CHECKPOINT, load_run, load_sequence_vae, run_family

T = 4


def tiny(*extra: str):
    """DSVAE on 32 px coloured Moving Sprites, narrow networks, 4-frame sequences."""
    return load_config(
        "quick",
        [
            "objective.name=dsvae",
            "objective.seq_len=4",
            "data.name=moving_sprites",
            "data.colour=true",
            "data.frame_size=32",
            "data.test_clips=16",
            "model.width=8",
            "model.content_dim=8",
            "model.pose_dim=4",
            "model.dsvae_hidden=16",
            "train.batch_size=4",
            "train.steps=4",
            "train.log_every=2",
            "train.checkpoint_every=2",
            "train.device=cpu",
            *extra,
        ],
    )


@pytest.fixture(scope="module")
def dsvae_run(tmp_path_factory):
    return train(
        tiny("train.steps=6", "train.checkpoint_every=3"), tmp_path_factory.mktemp("dsvae") / "run", quiet=True
    )


def test_elbo_sums_pixels_per_sequence_and_adds_both_kls():
    x = torch.rand(2, T, 3, 8, 8)
    zero = lambda *shape: torch.zeros(*shape)  # noqa: E731
    q_f = Gaussian(torch.ones(2, 5), zero(2, 5))  # KL to N(0, I): 0.5 per dimension
    q_z = Gaussian(zero(2, T, 3), torch.full((2, T, 3), 2.0))  # against p_z = N(0, 1): 0.5 (e^2 - 1 - 2) each
    p_z = Gaussian(zero(2, T, 3), zero(2, T, 3))
    out = DSVAEPass(torch.full_like(x, 0.5), q_f, q_z, p_z)
    terms = elbo_terms(out, x, "mse")
    assert torch.isclose(terms["rec"], ((x - 0.5) ** 2).sum() / 2)
    assert torch.isclose(terms["kl_f"], torch.tensor(2.5))
    assert torch.isclose(terms["kl_z"], torch.tensor(T * 3 * 0.5 * (torch.e**2 - 3)))
    assert torch.isclose(terms["loss"], terms["rec"] + terms["kl_f"] + terms["kl_z"])
    bce = elbo_terms(out, x, "bce")["rec"]  # -log 0.5 per pixel, whatever x is
    assert torch.isclose(bce, torch.tensor(T * 3 * 8 * 8 * 0.6931472), rtol=1e-5)


def test_training_steps_lower_the_negative_elbo():
    cfg = tiny("train.lr=0.003")
    torch.manual_seed(0)
    data = build_dataset(cfg.data, "train")
    x = data.sequences(8, T, torch.Generator().manual_seed(0))
    objective = build_objective(cfg, data.channels, torch.device("cpu"))
    losses = [float(objective.step(x)["loss"]) for _ in range(15)]
    assert sum(losses[-3:]) / 3 < 0.9 * sum(losses[:3]) / 3, losses


def test_step_runs_under_bf16_autocast():
    """Also on a CPU without bf16 instructions: its recurrent parts run in fp32 there."""
    cfg = tiny()
    objective = build_objective(cfg, 3, Runtime(torch.device("cpu"), bf16=True))
    logs = objective.step(torch.rand(4, T, 3, 32, 32))
    assert set(logs) == {"loss", "rec", "kl_f", "kl_z"} and all(torch.isfinite(v) for v in logs.values())


def test_resume_continues_exactly(tmp_path):
    cfg = tiny()
    train(cfg, tmp_path / "straight", quiet=True)
    train(replace(cfg, train=replace(cfg.train, steps=2)), tmp_path / "resumed", quiet=True)
    train(cfg, tmp_path / "resumed", resume=True, quiet=True)
    a = load_sequence_vae(tmp_path / "straight", "cpu").model.state_dict()
    b = load_sequence_vae(tmp_path / "resumed", "cpu").model.state_dict()
    for key in a:
        assert torch.allclose(a[key].float(), b[key].float(), atol=1e-6), key
    rows = [json.loads(r) for r in (tmp_path / "resumed" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4] and {"rec", "kl_f", "kl_z"} <= set(rows[0])


def test_loaded_run_transfers_and_samples(dsvae_run):
    assert run_family(dsvae_run).name == "dsvae"
    run = load_sequence_vae(dsvae_run, "cpu")
    assert run.step == 6
    clips = run.dataset("test").test_clips(4, 6).frames  # (4, 6, 3, 32, 32)
    a, b = clips[:2], clips[2:, :3]
    out = run.transfer(a, b)
    assert out.shape == (2, 3, 3, 32, 32) and 0 <= out.min() and out.max() <= 1
    assert not torch.equal(out, run.transfer(a.flip(0), b))  # f comes from the content clip
    assert not torch.equal(out, run.transfer(a, b.flip(0)))  # z from the motion clip
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    static = run.sample_static(b, g())
    assert static.shape == (2, 3, 3, 32, 32) and torch.equal(static, run.sample_static(b, g()))
    dynamic = run.sample_dynamic(a, 5, g())
    assert dynamic.shape == (2, 5, 3, 32, 32) and torch.equal(dynamic, run.sample_dynamic(a, 5, g()))
    with pytest.raises(UserError, match="needs a content/pose autoencoder run"):
        load_run(dsvae_run, "cpu")


def test_evaluate_scores_reconstruction_and_sequence_swaps(dsvae_run, capsys):
    results = evaluate_runs([dsvae_run], "cpu")
    entry = json.loads((dsvae_run / "eval.json").read_text())
    assert entry == results["runs"][str(dsvae_run)] and entry["step"] == 6
    assert set(entry["swap"]) == {"swap", "copy_pose_sequence", "copy_content_sequence"}
    for scores in [entry["reconstruction"], *entry["swap"].values()]:
        assert 0 < scores["psnr"] < 60 and -1 <= scores["ssim"] <= 1
    assert "reconstruction of held-out 4-frame sequences" in capsys.readouterr().out
    with pytest.raises(UserError, match="one family at a time"):
        evaluate_runs(
            [
                dsvae_run,
                train(
                    load_config(
                        "quick",
                        [
                            "data.name=moving_sprites",
                            "data.colour=true",
                            "data.frame_size=32",
                            "data.test_clips=16",
                            "model.width=8",
                            "model.content_dim=8",
                            "train.batch_size=4",
                            "train.steps=1",
                            "train.device=cpu",
                        ],
                    ),
                    dsvae_run.parent / "drnet",
                    quiet=True,
                ),
            ],
            "cpu",
        )
    assert (dsvae_run / CHECKPOINT).exists()


def test_sprites_preset_has_the_papers_latent_sizes():
    cfg = load_config("dsvae_sprites", ["data=lpc_sprites:unused"])
    objective = build_objective(cfg, 3, torch.device("cpu"))
    objective.model.eval()
    with torch.no_grad():
        f, z = objective.model.encode(torch.rand(2, cfg.objective.seq_len, 3, 32, 32))
    assert f.shape == (2, 256) and z.shape == (2, 8, 32) and objective.model.q == "factorised"


@pytest.fixture(scope="module")
def lpc_dsvae_run(lpc_sprites, lpc_root):
    """The preset trained for 2 steps on lpc_sprites through the CLI (tiny widths)."""
    from contentpose.cli import main

    run = lpc_sprites["train"].cache_dir.parent / "dsvae"  # shares the session's data cache
    assert (
        main(
            [
                "train",
                "dsvae_sprites",
                f"data=lpc_sprites:{lpc_root}",
                "model.width=8",
                "model.content_dim=16",
                "model.pose_dim=4",
                "model.dsvae_hidden=16",
                "train.batch_size=4",
                "train.steps=2",
                "train.log_every=1",
                "train.checkpoint_every=2",
                "train.device=cpu",
                "--out",
                str(run),
                "--quiet",
            ]
        )
        == 0
    )
    return run


@pytest.fixture
def tiny_sprites_judge(lpc_sprites):
    """A judge trained for 2 steps, cached beside the data: the protocol's wiring is tested, not the judge."""
    from contentpose.eval.judges.sprites_judge import save_judge, train_judge

    train_data = lpc_sprites["train"]
    save_judge(train_judge(train_data, steps=2, batch_size=4, quiet=True), train_data, {"motion": 0.0}, 0.0)


def test_cli_trains_the_sprites_preset_on_lpc_sprites(lpc_dsvae_run):
    trained = load_sequence_vae(lpc_dsvae_run, "cpu")
    assert trained.step == 2 and trained.config.data.name == "lpc_sprites"
    seqs = trained.dataset("test").labelled(np.arange(4)).frames  # (4, 8, 3, 32, 32)
    assert trained.transfer(seqs[:2], seqs[2:]).shape == (2, 8, 3, 32, 32)
    assert trained.sample_static(seqs[2:], torch.Generator().manual_seed(0)).shape == (2, 8, 3, 32, 32)


def test_sprites_protocol_scores_the_swap_and_both_generation_tests(lpc_dsvae_run, tiny_sprites_judge):
    from contentpose.eval.protocols.sequence_vae import sprites_generation
    from contentpose.eval.protocols.sprites import SpritesProtocol

    run = load_sequence_vae(lpc_dsvae_run, "cpu")
    protocol = SpritesProtocol(run, pairs=20, quiet=True)
    scores = sprites_generation(run, protocol)
    assert set(scores) == {"swap", "fixed_motion", "fixed_content"}
    for entry in scores.values():
        assert entry["baselines"] == scores["swap"]["baselines"] and entry["judge"]["accuracy"] == {"motion": 0.0}
        m = entry["model"]
        assert 0 <= m["all_attributes"] <= 1 and 0 <= m["motion"] <= 1 and m["H_y"] <= 2.1973
    assert "psnr" in scores["swap"]["model"] and "psnr" not in scores["fixed_motion"]["model"]
    again = sprites_generation(run, protocol)
    assert again["fixed_motion"]["model"] == scores["fixed_motion"]["model"]  # seeded draws of f and z


@pytest.mark.slow
def test_cli_evaluates_a_sprites_run_end_to_end(lpc_dsvae_run, tiny_sprites_judge, capsys):
    """`contentpose evaluate` on the lpc_sprites run: the full protocol (1,000 pairs), about a minute."""
    from contentpose.cli import main

    assert main(["evaluate", str(lpc_dsvae_run), "--device", "cpu"]) == 0
    entry = json.loads((lpc_dsvae_run / "eval.json").read_text())
    assert set(entry["sprites"]) == {"swap", "fixed_motion", "fixed_content"} and "reconstruction" in entry
    assert entry["sprites"]["swap"]["baselines"]["pairs"] == 1000
    assert "z of B, f ~ p(f)" in capsys.readouterr().out


def test_swap_grid_and_report_of_a_dsvae_run(dsvae_run):
    from contentpose.viz.html_report import write_report
    from contentpose.viz.sequence_swap import ROWS, sequence_swap_grid

    run = load_sequence_vae(dsvae_run, "cpu")
    grid = sequence_swap_grid(run, pairs=2)
    assert grid.shape == (len(ROWS) * 2, T, 3, 32, 32)
    a, b = grid[0], grid[1]  # the real sequences of the first pair
    assert torch.allclose(grid[2], run.transfer(a[None], b[None])[0])
    page = write_report(dsvae_run, "cpu").read_text()
    assert "Swaps and samples" in page and "f of A, z ~ prior" in page
