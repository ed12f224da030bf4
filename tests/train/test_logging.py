"""Training figures reach TensorBoard (scalars and preview grids); without TensorBoard training
still works and says so in one line."""

import sys

from conftest import TINY, for_objective

from contentpose.config import load_config
from contentpose.train.loop import train


def _events(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(folder), size_guidance={"images": 0, "scalars": 0})
    acc.Reload()
    return acc


def test_scalars_and_preview_images_reach_tensorboard(tmp_path):
    run = train(load_config("quick", TINY), tmp_path / "run", quiet=True)
    acc = _events(run / "tensorboard" / "train")
    tags = acc.Tags()
    assert {"loss", "rec", "adv", "lr", "samples_per_s"} <= set(tags["scalars"])
    assert [e.step for e in acc.Scalars("rec")] == [2, 4]
    assert tags["images"] == ["preview"]
    image = acc.Images("preview")[-1]
    assert image.step == 4 and image.width == 8 * 32 + 7 * 2 and image.height == 4 * 32 + 3 * 2  # 4 rows x 8 clips


def test_set_gan_previews_real_and_generated_sets(tmp_path):
    cfg = load_config("setgan_quick", for_objective("setgan", TINY))
    run = train(cfg, tmp_path / "gan", quiet=True)
    acc = _events(run / "tensorboard" / "train")
    assert {"d_loss", "g_loss"} <= set(acc.Tags()["scalars"])
    image = acc.Images("preview")[-1]
    assert image.width == 3 * 32 + 2 * 2 and image.height == 8 * 32 + 7 * 2  # 8 sets of 3


def test_training_without_tensorboard(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import now fails
    run = train(load_config("quick", TINY), tmp_path / "run", quiet=False)
    err = capsys.readouterr().err
    assert "TensorBoard is not installed" in err and len([l for l in err.splitlines() if "TensorBoard" in l]) == 1
    assert (run / "metrics.jsonl").read_text().count("\n") == 2 and not (run / "tensorboard" / "train").exists()


def test_resumed_log_replaces_what_tensorboard_had_after_the_checkpoint(tmp_path):
    from contentpose.train.logging import TrainingLog

    first = TrainingLog(tmp_path / "m.jsonl", tmp_path / "tb")
    for step in (2, 4, 6):  # step 6 was logged, but the checkpoint is at 4
        first.scalars({"step": step, "rec": 1.0})
    first.close()
    resumed = TrainingLog(tmp_path / "m.jsonl", tmp_path / "tb", start=4)
    resumed.scalars({"step": 6, "rec": 0.5})
    resumed.close()
    assert [(e.step, e.value) for e in _events(tmp_path / "tb").Scalars("rec")] == [(2, 1.0), (4, 1.0), (6, 0.5)]


def test_a_redirected_training_log_is_not_redrawn_at_every_logged_step(tmp_path, capsys):
    """With stderr in a file the bar writes at its start and end (and every 30 s), even though the
    training log takes a row every 2 steps here."""
    train(load_config("quick", [*TINY, "train.steps=12"]), tmp_path / "run", quiet=False)
    err = capsys.readouterr().err
    assert "train run" in err and err.count("\r") <= 3
