"""Moving MNIST's standard file, `mnist_test_seq.npy`: uint8 of shape (20, 10000, 64, 64), time
first (Srivastava et al., 2015). `data=moving_mnist:PATH`; memory-mapped, never copied whole.

Its clips are split by clip into train and held-out (`data.test_fraction`, fixed by `data.test_seed`; the
held-out clips cut in two, val and test),
so it serves as an evaluation set, or as training data, with the same interface as videos.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from contentpose.config import DataConfig
from contentpose.data.frame_store import FrameStore
from contentpose.data.splits import held_out_part
from contentpose.errors import UserError


class MovingMnistFile(FrameStore):
    def __init__(self, cfg: DataConfig, split: str = "train", device: torch.device | str = "cpu"):
        if cfg.path is None:
            raise UserError(
                "data.name=moving_mnist needs data.path (or write data=moving_mnist:PATH/mnist_test_seq.npy)"
            )
        path = Path(cfg.path).expanduser()
        if not path.is_file():
            raise UserError(f"Moving MNIST file not found: {path}")
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as err:
            raise UserError(f"{path} is not a readable .npy file ({err})") from None
        if array.ndim != 4 or array.dtype != np.uint8 or array.shape[2:] != (64, 64):
            raise UserError(f"{path} holds {array.dtype} of shape {array.shape}; expected uint8 (T, N, 64, 64)")
        if cfg.frame_size != 64 or cfg.colour:
            raise UserError("Moving MNIST is 64x64 grayscale: set data.frame_size=64 and data.colour=false")
        self.cfg, self.device, self.channels = cfg, torch.device(device), 1
        self.array = array  # (T, N, H, W)
        T, N = array.shape[:2]
        order = np.random.default_rng(cfg.test_seed).permutation(N)
        n_test = min(N - 1, max(2, round(cfg.test_fraction * N)))
        self.clip_ids = np.sort(order[n_test:] if split == "train" else held_out_part(order[:n_test], split, "clips"))
        self.lengths = np.full(len(self.clip_ids), T)
        self.starts = np.zeros(len(self.clip_ids), dtype=np.int64)  # unused: frames are read by (t, clip)

    def _gather(self, clip: np.ndarray, times: np.ndarray) -> torch.Tensor:
        """Frames at `times` (n, F) of clips `clip` (n,) -> float (n, F, 1, 64, 64)."""
        ids = np.broadcast_to(self.clip_ids[clip][:, None], times.shape)
        frames = torch.from_numpy(np.ascontiguousarray(self.array[times.ravel(), ids.ravel()]))
        return (frames.to(self.device).float() / 255).view(*times.shape, 1, 64, 64)
