"""Python API for notebooks: open a trained run and use its networks on tensors.

    import contentpose
    model = contentpose.load("runs/demo")            # networks only (no critics, no optimisers)
    clip = model.load_video("walk.mp4")              # (T, C, H, W) in [0, 1], the run's crop and size
    moved = model.transfer(other_clip, clip)         # other_clip's content in clip's motion: (T, C, H, W)

Frames go in and come out as float tensors with values in [0, 1]: a clip is (T, C, H, W), a batch
of clips (B, T, C, H, W), a frame (C, H, W), a batch of frames (B, C, H, W). Inputs must already
have the run's frame size and channels (`model.frame_size`, `model.channels`): nothing is resized
silently; `model.load_video(path)` reads a video file the way the run's data pipeline does
(square crop, resize, every `data.stride`-th frame). Outputs are on the CPU; inputs may be on any
device. Wrong shapes raise `contentpose.errors.UserError` with one line that says what was expected.

Which methods a run has depends on its family (`model.kind`; contentpose.families): content/pose
autoencoders (DrNet, MIPAE) have content, pose, decode, transfer and (after `contentpose
train-predictor RUN`) predict; sequence VAEs (DSVAE) have transfer; the Set GAN and the
unconditional VGAN have sample. `transfer` calls the loaded run's own `transfer(content, motion)`,
`sample` its `sample(n, frames, generator)`, where its family's loaded run (contentpose.trained)
has one.
"""

from __future__ import annotations

from pathlib import Path

import torch

from contentpose.data.splits import check_split
from contentpose.errors import UserError
from contentpose.models.autoencoder import Content
from contentpose.models.video_predictor import VideoPredictor
from contentpose.trained import Trained, TrainedRun, load_predictor, load_trained
from contentpose.viz.transfer import read_run_video


def load(run: str | Path, device: str = "auto") -> Model:
    """Open the run folder `run` on `device` ("auto": CUDA if there is one, else the CPU; "cpu", "cuda:1")."""
    return Model(load_trained(run, device))


