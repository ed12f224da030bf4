"""DrNet's U-Net variant: the decoder also reads the content frame's encoder feature maps."""

from contentpose.models.architectures import dcgan


class Autoencoder(dcgan.Autoencoder):
    skips = True
