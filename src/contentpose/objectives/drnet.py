"""DrNet (Denton & Birodkar, 2017): reconstruction + content similarity + scene adversary.

    L = L_rec + alpha * L_sim + beta * L_adv

L_rec  = || D(Ec(x^t), Ep(x^{t+k})) - x^{t+k} ||^2
L_sim  = || Ec(x^t) - Ec(x^{t+k}) ||^2
L_adv  = BCE(C(Ep(x^t), Ep(x^{t+k})), 1/2)   (C held fixed: pose must not reveal the clip)
C is trained, with Ep held fixed, on same-clip pairs (target 1) against pairs from two
different clips (target 0). Unlike the public code, the labels are the paper's and a
"different" pair never pairs a clip with itself (see `different_clip_partner`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from contentpose.config import ObjectiveConfig, TrainConfig
from contentpose.models.autoencoder import Content, ContentPoseAutoencoder
from contentpose.models.scene_discriminator import SceneDiscriminator


def different_clip_partner(batch_size: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """A permutation of range(B) with no fixed point: clip i is paired with clip perm[i] != i.

    A random cyclic shift by r in [1, B-1], so every pair really comes from two clips.
    """
    if batch_size < 2:
        raise ValueError("pairs from different clips need a batch of at least 2 clips")
    r = int(torch.randint(1, batch_size, ()))
    return (torch.arange(batch_size, device=device) + r) % batch_size


def reconstruction_loss(rec: torch.Tensor, target: torch.Tensor, kind: str = "mse") -> torch.Tensor:
    """Per-pixel error between frames (B, C, H, W) in [0, 1]: mean squared error (the paper's)
    or binary cross-entropy, whose gradient does not vanish where the Sigmoid output saturates."""
    assert rec.shape == target.shape, (rec.shape, target.shape)
    if kind == "bce":
        return F.binary_cross_entropy(rec, target)
    return F.mse_loss(rec, target)


def similarity_loss(content_a: torch.Tensor, content_b: torch.Tensor) -> torch.Tensor:
    """Mean squared distance between content vectors (B, Dc) of two frames of one clip."""
    assert content_a.shape == content_b.shape, (content_a.shape, content_b.shape)
    return F.mse_loss(content_a, content_b)


def scene_discriminator_loss(disc: SceneDiscriminator, pose_a: torch.Tensor, pose_b: torch.Tensor,
                             partner: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """BCE of C on same-clip pairs (a_i, b_i) -> 1 and different-clip pairs (a_i, b_partner[i]) -> 0.

    Returns the loss and C's accuracy on the 2B pairs.
    """
    same = disc(pose_a, pose_b)
    other = disc(pose_a, pose_b[partner])
    loss = 0.5 * (F.binary_cross_entropy_with_logits(same, torch.ones_like(same))
                  + F.binary_cross_entropy_with_logits(other, torch.zeros_like(other)))
    accuracy = 0.5 * ((same > 0).float().mean() + (other < 0).float().mean())
    return loss, accuracy


def adversarial_loss(disc: SceneDiscriminator, pose_a: torch.Tensor, pose_b: torch.Tensor) -> torch.Tensor:
    """BCE of C on same-clip pose pairs against 1/2: the pose encoder tries to leave C unsure."""
    logits = disc(pose_a, pose_b)
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, 0.5))


class DrNet:
    """The DrNet training step: owns the autoencoder, the scene discriminator and their optimisers."""

    name = "drnet"

    def __init__(self, model: ContentPoseAutoencoder, disc: SceneDiscriminator, cfg: ObjectiveConfig,
                 train: TrainConfig):
        self.model, self.disc, self.cfg = model, disc, cfg
        betas = (train.beta1, train.beta2)
        self.opt_model = torch.optim.Adam(model.parameters(), lr=train.lr, betas=betas)
        self.opt_disc = torch.optim.Adam(disc.parameters(), lr=train.lr, betas=betas)

    @property
    def modules(self) -> dict[str, torch.nn.Module]:
        return {"model": self.model, "scene_discriminator": self.disc}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"model": self.opt_model, "scene_discriminator": self.opt_disc}

    def step(self, x_t: torch.Tensor, x_tk: torch.Tensor) -> dict[str, torch.Tensor]:
        """One update from frames x^t and x^{t+k} of B clips, each (B, C, H, W).

        Returns detached scalar tensors (no host sync): loss terms and C's accuracy.
        """
        B = x_t.shape[0]
        self.model.train()
        self.disc.train()
        both = torch.cat([x_t, x_tk])                    # one encoder pass for the two frames
        content = self.model.content(both)
        pose = self.model.pose(both)
        c_t, c_tk = content.vector[:B], content.vector[B:]
        p_t, p_tk = pose[:B], pose[B:]
        skips = None if content.skips is None else [s[:B] for s in content.skips]

        rec = self.model.decode(Content(c_t, skips), p_tk)
        l_rec = reconstruction_loss(rec, x_tk, self.cfg.rec_loss)
        l_sim = similarity_loss(c_t, c_tk)
        l_adv = adversarial_loss(self.disc, p_t, p_tk)
        total = l_rec + self.cfg.alpha * l_sim + self.cfg.beta * l_adv
        self.opt_model.zero_grad(set_to_none=True)
        total.backward()
        self.opt_model.step()

        # Scene discriminator on the same poses, encoder fixed (detached).
        partner = different_clip_partner(B, x_t.device)
        l_disc, acc = scene_discriminator_loss(self.disc, p_t.detach(), p_tk.detach(), partner)
        self.opt_disc.zero_grad(set_to_none=True)
        l_disc.backward()
        self.opt_disc.step()

        return {"loss": total.detach(), "rec": l_rec.detach(), "sim": l_sim.detach(),
                "adv": l_adv.detach(), "disc": l_disc.detach(), "disc_acc": acc.detach()}