class Model:
    """A trained run for notebooks. Attributes: `kind` (its family: autoencoder, set_gan, dsvae, vgan,
    pose_forecast, pose_to_frame), `config` (the resolved Config), `step`, `device`, `frame_size`,
    `channels`, and `trained` (the loaded networks, see contentpose.trained)."""

    def __init__(self, trained: Trained):
        self.trained, self.kind = trained, trained.family.name
        self.config, self.step, self.device = trained.config, trained.step, trained.device
        self.frame_size = trained.config.data.frame_size
        self.channels = 3 if trained.config.data.colour else 1
        self._predictor, self._data = None, {}

    def __repr__(self) -> str:
        return (
            f"<contentpose {self.config.objective.name} run {self.trained.path} (step {self.step}, "
            f"{self.frame_size}x{self.frame_size}x{self.channels}, {self.device})>"
        )

    # ---- frames in ----------------------------------------------------------------------------

    def load_video(self, path: str | Path, max_frames: int | None = None) -> torch.Tensor:
        """A video file (mp4, avi, mov, mkv, webm, gif) as the run's data pipeline reads one: square crop
        (data.crop), resized to the frame size, every data.stride-th frame -> (T, C, H, W) in [0, 1]."""
        if max_frames is not None and (not isinstance(max_frames, int) or max_frames < 1):
            raise UserError(
                f"load_video's max_frames must be a whole number of at least 1 (or None); got {max_frames!r}"
            )
        return read_run_video(self.config, path, max_frames)

    def clip(self, split: str = "test", index: int = 0, frames: int = 20) -> torch.Tensor:
        """Clip number `index` of the run's test, validation ("val") or training ("train") data, from its
        first frame, up to `frames` frames: (T, C, H, W) in [0, 1]."""
        check_split(split)
        for name, value, low in (("index", index, 0), ("frames", frames, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise UserError(f"clip()'s {name} must be a whole number of at least {low}; got {value!r}")
        if split not in self._data:
            self._data[split] = self.trained.dataset(split)
        return self._data[split].clip(index, frames).cpu()

    # ---- content/pose autoencoders -------------------------------------------------------------

    @torch.no_grad()
    def content(self, frames: torch.Tensor) -> Content:
        """Content of frames (..., C, H, W): a Content whose `.vector` is (..., content_dim) (and, in the
        U-Net variant, `.skips`, the encoder features the decoder reuses, and with keypoint pose
        `.points`, where those features are). Pass it to `decode`."""
        x, lead = self._frames(frames, "content")
        c = self._autoencoder("content").content(x)
        unflat = lambda t: t.float().cpu().reshape(*lead, *t.shape[1:])  # noqa: E731
        return c.map(unflat)

    @torch.no_grad()
    def pose(self, frames: torch.Tensor) -> torch.Tensor:
        """Pose of frames (..., C, H, W) -> (..., pose_dim), values in [-1, 1]."""
        x, lead = self._frames(frames, "pose")
        return self._autoencoder("pose").pose(x).float().cpu().reshape(*lead, -1)

    @torch.no_grad()
    def decode(self, content: Content | torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        """Frames drawn with `content` (from `content()`; or its vector (..., content_dim)) in `pose`
        (..., pose_dim) -> (..., C, H, W). The leading dimensions broadcast: the content of one frame
        with the poses of a clip (T, pose_dim) gives a clip (T, C, H, W)."""
        model = self._autoencoder("decode")
        if isinstance(content, torch.Tensor):
            content = Content(content)
        dc, dp = self.config.model.content_dim, self.config.model.pose_dim
        if content.vector.shape[-1:] != (dc,) or pose.shape[-1:] != (dp,):
            raise UserError(
                f"decode needs a content (..., {dc}) and a pose (..., {dp}); got "
                f"{tuple(content.vector.shape)} and {tuple(pose.shape)}"
            )
        if not model.complete(content):
            raise UserError(
                "this run's decoder also needs what content() returned beside the vector (the content encoder's skips, "
                "points): pass it whole"
            )
        try:
            lead = torch.broadcast_shapes(content.vector.shape[:-1], pose.shape[:-1])
        except RuntimeError:
            raise UserError(
                f"the leading dimensions of content {tuple(content.vector.shape[:-1])} and pose "
                f"{tuple(pose.shape[:-1])} do not broadcast"
            ) from None
        flat = lambda t, tail: t.to(self.device).float().expand(*lead, *tail).reshape(-1, *tail)  # noqa: E731
        tail = lambda t: t.shape[content.vector.dim() - 1 :]  # noqa: E731
        frames = model.decode(content.map(lambda t: flat(t, tail(t))), flat(pose, (dp,)))
        return frames.float().cpu().reshape(*lead, *frames.shape[1:])

    def transfer(
        self, content_frames: torch.Tensor, motion_frames: torch.Tensor, relative: bool = False
    ) -> torch.Tensor:
        """The content of `content_frames` in the motion of `motion_frames`, frame by frame.

        content_frames (T', C, H, W) and motion_frames (T, C, H, W) -> (T, C, H, W); or batches of clips
        (B, T', C, H, W) and (B, T, C, H, W) -> (B, T, C, H, W). The motion clip sets the length; a
        content/pose autoencoder takes the content of the content clip's first frame (a single frame
        (C, H, W), a still image, is also accepted with a motion clip (T, C, H, W)). `relative`: apply
        the motion clip's motion since its first frame to the content frame's own pose (FOMM's
        animation mode: the still image keeps its place and size) instead of the motion's poses.
        """
        if not hasattr(self.trained, "transfer"):
            raise UserError(f"a {self.config.objective.name} run ({self.kind}) cannot transfer motion")
        if relative and not isinstance(self.trained, TrainedRun):
            raise UserError(f"relative motion needs a content/pose autoencoder; this is a {self.kind} run")
        if content_frames.dim() == 3 and motion_frames.dim() == 4:
            content_frames = content_frames[None]
        single = motion_frames.dim() == 4
        content_frames = self._clips(content_frames, "transfer's content_frames")
        motion_frames = self._clips(motion_frames, "transfer's motion_frames")
        if content_frames.dim() != motion_frames.dim() or content_frames.shape[0] != motion_frames.shape[0]:
            raise UserError(
                f"transfer needs one content clip per motion clip; got content "
                f"{tuple(content_frames.shape)} and motion {tuple(motion_frames.shape)}"
            )
        options = {"relative": True} if relative else {}  # only autoencoders take it (checked above)
        out = self.trained.transfer(content_frames, motion_frames, **options).float().cpu()
        return out[0] if single else out

    def predict(self, frames: torch.Tensor, horizon: int) -> torch.Tensor:
        """Continue context frames (T, C, H, W) or (B, T, C, H, W) by `horizon` predicted frames:
        (horizon, C, H, W) or (B, horizon, C, H, W). Uses the run's pose predictor (`contentpose
        train-predictor RUN`); the content is that of the last context frame."""
        if horizon < 1:
            raise UserError(f"horizon must be at least 1, got {horizon}")
        single = frames.dim() == 4
        context = self._clips(frames, "predict's frames")
        if self._predictor is None:
            self._predictor = VideoPredictor(self._autoencoder("predict"), load_predictor(self.trained))
        out = self._predictor(context, horizon).float().cpu()
        return out[0] if single else out

    # ---- generators ------------------------------------------------------------------------------

    @torch.no_grad()
    def sample(self, n: int, frames: int | None = None, seed: int = 0) -> torch.Tensor:
        """Random frames of a generator run: n independent frames (n, C, H, W); or, with `frames`,
        n sets of that many frames with one content each (n, frames, C, H, W). Fixed by `seed`."""
        if n < 1 or (frames is not None and frames < 1):
            raise UserError(f"sample needs n >= 1 and frames >= 1; got n={n}, frames={frames}")
        g = torch.Generator().manual_seed(seed)
        if not hasattr(self.trained, "sample"):
            raise UserError(
                f"a {self.config.objective.name} run ({self.kind}) does not sample; sample() is for Set GAN and VGAN runs"
            )
        out = self.trained.sample(n, frames or 1, g).float().cpu()
        return out[:, 0] if frames is None else out

    # ---- checks ----------------------------------------------------------------------------------

    def _autoencoder(self, what: str):
        model = getattr(self.trained, "model", None)
        if model is None or not hasattr(model, "content"):
            raise UserError(
                f"{what}() needs a content/pose autoencoder run; this is a "
                f"{self.config.objective.name} run ({self.kind})"
            )
        return model

    @staticmethod
    def _check_values(frames: torch.Tensor, what: str) -> None:
        """Frames are floats in [0, 1]: uint8 images (0-255), NaN or values far outside are refused,
        not silently decoded into noise."""
        if not frames.is_floating_point():
            raise UserError(f"{what} must be a float tensor with values in [0, 1]; got {frames.dtype} (divide by 255)")
        if frames.numel() and not torch.isfinite(frames).all():
            raise UserError(f"{what} holds NaN or infinite values")
        if frames.numel() and (frames.min() < -0.01 or frames.max() > 1.01):
            raise UserError(
                f"{what} must have values in [0, 1]; got {float(frames.min()):.3g} to {float(frames.max()):.3g}"
                + (" (divide by 255)" if frames.max() > 1.5 else "")
            )

    def _check_frame(self, shape: torch.Size, what: str, layout: str) -> None:
        c, s = self.channels, self.frame_size
        if tuple(shape[-3:]) != (c, s, s):
            hint = " (use model.load_video for video files)" if shape[-1] != s or shape[-2] != s else ""
            raise UserError(
                f"{what} must be {layout} with C, H, W = {c}, {s}, {s} (the run's channels and frame "
                f"size); got {tuple(shape)}{hint}"
            )

    def _frames(self, frames: torch.Tensor, what: str) -> tuple[torch.Tensor, torch.Size]:
        """Frames (..., C, H, W) -> (N, C, H, W) on the device, and the leading shape."""
        if not isinstance(frames, torch.Tensor) or frames.dim() < 3:
            raise UserError(
                f"{what}() takes frames (..., C, H, W) as a tensor; got "
                f"{tuple(frames.shape) if isinstance(frames, torch.Tensor) else type(frames).__name__}"
            )
        self._check_frame(frames.shape, f"{what}()'s frames", "(..., C, H, W)")
        self._check_values(frames, f"{what}()'s frames")
        return frames.to(self.device).float().reshape(-1, *frames.shape[-3:]), frames.shape[:-3]

    def _clips(self, frames: torch.Tensor, what: str) -> torch.Tensor:
        """A clip (T, C, H, W) or clips (B, T, C, H, W) -> (B, T, C, H, W) on the device."""
        if not isinstance(frames, torch.Tensor) or frames.dim() not in (4, 5):
            raise UserError(
                f"{what} must be a clip (T, C, H, W) or clips (B, T, C, H, W); got "
                f"{tuple(frames.shape) if isinstance(frames, torch.Tensor) else type(frames).__name__}"
            )
        self._check_frame(frames.shape, what, "(T, C, H, W) or (B, T, C, H, W)")
        self._check_values(frames, what)
        if frames.shape[-4] < 1:
            raise UserError(f"{what} holds no frames")
        return (frames[None] if frames.dim() == 4 else frames).to(self.device).float()
