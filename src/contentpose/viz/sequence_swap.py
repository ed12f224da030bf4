"""Pictures of a trained sequence VAE (DSVAE): swaps of whole sequences and its two generation tests."""

from __future__ import annotations

from pathlib import Path

import torch

from contentpose.trained import TrainedSequenceVAE, load_sequence_vae
from contentpose.viz.grid import save_grid

ROWS = ("A (content)", "B (motion)", "f of A, z of B", "z of B, f ~ p(f)", "f of A, z ~ prior")


@torch.no_grad()
def sequence_swap_grid(run: TrainedSequenceVAE, pairs: int = 4, seed: int = 0) -> torch.Tensor:
    """For `pairs` pairs of random held-out sequences (A, B), the rows of ROWS, each a sequence:
    (len(ROWS) * pairs, T, C, H, W) in [0, 1], T = objective.seq_len."""
    T = run.config.objective.seq_len
    clips = run.dataset("test").test_frames(2 * pairs, list(range(T)), seed).to(run.device)  # (2 pairs, T, C, H, W)
    a, b = clips[:pairs], clips[pairs:]
    g = torch.Generator().manual_seed(seed)
    rows = [a, b, run.transfer(a, b), run.sample_static(b, g), run.sample_dynamic(a, T, g)]
    return torch.stack([r.float().cpu() for r in rows], dim=1).flatten(0, 1)


def save_sequence_swaps(run: str | Path, out: str | Path, device: str = "auto") -> tuple[Path, str]:
    """`sequence_swap_grid` of a DSVAE run folder written to `out`; returns the path and a caption."""
    path = save_grid(sequence_swap_grid(load_sequence_vae(run, device)), out)
    return path, "per pair of held-out sequences, rows: " + "; ".join(ROWS) + "; columns: frames"
