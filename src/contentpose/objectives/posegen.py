"""Pose-to-frame training (Everybody Dance Now; The Pose Knows' second stage) on the figures.

A batch holds two consecutive frames x_0, x_1 of each clip, their stick-figure maps y_0, y_1 and
a reference frame r of the same clip (its appearance). As in EDN's temporal smoothing the
generator renders x_0 from (y_0, r, zeros) and x_1 from (y_1, r, its own x_0):

    G: L1 * l1_weight + sum_D [ LSGAN(D(fake) -> 1) + FM * feature matching ]
    D:      (y_t, x_t)                  real vs generated, each frame      (the PatchGAN)
    D_temp: (y_0, y_1, x_0, x_1)        real vs generated pairs            (objective.temporal_disc)

LSGAN losses (pix2pixHD's), feature matching = L1 between the discriminators' block features on
real and generated inputs (weight FM, pix2pixHD's 10), L1 to the true frames (weight
objective.l1_weight, The Pose Knows' alpha). One D step (both discriminators) then one G step.
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F

from contentpose.config import Config
from contentpose.data.figures import BONES
from contentpose.data.samplers import PoseFrameSampler
from contentpose.errors import UserError
from contentpose.models.pose_generator import PatchDiscriminator, PoseGenerator
from contentpose.objectives.frozen import frozen
from contentpose.runtime import Runtime

FM = 10.0


def feature_matching(real: list[torch.Tensor], fake: list[torch.Tensor]) -> torch.Tensor:
    return sum(F.l1_loss(f, r.detach()) for r, f in zip(real, fake)) / len(real)


def generate_pair(generator, poses: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """x_0 = G(y_0, r, 0), x_1 = G(y_1, r, x_0): poses (B, 2, P, H, W), reference (B, C, H, W) -> (B, 2, C, H, W)."""
    first = generator(poses[:, 0], reference, torch.zeros_like(reference))
    second = generator(poses[:, 1], reference, first)
    return torch.stack([first, second], dim=1)


class PoseGen:
    """Owns G, the frame discriminator, the temporal one (if enabled) and their optimisers."""

    name = "posegen"

    def __init__(self, generator: PoseGenerator, discs: dict[str, PatchDiscriminator], cfg: Config, rt: Runtime):
        self.generator, self.discs, self.rt = generator, discs, rt
        self.l1_weight = cfg.objective.l1_weight
        t = cfg.train
        self.opt_g = rt.adam(generator.parameters(), t.lr, (t.beta1, t.beta2))
        self.opt_d = rt.adam([p for d in discs.values() for p in d.parameters()], t.lr, (t.beta1, t.beta2))

    @staticmethod
    def networks(cfg: Config, channels: int) -> dict[str, torch.nn.Module]:
        """The networks a trained run needs for inference: the generator."""
        return {"generator": PoseGenerator(channels, len(BONES), cfg.data.frame_size, cfg.model.width)}

    @classmethod
    def build(cls, cfg: Config, channels: int, rt: Runtime) -> PoseGen:
        if rt.distributed:
            raise UserError(
                "posegen trains in one process (its generator runs twice per step); launch it without torchrun"
            )
        if cfg.data.name != "figures":
            raise UserError(
                f"objective posegen draws frames from keypoints and needs data=figures, not {cfg.data.name}"
            )
        generator = rt.place(cls.networks(cfg, channels)["generator"])
        P, w = len(BONES), cfg.model.width
        discs = {"frame_discriminator": rt.place(PatchDiscriminator(P + channels, w))}
        if cfg.objective.temporal_disc:
            discs["temporal_discriminator"] = rt.place(PatchDiscriminator(2 * (P + channels), w))
        return cls(generator, discs, cfg, rt)

    @staticmethod
    def sampler(data, cfg: Config, batch_size: int, seed: int) -> PoseFrameSampler:
        return PoseFrameSampler(data, batch_size, seed)

    @property
    def modules(self) -> dict[str, torch.nn.Module]:
        return {"generator": self.generator, **self.discs}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminators": self.opt_d}

    def _judge(self, poses: torch.Tensor, frames: torch.Tensor, discs: dict) -> dict[str, tuple]:
        """Each discriminator's (logits, features) on frames (B, 2, C, H, W) with their poses (B, 2, P, H, W):
        the frame one sees both frames (as one batch of 2B), the temporal one the stacked pair."""
        out = {}
        single = torch.cat([poses, frames], dim=2).flatten(0, 1)  # (2B, P + C, H, W)
        out["frame_discriminator"] = discs["frame_discriminator"](single)
        if "temporal_discriminator" in discs:
            pair = torch.cat([poses[:, 0], poses[:, 1], frames[:, 0], frames[:, 1]], dim=1)
            out["temporal_discriminator"] = discs["temporal_discriminator"](pair)
        return out

    @torch.no_grad()
    def preview(self, frames: torch.Tensor, poses: torch.Tensor, reference: torch.Tensor, n: int = 4) -> torch.Tensor:
        """Rows: reference, pose map, true frames, generated ones: (4n, 2, C, H, W) for TensorBoard."""
        self.generator.eval()
        fake = generate_pair(self.generator, poses[:n], reference[:n]).float()
        self.generator.train()
        stick = poses[:n].amax(dim=2, keepdim=True).expand(-1, -1, frames.shape[2], -1, -1)
        return torch.cat([reference[:n, None].expand(-1, 2, -1, -1, -1), stick, frames[:n], fake])

    def step(self, frames: torch.Tensor, poses: torch.Tensor, reference: torch.Tensor) -> dict[str, torch.Tensor]:
        """One D and one G update from frames (B, 2, C, H, W), poses (B, 2, P, H, W), reference (B, C, H, W)."""
        self.generator.train()
        for d in self.discs.values():
            d.train()
        fake = generate_pair(self.generator, poses, reference)
        real_out = self._judge(poses, frames, self.discs)
        fake_out = self._judge(poses, fake.detach(), self.discs)
        d_loss = sum(
            F.mse_loss(real_out[k][0], torch.ones_like(real_out[k][0]))
            + F.mse_loss(fake_out[k][0], torch.zeros_like(fake_out[k][0]))
            for k in self.discs
        )
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()

        with contextlib.ExitStack() as stack:
            discs = {k: stack.enter_context(frozen(d)) for k, d in self.discs.items()}
            fake_out = self._judge(poses, fake, discs)
            real_feats = {k: [f.detach() for f in v[1]] for k, v in self._judge(poses, frames, discs).items()}
        adv = sum(F.mse_loss(fake_out[k][0], torch.ones_like(fake_out[k][0])) for k in self.discs)
        fm = sum(feature_matching(real_feats[k], fake_out[k][1]) for k in self.discs)
        l1 = F.l1_loss(fake, frames)
        g_loss = adv + FM * fm + self.l1_weight * l1
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        return {"d_loss": d_loss.detach(), "g_adv": adv.detach(), "fm": fm.detach(), "l1": l1.detach()}
