"""Do generated frames show the pose they should? A keypoint regressor trained on real frames reads them.

A small CNN (eval/judges/keypoint_regressor.py) is trained on frames of the training clips against
their exact points, once per data config (fixed seed), and kept in RUN/keypoint_regressor.safetensors,
as the content classifier is. The points are the figures' 15 joints, or for Moving Digits and Moving
Sprites each object's position (its window's corner, objects ordered left to right). The score of a
frame is the mean distance in pixels between the points read from it and the points it should show;
the regressor's own error on real held-out frames is the floor.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from contentpose.data.figures import KEYPOINTS
from contentpose.data.synthetic import START_TIMES
from contentpose.errors import UserError
from contentpose.eval.judges.fit import fit_one_cycle, seeded
from contentpose.runtime.checkpoint import load_cached, save_cached

REGRESSOR = "keypoint_regressor.safetensors"
RECIPE = 1  # bump when training changes, so cached regressors are retrained
STEPS = 1500  # training steps: 0.43 px on held-out 32 px frames, about 2 CPU minutes (tests lower it)
WIDTH = 16


@torch.enable_grad()  # callable from inference code under torch.no_grad()
def train_keypoint_regressor(
    data,
    steps: int | None = None,
    batch_size: int = 64,
    lr: float = 3e-3,
    width: int = WIDTH,
    seed: int = 0,
    quiet: bool = False,
) -> KeypointRegressor:
    """Train on frames of fresh training clips at random times against their keypoints (frame units,
    mean squared error), with a one-cycle learning rate as the content classifier."""
    steps = STEPS if steps is None else steps
    g = torch.Generator().manual_seed(seed)
    model = seeded(seed, lambda: KeypointRegressor(data.channels, data.size, num_points(data), width).to(data.device))

    def loss() -> torch.Tensor:
        factors = data.sample_factors(batch_size, g)
        times = torch.randint(0, START_TIMES, (batch_size, 1), generator=g).to(data.device)
        clips = data.clips(factors, times)
        return F.mse_loss(model(clips.frames[:, 0]), true_points(clips)[:, 0] / data.size)

    return fit_one_cycle(model, loss, steps, lr, "keypoint regressor", quiet)


def num_points(data) -> int:
    """How many points the regressor reads from a frame of `data`: 15 joints, or one per object."""
    if hasattr(data, "keypoints"):
        return len(KEYPOINTS)
    if hasattr(data, "num_objects"):
        return data.num_objects
    raise UserError(
        "the keypoint regressor needs data with known points (figures, moving_digits or moving_sprites), "
        f"not {data.cfg.name}"
    )


def true_points(clips) -> torch.Tensor:
    """The points clips (n, F, ...) show, (n, F, K, 2) as (y, x) pixels: figures' keypoints, or the
    objects' positions ordered left to right."""
    if hasattr(clips, "keypoints"):
        return clips.keypoints
    places = clips.positions[..., :2]  # sprites add an angle
    order = places[..., 1].argsort(dim=2)
    return places.gather(2, order[..., None].expand_as(places)).float()


@torch.no_grad()
def read_keypoints(model: KeypointRegressor, frames: torch.Tensor, batch: int = 256) -> torch.Tensor:
    """The keypoints the regressor reads from frames (..., C, H, W): (..., K, 2) as (y, x) pixels."""
    size = frames.shape[-1]
    flat = frames.reshape(-1, *frames.shape[-3:])
    read = torch.cat([model(flat[i : i + batch].float()) for i in range(0, len(flat), batch)]) * size
    return read.view(*frames.shape[:-3], *read.shape[1:])


@torch.no_grad()
def keypoint_error(model: KeypointRegressor, frames: torch.Tensor, keypoints: torch.Tensor, batch: int = 256):
    """Mean joint distance in pixels (...,) between the keypoints read from frames (..., C, H, W) and
    the keypoints (..., K, 2) in pixels that they should show."""
    return (read_keypoints(model, frames, batch) - keypoints).norm(dim=-1).mean(dim=-1)


class KeypointRegressor(nn.Module):
    """A small CNN that reads a figure's keypoints from a frame: (B, C, H, W) -> (B, K, 2) as (y, x) in frame units.

    Two coordinate channels (CoordConv: y and x in [0, 1]) are added to the input so the convolutions
    can tell where they are; strided convolutions bring the frame to 4x4, and a linear layer on the
    flattened features (not pooled: the position matters) gives the keypoints. Used to score generated
    frames by the pose they show, not as a pose estimator for real video.
    """

    def __init__(self, channels: int, size: int, keypoints: int = 15, width: int = 16):
        super().__init__()
        self.keypoints = keypoints
        layers, cin, s = [], channels + 2, size
        while s > 4:  # width, 2 width, 4 width, 4 width, ... channels down to 4x4
            cout = width * min(2 ** (len(layers) // 3), 4)
            layers += [nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin, s = cout, s // 2
        self.features = nn.Sequential(*layers, nn.Flatten())
        hidden = 8 * width
        self.head = nn.Sequential(
            nn.Linear(cin * s * s, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, 2 * keypoints)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Frames (B, C, H, W) in [0, 1] -> keypoints (B, K, 2), (y, x) in frame units (pixels / size)."""
        B, _, H, W = x.shape
        y = torch.linspace(0, 1, H, device=x.device, dtype=x.dtype)[:, None].expand(H, W)
        xs = torch.linspace(0, 1, W, device=x.device, dtype=x.dtype)[None].expand(H, W)
        x = torch.cat([x, torch.stack([y, xs]).expand(B, 2, H, W)], dim=1)
        return self.head(self.features(x)).view(B, self.keypoints, 2) + 0.5


def keypoint_regressor(run_path: Path, train_data, steps: int | None = None, quiet: bool = False) -> KeypointRegressor:
    """The run's cached keypoint regressor for its data (pass the training split), trained now for
    `steps` (default STEPS) if missing or made for other data or another number of steps."""
    steps = STEPS if steps is None else steps
    path = run_path / REGRESSOR
    data, data_cfg = train_data, dict(vars(train_data.cfg))
    model = KeypointRegressor(data.channels, data.size, num_points(data), WIDTH).to(data.device)
    if load_cached(path, "regressor", model, {"data": data_cfg, "recipe": RECIPE, "steps": steps}):
        return model.eval()
    model = train_keypoint_regressor(data, steps, quiet=quiet)
    meta = {"objective": "keypoint_regressor", "data": data_cfg, "recipe": RECIPE, "steps": steps}
    save_cached(path, "regressor", model, meta)
    return model
