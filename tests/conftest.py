import pytest

from contentpose.config import load_config


@pytest.fixture
def tiny_config():
    """A 32x32, narrow-network config that trains in seconds on a CPU."""
    return load_config("quick", [
        "data.frame_size=32", "data.test_clips=64", "model.width=8", "model.content_dim=16",
        "train.batch_size=8", "train.steps=6", "train.log_every=2", "train.checkpoint_every=3",
        "train.device=cpu",
    ])


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """A run folder with a small autoencoder trained long enough (about 10 s) for its pose
    encoder to follow the digits, shared by the predictor tests."""
    from contentpose.train.loop import train

    cfg = load_config("quick", [
        "data.frame_size=32", "data.test_clips=64", "model.width=8", "model.content_dim=16",
        "train.batch_size=16", "train.steps=250", "train.log_every=50", "train.checkpoint_every=250",
        "train.device=cpu", "predictor.hidden=32", "predictor.context=4", "predictor.future=4",
        "predictor.batch_size=16", "predictor.lr=0.003", "predictor.steps=150", "predictor.log_every=50",
    ])
    return train(cfg, tmp_path_factory.mktemp("trained") / "run", quiet=True)


@pytest.fixture(scope="session")
def predictor_run(trained_run, tmp_path_factory):
    """A copy of `trained_run` with a trained pose predictor."""
    import shutil

    from contentpose.train.loop import train_predictor

    run = tmp_path_factory.mktemp("pred") / "run"
    shutil.copytree(trained_run, run)
    return train_predictor(run, quiet=True)


@pytest.fixture
def fails_cleanly(capsys):
    """check(args, message): the CLI exits 2 with one line on stderr that names the problem."""
    from contentpose.cli import main

    def check(args: list[str], message: str) -> None:
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err, err

    return check
