"""Shared test settings and run folders, built once per test session.

Session-scoped run folders are shared: a test that changes one (evaluate writes eval.json,
resume extends the checkpoint) works on a copy (`shutil.copytree(run, tmp_path / "run")`).
"""

import functools
import hashlib
import os
import shutil
from pathlib import Path

import pytest
import torch
from filelock import FileLock

from contentpose.config import load_config

# The tiny config every test builds on (32x32 frames, narrow networks: seconds on a CPU). Tests
# add what they need after it (later overrides win): load_config("quick", [*TINY, "train.steps=6"]).
TINY = (
    "data.frame_size=32",
    "data.test_clips=32",
    "model.width=8",
    "model.content_dim=16",
    "train.batch_size=8",
    "train.steps=4",
    "train.log_every=2",
    "train.checkpoint_every=2",
    "train.device=cpu",
)
TINY_VGAN = (  # vgan_quick (textured backgrounds) shrunk to seconds: 4-frame clips, width 4
    "data.frame_size=32",
    "data.test_clips=8",
    "model.width=4",
    "model.vgan_z=8",
    "model.vgan_frames=4",
    "train.batch_size=4",
    "train.steps=2",
    "train.log_every=1",
    "train.checkpoint_every=2",
    "train.device=cpu",
    "train.threads=1",
)


def for_objective(objective: str, overrides) -> list[str]:
    """`objective=NAME` and those of `overrides` that its family reads (model and objective keys of
    other families dropped): one list of small sizes for tests that try every objective."""
    from contentpose.config import sections_of
    from contentpose.families import family_of

    sections = sections_of(family_of(objective))
    keep = []
    for item in overrides:
        section, _, key = item.partition("=")[0].partition(".")
        if section not in ("model", "objective") or key in sections[section].__dataclass_fields__:
            keep.append(item)
    return [f"objective={objective}", *keep]


