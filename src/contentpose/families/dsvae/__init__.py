"""The disentangled sequential VAE (DSVAE): a static code f per sequence and a dynamic code z_t per
frame, with an LSTM prior over z. Parts: objectives/dsvae.py, models/dsvae.py, eval/protocols/sequence_vae.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contentpose.families.family import Family


@dataclass
class DSVAEModel:
    content_dim: int = 128  # size of f
    pose_dim: int = 5  # size of z_t
    width: int = 64  # channels of the first conv block
    dsvae_hidden: int = 256  # conv features and LSTM states
    dsvae_q: Literal["factorised", "full"] = "factorised"  # q(z_t | x_t), or q(z_t | f, x_1:T)


@dataclass
class DSVAEObjective:
    name: Literal["dsvae"] = "dsvae"
    seq_len: int = 8  # frames per training sequence
    rec_loss: Literal["mse", "bce"] = "mse"  # reconstruction error

    def losses(self) -> list[str]:
        return [f"reconstruction ({self.rec_loss})", "KL of f and of z_1:T against the LSTM prior"]


FAMILY = Family(
    name="dsvae",
    noun="a sequence VAE",
    model=DSVAEModel,
    objective=DSVAEObjective,
    objectives={"dsvae": "contentpose.objectives.dsvae:DSVAEObjective"},
    loaded="contentpose.trained:TrainedSequenceVAE",
    evaluate="contentpose.eval.protocols.sequence_vae:evaluate_sequence_vaes",
    result="contentpose.eval.protocols.sequence_vae:SequenceVAEResult",
    report="contentpose.viz.html_report:sequence_vae_sections",
    verbs={"transfer": "contentpose.families.autoencoder.commands:transfer"},
)
