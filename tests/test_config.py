import pytest

from contentpose.config import Config, load_config, presets, save_config
from contentpose.errors import UserError


def test_presets_load_with_published_defaults():
    assert {"quick", "paper"} <= set(presets())
    paper = load_config("paper")
    assert (paper.train.batch_size, paper.model.width, paper.data.frame_size) == (100, 64, 64)
    assert (paper.model.content_dim, paper.model.pose_dim) == (128, 5)
    assert (paper.objective.alpha, paper.objective.beta, paper.train.lr) == (1.0, 0.1, 0.002)
    assert (paper.train.beta1, paper.train.beta2) == (0.5, 0.999)


def test_overrides_are_typed():
    cfg = load_config("quick", ["train.steps=7", "objective.beta=0", "data.colour=true", "data.mnist_path=/x"])
    assert cfg.train.steps == 7 and cfg.objective.beta == 0.0 and isinstance(cfg.objective.beta, float)
    assert cfg.data.colour is True and cfg.data.mnist_path == "/x"


@pytest.mark.parametrize("override, message", [
    (["train.lrr=1"], "unknown config key 'train.lrr'"),
    (["optim.lr=1"], "unknown config section 'optim'"),
    (["train.steps=many"], "must be int"),
    (["train.steps"], "section.key=value"),
])
def test_bad_overrides_name_the_problem(override, message):
    with pytest.raises(UserError, match=message):
        load_config("quick", override)


def test_missing_preset_and_file(tmp_path):
    with pytest.raises(UserError, match="no preset"):
        load_config("nosuch")
    with pytest.raises(UserError, match="not found"):
        load_config(tmp_path / "missing.yaml")


def test_saved_config_round_trips(tmp_path):
    cfg = load_config("quick", ["model.width=8"])
    save_config(cfg, tmp_path / "c.yaml")
    assert load_config(tmp_path / "c.yaml") == cfg
    assert isinstance(cfg, Config)