def shared_folder(tmp_path_factory, name: str) -> Path:
    """A folder that every pytest-xdist process of this test run sees (one process: its own)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # pytest-N/, above each process's popen-gwK/
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def coloured_videos(folder: Path, frames: int = 30) -> Path:
    """Three 40 px MP4s in `folder`, each a white square moving right over its own background colour."""
    from PIL import Image

    from contentpose.viz.video import write_video

    folder.mkdir(parents=True, exist_ok=True)
    for v, colour in enumerate(((200, 40, 40), (40, 200, 40), (40, 40, 200))):
        images = [Image.new("RGB", (40, 40), colour) for _ in range(frames)]
        for i, im in enumerate(images):
            im.paste((255, 255, 255), (i, 12, i + 8, 20))
        write_video(images, folder / f"v{v}.mp4")
    return folder


def untrained_run(path: Path, preset: str, overrides=()) -> Path:
    """A run folder of `preset` holding freshly initialised inference networks, as `train` would
    write them at step 0 (seeded): for tests of loading, pictures and evaluation without training."""
    import torch

    from contentpose.config import save_config
    from contentpose.data import data_channels
    from contentpose.objectives import objective_class
    from contentpose.runtime.checkpoint import save_checkpoint
    from contentpose.trained import CHECKPOINT, CONFIG

    cfg = load_config(preset, list(overrides))
    path.mkdir()
    save_config(cfg, path / CONFIG)
    torch.manual_seed(0)
    networks = objective_class(cfg.objective.name).networks(cfg, data_channels(cfg.data))
    meta = {"objective": cfg.objective.name, "step": 0, "config": cfg.to_dict()}
    save_checkpoint(path / CHECKPOINT, networks, {}, rng={}, meta=meta)
    return path


@pytest.fixture(scope="session", autouse=True)
def digits_loaded_once():
    """Every Moving Digits dataset loads its digit images: parses the packaged MNIST CSV (5,000 rows)
    and resizes the split's images, about 0.1 s, some 150 times a session. Load each (split, size,
    source) once per session; each dataset gets its own copy. load_digits and read_mnist5k
    themselves are tested in tests/data/test_moving_digits.py, which calls them directly."""
    from contentpose.data import digits, moving_digits

    load, loaded = moving_digits.load_digits, {}

    def load_once(split, size, source="mnist5k", mnist_path=None):
        if mnist_path is not None:  # MNIST idx files in a folder a test may change
            return load(split, size, source, mnist_path)
        key = (split, size, source, digits.MNIST5K)  # a test may point MNIST5K elsewhere
        if key not in loaded:
            loaded[key] = load(split, size, source)
        images, labels = loaded[key]
        return images.clone(), labels.clone()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moving_digits, "load_digits", load_once)
        yield


@pytest.fixture
def tiny_config():
    """`quick` with TINY."""
    return load_config("quick", TINY)


class OnesSampler:
    """The smallest sampler `fit` accepts: the same batch (4, 3) of ones every step, no state."""

    def __call__(self):
        return (torch.ones(4, 3),)

    def state(self):
        return torch.zeros(1)

    def load_state(self, state):
        pass


@pytest.fixture
def ones_sampler():
    return OnesSampler()


@pytest.fixture(scope="session", autouse=True)
def short_judges():
    """For the whole test run the content classifier is half as wide (width 16) and trains 400 steps,
    not `evaluate`'s 1000; the object judge likewise (width 16, 50 steps), the keypoint regressor 100
    steps: plenty for what the tests
    check (the tests that read the judges train their own), at a fraction of the cost (the full
    classifier takes 24 s of one thread on TINY's data). Session-wide, so that session fixtures (the
    shared classifier, the evaluated runs) are built with them too. Yields the full settings."""
    from contentpose.eval.judges import content_classifier as cc
    from contentpose.eval.judges import keypoint_regressor as kr
    from contentpose.eval.judges import object_judge as oj

    full = {(cc, "STEPS"): cc.STEPS, (cc, "ContentClassifier"): cc.ContentClassifier}
    full |= {(oj, "STEPS"): oj.STEPS, (oj, "ObjectJudge"): oj.ObjectJudge, (kr, "STEPS"): kr.STEPS}
    patch = pytest.MonkeyPatch()
    patch.setattr(kr, "STEPS", 100)
    patch.setattr(cc, "STEPS", 400)
    patch.setattr(cc, "ContentClassifier", functools.partial(cc.ContentClassifier, width=16))
    patch.setattr(oj, "STEPS", 50)
    patch.setattr(oj, "ObjectJudge", functools.partial(oj.ObjectJudge, width=16))
    yield full
    patch.undo()


@pytest.fixture(autouse=True)
def full_judges_in_slow_tests(request, short_judges, monkeypatch):
    """Slow tests keep evaluate's own networks."""
    if request.node.get_closest_marker("slow") is not None:
        for (module, name), value in short_judges.items():
            monkeypatch.setattr(module, name, value)


@pytest.fixture(scope="session")
def content_classifier_file(tmp_path_factory):
    """content_classifier_file(data_cfg) -> the content classifier for that data config, trained
    once per test run, shared by its processes (`STEPS` steps, as `evaluate` trains it). Copied into a run folder as
    RUN/content_classifier.safetensors, `evaluate` reuses it instead of training its own."""
    from contentpose.data import build_dataset
    from contentpose.eval.judges import content_classifier as cc

    made = {}

    def file_for(data_cfg) -> Path:
        key = (repr(data_cfg), cc.STEPS)  # a test may shorten the classifier (cc.STEPS)
        if key not in made:
            folder = shared_folder(tmp_path_factory, f"classifier-{hashlib.sha1(repr(key).encode()).hexdigest()[:12]}")
            with FileLock(folder / "lock"):  # the first process trains it, the others load its file
                cc.content_classifier(folder, build_dataset(data_cfg, "train"), quiet=True)
            made[key] = folder / cc.CLASSIFIER
        return made[key]

    return file_for


@pytest.fixture(scope="session")
def tiny_classifier(content_classifier_file):
    """The content classifier `evaluate` trains for TINY's data (seed 0), trained once per test session."""
    from contentpose.data import build_dataset
    from contentpose.eval.judges.content_classifier import content_classifier

    data = load_config("quick", TINY).data
    return content_classifier(content_classifier_file(data).parent, build_dataset(data, "train"))


@pytest.fixture(scope="session")
def tiny_judge():
    """An object judge for TINY's data (one digit, 32 px), 200 steps of width 16, once per process."""
    from contentpose.data import build_dataset
    from contentpose.eval.judges.object_judge import ObjectJudge, train_object_judge

    data = build_dataset(load_config("quick", TINY).data, "train")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("contentpose.eval.judges.object_judge.ObjectJudge", functools.partial(ObjectJudge, width=16))
        return train_object_judge(data, steps=200, quiet=True)


