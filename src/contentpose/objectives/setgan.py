"""Set GAN (Tuesca & Uzal, 2018): a frame generator with latent z = (z_C, z_M) and a
discriminator on sets of n frames.

A real set is n frames of one short clip. A fake set is G(z_C, z_M^1..n): one z_C for
the set, z_M drawn anew per frame, every component uniform in [-1, 1]. Standard GAN
losses, non-saturating for G (DCGAN's), one D step then one G step per batch.
`objective.mixed_sets` > 0 (our departure) also shows D real frames of different clips as a fake
set, so that D judges whether a set shows one content and not only whether its frames look real;
`objective.r1` > 0 penalises D's gradient at real sets (R1, objectives/r1.py);
`objective.ema` > 0 keeps a running average of G's weights as the run's generator (as in
progressive GANs and StyleGAN); `objective.loss=hinge` swaps the BCE for the hinge loss; and
`model.set_disc_input=shared|pooled` has D read each frame alike and compare them
(models/set_discriminator.py); `objective.frame_disc` > 0 adds a second discriminator that judges
single frames (MoCoGAN's image discriminator, Tulyakov et al. 2018), its losses weighted by that
number in both D's and G's loss. Each is off by default; docs/generators.md has what they gave.
The generator is the DCGAN decoder of the autoencoders, fed (z_C, z_M) instead of
(content, pose), or with `model.generator=modulated` (our departure) one where z_M makes the 4x4
layout and z_C only scales and shifts each block's channels (models/modulated_decoder.py), or with
`model.generator=layered` (ours) one where z_C draws a background and a masked layer and z_M only moves
the layer by an affine transform (models/layered_generator.py); `objective.mask_l1` > 0 then adds VGAN's
penalty on the mean of the layer's mask to G's loss, so the layer holds only what moves.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from contentpose.config import Config
from contentpose.data.samplers import FrameSetSampler
from contentpose.models.decoder import Decoder
from contentpose.models.layered_generator import LayeredGenerator
from contentpose.models.modulated_decoder import ModulatedDecoder
from contentpose.models.set_discriminator import SetDiscriminator
from contentpose.objectives.frozen import frozen
from contentpose.objectives.r1 import r1_penalty
from contentpose.objectives.weight_average import WeightAverage
from contentpose.runtime import Runtime


def uniform_latents(
    n: int, set_size: int, z_content: int, z_motion: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """z_C (n, Zc) shared by a set and z_M (n, set_size, Zm) per frame, uniform in [-1, 1] (on the CPU)."""
    z_c = torch.rand(n, z_content, generator=generator) * 2 - 1
    z_m = torch.rand(n, set_size, z_motion, generator=generator) * 2 - 1
    return z_c, z_m


def generate(generator: Decoder, z_c: torch.Tensor, z_m: torch.Tensor) -> torch.Tensor:
    """Frames (B, n, C, H, W) from z_C (B, Zc) held over a set and z_M (B, n, Zm)."""
    return generate_with_mask(generator, z_c, z_m)[0]


def generate_with_mask(
    generator: Decoder, z_c: torch.Tensor, z_m: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """`generate`, and the layered generator's moved masks (B, n, 1, H, W) (None for the others)."""
    B, n, _ = z_m.shape
    z_c, z_m = z_c.repeat_interleave(n, dim=0), z_m.reshape(B * n, -1)
    if isinstance(generator, LayeredGenerator):
        frames, mask = generator.frames_and_mask(z_c, z_m)
        return frames.view(B, n, *frames.shape[1:]), mask.view(B, n, *mask.shape[1:])
    frames = generator(z_c, z_m)
    return frames.view(B, n, *frames.shape[1:]), None


def fake_loss(logits: torch.Tensor, loss: str = "bce") -> torch.Tensor:
    """D's loss for (B,) logits of sets it must call fake: BCE against 0, or the hinge relu(1 + D)."""
    if loss == "hinge":
        return F.relu(1 + logits).mean()
    return F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, loss: str = "bce") -> torch.Tensor:
    """D's loss on (B,) logits: BCE (real sets -> 1, fake sets -> 0) or the hinge
    relu(1 - real) + relu(1 + fake) (Lim & Ye 2017; SN-GAN's)."""
    if loss == "hinge":
        real = F.relu(1 - real_logits).mean()
    else:
        real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    return real + fake_loss(fake_logits, loss)


