"""The command-line verbs of the autoencoder family (named in its Family's `verbs`): each takes the
parsed arguments and imports what it draws with."""

from __future__ import annotations

from contentpose.errors import UserError


def predict(args) -> None:
    """`contentpose predict`: the pose LSTM rolled out from context frames."""
    from contentpose.viz.prediction import predict_to_files

    if args.renderer is not None:
        raise UserError("--renderer is for a pose forecasting run (objective poseforecast)")
    if args.image is not None:
        raise UserError("--image is for a conditional VGAN run (objective vgan_cond); give the context with --video")
    context, horizon = 5 if args.context is None else args.context, 100 if args.horizon is None else args.horizon
    for path in predict_to_files(args.run, args.out, context, horizon, args.video, args.clips, args.fps, args.device):
        print(f"wrote {path}")


def transfer(args) -> None:
    """`contentpose transfer`: the content of one clip in the motion of another (also DSVAE's)."""
    from contentpose.viz.transfer import transfer_to_files

    paths = transfer_to_files(
        args.run, args.content, args.motion, args.out, args.frames, args.fps, args.device, args.relative
    )
    for path in paths:
        print(f"wrote {path}")


def analogy(args) -> None:
    from contentpose.trained import load_trained
    from contentpose.viz.analogy import analogy_grid
    from contentpose.viz.grid import save_grid

    save_grid(
        analogy_grid(load_trained(args.run, args.device), args.size, args.seed, args.split), args.out, header=True
    )
    print(f"analogy grid written to {args.out}")


def interpolate(args) -> None:
    from contentpose.eval.metrics.interpolation import interpolation_strips
    from contentpose.trained import load_trained
    from contentpose.viz.grid import save_grid

    run = load_trained(args.run, args.device)
    save_grid(interpolation_strips(run, args.rows, args.steps, args.seed), args.out, header=False)
    print(f"pose interpolation written to {args.out}")