@pytest.fixture(scope="session")
def with_classifier(content_classifier_file):
    """with_classifier(run) -> run, holding the session's content classifier for its data."""
    from contentpose.eval.judges.content_classifier import CLASSIFIER
    from contentpose.trained import read_run_config

    def copy_into(run: Path) -> Path:
        shutil.copyfile(content_classifier_file(read_run_config(run).data), run / CLASSIFIER)
        return run

    return copy_into


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A run folder of `contentpose train quick` with TINY (4 steps, logged and checkpointed every 2)."""
    from contentpose.cli import main

    run = tmp_path_factory.mktemp("tiny") / "run"
    assert main(["train", "quick", *TINY, "--out", str(run), "--quiet"]) == 0
    return run


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """A run folder with a small autoencoder trained long enough (150 steps: a few seconds) for its
    pose encoder to follow the digits, shared by the predictor tests: 150 predictor steps on it err
    0.39-0.46 times as much as copying the last pose for train.seed 0, 1, 2 (the test asks < 0.7)."""
    from contentpose.train.loop import train

    folder = shared_folder(tmp_path_factory, "trained")  # trained once per test run, by the first process
    run = folder / "run"
    cfg = load_config(
        "quick",
        [
            *TINY,
            "train.batch_size=16",
            "train.steps=150",
            "train.log_every=50",
            "train.checkpoint_every=150",
            "predictor.hidden=32",
            "predictor.context=4",
            "predictor.future=4",
            "predictor.batch_size=16",
            "predictor.lr=0.003",
            "predictor.steps=150",
            "predictor.log_every=50",
        ],
    )
    with FileLock(folder / "lock"):
        if not (folder / "done").exists():
            train(cfg, run, quiet=True)
            (folder / "done").touch()
    return run


@pytest.fixture(scope="session")
def predictor_run(trained_run, tmp_path_factory, with_classifier):
    """A copy of `trained_run` with a trained pose predictor (and the session's content classifier)."""
    from contentpose.train.loop import train_predictor

    folder = shared_folder(tmp_path_factory, "predictor")  # trained once per test run, by the first process
    with FileLock(folder / "lock"):
        if not (folder / "done").exists():
            shutil.rmtree(folder / "run", ignore_errors=True)
            shutil.copytree(trained_run, folder / "run")
            with_classifier(train_predictor(folder / "run", quiet=True))
            (folder / "done").touch()
    run = tmp_path_factory.mktemp("pred") / "run"  # each process its own copy: tests write into it
    shutil.copytree(folder / "run", run)
    return run


@pytest.fixture(scope="session")
def evaluated_predictor_run(predictor_run, tmp_path_factory) -> tuple[Path, str]:
    """(run, what `evaluate` printed): a copy of `predictor_run`, in a folder whose name needs
    escaping, after `contentpose evaluate` with short prediction settings (4 -> 4 and 3 -> 12
    frames, rollouts checked at 2, 10 and 30 steps). Read by the CLI's and the report's tests."""
    import contextlib
    import io

    from contentpose.cli import main

    folder = shared_folder(tmp_path_factory, "evaluated")  # evaluated once per test run, by the first process
    with FileLock(folder / "lock"):
        if not (folder / "printed.txt").exists():
            shutil.rmtree(folder / "run", ignore_errors=True)
            shutil.copytree(predictor_run, folder / "run")
            printed = io.StringIO()
            with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
                patch.setattr("contentpose.eval.protocols.autoencoder.PREDICTION_SETTINGS", ((4, 4), (3, 12)))
                patch.setattr("contentpose.eval.protocols.autoencoder.ROLLOUT_STEPS", (2, 10, 30))
                assert main(["evaluate", str(folder / "run")]) == 0
            (folder / "printed.txt").write_text(printed.getvalue())
    run = tmp_path_factory.mktemp("evaluated") / "<b>run & 'co'"  # each process its own copy
    shutil.copytree(folder / "run", run)
    return run, (folder / "printed.txt").read_text()


@pytest.fixture(scope="session")
def setgan_run(tmp_path_factory):
    """A Set GAN run folder (30 steps of TINY, logged every 10), not evaluated."""
    from contentpose.cli import main

    run = tmp_path_factory.mktemp("setgan") / "run"
    assert (
        main(
            [
                "train",
                "setgan_quick",
                *for_objective("setgan", TINY),
                "train.steps=30",
                "train.log_every=10",
                "train.checkpoint_every=10",
                "--out",
                str(run),
                "--quiet",
            ]
        )
        == 0
    )
    return run


@pytest.fixture(scope="session")
def evaluated_setgan_run(setgan_run, tmp_path_factory, with_classifier) -> tuple[Path, str]:
    """(run, what `evaluate` printed): a copy of `setgan_run`, holding the session's content
    classifier, after `contentpose evaluate` (the identity analysis). Read by the CLI's and the
    report's tests."""
    import contextlib
    import io

    from contentpose.cli import main

    run = with_classifier(shutil.copytree(setgan_run, tmp_path_factory.mktemp("evaluated_setgan") / "run"))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["evaluate", str(run)]) == 0
    return run, printed.getvalue()


