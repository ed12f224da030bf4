"""VGAN (Vondrick et al.): clips generated from noise as a moving foreground, its mask and a static
background; vgan_cond generates from a first frame. Parts: objectives/vgan.py, models/vgan.py,
eval/protocols/vgan.py, viz/vgan.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contentpose.errors import UserError
from contentpose.families.family import Family


@dataclass
class VGANModel:
    width: int = 64  # channels of the generator's last block and the discriminator's first
    vgan_z: int = 100  # size of the noise z (vgan_cond: also of the first frame's code)
    vgan_frames: int = 32  # frames per generated clip, a power of 2 (the paper's: 32 at 64 px)
    vgan_streams: Literal[1, 2] = 2  # 2 (foreground video + mask over a static background) or 1 (video only)
    # generator: the paper's 3D foreground stream, or layered (ours): one 2D layer and mask moved by an
    # affine motion per frame over the background (models/vgan.py LayeredVideoGenerator; two streams)
    vgan_generator: Literal["3d", "layered"] = "3d"
    # discriminator: BatchNorm (the paper's) or spectral normalisation of every conv (our departure, SN-GAN's)
    vgan_disc_norm: Literal["batch", "spectral"] = "batch"


@dataclass
class VGANObjective:
    name: Literal["vgan", "vgan_cond"] = "vgan"  # from noise, or (vgan_cond) from a first frame and noise
    mask_l1: float = 0.1  # weight of the L1 penalty on the mask (mean over pixels; the paper's 0.1)
    future_l1: float = 10.0  # vgan_cond: weight of the L1 distance (mean over pixels) to the true clip
    loss: Literal["bce", "hinge"] = "bce"  # the paper's non-saturating BCE, or the hinge loss (SN-GAN's)
    ema: float = 0.0  # decay of a running average of G's weights, the generator a run keeps (0: none, the paper's)

    def losses(self) -> list[str]:
        terms = [f"video GAN ({self.loss} loss)", f"mask L1 ({self.mask_l1:g})"]
        terms += [f"future L1 ({self.future_l1:g})"] if self.name == "vgan_cond" else []
        return terms + ([f"generator weights averaged (decay {self.ema:g})"] if self.ema else [])


def check(cfg) -> None:
    """The layered generator is a two-stream one (a moved layer over a background)."""
    if cfg.model.vgan_generator == "layered" and cfg.model.vgan_streams != 2:
        raise UserError("model.vgan_generator=layered draws a layer over a background: it needs model.vgan_streams=2")


FAMILY = Family(
    name="vgan",
    noun="a video generator",
    model=VGANModel,
    objective=VGANObjective,
    objectives={"vgan": "contentpose.objectives.vgan:VGAN", "vgan_cond": "contentpose.objectives.vgan:ConditionalVGAN"},
    loaded="contentpose.trained:TrainedVideoGenerator",
    evaluate="contentpose.eval.protocols.vgan:evaluate_video_generators",
    result="contentpose.eval.protocols.vgan:VganResult",
    report="contentpose.viz.html_report:video_generator_sections",
    check=check,
    verbs={
        "predict": "contentpose.families.vgan.commands:predict",
        "samples": "contentpose.families.vgan.commands:samples",
    },
)
