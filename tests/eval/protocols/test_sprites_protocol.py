"""The Sprites judge and protocol on the shared LPC sheets (32 px): a tiny judge trained for real on a
subset, the protocol's known answers, and `contentpose evaluate` end to end on a tiny DrNet run."""

import json
import math
from functools import partial

import numpy as np
import pytest
import torch

from contentpose.data.lpc_sprites import FRAMES, MOTIONS
from contentpose.eval.judges.sprites_judge import judge_accuracy, sprites_judge, train_judge
from contentpose.eval.protocols.sprites import (
    judge_scores,
    mean_character,
    motion_scores,
    sprite_pairs,
    sprites_baselines,
    sprites_transfer,
    swap_truth,
)

# protocol pairs in these tests (`evaluate` scores 1000: SSIM over 8 frames of each takes most of it); the
# checks below held with margin on 50 pairs drawn with seeds 0, 1 and 2 (content-blind reads all 4
# attributes of at most 2% of them; the baselines' PSNR 16-21 dB, SSIM at most 0.88)
PAIRS = 50
EVALUATE_PAIRS = 20  # in `evaluate` end to end, which checks what it writes, not the scores' values


@pytest.fixture(scope="module")
def tiny_judge(lpc_sprites):
    """The cached judge's network trained briefly on 200 training characters."""
    return train_judge(lpc_sprites["train"], steps=80, batch_size=16, sequences=np.arange(1800), quiet=True)


@pytest.fixture(scope="module")
def baselines(tiny_judge, lpc_sprites):
    """The protocol's baselines on PAIRS pairs, read by the tiny judge."""
    return sprites_baselines(tiny_judge, lpc_sprites["train"], lpc_sprites["test"], PAIRS)


def test_tiny_judge_beats_chance_by_far(tiny_judge, lpc_sprites):
    acc = judge_accuracy(tiny_judge, lpc_sprites["test"], sequences=np.arange(0, 1332, 8))
    assert min(acc[k] for k in ("body", "bottomwear", "topwear", "hair")) > 0.4, acc  # chance 1/6
    assert acc["motion"] > 0.6 and acc["frame_pose"] > 0.3, acc  # chance 1/9, 1/63


def test_pairs_differ_in_every_attribute_and_motion(lpc_sprites):
    test = lpc_sprites["test"]
    a, b = sprite_pairs(test, 1000)
    assert len(a) == 1000 and (test.attributes[a] != test.attributes[b]).all()
    assert (test.motions[a] != test.motions[b]).all() and len(set(a.tolist())) > 600
    again = sprite_pairs(test, 1000)
    assert (again[0] == a).all() and (again[1] == b).all()


def test_motion_scores_known_values():
    uniform = motion_scores(torch.full((90, 9), 1 / 9))
    assert uniform["IS"] == pytest.approx(1) and uniform["H_y_given_x"] == pytest.approx(math.log(9), abs=1e-4)
    confident = motion_scores(torch.eye(9).repeat(10, 1))
    assert confident["IS"] == pytest.approx(9, abs=1e-3) and confident["H_y_given_x"] == pytest.approx(0, abs=1e-4)
    assert confident["H_y"] == pytest.approx(math.log(9), abs=1e-4)
    one_class = motion_scores(torch.eye(9)[[2] * 50])
    assert one_class["IS"] == pytest.approx(1, abs=1e-3) and one_class["H_y"] == pytest.approx(0, abs=1e-4)


def test_mean_character_is_the_mean_over_training_characters(lpc_sprites):
    train = lpc_sprites["train"]
    mean = mean_character(train)
    assert mean.shape == (MOTIONS, FRAMES, 3, 32, 32)
    rows = np.flatnonzero(train.motions == 4)
    assert len(rows) == 1000
    direct = train.frames_at(rows, np.full((len(rows), 1), 6))[:, 0].mean(0)
    assert torch.allclose(mean[4, 6], direct, atol=1e-5)


