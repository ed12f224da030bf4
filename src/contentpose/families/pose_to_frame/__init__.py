"""Pose-to-frame transfer (Everybody Dance Now): frames drawn from stick-figure maps and a
reference frame of the target, with a temporal discriminator. Parts: objectives/posegen.py,
models/pose_generator.py, eval/protocols/pose_transfer.py, viz/pose_transfer.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contentpose.families.family import Family


@dataclass
class PoseToFrameModel:
    width: int = 64  # channels of the generator's first block and the discriminators'


@dataclass
class PoseToFrameObjective:
    name: Literal["posegen"] = "posegen"
    l1_weight: float = 10.0  # weight of the L1 reconstruction term (The Pose Knows' alpha)
    temporal_disc: bool = True  # EDN's temporal discriminator on consecutive frame pairs

    def losses(self) -> list[str]:
        terms = ["frame GAN", f"L1 ({self.l1_weight:g})"]
        return terms + (["temporal discriminator"] if self.temporal_disc else [])


FAMILY = Family(
    name="pose_to_frame",
    noun="a pose-to-frame generator",
    model=PoseToFrameModel,
    objective=PoseToFrameObjective,
    objectives={"posegen": "contentpose.objectives.posegen:PoseGen"},
    loaded="contentpose.trained:TrainedPoseGenerator",
    evaluate="contentpose.eval.protocols.pose_transfer:evaluate_pose_generators",
    result="contentpose.eval.protocols.pose_transfer:PoseTransferResult",
    report="contentpose.viz.html_report:pose_generator_sections",
    verbs={"transfer": "contentpose.families.pose_to_frame.commands:transfer"},
)
