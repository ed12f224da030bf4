"""The Set GAN: a generator of frames from z_C (shared by a set) and z_M (one per frame), judged
against sets of real frames of one clip. Parts: objectives/setgan.py, models/decoder.py,
models/modulated_decoder.py, models/set_discriminator.py, eval/protocols/identity.py (perturbation
curves, set and place consistency), viz/traverse.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contentpose.errors import UserError
from contentpose.families.family import Family


@dataclass
class SetGANModel:
    width: int = 64  # channels of the generator's last block and the discriminator's first
    z_content: int = 50  # size of z_C, shared by the frames of a set
    z_motion: int = 10  # size of z_M, drawn anew for each frame
    # discriminator: spectral norm, batch norm (DCGAN's, the paper's) or none
    set_disc_norm: Literal["spectral", "batch", "none"] = "spectral"
    # discriminator input: the frames stacked on the channel axis (the paper's), or each frame read by one
    # shared body and the set judged from the mean and spread of their 4x4 features (shared), and also of
    # their features pooled over the frame (pooled) (our departures)
    set_disc_input: Literal["stacked", "shared", "pooled"] = "stacked"
    # generator: DCGAN's (the paper's: z_C ++ z_M at the stem), modulated (z_M lays out, z_C restyles each
    # block) or layered (z_C draws a background and a masked layer, z_M moves the layer: an affine warp)
    generator: Literal["dcgan", "modulated", "layered"] = "dcgan"
    # the generator's upsampling: transposed 4x4 convs (the paper's) or nearest-neighbour + 3x3 conv (ours)
    upsample: Literal["transposed", "resize"] = "transposed"
    # model.generator=layered: the point of the layer that z_M places: its mask's centre of mass, the centre
    # of where the layer differs from the background under the mask (what it shows), or the mask's in
    # training and what it shows when sampling (models/layered_generator.py)
    layer_centre: Literal["mask", "difference", "difference_when_sampling"] = "mask"
    # model.generator=layered: what z_M may do to the layer: an affine transform near the identity, or a shift
    layer_motion: Literal["affine", "shift"] = "affine"


@dataclass
class SetGANObjective:
    name: Literal["setgan"] = "setgan"
    set_size: int = 3  # frames per set (real: one clip within max_offset + 1 frames)
    mixed_sets: float = 0.0  # weight of real frames of different clips shown to D as a fake set (0: the paper's)
    ema: float = 0.0  # decay of a running average of G's weights, the generator a run keeps (0: none, the paper's)
    loss: Literal["bce", "hinge"] = "bce"  # the paper's non-saturating BCE, or the hinge loss (SN-GAN's)
    r1: float = 0.0  # gamma of the R1 penalty on D's gradient at real sets (objectives/r1.py; 0: none, the paper's)
    mask_l1: float = 0.0  # model.generator=layered: weight of the mean of the layer's mask in G's loss (VGAN's prior)
    frame_disc: float = 0.0  # weight of a second D on single frames (MoCoGAN's image D; 0: none, the paper's)

    def __post_init__(self):
        if self.mixed_sets < 0:
            raise UserError(f"objective.mixed_sets must be 0 or more; got {self.mixed_sets}")
        if self.r1 < 0:
            raise UserError(f"objective.r1 must be 0 or more; got {self.r1}")

    def losses(self) -> list[str]:
        mixed = [f"mixed real sets as fakes (x{self.mixed_sets:g})"] if self.mixed_sets else []
        average = [f"generator weights averaged (decay {self.ema:g})"] if self.ema else []
        r1 = [f"R1 on real sets (gamma {self.r1:g})"] if self.r1 else []
        mask = [f"layer mask L1 ({self.mask_l1:g})"] if self.mask_l1 else []
        frames = [f"frame discriminator (x{self.frame_disc:g})"] if self.frame_disc else []
        return [f"set GAN ({self.set_size} frames per set, {self.loss} loss)", *mixed, *r1, *mask, *frames, *average]


def check(cfg) -> None:
    """Mixed sets take frame j of a set from clip b + j of the batch: they need other clips to take; a mask
    penalty and a layer's centre need a generator with a mask."""
    o = cfg.objective
    m = cfg.model
    if (m.layer_centre != "mask" or m.layer_motion != "affine") and m.generator != "layered":
        raise UserError(
            "model.layer_centre and model.layer_motion say how z_M moves a layer: they need model.generator=layered"
            " (with another generator: model.layer_centre=mask model.layer_motion=affine)"
        )
    if o.mask_l1 and cfg.model.generator != "layered":
        raise UserError(
            "objective.mask_l1 penalises the layer's mask: it needs model.generator=layered (else objective.mask_l1=0)"
        )
    if o.mixed_sets and (o.set_size < 2 or cfg.train.batch_size < o.set_size):
        raise UserError(
            f"objective.mixed_sets takes each frame of a set from another clip of the batch: it needs"
            f" objective.set_size 2 or more and train.batch_size at least set_size (got {o.set_size} and"
            f" {cfg.train.batch_size})"
        )


FAMILY = Family(
    name="set_gan",
    noun="a Set GAN generator",
    model=SetGANModel,
    objective=SetGANObjective,
    objectives={"setgan": "contentpose.objectives.setgan:SetGAN"},
    loaded="contentpose.trained:TrainedGenerator",
    evaluate="contentpose.eval.protocols.set_gan:evaluate_generators",
    result="contentpose.eval.protocols.set_gan:SetGanResult",
    report="contentpose.viz.html_report:generator_sections",
    check=check,
    verbs={
        "samples": "contentpose.families.set_gan.commands:samples",
        "traverse": "contentpose.families.set_gan.commands:traverse",
    },
)
