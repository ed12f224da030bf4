"""Pose forecasting (The Pose Knows): a CVAE over future keypoints given past ones, rendered to
frames by a pose-to-frame run. Parts: objectives/pose_forecast.py, models/pose_forecaster.py,
eval/protocols/pose_forecast.py, eval/protocols/pose_pipeline.py, viz/pose_pipeline.py. The `predictor:` section's
context and future set its window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contentpose.families.family import Family


@dataclass
class PoseForecastModel:
    forecast_hidden: int = 128  # LSTM width
    forecast_latent: int = 8  # size of the CVAE's z; 0 makes it a deterministic LSTM


@dataclass
class PoseForecastObjective:
    name: Literal["poseforecast"] = "poseforecast"
    kl_weight: float = 1.0  # weight of the CVAE's KL term (predictor.context/future set the window)

    def losses(self) -> list[str]:
        return ["keypoint reconstruction", f"KL ({self.kl_weight:g})"]


FAMILY = Family(
    name="pose_forecast",
    noun="a pose forecaster",
    model=PoseForecastModel,
    objective=PoseForecastObjective,
    objectives={"poseforecast": "contentpose.objectives.pose_forecast:PoseForecast"},
    loaded="contentpose.trained:TrainedForecaster",
    evaluate="contentpose.eval.protocols.pose_forecast:evaluate_forecasters",
    result="contentpose.eval.protocols.pose_forecast:ForecastResult",
    report="contentpose.viz.html_report:forecaster_sections",
    verbs={"predict": "contentpose.families.pose_forecast.commands:predict"},
    predictor=True,
)
