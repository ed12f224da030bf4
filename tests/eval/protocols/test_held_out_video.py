"""Held-out scores on real clips: known answers from outputs that copy one of their inputs."""

import pytest
import torch
from conftest import coloured_videos

from contentpose.config import DataConfig
from contentpose.data.video_folder import VideoFolder
from contentpose.eval.baselines.global_shift import (
    constant_shift_forecast,
    global_shift_warp,
    phase_shift,
    shift_frames,
)
from contentpose.eval.protocols.held_out_video import format_held_out_video, held_out_video_scores, nearest


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Three videos, each with its own background colour, split by time."""
    root = coloured_videos(tmp_path_factory.mktemp("held_out") / "videos", frames=25)
    cfg = DataConfig(name="videos", path=str(root), colour=True, frame_size=32, split="time")
    return VideoFolder(cfg, "train", quiet=True), VideoFolder(cfg, "test", quiet=True)


class Copy(torch.nn.Module):
    """D(Ec(a), Ep(b)) that returns a (keeps content, ignores pose) or b (ignores content)."""

    def __init__(self, which: str):
        super().__init__()
        self.which = which

    def forward(self, a, b):
        return a if self.which == "content" else b


def test_nearest_finds_the_frames_of_the_pool():
    pool = torch.randint(0, 256, (50, 3, 8, 8), dtype=torch.uint8)
    assert nearest(pool[[7, 3, 41]].float() / 255, pool, chunk=16).tolist() == [7, 3, 41]


def test_held_out_pairs_are_later_frames_of_one_clip(videos):
    _, test = videos
    x_t, x_tk, clip = test.held_out_pairs(40, 3, seed=0)
    assert x_t.shape == x_tk.shape == (40, 3, 32, 32) and clip.shape == (40,)
    assert not torch.equal(x_t, x_tk)  # k >= 1: the square has moved


def test_copy_models_get_the_copy_baselines_and_the_judge_tells_whose_content(videos):
    train, test = videos
    keep = held_out_video_scores(Copy("content"), train, test, max_offset=3, n=60)
    assert keep["transfer"] == keep["copy_content_frame"]  # returning x_t is the copy baseline
    assert keep["transfer"]["psnr"] < keep["reconstruction"]["psnr"] == 100.0  # reconstruction returns x_t+k
    assert keep["nearest_training_frame"]["psnr"] < 100.0  # held-out frames are not in the training part
    across = keep["across_videos"]
    assert across["judge_ceiling"] == 1.0  # each video has its own background colour
    assert across["content_kept"] == 1.0 and across["pose_frame_video"] == 0.0

    blind = held_out_video_scores(Copy("pose"), train, test, max_offset=3, n=60)
    assert blind["transfer"]["psnr"] == blind["wrong_content"]["psnr"] == 100.0
    assert blind["across_videos"]["content_kept"] == 0.0 and blind["across_videos"]["pose_frame_video"] == 1.0
    text = format_held_out_video("copy", keep)
    assert "nearest training frame" in text and "a's video in 1.000" in text and "strongest baseline" in text
    # the square slides over a plain background: the global shift beats copying x_t
    assert keep["global_shift"]["psnr"] > keep["copy_content_frame"]["psnr"]
    lo, hi = keep["global_shift"]["psnr_ci"]
    assert lo <= keep["global_shift"]["psnr"] <= hi


def test_phase_correlation_finds_a_translation_and_undoes_it():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(2, 3, 32, 32, generator=g)
    b = torch.stack([a[0].roll((3, -5), (1, 2)), a[1].roll((-7, 2), (1, 2))])
    assert phase_shift(a, b).tolist() == [[3, -5], [-7, 2]]
    warped = global_shift_warp(a, b)
    assert torch.equal(warped[0, :, 3:, :27], b[0, :, 3:, :27])  # all but the uncovered border
    assert torch.equal(shift_frames(a, torch.zeros(2, 2, dtype=torch.long)), a)


def test_constant_shift_forecast_carries_a_steady_slide_on():
    g = torch.Generator().manual_seed(1)
    a = torch.zeros(1, 1, 32, 32)
    a[..., 4:10, 4:10] = torch.rand(1, 1, 6, 6, generator=g)
    clip = torch.stack(
        [a.roll((2 * t, 3 * t), (2, 3)) for t in range(6)], 1
    )  # (1, 6, 1, 32, 32): 2 down, 3 right a step
    forecast = constant_shift_forecast(clip[:, :3], 3)
    assert forecast.shape == (1, 3, 1, 32, 32) and torch.equal(forecast, clip[:, 3:])


def test_first_frame_protocol_scores_every_later_frame_by_horizon(videos):
    """FOMM's protocol: each segment's first frame driven by every later one. A model that copies the
    content frame scores exactly as copy-source in every bin (margin 0 on each segment), one that
    returns the driving frame scores PSNR_CAP; the bins hold one pair per later frame."""
    from contentpose.eval.metrics.image_metrics import PSNR_CAP
    from contentpose.eval.protocols.first_frame import first_frame_scores, format_first_frame

    _, test = videos
    keep = first_frame_scores(Copy("content"), test, test.names)
    later = int(sum(min(n, 101) - 1 for n in test.lengths))
    assert sum(b["pairs"] for b in keep["bins"].values()) == later
    for entry in keep["bins"].values():
        assert entry["transfer"]["psnr"] == entry["copy_source"]["psnr"]
        assert entry["reconstruction"]["psnr"] == PSNR_CAP and entry["blur_sigma"] in (1.0, 2.0, 4.0)
    oracle = first_frame_scores(Copy("pose"), test, test.names)
    assert all(b["transfer"]["psnr"] == PSNR_CAP for b in oracle["bins"].values())
    text = format_first_frame(keep)
    assert "1-5" in text and "copy x_0" in text and "segment" in text


def test_first_frame_margin_over_the_strongest_baseline_per_segment():
    """Horizons 16 and up: the paired PSNR margin of the transfer over the best baseline on each
    segment; an exact output clears it, a copy of the source has none over copy-source itself."""
    from contentpose.eval.protocols.first_frame import first_frame_scores

    class Segments:
        lengths = [30, 12]

        def clip(self, index, frames):
            g = torch.Generator().manual_seed(index)
            return torch.rand(self.lengths[index], 3, 16, 16, generator=g)[:frames]

    exact = first_frame_scores(Copy("pose"), Segments(), ["long", "short"])
    assert exact["segments"]["short"] == {"pairs": 0}
    long = exact["segments"]["long"]
    assert long["pairs"] == 30 - 16 and long["margin_psnr_ci"][0] > 1
    assert set(exact["bins"]) == {"1-5", "6-15", "16-30"} and exact["bins"]["16-30"]["pairs"] == 14
    copy = first_frame_scores(Copy("content"), Segments())
    assert copy["segments"]["0"]["margin_psnr"] <= 0
    across = exact["across"]  # segment A's first frame driven by B: the exact output moves as B does
    assert across["pairs"] == (30 - 1) + (12 - 1) and across["transfer"]["cosine"] > 0.999
    assert (
        across["transfer"]["epe"] == 0
        and copy["across"]["transfer"]["cosine"] == copy["across"]["copy_source"]["cosine"]
    )


def test_first_frame_reads_a_split_of_many_clips_at_a_bounded_cost():
    """Moving MNIST's 10,000 test clips: SEGMENTS of them evenly spaced, ACROSS driving segments
    each, and a table that counts segments instead of listing them all."""
    from contentpose.eval.protocols import first_frame

    class Many:
        lengths = [4] * 120

        def clip(self, index, frames):
            return torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(index))[:frames]

    scores = first_frame.first_frame_scores(Copy("content"), Many())
    assert scores["segments_read"] == first_frame.SEGMENTS == 50 and scores["segments_held_out"] == 120
    assert scores["bins"]["1-5"]["pairs"] == 50 * 3
    assert scores["across"]["pairs"] == 50 * first_frame.ACROSS * 3  # 3 flows per driving segment of 4 frames
    text = first_frame.format_first_frame(scores)
    assert "50 of the 120 held-out segments" in text and text.count("  segment ") == first_frame.SHOWN


def test_blur_keeps_flat_frames_and_the_mean_and_softens_edges():
    from contentpose.eval.baselines.blur import blur

    flat = torch.full((2, 3, 16, 16), 0.3)
    assert torch.allclose(blur(flat, 2.0), flat, atol=1e-6)
    edge = torch.zeros(1, 1, 16, 16)
    edge[..., 8:] = 1
    soft = blur(edge, 2.0)
    assert abs(soft.mean() - edge.mean()) < 1e-3 and 0.2 < soft[0, 0, 5, 7] < 0.5 < soft[0, 0, 5, 8] < 0.8


class BrightSpot:
    """A detector of one 'landmark': the centre of the pixels above 0.8 (none: not found)."""

    def __call__(self, frames):
        mask = frames.amax(1) > 0.8  # (T, H, W)
        ys, xs = torch.meshgrid(torch.arange(frames.shape[2]), torch.arange(frames.shape[3]), indexing="ij")
        n = mask.sum((1, 2)).clamp(min=1)
        points = torch.stack([(xs * mask).sum((1, 2)) / n, (ys * mask).sum((1, 2)) / n], -1)[:, None].float()
        return points, mask.any(dim=(1, 2))[:, None]


def test_first_frame_keypoint_distance_on_segments_that_show_a_person():
    """With a detector: AKD 0 for an exact output, the square's displacement for copying the first frame;
    a segment where nothing is detected is left out."""
    from contentpose.eval.protocols.first_frame import first_frame_scores, format_first_frame

    class Segments:
        lengths = [8, 8]

        def clip(self, index, frames):
            x = torch.full((8, 3, 32, 32), 0.3)
            if index == 0:  # a bright square moving 2 px right a frame
                for t in range(8):
                    x[t, :, 10:14, 2 + 2 * t : 6 + 2 * t] = 1.0
            return x[:frames]

    exact = first_frame_scores(Copy("pose"), Segments(), ["person", "empty"], detector=BrightSpot())
    people = exact["keypoints"]
    assert set(people) == {"person"} and people["person"]["pairs"] == 7
    assert people["person"]["transfer"]["akd"] == 0 and people["person"]["transfer"]["mkr"] == 0
    assert people["person"]["transfer"]["akd_pairs"] == 7
    copy = first_frame_scores(Copy("content"), Segments(), ["person", "empty"], detector=BrightSpot())
    assert copy["keypoints"]["person"]["copy_source"]["akd"] == pytest.approx(8.0)  # 2 px a frame, horizons 1-7: mean 8
    assert "AKD" in format_first_frame(copy) and "contentpose[akd]" in format_first_frame(
        first_frame_scores(Copy("pose"), Segments())
    )
