"""DrNet (Denton & Birodkar, 2017): the shared content/pose step with a scene discriminator.

The scene discriminator C is trained, with Ep held fixed, on same-clip pose pairs
(target 1) against pairs from two different clips (target 0). The pose encoder is
penalised with L_adv = BCE(C(Ep(x^t), Ep(x^{t+k})), 1/2), C held fixed: pose must not
reveal the clip. Unlike the public code, the labels are the paper's and a "different"
pair never pairs a clip with itself.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from contentpose.objectives.content_pose import ContentPoseObjective


def scene_discriminator_loss(
    disc, pose_a: torch.Tensor, pose_b: torch.Tensor, partner: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """BCE of C on same-clip pairs (a_i, b_i) -> 1 and different-clip pairs (a_i, b_partner[i]) -> 0.

    Returns the loss and C's accuracy on the 2B pairs.
    """
    same = disc(pose_a, pose_b)
    other = disc(pose_a, pose_b[partner])
    loss = 0.5 * (
        F.binary_cross_entropy_with_logits(same, torch.ones_like(same))
        + F.binary_cross_entropy_with_logits(other, torch.zeros_like(other))
    )
    accuracy = 0.5 * ((same > 0).float().mean() + (other < 0).float().mean())
    return loss, accuracy


def adversarial_loss(disc, pose_a: torch.Tensor, pose_b: torch.Tensor) -> torch.Tensor:
    """BCE of C on same-clip pose pairs against 1/2: the pose encoder tries to leave C unsure."""
    logits = disc(pose_a, pose_b)
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, 0.5))


class DrNet(ContentPoseObjective):
    name = "drnet"
    critic_name = "scene_discriminator"
    critic_hidden_key = "disc_hidden"
    penalty_name = "adv"

    def penalty(self, critic, pose_a, pose_b, partner):
        return adversarial_loss(critic, pose_a, pose_b)

    def critic_loss(self, critic, pose_a, pose_b, partner):
        loss, accuracy = scene_discriminator_loss(critic, pose_a, pose_b, partner)
        return {"critic": loss, "disc_acc": accuracy}
