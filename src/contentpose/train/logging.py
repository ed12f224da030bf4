"""Where training figures go: RUN/metrics.jsonl (always) and TensorBoard (when installed).

TensorBoard gets every logged scalar (losses, learning rate, throughput) and, at each
checkpoint, the objective's preview grid (reconstructions and swaps, or real and generated
sets). Open it with `tensorboard --logdir RUN/tensorboard`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import torch

from contentpose.files import open_nofollow
from contentpose.viz.grid import grid_image

TENSORBOARD = "tensorboard"


class TrainingLog:
    """Appends rows to a JSON-lines file and mirrors them to TensorBoard under `tb_dir`."""

    def __init__(self, metrics_path: Path, tb_dir: Path | None, quiet: bool = False, start: int = 0):
        """`start`: the step a resumed run continues from; TensorBoard drops what it had logged after it."""
        self.file = os.fdopen(open_nofollow(metrics_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "a")
        self.writer = None
        if tb_dir is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.writer = SummaryWriter(log_dir=str(tb_dir), purge_step=start + 1 if start else None)
            except ImportError:
                if not quiet:
                    print(
                        "contentpose: TensorBoard is not installed; training figures go to "
                        f"{metrics_path.name} only (pip install tensorboard)",
                        file=sys.stderr,
                    )

    def scalars(self, row: dict) -> None:
        """`row` holds 'step' and scalar figures."""
        self.file.write(json.dumps(row) + "\n")
        self.file.flush()
        if self.writer is not None:
            for key, value in row.items():
                if key != "step":
                    self.writer.add_scalar(key, value, row["step"])

    def image(self, tag: str, cells: torch.Tensor, step: int) -> None:
        """A grid of frames (R, K, C, H, W) in [0, 1]."""
        if self.writer is not None:
            image = np.asarray(grid_image(cells, scale=1))  # (H, W, 3) uint8
            self.writer.add_image(tag, image, step, dataformats="HWC")

    def close(self) -> None:
        self.file.close()
        if self.writer is not None:
            self.writer.close()
