import types
import typing

import pytest

from contentpose.config import NON_NEGATIVE, POSITIVE, Config, load_config, presets, save_config, sections_of
from contentpose.errors import UserError
from contentpose.families import FAMILIES

PRESET = {}  # a preset of each family, to try its keys on
for _name in presets():
    PRESET.setdefault(load_config(_name).family.name, _name)
SHARED = ("data", "train", "predictor")  # sections alike in every family that has them: tried on `quick`


def _fields():
    """(preset, section, key, type) of every key of every family's config sections, shared ones once."""
    out = []
    for family in FAMILIES.values():
        for section, cls in sections_of(family).items():
            if section in SHARED and family.name != "autoencoder":
                continue
            out += [(PRESET[family.name], section, k, t) for k, t in typing.get_type_hints(cls).items()]
    return out


FIELDS = _fields()


def _preset_with(key: str) -> str:
    section, name = key.split(".")
    return next(p for p, s, k, _ in FIELDS if (s, k) == (section, name))


def test_presets_load_with_published_defaults():
    assert {"quick", "paper"} <= set(presets())
    paper = load_config("paper")
    assert (paper.train.batch_size, paper.model.width, paper.data.frame_size) == (100, 64, 64)
    assert (paper.model.content_dim, paper.model.pose_dim) == (128, 5)
    assert (paper.objective.alpha, paper.objective.beta, paper.train.lr) == (1.0, 0.1, 0.002)
    assert (paper.train.beta1, paper.train.beta2) == (0.5, 0.999)
    assert (paper.model.architecture, paper.data.layout, paper.data.colour) == ("dcgan_unet", "drnet", True)
    one, mipae = load_config("paper_1digit"), load_config("mipae_paper")
    assert one.data.num_digits == 1 and one.model == paper.model and one.objective == paper.objective
    assert mipae.objective.name == "mipae" and mipae.objective.beta == 1e-4 and mipae.data == paper.data


def test_overrides_are_typed():
    cfg = load_config(
        "quick", ["train.steps=7", "objective.beta=0", "data.colour=true", "data.digits=idx", "data.mnist_path=/x"]
    )
    assert cfg.train.steps == 7 and cfg.objective.beta == 0.0 and isinstance(cfg.objective.beta, float)
    assert cfg.data.colour is True and cfg.data.mnist_path == "/x" and cfg.data.digits == "idx"


@pytest.mark.parametrize(
    "override, message",
    [
        (["train.lrr=1"], "unknown config key 'train.lrr'"),
        (["optim.lr=1"], "unknown config section 'optim'"),
        (["train.steps=many"], "must be int"),
        (["objective.beta=small"], "must be float"),
        (["train.steps"], "section.key=value"),
    ],
)
def test_bad_overrides_name_the_problem(override, message):
    with pytest.raises(UserError, match=message):
        load_config("quick", override)


def test_floats_in_exponent_form_read_as_floats(tmp_path):
    """YAML takes 1e-4 (no '.') for a string; a float key reads it as the number, from the command line or a file."""
    assert load_config("quick", ["objective.beta=1e-4"]).objective.beta == 1e-4
    (tmp_path / "c.yaml").write_text("objective:\n  alpha: 2E-3\n")
    assert load_config(tmp_path / "c.yaml").objective.alpha == 2e-3


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


def _literal_fields():
    """(preset, section, key, choices) of every Literal field of every family's config (inside `X | None` too)."""
    out = []
    for preset, section, key, kind in FIELDS:
        kinds = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
        out += [(preset, section, key, typing.get_args(k)) for k in kinds if typing.get_origin(k) is typing.Literal]
    return out


LITERALS = _literal_fields()


def test_every_choice_field_is_found():
    keys = {f"{s}.{k}" for _, s, k, _ in LITERALS}
    assert {
        "data.name",
        "data.frame_size",
        "objective.name",
        "objective.rec_loss",
        "objective.sim_loss",
        "train.precision",
        "model.set_disc_norm",
    } <= keys


@pytest.mark.parametrize("preset, section, key, choices", LITERALS, ids=[f"{s}.{k}" for p, s, k, _ in LITERALS])
def test_every_choice_field_refuses_an_unknown_value_and_lists_the_valid_ones(preset, section, key, choices):
    for bad in ("no_such_choice", 7, True):
        with pytest.raises(UserError) as err:
            load_config(preset, [f"{section}.{key}={bad}"])
        line = str(err.value)
        assert "\n" not in line and f"'{section}.{key}'" in line, line
        assert all(str(c) in line for c in choices), line
    for good in choices:  # every listed choice is taken as it is (where the other keys allow it)
        try:
            assert getattr(getattr(load_config(preset, [f"{section}.{key}={good}"]), section), key) == good
        except UserError as err:
            assert f"'{section}.{key}'" not in str(err), err


