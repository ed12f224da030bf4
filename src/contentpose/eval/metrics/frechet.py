"""The Frechet distance of two feature sets (the statistic behind FID and FVD), on any judge's features."""

from __future__ import annotations

import numpy as np
import torch


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2) of features (n, F), (m, F).

    Tr (S_a S_b)^1/2 is taken as Tr (S_a^1/2 S_b S_a^1/2)^1/2 (the same eigenvalues), from two
    symmetric eigendecompositions: exact for the singular covariances of few samples, where a
    general matrix square root warns and goes complex.
    """
    a, b = a.double().cpu().numpy(), b.double().cpu().numpy()
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    w, v = np.linalg.eigh(s_a)
    half_a = (v * np.sqrt(w.clip(min=0))) @ v.T
    trace_root = np.sqrt(np.linalg.eigvalsh(half_a @ s_b @ half_a).clip(min=0)).sum()
    return max(0.0, float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * trace_root))
