"""contentpose: unsupervised content/pose disentanglement of video."""

__version__ = "0.1.0"
