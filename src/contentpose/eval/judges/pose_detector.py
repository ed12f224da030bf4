"""A human pose detector for real video: MediaPipe's BlazePose (the full landmark model,
`pose_landmark_full.tflite`, shipped inside the mediapipe 0.10.14 wheel; nothing is downloaded).

Optional: `pip install 'contentpose[akd]'`. Each frame is read on its own (static-image mode, no
tracking between frames, so a generated clip and the true one are read alike), upscaled to UPSCALE
pixels first (the detector expects people at about that size). 33 landmarks per frame; a landmark
counts as found when the detector's visibility is VISIBLE or more.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from contentpose.errors import UserError

UPSCALE = 256
VISIBLE = 0.5
LANDMARKS = 33


def pose_detector_installed() -> bool:
    """Whether mediapipe's pose solution can be imported here."""
    try:
        from mediapipe.python.solutions import pose  # noqa: F401
    except Exception:  # ImportError, or a protobuf too new for mediapipe 0.10.14 (it needs < 5)
        return False
    return True


class PoseDetector:
    """frames (T, C, H, W) in [0, 1] -> landmarks (T, 33, 2) in the frames' pixels (x, y) and
    found (T, 33) bool (False everywhere in a frame where no person is detected)."""

    def __init__(self):
        if not pose_detector_installed():
            raise UserError("keypoint distance needs mediapipe 0.10.14: pip install 'contentpose[akd]'")
        from mediapipe.python.solutions import pose

        self.detector = pose.Pose(static_image_mode=True, model_complexity=1)

    @torch.no_grad()
    def __call__(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        T, C, H, W = frames.shape
        x = frames.float().clamp(0, 1)
        x = x.expand(T, 3, H, W) if C == 1 else x
        big = F.interpolate(x, size=(UPSCALE, UPSCALE), mode="bicubic", align_corners=False).clamp(0, 1)
        images = (big.permute(0, 2, 3, 1) * 255).round().to(torch.uint8).cpu().numpy()
        points, found = np.zeros((T, LANDMARKS, 2), np.float32), np.zeros((T, LANDMARKS), bool)
        for t, image in enumerate(images):
            result = self.detector.process(np.ascontiguousarray(image))
            if result.pose_landmarks is None:
                continue
            marks = result.pose_landmarks.landmark
            points[t] = [(m.x * W, m.y * H) for m in marks]
            found[t] = [m.visibility >= VISIBLE for m in marks]
        return torch.from_numpy(points), torch.from_numpy(found)

    def close(self) -> None:
        self.detector.close()