@pytest.fixture(scope="session")
def ddp_launch(tmp_path_factory) -> Path:
    """The folder of the test run's one torchrun launch (2 CPU processes): every 2-process job of
    tests/runtime/ (`launch_jobs` in tests/runtime/test_distributed.py), started once."""
    from test_distributed import launch_jobs, torchrun  # tests/runtime/, imported by the tests that ask

    folder = shared_folder(tmp_path_factory, "ddp")
    with FileLock(folder / "lock"):  # `make test`'s processes: the first to ask launches, the others wait
        if not (folder / "launched").exists():
            torchrun(launch_jobs(folder), folder)
            (folder / "launched").touch()
    return folder


@pytest.fixture
def fails_cleanly(capsys):
    """check(args, message): the CLI exits 2 with one line on stderr that names the problem."""
    from contentpose.cli import main

    def check(args: list[str], message: str) -> None:
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err, err

    return check


LPC_SPRITES = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "lpc-sprites"


@pytest.fixture(scope="session")
def lpc_root():
    """The shared folder of LPC sprite sheets (`../shared/data/lpc-sprites` from the repository root)."""
    if not (LPC_SPRITES / "body" / "0.png").is_file():
        pytest.skip(f"the LPC sprite sheets are not at {LPC_SPRITES.resolve()} (a checkout of YingzhenLi/Sprites)")
    return LPC_SPRITES.resolve()


@pytest.fixture(scope="session")
def lpc_sprites(lpc_root, tmp_path_factory):
    """Sprites at 32 px, train, val and test splits, built once per session (about 10 s) into a temporary
    cache: the cache of run folders made in its parent, `lpc_sprites["train"].cache_dir.parent`.
    The cache also holds a Sprites judge trained for 2 steps (its accuracy measured on 99 test
    sequences), so `evaluate` on runs there does not train the real one (about 2 minutes)."""
    import numpy as np

    from contentpose.data import build_dataset
    from contentpose.eval.judges.sprites_judge import judge_accuracy, save_judge, train_judge
    from contentpose.trained import VIDEO_CACHE

    cfg = load_config("quick", [f"data=lpc_sprites:{lpc_root}", "data.frame_size=32"]).data
    cache = tmp_path_factory.mktemp("lpc") / VIDEO_CACHE
    data = {split: build_dataset(cfg, split, cache_dir=cache, quiet=True) for split in ("train", "val", "test")}
    judge = train_judge(data["train"], steps=2, batch_size=4, quiet=True)
    save_judge(
        judge, data["train"], judge_accuracy(judge, data["test"], np.arange(0, 1332, 27)), 0.0, steps=2, batch_size=4
    )
    return data


@pytest.fixture(scope="session")
def tiny_gan_run(tmp_path_factory):
    """A Set GAN run folder trained for 2 steps (a generator run for tests of other commands)."""
    from contentpose.cli import main

    run = tmp_path_factory.mktemp("tiny_gan") / "run"
    assert (
        main(
            [
                "train",
                "setgan_quick",
                "data.frame_size=32",
                "data.test_clips=8",
                "model.width=8",
                "train.batch_size=4",
                "train.steps=2",
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
