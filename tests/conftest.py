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