@pytest.mark.parametrize("key", [f"{s}.{k}" for s, keys in POSITIVE.items() for k in keys])
def test_numbers_that_must_be_positive_refuse_zero_and_below(key):
    for bad in (0, -1):
        with pytest.raises(UserError, match=f"'{key}' must be greater than 0; got {bad}"):
            load_config(_preset_with(key), [f"{key}={bad}"])


@pytest.mark.parametrize("key", [f"{s}.{k}" for s, keys in NON_NEGATIVE.items() for k in keys])
def test_non_negative_numbers_take_zero_and_refuse_below(key):
    section, name = key.split(".")
    assert getattr(getattr(load_config(_preset_with(key), [f"{key}=0"]), section), name) == 0
    with pytest.raises(UserError, match=f"'{key}' must be 0 or more"):
        load_config(_preset_with(key), [f"{key}=-1"])


@pytest.mark.parametrize(
    "text, message",
    [
        ("[1, 2]", "must be a mapping of sections"),
        ("words", "not a str"),
        ("", "is empty"),
        ("\n# nothing\n", "is empty"),
    ],
)
def test_config_files_that_hold_no_mapping(tmp_path, text, message):
    (tmp_path / "c.yaml").write_text(text)
    with pytest.raises(UserError, match=message):
        load_config(tmp_path / "c.yaml", ["train.steps=3"])


@pytest.mark.parametrize(
    "preset, overrides, beta",
    [
        ("quick", [], 0.1),
        ("paper", [], 0.1),  # DrNet's published 0.1
        ("quick", ["objective=mipae"], 1e-4),  # MIPAE alone gets its own published 1e-4
        ("quick", ["objective.name=mipae"], 1e-4),
        ("mipae_quick", [], 1e-4),
        ("quick", ["objective=mipae", "objective.beta=0.5"], 0.5),  # an explicit beta wins
        ("mipae_quick", ["objective=drnet", "objective.beta=null"], 0.1),
    ],
)
def test_beta_defaults_to_the_objectives_published_weight(preset, overrides, beta, tmp_path):
    cfg = load_config(preset, overrides)
    assert cfg.objective.beta == pytest.approx(beta)
    save_config(cfg, tmp_path / "config.yaml")  # written resolved into the run's config
    assert load_config(tmp_path / "config.yaml", ["objective.name=drnet"]).objective.beta == pytest.approx(beta)


def test_mipae_quick_is_quick_with_mipae():
    quick, mipae = load_config("quick").to_dict(), load_config("mipae_quick").to_dict()
    assert mipae["objective"].pop("name") == "mipae" and quick["objective"].pop("name") == "drnet"
    assert mipae["objective"].pop("beta") == pytest.approx(1e-4) and quick["objective"].pop("beta") == 0.1
    assert mipae == quick


def test_paper_preset_has_batchnorm_in_every_encoder_block():
    assert load_config("paper").model.first_block_norm and not load_config("quick").model.first_block_norm
    assert load_config("setgan_paper").model.set_disc_norm == "batch"


def test_runs_made_before_data_digits_keep_their_digits(tmp_path):
    """An older run's config.yaml has no data.digits: it was trained on sklearn's digits (or idx files)."""
    import yaml

    from contentpose.trained import read_run_config

    raw = load_config("quick").to_dict()
    del raw["data"]["digits"]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw))
    assert read_run_config(tmp_path).data.digits == "sklearn"
    raw["data"]["mnist_path"] = "/mnist"
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw))
    cfg = read_run_config(tmp_path).data
    assert (cfg.digits, cfg.mnist_path) == ("idx", "/mnist")


def test_runs_naming_a_removed_setting_still_load(predictor_run, tmp_path, capsys):
    """A run written while an option existed that this version removed (here `model.move_pixels`) loads,
    its checkpoint and pose predictor too, with one line naming the ignored setting; a key the user
    types is still refused."""
    import json
    import shutil

    import yaml
    from safetensors import safe_open
    from safetensors.torch import save_file

    from contentpose.trained import load_predictor, load_run

    def add_removed_key(checkpoint):
        with safe_open(checkpoint, "pt") as f:
            tensors, meta = {k: f.get_tensor(k) for k in f.keys()}, json.loads(f.metadata()["contentpose"])  # noqa: SIM118
        meta["config"]["model"]["move_pixels"] = False
        save_file(tensors, checkpoint, metadata={"contentpose": json.dumps(meta)})

    run = tmp_path / "run"
    shutil.copytree(predictor_run, run)
    raw = yaml.safe_load((run / "config.yaml").read_text())
    raw["model"]["move_pixels"] = False
    (run / "config.yaml").write_text(yaml.safe_dump(raw))
    add_removed_key(run / "checkpoint.safetensors")
    add_removed_key(run / "predictor.safetensors")

    loaded = load_run(run, "cpu")
    assert loaded.config.model == load_run(predictor_run, "cpu").config.model
    assert load_predictor(loaded) is not None
    assert "ignored: model.move_pixels" in capsys.readouterr().err
    from contentpose.train.loop import resume_config  # what train --resume and train-predictor read

    assert resume_config(run, ["predictor.steps=7"], None).predictor.steps == 7
    with pytest.raises(UserError, match="unknown config key 'model.move_pixels'"):
        load_config("quick", ["model.move_pixels=false"])