def mixed_sets(real: torch.Tensor) -> torch.Tensor:
    """Sets (B, n, C, H, W) whose frame j comes from clip b + j (mod B): real frames that are not one
    clip. As extra fakes they teach D that a set must show one content, not only real-looking frames."""
    return torch.stack([real[:, j].roll(j, dims=0) for j in range(real.shape[1])], dim=1)


def single_frames(sets: torch.Tensor) -> torch.Tensor:
    """Sets (B, n, C, H, W) as B*n sets of one frame (B*n, 1, C, H, W), for the frame discriminator."""
    return sets.reshape(-1, 1, *sets.shape[2:])


def generator_loss(fake_logits: torch.Tensor, loss: str = "bce") -> torch.Tensor:
    """Non-saturating G loss -log D(G(z)) (BCE of fake sets against 1), or the hinge's -D(G(z))."""
    if loss == "hinge":
        return -fake_logits.mean()
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


class SetGAN:
    """Owns G, D and their optimisers; `step(real_sets)` updates each discriminator once, then G.

    Across processes, latents are drawn for the global batch on every rank (the same draws)
    and each rank generates its share, so the run sees what one process would.
    """

    name = "setgan"
    PREVIEW_SEED = 0  # the preview shows the same z at every checkpoint

    def __init__(
        self,
        generator: Decoder,
        discriminator: SetDiscriminator,
        cfg: Config,
        rt: Runtime,
        frame_discriminator: SetDiscriminator | None = None,
    ):
        self.generator, self.discriminator, self.rt = generator, discriminator, rt
        self.frame_discriminator = frame_discriminator
        self.train_frame_discriminator = rt.trainable(frame_discriminator) if frame_discriminator else None
        self.train_generator, self.train_discriminator = rt.trainable(generator), rt.trainable(discriminator)
        self.set_size, self.mixed_weight = cfg.objective.set_size, cfg.objective.mixed_sets
        self.loss, self.r1, self.mask_l1 = cfg.objective.loss, cfg.objective.r1, cfg.objective.mask_l1
        self.frame_weight = cfg.objective.frame_disc
        self.average = WeightAverage({"generator": generator}, cfg.objective.ema) if cfg.objective.ema else None
        self.z_content, self.z_motion = cfg.model.z_content, cfg.model.z_motion
        t = cfg.train
        self.opt_g = rt.adam(generator.parameters(), t.lr, (t.beta1, t.beta2))
        self.opt_d = rt.adam(discriminator.parameters(), t.lr, (t.beta1, t.beta2))
        self.opt_f = (
            rt.adam(frame_discriminator.parameters(), t.lr, (t.beta1, t.beta2)) if frame_discriminator else None
        )

    @staticmethod
    def networks(cfg: Config, channels: int) -> dict[str, torch.nn.Module]:
        """The networks a trained run needs for inference: the generator."""
        m = cfg.model
        kind = {"dcgan": Decoder, "modulated": ModulatedDecoder, "layered": LayeredGenerator}[m.generator]
        options = {"resize": m.upsample == "resize"}
        if m.generator == "layered":
            options.update(centre=m.layer_centre, motion=m.layer_motion)
        return {"generator": kind(m.z_content, m.z_motion, channels, cfg.data.frame_size, m.width, **options)}

    @classmethod
    def build(cls, cfg: Config, channels: int, rt: Runtime) -> SetGAN:
        m, size = cfg.model, cfg.data.frame_size
        generator = rt.place(cls.networks(cfg, channels)["generator"])
        discriminator = rt.place(
            SetDiscriminator(channels, cfg.objective.set_size, size, m.width, m.set_disc_norm, read=m.set_disc_input)
        )
        # a set of one frame read by the stacked DCGAN body: a plain image discriminator
        frames = SetDiscriminator(channels, 1, size, m.width, m.set_disc_norm) if cfg.objective.frame_disc else None
        return cls(generator, discriminator, cfg, rt, rt.place(frames) if frames else None)

    @staticmethod
    def sampler(data, cfg: Config, batch_size: int, seed: int) -> FrameSetSampler:
        return FrameSetSampler(data, batch_size, cfg.objective.set_size, cfg.data.max_offset + 1, seed)

    @property
    def modules(self) -> dict[str, torch.nn.Module]:
        """With `objective.ema` the averaged generator is the run's "generator" (what is sampled) and
        the trained one is kept beside it, for resuming."""
        judges = {"set_discriminator": self.discriminator}
        if self.frame_discriminator is not None:
            judges["frame_discriminator"] = self.frame_discriminator
        if self.average is None:
            return {"generator": self.generator, **judges}
        return self.average.modules(judges)

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        frames = {"frame_discriminator": self.opt_f} if self.opt_f else {}
        return {"generator": self.opt_g, "set_discriminator": self.opt_d, **frames}

    @torch.no_grad()
    def preview(self, real: torch.Tensor, n: int = 4) -> torch.Tensor:
        """n real sets above n generated ones, a set per row: (2n, set_size, C, H, W) for TensorBoard.
        Its latents come from a fixed seed, not the training RNG (which every rank must draw alike)."""
        shown = self.modules["generator"]
        shown.eval()
        g = torch.Generator().manual_seed(self.PREVIEW_SEED)
        z_c, z_m = uniform_latents(n, self.set_size, self.z_content, self.z_motion, g)
        fake = generate(shown, z_c.to(real.device), z_m.to(real.device)).float()
        shown.train()
        return torch.cat([real[:n], fake])

    def step(self, real: torch.Tensor) -> dict[str, torch.Tensor]:
        """One update from real sets (B, n, C, H, W), this rank's share. Returns detached scalars (no host sync)."""
        B = real.shape[0]
        self.generator.train()
        self.discriminator.train()
        z_c, z_m = uniform_latents(B * self.rt.world_size, self.set_size, self.z_content, self.z_motion)
        z_c, z_m = self.rt.shard(z_c).to(real.device), self.rt.shard(z_m).to(real.device)
        if self.r1:  # D's gradient at the real sets too (fp32)
            real_logits, r1 = r1_penalty(self.train_discriminator, real)
        with self.rt.autocast():
            fake, mask = generate_with_mask(self.train_generator, z_c, z_m)
            if not self.r1:
                real_logits = self.train_discriminator(real).float()
            fake_logits = self.train_discriminator(fake.detach()).float()
        d_loss = discriminator_loss(real_logits, fake_logits, self.loss)
        if self.r1:
            d_loss = d_loss + self.r1 / 2 * r1
        if self.mixed_weight:
            with self.rt.autocast():
                mixed_logits = self.train_discriminator(mixed_sets(real)).float()
            d_loss = d_loss + self.mixed_weight * fake_loss(mixed_logits, self.loss)
        if self.frame_weight:
            with self.rt.autocast():
                frame_real = self.train_frame_discriminator(single_frames(real)).float()
                frame_fake = self.train_frame_discriminator(single_frames(fake.detach())).float()
            frame_d_loss = self.frame_weight * discriminator_loss(frame_real, frame_fake, self.loss)
            self.opt_f.zero_grad(set_to_none=True)
            frame_d_loss.backward()
            self.opt_f.step()
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()

        with frozen(self.discriminator) as disc, self.rt.autocast():
            g_logits = disc(fake).float()
        g_loss = generator_loss(g_logits, self.loss)
        if self.frame_weight:
            with frozen(self.frame_discriminator) as frame_disc, self.rt.autocast():
                frame_g_logits = frame_disc(single_frames(fake)).float()
            g_loss = g_loss + self.frame_weight * generator_loss(frame_g_logits, self.loss)
        if self.mask_l1:
            mask_mean = mask.float().mean()
            g_loss = g_loss + self.mask_l1 * mask_mean
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        if self.average is not None:
            self.average.update()
        return {
            "d_loss": d_loss.detach(),
            **({"r1": r1.detach()} if self.r1 else {}),
            **({"mask_mean": mask_mean.detach()} if self.mask_l1 else {}),
            **({"frame_d_loss": frame_d_loss.detach()} if self.frame_weight else {}),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits).mean().detach(),
            "d_fake": torch.sigmoid(fake_logits).mean().detach(),
        }
