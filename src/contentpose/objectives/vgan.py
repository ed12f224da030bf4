"""VGAN (Vondrick, Pirsiavash & Torralba, NIPS 2016): a two-stream video generator and a 3D-conv
discriminator, trained on clips of `model.vgan_frames` consecutive frames.

Unconditional (`vgan`): z ~ N(0, I) (100-d) -> video. Conditional (`vgan_cond`): an encoder of
the clip's first frame gives a code, concatenated with noise z, and the generated clip should
start from that frame and continue it.

Losses (one D step, then one G step per batch; Adam 2e-4, beta1 0.5 in the presets):
    D: BCE, real clips -> 1, generated -> 0          (objective.loss=hinge: relu(1 - real) + relu(1 + fake))
    G: non-saturating BCE of generated clips against 1                           (hinge: -D(G(z)))
       + objective.mask_l1 * mean |m|                    (two streams; the paper's lambda 0.1)
       + objective.future_l1 * mean |G(x_1) - x_1:T|     (vgan_cond only)
The mask penalty is the mean over the mask's pixels: the Lua code's nn.L1Penalty sums instead
(a per-pixel gradient of 0.1 whatever the clip size), which is far stronger than the same lambda
on a mean. The conditional model's L1 term is our choice: it compares the whole generated clip with
the true one, so frame 1 (the input) is reproduced and the rest is pulled to the true future; the
paper states only that the output starts from the input frame.

Stabilisers, each off by default (the paper has none) and each our departure: `objective.loss=hinge`,
`model.vgan_disc_norm=spectral` (spectral norm in D instead of BatchNorm) and `objective.ema` (the
run keeps a running average of G's weights, objectives/weight_average.py), as in the Set GAN; and
`model.vgan_generator=layered`, a generator whose foreground is one drawn layer moved per frame.

The training log holds the mask's mean and the share of its pixels below 0.1 and above 0.9: a mask
that goes all-foreground or all-background is the usual failure.
"""

from __future__ import annotations

import dataclasses
import sys

import torch
import torch.nn.functional as F

from contentpose.config import Config
from contentpose.data.samplers import SequenceSampler
from contentpose.models.vgan import (
    FrameEncoder,
    LayeredVideoGenerator,
    VideoDiscriminator,
    VideoGenerator,
    VideoParts,
)
from contentpose.objectives.frozen import frozen
from contentpose.objectives.setgan import discriminator_loss, generator_loss
from contentpose.objectives.weight_average import WeightAverage
from contentpose.runtime import Runtime


def mask_stats(mask: torch.Tensor) -> dict[str, torch.Tensor]:
    """Mean of a mask (B, T, 1, H, W) and the shares of its pixels below 0.1 and above 0.9."""
    m = mask.detach().float()
    return {"mask_mean": m.mean(), "mask_low": (m < 0.1).float().mean(), "mask_high": (m > 0.9).float().mean()}


