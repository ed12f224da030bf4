import resource

import torch
from torchmetrics.functional.image import structural_similarity_index_measure

import contentpose.eval.metrics.image_metrics as metrics


def test_ssim_in_chunks_matches_one_call_per_image(monkeypatch):
    torch.manual_seed(0)
    a, b = torch.rand(7, 1, 32, 32), torch.rand(7, 1, 32, 32)
    whole = structural_similarity_index_measure(a, b, data_range=1.0, reduction="none")
    monkeypatch.setattr(metrics, "SSIM_CHUNK", 3)  # chunks of 3, 3 and 1 images
    assert torch.allclose(metrics.ssim(a, b), whole, atol=1e-6)
    assert torch.allclose(metrics.ssim(a, a), torch.ones(7), atol=1e-5)


def test_ssim_of_many_frames_stays_within_a_bounded_memory():
    """10000 frames of 64 px at once took 14 GB (a 5 -> 100 prediction curve); in chunks, a few hundred MB."""
    frames = torch.rand(1600, 1, 64, 64)  # at once ~2.2 GB; in chunks of 512 well under 1.5 GB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    metrics.ssim(frames, frames.flip(0))
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 1500, grown_mib