def test_motion_is_split_into_action_and_facing():
    """Motion m is action m // 3 and facing m % 3: a judge that always sees the right action but the
    wrong facing scores action 1, facing 0, motion 0; one that swaps actions keeps the facing."""
    motions = np.arange(9).repeat(4)
    p_attr, attrs = torch.zeros(36, 4, 6), np.zeros((36, 4), dtype=np.int64)
    wrong_facing = torch.eye(9)[motions // 3 * 3 + (motions + 1) % 3]
    scores = judge_scores(p_attr, wrong_facing, attrs, motions)
    assert (scores["motion"], scores["action"], scores["facing"]) == (0, 1, 0)
    wrong_action = torch.eye(9)[(motions + 3) % 9]
    scores = judge_scores(p_attr, wrong_action, attrs, motions)
    assert (scores["motion"], scores["action"], scores["facing"]) == (0, 0, 1)


def test_copies_have_the_known_answers(tiny_judge, baselines, lpc_sprites):
    """transfer = copy A scores exactly as the copy-A baseline; its attribute accuracy is the judge's
    own on the real A sequences, and its motion accuracy at most the judge's error on them (A's motion
    is never B's). Copy B the reverse; the content-blind baseline reads no attribute far above chance."""
    test, pairs, base = lpc_sprites["test"], PAIRS, baselines
    copy_a = sprites_transfer(lambda a, b: a, tiny_judge, test, pairs)
    numbers = lambda s: {k: v for k, v in s.items() if not k.endswith("_ci")}  # noqa: E731
    assert numbers(copy_a) == pytest.approx(numbers(base["copy_content"]), abs=1e-3)  # another batching
    assert copy_a["all_attributes_ci"] == base["copy_content"]["all_attributes_ci"]
    a, b = sprite_pairs(test, pairs)
    on_a, on_b = judge_accuracy(tiny_judge, test, a), judge_accuracy(tiny_judge, test, b)
    for key in ("body", "bottomwear", "topwear", "hair", "all_attributes"):
        assert copy_a[key] == pytest.approx(on_a[key], abs=1e-4)
        assert base["copy_motion"][key] <= 1 - on_b[key] + 1e-4
    assert copy_a["motion"] <= 1 - on_a["motion"] + 1e-4
    assert base["copy_motion"]["motion"] == pytest.approx(on_b["motion"], abs=1e-4)
    assert base["content_blind"]["all_attributes"] < 0.1
    assert base["real"]["sequences"] == 1332 and base["real"]["H_y"] > 1.5  # every motion, 148 times each
    swapped = sprites_transfer(lambda a, b: b, tiny_judge, test, pairs)
    assert numbers(swapped) == pytest.approx(numbers(base["copy_motion"]), abs=1e-3)
    lo, hi = base["copy_motion"]["motion_ci"]
    assert lo <= base["copy_motion"]["motion"] <= hi
    # cut-and-paste shows A's character (A's first frame, moved): its attributes read as A's does
    pasted = base["cut_and_paste"]
    assert pasted["all_attributes"] >= base["content_blind"]["all_attributes"] and 0 <= pasted["motion"] <= 1
    for copy in ("copy_motion", "copy_content"):  # a copy gets A's attributes or B's motion, never both
        assert base[copy]["both"] <= min(base[copy]["all_attributes"], base[copy]["motion"])


def test_redrawing_is_judged_against_a_itself(tiny_judge, lpc_sprites):
    """With `redraw`, the transfer gets (A, A) and is judged on A's attributes and A's motion: an
    exact redraw scores the judge's own accuracy on A and the PSNR cap; drawing the mirrored
    sequence keeps its attributes for the judge but loses the left/right facing."""
    test, pairs = lpc_sprites["test"], PAIRS
    a, _ = sprite_pairs(test, pairs)
    seen = []
    exact = sprites_transfer(lambda c, m: seen.append(torch.equal(c, m)) or m, tiny_judge, test, pairs, redraw=True)
    assert all(seen) and exact["psnr"] == pytest.approx(100)
    on_a = judge_accuracy(tiny_judge, test, a)
    for key in ("body", "bottomwear", "topwear", "hair", "all_attributes", "motion"):
        assert exact[key] == pytest.approx(on_a[key], abs=1e-4)
    mirrored = sprites_transfer(lambda c, m: m.flip(-1), tiny_judge, test, pairs, redraw=True)
    assert mirrored["psnr"] < 40 and mirrored["motion"] < exact["motion"]


def test_swap_is_scored_against_a_in_b_motion(tiny_judge, baselines, lpc_sprites):
    """The true answer of (A, B) is A's character in B's motion; a transfer that returns it scores the
    PSNR cap and SSIM 1, and the copies and the content-blind baseline score far below it."""
    test, pairs = lpc_sprites["test"], PAIRS
    a, b = sprite_pairs(test, pairs)
    truth = swap_truth(test, a, b)
    assert (test.characters[truth] == test.characters[a]).all() and (test.motions[truth] == test.motions[b]).all()
    lookup = {(int(i), int(j)): int(t) for i, j, t in zip(a, b, truth)}
    row = {bytes(test.labelled(np.array([i])).frames.numpy()): i for i in set(a.tolist()) | set(b.tolist())}

    def oracle(content, motion):  # finds each pair's true answer in the data
        keys = [(row[bytes(c[None].numpy())], row[bytes(m[None].numpy())]) for c, m in zip(content, motion)]
        return test.labelled(np.array([lookup[k] for k in keys])).frames

    best = sprites_transfer(oracle, tiny_judge, test, pairs)
    assert best["psnr"] == pytest.approx(100) and best["ssim"] == pytest.approx(1, abs=1e-4)
    base = baselines
    for key in ("copy_motion", "copy_content", "content_blind"):
        assert 5 < base[key]["psnr"] < 40 and base[key]["ssim"] < 0.99, (key, base[key])
    assert "psnr" not in base["real"]
    copy_b = sprites_transfer(lambda c, m: m, tiny_judge, test, pairs)
    assert copy_b["psnr"] == pytest.approx(base["copy_motion"]["psnr"], abs=1e-3)


def test_judge_is_cached_beside_the_data(lpc_sprites, monkeypatch):
    """The judge saved in the data cache (by the fixture) is loaded, not retrained (training is made
    to fail here), and a judge of another recipe would be retrained."""
    from contentpose.eval.judges import sprites_judge as module

    train, test = lpc_sprites["train"], lpc_sprites["test"]
    path = module.judge_path(train)
    assert path.parent == train.cache_dir and train.cache_key in path.name
    monkeypatch.setattr(module, "train_judge", lambda *a, **k: pytest.fail("retrained"))
    judge, meta = sprites_judge(train, test, quiet=True)
    assert meta["recipe"] == module.RECIPE and meta["data_key"] == train.cache_key
    x = test.labelled(np.arange(3)).frames
    assert torch.equal(judge(x)[1], sprites_judge(train, test, quiet=True)[0](x)[1])
    monkeypatch.setattr(module, "RECIPE", module.RECIPE + 1)
    with pytest.raises(pytest.fail.Exception, match="retrained"):
        sprites_judge(train, test, quiet=True)


def test_evaluate_end_to_end_on_a_tiny_lpc_sprites_run(lpc_root, lpc_sprites, capsys, monkeypatch):
    """A 3-step run of the lpc_sprites preset, narrowed: `evaluate` writes the Sprites scores (on
    EVALUATE_PAIRS pairs: the protocol with fewer pairs) and the factor metrics on the Sprites labels
    into eval.json, and prints both tables."""
    from contentpose.config import load_config
    from contentpose.eval.evaluate import evaluate_runs
    from contentpose.eval.protocols import autoencoder as evaluate
    from contentpose.eval.protocols.sprites import SpritesProtocol
    from contentpose.train.loop import train

    monkeypatch.setattr(evaluate, "SpritesProtocol", partial(SpritesProtocol, pairs=EVALUATE_PAIRS))

    train_data = lpc_sprites["train"]
    cfg = load_config(
        "lpc_sprites",
        [
            f"data.path={lpc_root}",
            "model.width=8",
            "model.content_dim=16",
            "train.batch_size=8",
            "train.steps=3",
            "train.log_every=1",
            "train.checkpoint_every=3",
            "train.device=cpu",
        ],
    )
    run = train(cfg, train_data.cache_dir.parent / "drnet", quiet=True)  # shares the fixture's data cache
    evaluate_runs([run], device="cpu")
    assert cfg.objective.content_flip and cfg.data.frame_size == 32
    full = json.loads((run / "eval.json").read_text())
    entry = full["sprites"]
    baselines = ("cut_and_paste", "copy_motion", "copy_content", "content_blind")
    for row in (entry["model"], *(entry["baselines"][k] for k in baselines)):
        assert set(row) == {
            "body",
            "bottomwear",
            "topwear",
            "hair",
            "all_attributes",
            "all_attributes_ci",
            "motion",
            "motion_ci",
            "both",
            "both_ci",
            "action",
            "facing",
            "IS",
            "H_y_given_x",
            "H_y",
            "psnr",
            "ssim",
        }
        assert 0 <= row["all_attributes"] <= 1 and 1 - 1e-6 <= row["IS"] <= 9 and row["H_y"] <= math.log(9) + 1e-4
    assert entry["baselines"]["pairs"] == EVALUATE_PAIRS and "motion" in entry["judge"]["accuracy"]
    factors = full["disentanglement"]["group"]["per_factor"]
    assert set(full["disentanglement"]["probes"]) == {
        "body",
        "bottomwear",
        "topwear",
        "hair",
        "action",
        "facing",
        "frame",
    }
    assert {factors[k]["group"] for k in ("action", "facing", "frame")} == {"pose"}
    assert -1 <= full["disentanglement"]["group"]["score"] <= 1
    assert set(entry["redraw"]) == set(entry["model"])
    printed = capsys.readouterr().out
    assert "content-blind (mean character)" in printed and "pose factors action, facing, frame" in printed
    assert "redrawing A (A's content, A's poses)" in printed
    assert entry["split"] == "val" and "on 20 val pairs (A, B)" in printed  # evaluate's default split, named


@pytest.mark.slow
@pytest.mark.parametrize("size", [32, 64])
def test_judge_reaches_99_percent_on_real_test_sequences(lpc_root, tmp_path, size):
    """The judge as `evaluate` trains it (about 2 minutes on a CPU), on every head."""
    from contentpose.config import load_config
    from contentpose.data import build_dataset

    cfg = load_config("quick", [f"data=lpc_sprites:{lpc_root}", f"data.frame_size={size}"]).data
    train, test = (build_dataset(cfg, split, cache_dir=tmp_path, quiet=True) for split in ("train", "test"))
    _, meta = sprites_judge(train, test, quiet=True)
    acc = meta["accuracy"]
    assert acc["sequences"] == 1332
    assert min(acc[k] for k in ("body", "bottomwear", "topwear", "hair", "all_attributes", "motion")) >= 0.99, acc


def _oracle(test, content_from_z_c: bool = True):
    """A 'generator' that draws real test frames: the character from z_C and the motion frame from z_M
    (or the reverse), so the agreements it should get are known."""

    def draw(z_c, z_m):  # (n, Zc), (n, size, Zm) -> (n, size, 3, 32, 32)
        n, size = z_m.shape[:2]
        who = ((z_c[:, :1].expand(-1, size) + 1) / 2 * 148).long().clamp(max=147)
        what = ((z_m[..., 0] + 1) / 2 * 72).long().clamp(max=71)
        if not content_from_z_c:
            who = ((z_m[..., 1] + 1) / 2 * 148).long().clamp(max=147)
            what = ((z_c[:, :1].expand(-1, size) + 1) / 2 * 72).long().clamp(max=71)
        rows = (who * MOTIONS + what // FRAMES).numpy().ravel()
        return test.frames_at(rows, (what % FRAMES).numpy().reshape(-1, 1)).view(n, size, 3, 32, 32)

    return draw


def test_generator_agreement_known_answers(tiny_judge, lpc_sprites):
    from contentpose.eval.protocols.sprites import generator_agreement
    from contentpose.objectives.setgan import uniform_latents

    test = lpc_sprites["test"]
    sample = lambda n, size, g: uniform_latents(n, size, 4, 4, g)  # noqa: E731
    good = generator_agreement(_oracle(test), sample, tiny_judge, test, sets=64)
    swapped = generator_agreement(_oracle(test, content_from_z_c=False), sample, tiny_judge, test, sets=64)
    a, p = good["attributes_one_z_content"], good["pose_one_z_motion"]
    assert (
        a["real"] == swapped["attributes_one_z_content"]["real"] and p["real"] == swapped["pose_one_z_motion"]["real"]
    )
    assert a["generated"]["hair"] > a["independent"]["hair"] + 0.3  # one character per set
    assert p["generated"] > p["independent"] + 0.2  # one motion frame per set
    swapped_a = swapped["attributes_one_z_content"]["generated"]
    assert (
        swapped_a["hair"] < a["generated"]["hair"] - 0.3
        and swapped["pose_one_z_motion"]["generated"] < p["generated"] - 0.2
    )


def test_evaluate_end_to_end_on_a_tiny_set_gan_run(lpc_root, lpc_sprites, capsys):
    from contentpose.config import load_config
    from contentpose.eval.evaluate import evaluate_runs
    from contentpose.train.loop import train

    train_data = lpc_sprites["train"]
    cfg = load_config(
        "setgan_quick",
        [
            f"data=lpc_sprites:{lpc_root}",
            "data.max_offset=7",
            "model.width=8",
            "train.batch_size=8",
            "train.steps=3",
            "train.log_every=1",
            "train.checkpoint_every=3",
            "train.device=cpu",
        ],
    )
    run = train(cfg, train_data.cache_dir.parent / "setgan", quiet=True)
    evaluate_runs([run], device="cpu")
    entry = json.loads((run / "eval.json").read_text())["sprites"]
    assert (
        set(entry["attributes_one_z_content"])
        == set(entry["pose_one_z_motion"])
        == {"generated", "real", "independent"}
    )
    assert 0 <= entry["pose_one_z_motion"]["generated"] <= 1 and entry["set_size"] == 8
    assert "independent samples (floor)" in capsys.readouterr().out
