"""Glimpses whose window encoder passes its feature maps to the patch decoder (a U-Net per window)."""

from contentpose.models.architectures import glimpses


class Autoencoder(glimpses.Autoencoder):
    skips = True
