"""The command-line verbs of the pose_forecast family (named in its Family's `verbs`): each takes the
parsed arguments and imports what it draws with."""

from __future__ import annotations


def predict(args) -> None:
    """`contentpose predict`: forecast keypoints, render them as frames with a pose-to-frame run."""
    from contentpose.eval.protocols.pose_pipeline import format_pipeline
    from contentpose.viz.pose_pipeline import pipeline_to_files

    paths, scores = pipeline_to_files(
        args.run,
        args.renderer,
        args.out,
        args.video,
        args.clips,
        args.samples,
        args.context,
        args.horizon,
        args.seed,
        args.fps,
        args.device,
    )
    for path in paths:
        print(f"wrote {path}")
    print(format_pipeline(scores))
