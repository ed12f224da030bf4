"""The command-line verbs of the pose_to_frame family (named in its Family's `verbs`): each takes the
parsed arguments and imports what it draws with."""

from __future__ import annotations


def transfer(args) -> None:
    """`contentpose transfer`: poses from the figures' keypoints (or the keypoint regressor's reading)."""
    from contentpose.errors import UserError
    from contentpose.viz.pose_transfer import pose_transfer_to_files

    if args.relative:
        raise UserError(f"--relative needs a content/pose autoencoder; {args.run} renders poses from keypoints")

    paths, score = pose_transfer_to_files(
        args.run, args.content, args.motion, args.out, args.frames, args.fps, args.device
    )
    for path in paths:
        print(f"wrote {path}")
    if "psnr" in score:
        print(f"PSNR against the renderer's truth (the content figure in the motion's pose): {score['psnr']:.2f} dB")
    else:  # a video file: no renderer truth; the keypoint regressor reads the result
        print(
            f"keypoint error (no renderer truth for a video file; not PSNR): {score['keypoint_error_px']:.2f} px, "
            "the keypoint regressor's reading of the result against the motion's keypoints (from the "
            "regressor's reading of a motion video) normalised to the content's body"
        )
