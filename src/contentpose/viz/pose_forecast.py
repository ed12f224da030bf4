"""Pictures of pose forecasts: sampled future skeletons drawn over the true future frames."""

from __future__ import annotations

import torch

from contentpose.data.figures import bone_maps
from contentpose.eval.protocols.pose_forecast import forecast_windows, window_starts
from contentpose.trained import TrainedForecaster

SAMPLE_COLOURS = torch.tensor([[1.0, 0.55, 0.0], [0.0, 0.85, 1.0], [1.0, 0.2, 0.6], [0.6, 1.0, 0.2]])
TRUTH_COLOUR = torch.tensor([1.0, 1.0, 1.0])


@torch.no_grad()
def forecast_grid(
    run: TrainedForecaster, clips: int = 4, samples: int = 3, columns: int = 6, seed: int = 0
) -> torch.Tensor:
    """For `clips` held-out windows (rows): the last context frame, then `columns - 1` forecast steps
    spread over the horizon (columns). Each cell is the true frame, dimmed, under the true skeleton
    (white) and `samples` sampled skeletons (colours). Returns cells (clips, columns, 3, H, W)."""
    data = run.dataset("test")
    context, horizon = run.config.predictor.context, run.config.predictor.future
    keypoints, _ = forecast_windows(data, context, horizon, seed)
    keypoints = keypoints[:clips]
    n = len(keypoints)
    futures = run.forecast(keypoints[:, :context], horizon, samples, torch.Generator().manual_seed(seed))
    steps = torch.linspace(0, horizon, columns).round().long().tolist()  # 0: the last context frame
    times = torch.tensor([context - 1 + s for s in steps])
    # the true frames of these windows: the same clips and start times as forecast_windows drew
    test = data.test_set()
    start = window_starts(len(test), seed)[:n]
    frames = data.clips(test.index(torch.arange(n, device=data.device)), (start + times).to(data.device)).frames
    frames = frames.expand(-1, -1, 3, -1, -1) * 0.45
    skeletons = [(keypoints[:, context - 1 + torch.tensor(steps)], TRUTH_COLOUR)]
    for s in range(samples):
        k = torch.cat([keypoints[:, context - 1 : context], futures[:, s]], dim=1)[:, steps]
        skeletons.append((k, SAMPLE_COLOURS[s % len(SAMPLE_COLOURS)]))
    for k, colour in reversed(skeletons):  # the truth on top
        cover = bone_maps(k, data.size, radius=0.6).amax(dim=2, keepdim=True)  # (n, columns, 1, H, W)
        frames = frames + cover * (colour.to(frames.device)[:, None, None] - frames)
    return frames
