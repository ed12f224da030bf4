"""The command-line verbs of the vgan family (named in its Family's `verbs`): each takes the
parsed arguments and imports what it draws with."""

from __future__ import annotations


def predict(args) -> None:
    """`contentpose predict` of the conditional VGAN: a clip from one first frame."""
    from contentpose.viz.vgan import predict_to_files

    for path in predict_to_files(
        args.run, args.out, args.clips, args.image, args.video, args.seed, args.fps, args.device
    ):
        print(f"wrote {path}")


def samples(args) -> None:
    """`contentpose samples`: clips, and their parts."""
    from contentpose.viz.vgan import samples_to_files

    for path in samples_to_files(
        args.run, args.out, args.video, args.rows, args.cols, args.seed, args.fps, args.device
    ):
        print(f"wrote {path}")
