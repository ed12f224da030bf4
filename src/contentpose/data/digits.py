"""Digit images for Moving Digits: scikit-learn's bundled digits or MNIST idx files.

Both sources give a fixed train/test split of digit *images* (so held-out clips show
digits never seen in training), as float tensors in [0, 1] of shape (N, s, s).
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from contentpose.errors import UserError

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def load_digits(split: str, size: int, mnist_path: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Digit images (N, size, size) in [0, 1] and their labels (N,) for one split."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if mnist_path is None:
        images, labels = _sklearn_digits(split)
    else:
        images, labels = _mnist_digits(Path(mnist_path), split)
    images = torch.from_numpy(images).float()[:, None]
    images = F.interpolate(images, size=(size, size), mode="bicubic", align_corners=False)
    return images[:, 0].clamp_(0, 1), torch.from_numpy(labels).long()


def _sklearn_digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 8x8 digits, padded by one pixel, split 80/20 by a fixed permutation."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    images = np.pad(bunch.images / 16.0, ((0, 0), (1, 1), (1, 1)))
    order = np.random.default_rng(0).permutation(len(images))
    cut = int(0.8 * len(images))
    keep = order[:cut] if split == "train" else order[cut:]
    return images[keep], bunch.target[keep]


def _mnist_digits(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    if not folder.is_dir():
        raise UserError(f"MNIST folder not found: {folder}")
    image_name, label_name = MNIST_FILES[split]
    images = read_idx(_find(folder, image_name))
    labels = read_idx(_find(folder, label_name))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise UserError(f"MNIST files in {folder} do not hold matching images (N, H, W) and labels (N,)")
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
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise UserError(f"IDX file {path} is truncated: header says {shape}, found {body.size} values")
    return body.reshape(shape)
