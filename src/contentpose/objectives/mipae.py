"""MIPAE (Sreekar et al., 2020): the shared content/pose step with a mutual-information penalty.

A critic T(z1, z2) (no sigmoid) tells joint pairs (two frames of one clip) from pairs
drawn from the product of marginals (the second vector from a different clip).
- critic, encoders fixed, maximises the Jensen-Shannon bound
      E_joint[-softplus(-T)] - E_marg[softplus(T)]
- encoders, critic fixed, minimise the NWJ estimate of I(pose^t; pose^{t+k}) with f = T + 1
      L_MI = E_joint[T] + 1 - E_marg[exp(T)]
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from contentpose.objectives.content_pose import ContentPoseObjective


def js_bound(critic, pose_a: torch.Tensor, pose_b: torch.Tensor, partner: torch.Tensor) -> torch.Tensor:
    """Jensen-Shannon lower bound on MI (to maximise): joint (a_i, b_i), marginal (a_i, b_partner[i])."""
    joint = critic(pose_a, pose_b)
    marginal = critic(pose_a, pose_b[partner])
    return (-F.softplus(-joint)).mean() - F.softplus(marginal).mean()


def nwj_estimate(critic, pose_a: torch.Tensor, pose_b: torch.Tensor, partner: torch.Tensor) -> torch.Tensor:
    """NWJ lower bound on MI with f = T + 1: E_joint[T] + 1 - E_marg[exp(T)]."""
    joint = critic(pose_a, pose_b)
    marginal = critic(pose_a, pose_b[partner])
    return joint.mean() + 1 - marginal.exp().mean()


class MIPAE(ContentPoseObjective):
    name = "mipae"
    critic_name = "critic"
    critic_hidden_key = "critic_hidden"
    penalty_name = "mi"

    def penalty(self, critic, pose_a, pose_b, partner):
        return nwj_estimate(critic, pose_a, pose_b, partner)

    def critic_loss(self, critic, pose_a, pose_b, partner):
        bound = js_bound(critic, pose_a, pose_b, partner)
        return {"critic": -bound}
