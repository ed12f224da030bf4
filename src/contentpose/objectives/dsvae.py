"""DSVAE (Li & Mandt, ICML 2018) trained by its ELBO on sequences (B, T, C, H, W) in [0, 1].

Per sequence (f and z_1:T sampled from q, reparameterised), the loss is the negative ELBO

    L = rec(x_1:T, decoded) + KL(q(f | x_1:T) || N(0, I)) + sum_t KL(q(z_t | .) || p(z_t | z_<t))

averaged over the batch. `rec` is summed over every pixel of every frame, as the paper's
log-likelihood is: with `objective.rec_loss=bce` it is -log p(x | z, f) of a Bernoulli
decoder; with `mse` the summed squared error, -log p of a Gaussian decoder with variance 1/2
up to a constant. Both KL terms are in closed form and weighted 1 (the ELBO itself); the KL
of z is taken against the LSTM prior at the sampled z_<t.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from contentpose.config import Config
from contentpose.data.samplers import SequenceSampler
from contentpose.models.dsvae import DSVAE, DSVAEPass
from contentpose.runtime import Runtime


def reconstruction_sum(rec: torch.Tensor, target: torch.Tensor, kind: str = "mse") -> torch.Tensor:
    """Error of sequences (B, T, C, H, W) in [0, 1], summed over frames and pixels, averaged over B:
    the summed squared error (mse) or the Bernoulli negative log-likelihood (bce)."""
    assert rec.shape == target.shape, (rec.shape, target.shape)
    if kind == "bce":
        return F.binary_cross_entropy(rec, target, reduction="sum") / len(target)
    return F.mse_loss(rec, target, reduction="sum") / len(target)


def elbo_terms(out: DSVAEPass, x: torch.Tensor, rec_loss: str = "mse") -> dict[str, torch.Tensor]:
    """The negative ELBO of one pass on sequences x (B, T, C, H, W), per sequence (averaged over B):
    'loss' = 'rec' + 'kl_f' + 'kl_z'."""
    rec = reconstruction_sum(out.rec.float(), x, rec_loss)
    kl_f = out.q_f.kl().sum(dim=1).mean()
    kl_z = out.q_z.kl(out.p_z).sum(dim=(1, 2)).mean()
    return {"loss": rec + kl_f + kl_z, "rec": rec, "kl_f": kl_f, "kl_z": kl_z}


class DSVAEObjective:
    """Owns the DSVAE networks and their optimiser; `step(sequences)` is one ELBO update."""

    name = "dsvae"

    def __init__(self, model: DSVAE, cfg: Config, rt: Runtime):
        self.model, self.rt, self.rec_loss = model, rt, cfg.objective.rec_loss
        self.train_model = rt.trainable(model)
        self.opt = rt.adam(model.parameters(), cfg.train.lr, (cfg.train.beta1, cfg.train.beta2))

    @staticmethod
    def networks(cfg: Config, channels: int) -> dict[str, torch.nn.Module]:
        """The networks a trained run needs for inference: all of DSVAE (encoders, prior, decoder)."""
        m = cfg.model
        return {
            "model": DSVAE(channels, cfg.data.frame_size, m.width, m.content_dim, m.pose_dim, m.dsvae_hidden, m.dsvae_q)
        }

    @classmethod
    def build(cls, cfg: Config, channels: int, rt: Runtime) -> DSVAEObjective:
        return cls(rt.place(cls.networks(cfg, channels)["model"]), cfg, rt)

    @staticmethod
    def sampler(data, cfg: Config, batch_size: int, seed: int) -> SequenceSampler:
        return SequenceSampler(data, batch_size, cfg.objective.seq_len, seed)

    @property
    def modules(self) -> dict[str, torch.nn.Module]:
        return {"model": self.model}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"model": self.opt}

    @torch.no_grad()
    def preview(self, x: torch.Tensor, n: int = 4) -> torch.Tensor:
        """For n sequences: the sequence, its reconstruction (posterior means) and the swap with the
        f of the sequence above: (3n, T, C, H, W) for TensorBoard."""
        x = x[:n]
        self.model.eval()
        f, z = self.model.encode(x)
        rows = [x, self.model.decode(f, z).float(), self.model.decode(f.roll(1, 0), z).float()]
        self.model.train()
        return torch.stack(rows, dim=1).flatten(0, 1)

    def step(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """One ELBO update from sequences (B, T, C, H, W) (this rank's share). Returns detached scalars."""
        self.model.train()
        with self.rt.autocast():
            out = self.train_model(x)
        terms = elbo_terms(out, x, self.rec_loss)
        self.opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        self.opt.step()
        return {k: v.detach() for k, v in terms.items()}