class VGAN:
    """Owns G, D (and the conditional encoder) and their optimisers; `step(clips)` does one D and
    one G update. Like the Set GAN, noise is drawn for the global batch on every rank and each rank
    takes its share."""

    name = "vgan"
    conditional = False
    PREVIEW_SEED = 0

    def __init__(self, nets: dict[str, torch.nn.Module], discriminator: VideoDiscriminator, cfg: Config, rt: Runtime):
        self.generator, self.discriminator, self.rt = nets["generator"], discriminator, rt
        self.encoder = nets.get("encoder")
        self.z_dim, self.frames = cfg.model.vgan_z, cfg.model.vgan_frames
        self.mask_l1, self.future_l1, self.loss = cfg.objective.mask_l1, cfg.objective.future_l1, cfg.objective.loss
        trained = {"generator": self.generator} | ({"encoder": self.encoder} if self.encoder is not None else {})
        self.average = WeightAverage(trained, cfg.objective.ema) if cfg.objective.ema else None
        self.train_generator, self.train_discriminator = rt.trainable(self.generator), rt.trainable(discriminator)
        self.train_encoder = rt.trainable(self.encoder) if self.encoder is not None else None
        t = cfg.train
        g_params = list(self.generator.parameters()) + (list(self.encoder.parameters()) if self.encoder else [])
        self.opt_g = rt.adam(g_params, t.lr, (t.beta1, t.beta2))
        self.opt_d = rt.adam(discriminator.parameters(), t.lr, (t.beta1, t.beta2))

    @classmethod
    def networks(cls, cfg: Config, channels: int) -> dict[str, torch.nn.Module]:
        """The networks a trained run needs for inference: the generator (and the first frame's encoder)."""
        m, size = cfg.model, cfg.data.frame_size
        z_in = 2 * m.vgan_z if cls.conditional else m.vgan_z
        if m.vgan_generator == "layered":
            generator = LayeredVideoGenerator(z_in, channels, m.vgan_frames, size, m.width)
        else:
            generator = VideoGenerator(z_in, channels, m.vgan_frames, size, m.width, m.vgan_streams)
        nets = {"generator": generator}
        if cls.conditional:
            nets["encoder"] = FrameEncoder(channels, size, m.width, m.vgan_z)
        return nets

    @classmethod
    def build(cls, cfg: Config, channels: int, rt: Runtime) -> VGAN:
        # 3D convs have no channels_last layout; on a CPU their bf16 generator step gave NaN losses
        # at random (torch 2.13, AMD EPYC with AVX-512 bf16, 2026-11-29), so a CPU trains them in fp32
        rt3d = dataclasses.replace(rt, channels_last=False, bf16=rt.bf16 and rt.device.type != "cpu")
        if rt.bf16 and not rt3d.bf16 and rt.rank == 0:
            print("note: on a CPU, VGAN trains its 3-D networks in fp32, not bf16 (NaN losses seen)", file=sys.stderr)
        nets = {k: rt3d.place(v) for k, v in cls.networks(cfg, channels).items()}
        m = cfg.model
        discriminator = rt3d.place(
            VideoDiscriminator(channels, m.vgan_frames, cfg.data.frame_size, m.width, m.vgan_disc_norm)
        )
        return cls(nets, discriminator, cfg, rt3d)

    @staticmethod
    def sampler(data, cfg: Config, batch_size: int, seed: int) -> SequenceSampler:
        return SequenceSampler(data, batch_size, cfg.model.vgan_frames, seed)

    @property
    def modules(self) -> dict[str, torch.nn.Module]:
        """With `objective.ema` the averaged generator (and encoder) are the run's, the trained ones kept beside."""
        disc = {"video_discriminator": self.discriminator}
        if self.average is not None:
            return self.average.modules(disc)
        return {"generator": self.generator, **disc} | ({"encoder": self.encoder} if self.encoder is not None else {})

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "video_discriminator": self.opt_d}

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I): (n, Z), on the CPU."""
        return torch.randn(n, self.z_dim, generator=generator)

    def generate(self, z: torch.Tensor, first: torch.Tensor | None = None, train: bool = False) -> VideoParts:
        """Clips from noise z (B, Z), and for the conditional model from first frames (B, C, H, W)."""
        shown = self.modules  # the averaged networks where there are some
        generator = self.train_generator if train else shown["generator"]
        if self.conditional:
            encoder = self.train_encoder if train else shown["encoder"]
            z = torch.cat([encoder(first), z], dim=1)
        return generator(z)

    @torch.no_grad()
    def preview(self, real: torch.Tensor, n: int = 4, columns: int = 8) -> torch.Tensor:
        """n real clips above n generated ones (from the real clips' first frames if conditional),
        `columns` frames of each: (2n, columns, C, H, W) for TensorBoard."""
        shown = [net for key, net in self.modules.items() if key in ("generator", "encoder")]
        for net in shown:
            net.eval()
        z = self.noise(n, torch.Generator().manual_seed(self.PREVIEW_SEED)).to(real.device)
        fake = self.generate(z, real[:n, 0]).video.float()
        for net in shown:
            net.train()
        keep = torch.linspace(0, real.shape[1] - 1, min(columns, real.shape[1])).round().long()
        return torch.cat([real[:n, keep], fake[:, keep]])

    def step(self, real: torch.Tensor) -> dict[str, torch.Tensor]:
        """One update from real clips (B, T, C, H, W) in [0, 1], this rank's share. Returns detached scalars."""
        if real.shape[1] != self.frames:
            raise ValueError(f"expected clips of {self.frames} frames, got {real.shape[1]}")
        B = real.shape[0]
        for net in (self.generator, self.discriminator, self.encoder):
            if net is not None:
                net.train()
        z = self.rt.shard(self.noise(B * self.rt.world_size)).to(real.device)
        with self.rt.autocast():
            parts = self.generate(z, real[:, 0], train=True)
            real_logits = self.train_discriminator(real).float()
            fake_logits = self.train_discriminator(parts.video.detach()).float()
        d_loss = discriminator_loss(real_logits, fake_logits, self.loss)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()

        with frozen(self.discriminator) as disc, self.rt.autocast():
            g_logits = disc(parts.video).float()
        adv = generator_loss(g_logits, self.loss)
        g_loss = adv
        logs = {
            "d_loss": d_loss.detach(),
            "adv_loss": adv.detach(),
            "d_real": torch.sigmoid(real_logits).mean().detach(),
            "d_fake": torch.sigmoid(fake_logits).mean().detach(),
        }
        if parts.mask is not None:
            g_loss = g_loss + self.mask_l1 * parts.mask.float().abs().mean()
            logs.update(mask_stats(parts.mask))
        if self.conditional:
            l1 = F.l1_loss(parts.video.float(), real)
            g_loss = g_loss + self.future_l1 * l1
            logs["l1"] = l1.detach()
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        if self.average is not None:
            self.average.update()
        return {**logs, "g_loss": g_loss.detach()}


class ConditionalVGAN(VGAN):
    """VGAN from a first frame: encoder(x_1) ++ z -> a clip that starts at x_1 (see the module doc)."""

    name = "vgan_cond"
    conditional = True
