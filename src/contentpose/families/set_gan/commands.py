"""The command-line verbs of the set_gan family (named in its Family's `verbs`): each takes the
parsed arguments and imports what it draws with."""

from __future__ import annotations

from pathlib import Path

from contentpose.errors import UserError


def samples(args) -> None:
    from contentpose.trained import load_trained
    from contentpose.viz.grid import save_grid
    from contentpose.viz.traverse import sample_grid

    save_grid(sample_grid(load_trained(args.run, args.device), args.rows, args.cols, args.seed), args.out)
    print(f"random samples written to {args.out}")


def traverse(args) -> None:
    from contentpose.trained import load_trained
    from contentpose.viz.grid import save_grid
    from contentpose.viz.traverse import traverse_animation, traverse_grid
    from contentpose.viz.video import VIDEO_SUFFIXES, write_video

    video = args.video or str(Path(args.out).with_suffix(".gif"))
    if Path(video).suffix.lower() not in VIDEO_SUFFIXES:  # refused before the grid is drawn
        raise UserError(f"cannot write video {video}: use a {' or '.join(VIDEO_SUFFIXES)} file name")
    gen = load_trained(args.run, args.device)
    save_grid(traverse_grid(gen, args.rows, args.steps, args.seed), args.out)
    print(f"traversal grid (rows: fixed z_C; columns: z_M from -z* to z*) written to {args.out}")
    write_video(traverse_animation(gen, args.rows, 3 * args.steps, args.seed), video, args.fps)
    print(f"one z_M path over {args.rows} z_C written to {video}")