@pytest.mark.parametrize(
    "preset, overrides, message",
    [
        ("dsvae_sprites", ["model.pose_input=silhouette"], "unknown config key 'model.pose_input' for the dsvae"),
        (
            "setgan_quick",
            ["model.content_encoder=palette"],
            "unknown config key 'model.content_encoder' for the set_gan",
        ),
        ("vgan_quick", ["model.palette_frequencies=4"], "unknown config key 'model.palette_frequencies' for the vgan"),
        ("setgan_quick", ["objective.alpha=1"], "unknown config key 'objective.alpha' for the set_gan"),
        (
            "quick",
            ["objective=setgan", "model.content_dim=8"],
            "unknown config key 'model.content_dim' for the set_gan",
        ),
        ("quick", ["model.pose_input=silhouette", "data.background=texture"], "needs data.background=none"),
        ("quick", ["model.palette_frequencies=4"], "palette_frequencies is for model.content_encoder=palette"),
        ("lpc_sprites", ["model.content_pool=true"], "the palette encoder pools already"),
        ("lpc_sprites", ["model.keypoint_coords=true"], "are for keypoint pose, not model.architecture=dcgan"),
        ("lpc_sprites", ["objective.centring=1"], "objective.centring pulls keypoints"),
        ("quick", ["objective.centring=1", "data.background=texture"], "objective.centring pulls keypoints"),
        ("photo_digits", ["data.background=none", "objective.centring=1"], "objective.centring pulls keypoints"),
        ("photo_digits", ["model.pose_dim=20"], "a multiple of 6"),
        ("photo_digits", ["model.keypoint_separation=0.1"], "read in one softmax"),
        ("photo_digits", ["model.first_block_norm=true"], "builds its own encoders"),
        ("photo_digits", ["model.content_pool=true"], "builds its own encoders"),
        ("paper", ["objective.equivariance=1"], "not dcgan"),
        ("standard", ["objective.equivariance=1"], "not glimpses_unet"),
        ("quick", ["objective.equivariance=-1"], "'objective.equivariance' must be 0 or more"),
    ],
)
def test_options_that_would_be_ignored_are_refused(preset, overrides, message):
    with pytest.raises(UserError, match=message):
        load_config(preset, overrides)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_key_of_another_family_is_refused_as_unknown(family):
    """Each family x every model or objective key of any family: a key the family does not read is
    refused as unknown (naming the family), one it reads is taken, with no rule written per key."""
    own = {(s, k) for s, cls in sections_of(FAMILIES[family]).items() for k in typing.get_type_hints(cls)}
    for other in FAMILIES.values():
        for section in ("model", "objective"):
            for key, value in vars(getattr(other, section)()).items():
                if key == "name" or value is None:
                    continue
                override = f"{section}.{key}={str(value).lower() if isinstance(value, bool) else value}"
                if (section, key) in own:  # taken, or refused by a rule between keys, never as unknown
                    try:
                        load_config(PRESET[family], [override])
                    except UserError as err:
                        assert "unknown config key" not in str(err), err
                else:
                    with pytest.raises(
                        UserError, match=f"unknown config key '{section}.{key}' for the {family} family"
                    ):
                        load_config(PRESET[family], [override])


def test_autoencoder_options_load_for_autoencoders():
    cfg = load_config("quick", ["model.pose_input=silhouette", "objective.name=mipae"])
    assert cfg.model.pose_input == "silhouette" and cfg.objective.name == "mipae"


@pytest.mark.parametrize(
    "old, architecture",
    [
        ({"pose_head": "vector", "content_skips": False}, "dcgan"),
        ({"pose_head": "vector", "content_skips": True}, "dcgan_unet"),
        ({"pose_head": "keypoints", "content_skips": False}, "keypoints"),
        ({"pose_head": "keypoints", "content_skips": True}, "keypoint_warp"),
        ({"pose_head": "keypoints", "content_skips": False, "keypoint_glimpses": True}, "glimpses"),
        ({"pose_head": "keypoints", "content_skips": True, "keypoint_glimpses": True}, "glimpses_unet"),
    ],
)
def test_a_saved_config_of_the_three_switches_reads_as_one_architecture(old, architecture):
    """Runs written before `model.architecture` (content_skips, pose_head, keypoint_glimpses) load as the
    architecture those switches described."""
    from contentpose.config import config_from_dict, drop_unknown_keys

    raw = {"model": {"pose_dim": 4, "content_dim": 128, **old}, "objective": {"name": "drnet"}}
    assert drop_unknown_keys(raw) == []
    assert config_from_dict(raw).model.architecture == architecture
