"""What DrNet and MIPAE share: the autoencoder step with a penalty on the pose encoder, and a
critic on pairs of pose vectors trained in turn.

    L = L_rec + alpha * L_sim + beta * penalty(Ep(x^t), Ep(x^{t+k}))

L_rec  = error of D(Ec(x^t), Ep(x^{t+k})) against x^{t+k}   (mse, or bce)
L_sim  = || Ec(x^t) - Ec(x^{t+k}) ||^2   (with alpha 0 neither it nor Ec(x^{t+k}) is computed)
With keypoint poses, `objective.centring` adds a pull of each point toward the ink around it
(objectives/centring.py) and `objective.equivariance` keeps points moving with the image
(objectives/equivariance.py), `objective.coverage` sends spare points to motion no point covers
(objectives/coverage.py). A subclass names its critic and defines `penalty` (for the encoders, critic held fixed)
and `critic_loss` (for the critic, encoders held fixed). "Different clip" pairs come from
`different_clip_partner`, so they never pair a clip with itself (nor, for real videos, whose
batches can hold one video twice, two rows of one source video).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from contentpose.config import Config, TrainConfig
from contentpose.data.samplers import FramePairSampler
from contentpose.errors import UserError
from contentpose.families.autoencoder import AutoencoderObjective
from contentpose.models.architectures import build_autoencoder
from contentpose.models.autoencoder import ContentPoseAutoencoder, PairPass
from contentpose.models.pair_critic import PairCritic
from contentpose.objectives.centring import centring_loss
from contentpose.objectives.coverage import coverage_loss
from contentpose.objectives.equivariance import equivariance_loss, random_affines, warped
from contentpose.objectives.frozen import frozen
from contentpose.runtime import Runtime


def different_clip_partner(
    batch_size: int, device: torch.device | str = "cpu", clip: torch.Tensor | None = None
) -> torch.Tensor:
    """For each row i of a batch, a partner row from another clip: (B,) indices.

    Without `clip` every row is its own clip: a random cyclic shift by r in [1, B-1] (a
    permutation with no fixed point). With `clip` (B,), the clip of each row (rows of one
    video share it), each row's partner is drawn uniformly from the rows of other clips.
    Draws use the global RNG, alike on every process.
    """
    if batch_size < 2:
        raise ValueError("pairs from different clips need a batch of at least 2 clips")
    if clip is None:
        r = int(torch.randint(1, batch_size, ()))
        return (torch.arange(batch_size, device=device) + r) % batch_size
    clip = clip.cpu()
    other = (clip[:, None] != clip[None, :]).float()  # (B, B): 1 where the clips differ
    if not other.any(dim=1).all():
        raise ValueError("every row of the batch shows the same clip; no partner from another clip")
    return torch.multinomial(other, 1).squeeze(1).to(device)


def reconstruction_loss(rec: torch.Tensor, target: torch.Tensor, kind: str = "mse") -> torch.Tensor:
    """Per-pixel error between frames (B, C, H, W) in [0, 1]: mean squared error (the paper's)
    or binary cross-entropy, whose gradient does not vanish where the Sigmoid output saturates."""
    assert rec.shape == target.shape, (rec.shape, target.shape)
    if kind == "bce":
        return F.binary_cross_entropy(rec, target)
    return F.mse_loss(rec, target)


def similarity_loss(
    content_a: torch.Tensor, content_b: torch.Tensor, kind: str = "mse", gather=lambda x: x
) -> torch.Tensor:
    """Mean squared distance between content vectors (B, Dc) of two frames of one clip.

    kind "mse" is the paper's. kind "scaled" divides it by the content's variance across the
    batch: the decoder starts with BatchNorm, so it does not see the scale of the content vector,
    and the plain MSE can be driven to 0 by shrinking that scale while content still follows the
    frame (observed: content encoding position, not identity). Scaled, the loss only falls when
    frames of one clip are close *relative to* how far apart clips are. `gather` gives the
    global batch across processes, over which that variance is taken.
    """
    assert content_a.shape == content_b.shape, (content_a.shape, content_b.shape)
    mse = F.mse_loss(content_a, content_b)
    if kind == "scaled":
        return mse / (gather(torch.cat([content_a, content_b])).var(dim=0).mean() + 1e-6)
    return mse


def mirror_half(x: torch.Tensor) -> torch.Tensor:
    """A random half of the frames (B, C, H, W) mirrored left to right (the global RNG, alike on every
    process): the content frames under `objective.content_flip`."""
    flip = (torch.rand(x.shape[0]) < 0.5).to(x.device)[:, None, None, None]
    return torch.where(flip, x.flip(-1), x)


class ContentPoseObjective:
    """Owns the autoencoder, the pose-pair critic and their optimisers; `step` updates both.

    Across processes each rank encodes its share of the batch; the critic and the penalty see
    the poses of the global batch (gathered), so pairs and partners are those of one process
    holding the whole batch.
    """

    name = ""
    critic_name = ""
    penalty_name = ""
    critic_hidden_key = ""  # the AutoencoderModel field giving the critic's hidden width

    def __init__(
        self,
        model: ContentPoseAutoencoder,
        critic: torch.nn.Module,
        cfg: AutoencoderObjective,
        train: TrainConfig,
        rt: Runtime,
    ):
        self.model, self.critic, self.cfg, self.rt = model, critic, cfg, rt
        self.train_pass = rt.trainable(PairPass(model, second_content=cfg.alpha != 0))
        self.train_critic = rt.trainable(critic)
        betas = (train.beta1, train.beta2)
        self.opt_model = rt.adam(model.parameters(), train.lr, betas)
        self.opt_critic = rt.adam(critic.parameters(), train.lr, betas)

    @staticmethod
    def networks(cfg: Config, channels: int) -> dict[str, torch.nn.Module]:
        """The networks a trained run needs for inference (no critic, no optimisers)."""
        return {"model": build_autoencoder(cfg.model, channels, cfg.data.frame_size)}

    @classmethod
    def build(cls, cfg: Config, channels: int, rt: Runtime) -> ContentPoseObjective:
        if cfg.train.batch_size < 2:
            raise UserError("train.batch_size must be at least 2 (the critic pairs different clips)")
        model = rt.place(cls.networks(cfg, channels)["model"])
        critic = rt.place(PairCritic(cfg.model.pose_dim, getattr(cfg.model, cls.critic_hidden_key)))
        return cls(model, critic, cfg.objective, cfg.train, rt)

    @staticmethod
    def sampler(data, cfg: Config, batch_size: int, seed: int) -> FramePairSampler:
        return FramePairSampler(data, batch_size, cfg.data.max_offset, seed)

    @property
    def modules(self) -> dict[str, torch.nn.Module]:
        return {"model": self.model, self.critic_name: self.critic}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"model": self.opt_model, self.critic_name: self.opt_critic}

    def penalty(self, critic, pose_a: torch.Tensor, pose_b: torch.Tensor, partner: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def critic_loss(
        self, critic, pose_a: torch.Tensor, pose_b: torch.Tensor, partner: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """{'critic': loss to minimise, ...extra detached figures to log}."""
        raise NotImplementedError

    @torch.no_grad()
    def preview(
        self, x_t: torch.Tensor, x_tk: torch.Tensor, clip: torch.Tensor | None = None, n: int = 8
    ) -> torch.Tensor:
        """Rows x^t, x^{t+k}, the reconstruction D(Ec(x^t), Ep(x^{t+k})) and the swap with the
        content of the clip to the left: (4, n, C, H, W) for TensorBoard."""
        a, b = x_t[:n], x_tk[:n]
        self.model.eval()
        rows = torch.stack([a, b, self.model(a, b).float(), self.model(a.roll(1, 0), b).float()])
        self.model.train()
        return rows

    def step(self, x_t: torch.Tensor, x_tk: torch.Tensor, clip: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """One update from frames x^t and x^{t+k} of B clips, each (B, C, H, W) (this rank's share),
        and, for real videos, each row's clip (B,) (rows of one video are never "different clips").

        Returns detached scalar tensors (no host sync): loss terms ('sim' only when alpha is not 0)
        and the critic's figures.
        """
        self.model.train()
        self.critic.train()
        x_t, x_tk = self.rt.frames(x_t), self.rt.frames(x_tk)
        if self.cfg.content_flip:
            x_t = mirror_half(x_t)
        theta = random_affines(x_tk.shape[0], x_tk.device) if self.cfg.equivariance else None
        with self.rt.autocast():
            rec, c_t, c_tk, p_t, p_tk, *p_warped = self.train_pass(
                x_t, x_tk, None if theta is None else warped(x_tk, theta)
            )
        l_eq = (
            equivariance_loss(p_tk, p_warped[0], theta, self.model.pose_encoder.grid, self.model.pose_encoder.affine)
            if theta is not None
            else None
        )
        l_cen = (
            centring_loss(torch.cat([x_t, x_tk]), torch.cat([p_t, p_tk]), self.model.pose_encoder.grid)
            if self.cfg.centring
            else None
        )
        l_cov = None
        if self.cfg.coverage:
            K = self.model.pose_encoder.points
            l_cov = coverage_loss(x_t, x_tk, p_t[:, : 2 * K], p_tk[:, : 2 * K], self.model.pose_encoder.grid)
        p_t, p_tk = self.rt.gather(p_t.float()), self.rt.gather(p_tk.float())  # (W * B, Dp)
        clip = None if clip is None else self.rt.gather(clip.to(p_t.device))  # (W * B,) like the poses
        partner = different_clip_partner(p_t.shape[0], p_t.device, clip)
        if self.cfg.detach_second:  # rec uses c_t and p_tk: the other two only pull, as in drnet-py
            c_tk, p_t = (None if c_tk is None else c_tk.detach()), p_t.detach()

        l_rec = reconstruction_loss(rec.float(), x_tk, self.cfg.rec_loss)
        l_sim = None if c_tk is None else similarity_loss(c_t.float(), c_tk.float(), self.cfg.sim_loss, self.rt.gather)
        with frozen(self.critic) as critic:
            l_pen = self.penalty(critic, p_t, p_tk, partner)
        total = l_rec if l_sim is None else l_rec + self.cfg.alpha * l_sim
        total = total + self.cfg.beta * l_pen
        if l_cen is not None:
            total = total + self.cfg.centring * l_cen
        if l_eq is not None:
            total = total + self.cfg.equivariance * l_eq
        if l_cov is not None:
            total = total + self.cfg.coverage * l_cov
        self.opt_model.zero_grad(set_to_none=True)
        total.backward()
        self.opt_model.step()

        # The critic on the same poses, encoders fixed (detached).
        critic = self.critic_loss(self.train_critic, p_t.detach(), p_tk.detach(), partner)
        self.opt_critic.zero_grad(set_to_none=True)
        critic["critic"].backward()
        self.opt_critic.step()

        return {
            "loss": total.detach(),
            "rec": l_rec.detach(),
            **({"sim": l_sim.detach()} if l_sim is not None else {}),
            self.penalty_name: l_pen.detach(),
            **({"centring": l_cen.detach()} if l_cen is not None else {}),
            **({"equivariance": l_eq.detach()} if l_eq is not None else {}),
            **({"coverage": l_cov.detach()} if l_cov is not None else {}),
            **{k: v.detach() for k, v in critic.items()},
        }
