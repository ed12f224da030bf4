"""The autoencoder's architectures, one module per `model.architecture` value, each exporting the same
name, `Autoencoder` (a `ContentPoseAutoencoder` built from the model config, channels and frame size),
the way drnet-py's dcgan_64.py and dcgan_unet_64.py export the same encoder and decoder.

    dcgan, dcgan_unet         DrNet's encoders and decoder (pose a vector), and its U-Net variant
    keypoints, keypoint_warp  pose as points; the warp variant moves the content frame's features
    glimpses, glimpses_unet   the frame drawn as one patch per point (objects on black)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contentpose.families.autoencoder import AutoencoderModel
    from contentpose.models.autoencoder import ContentPoseAutoencoder


def build_autoencoder(cfg: AutoencoderModel, channels: int, frame_size: int) -> ContentPoseAutoencoder:
    """The autoencoder of `cfg.architecture` (validated with the config: a module of this package)."""
    module = importlib.import_module(f"{__name__}.{cfg.architecture}")
    return module.Autoencoder(cfg, channels, frame_size)
