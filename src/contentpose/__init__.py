"""contentpose: unsupervised content/pose disentanglement of video."""

__version__ = "0.1.0"


def __getattr__(name: str):
    """`contentpose.load` (see contentpose.api), imported on first use so `import contentpose` stays light."""
    if name == "load":
        from contentpose.api import load

        return load
    raise AttributeError(f"module 'contentpose' has no attribute {name!r}")
