"""Command line: `contentpose COMMAND ...`. Errors a user can cause end in one line and exit code 2."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contentpose.errors import UserError


def cmd_train(args) -> None:
    from contentpose.config import load_config

    if args.out is not None and not args.out.strip():
        raise UserError("--out needs a folder name")
    if not args.resume:  # a bad preset or override is reported before torch is imported (~1 s)
        if args.config is None:
            raise UserError("train needs a CONFIG: a preset name (quick, paper) or a YAML file")
        cfg = load_config(args.config, args.overrides)

    from contentpose.runtime import launched_rank
    from contentpose.train.loop import resume_config, train

    if args.resume:
        if args.out is None:
            raise UserError("--resume needs --out RUN, the run folder to continue")
        if args.config and "=" not in args.config:
            raise UserError(
                f"--resume continues {args.out} with its own config.yaml; leave out the preset {args.config!r}"
            )
        overrides = ([args.config] if args.config else []) + args.overrides
        cfg = resume_config(Path(args.out), overrides)
    if args.threads:
        cfg.train.threads = args.threads
    run = Path(args.out) if args.out else Path("runs") / Path(args.config).stem
    train(cfg, run, resume=args.resume, quiet=args.quiet)
    if launched_rank() == 0:
        print(f"trained run in {run}")


def cmd_train_predictor(args) -> None:
    from contentpose.runtime import launched_rank
    from contentpose.train.loop import train_predictor

    train_predictor(Path(args.run), args.overrides, resume=args.resume, quiet=args.quiet)
    if launched_rank() == 0:
        print(f"pose predictor trained in {Path(args.run) / 'predictor.safetensors'}")


def run_verb(args) -> None:
    """A command whose work depends on the run's family (predict, transfer, analogy, ...): the family's own."""
    from contentpose.families import FAMILIES, resolve
    from contentpose.trained import run_family

    family = run_family(args.run)
    verb = family.verbs.get(args.command)
    if verb is None:
        which = [f"{f.name} ({', '.join(f.objectives)})" for f in FAMILIES.values() if args.command in f.verbs]
        raise UserError(
            f"{args.run} holds {family.noun} run, which has no `{args.command}`; it is for: {'; '.join(which)}"
        )
    if args.command in ("predict", "transfer") and not args.out:
        args.out = list(DEFAULT_PREDICTIONS if args.command == "predict" else DEFAULT_TRANSFERS)
    resolve(verb)(args)


DEFAULT_PREDICTIONS = ("prediction.mp4", "prediction.gif", "prediction.png")
DEFAULT_TRANSFERS = ("transfer.mp4", "transfer.gif", "transfer.png")


def cmd_report(args) -> None:
    from contentpose.viz.html_report import write_report

    print(f"report written to {write_report(args.run, args.device, args.out)}")


def cmd_evaluate(args) -> None:
    from contentpose.eval.evaluate import evaluate_runs

    evaluate_runs(
        [Path(r) for r in args.runs], args.device, Path(args.out) if args.out else None, args.split, args.pairs
    )


def count(low: int, high: int):
    """An argparse type: a whole number in [low, high], else one line naming the range (work stays
    bounded: a grid of 100000 rows or a 10^12-frame transfer is refused, not attempted)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low} to {high}")
        return value

    return parse


class Parser(argparse.ArgumentParser):
    """argparse, with its usage errors in one line (and exit code 2) like every other error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="contentpose", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("train", help="train a model from a preset or YAML config")
    p.add_argument("config", nargs="?", help="preset name (quick, paper) or YAML file")
    p.add_argument("overrides", nargs="*", metavar="section.key=value", help="config overrides")
    p.add_argument("--out", help="run folder (default runs/CONFIG)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    p.add_argument(
        "--threads",
        type=count(1, 512),
        help="CPU threads (train.threads); default: the CPUs other busy work leaves free",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("train-predictor", help="train the pose LSTM of a trained run (encoders frozen)")
    p.add_argument("run")
    p.add_argument("overrides", nargs="*", metavar="predictor.key=value", help="predictor config overrides")
    p.add_argument("--resume", action="store_true", help="continue the run's predictor from its checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train_predictor)

    p = sub.add_parser("predict", help="roll the pose predictor out from context frames; write MP4/GIF/PNG")
    p.add_argument("run")
    p.add_argument("--context", type=count(1, 200), help="context frames (default 5; a pose forecasting run's own)")
    p.add_argument(
        "--horizon", type=count(1, 2000), help="predicted frames (default 100; a pose forecasting run's own)"
    )
    p.add_argument(
        "--out",
        action="append",
        metavar="FILE",
        help=f"output file, .mp4, .gif or .png (repeat for several; default: {', '.join(DEFAULT_PREDICTIONS)})",
    )
    p.add_argument("--video", help="take the context from this video file instead of held-out clips")
    p.add_argument("--clips", type=count(1, 64), default=4, help="held-out clips to predict (without --video)")
    p.add_argument("--image", help="conditional VGAN: continue this image file instead of held-out clips")
    p.add_argument("--seed", type=count(0, 2**63 - 1), default=0, help="conditional VGAN, pose forecasting: its noise")
    p.add_argument(
        "--renderer",
        metavar="POSEGEN_RUN",
        help="pose forecasting: the pose-to-frame run that renders the sampled futures (The Pose Knows); "
        "--video test:N picks the held-out clip",
    )
    p.add_argument("--samples", type=count(1, 32), default=3, help="pose forecasting: sampled futures per clip")
    p.add_argument("--fps", type=count(1, 120), default=10)
    p.add_argument("--device", default="auto")
    p.set_defaults(func=run_verb)

    p = sub.add_parser(
        "transfer",
        help="motion transfer: the content of one clip following the motion of another, "
        "frame by frame; write MP4/GIF/PNG",
    )
    p.add_argument("run")
    p.add_argument(
        "--content",
        required=True,
        metavar="A",
        help="the clip whose content is kept: a video file, an image (.png, .jpg), test:N (test clip N), val:N or "
        "train:N",
    )
    p.add_argument(
        "--motion",
        required=True,
        metavar="B",
        help="the clip whose motion is followed (it sets the length): a video file, test:N, val:N or train:N "
        "(pose-to-frame runs: a video's keypoints are read by the run's keypoint regressor, trained on first use)",
    )
    p.add_argument(
        "--out",
        action="append",
        metavar="FILE",
        help=f"output file, .mp4, .gif or .png (repeat for several; default: {', '.join(DEFAULT_TRANSFERS)})",
    )
    p.add_argument("--frames", type=count(2, 2000), default=100, help="at most this many frames of each clip")
    p.add_argument(
        "--relative",
        action="store_true",
        help="apply the motion clip's motion since its first frame to the content's own pose (FOMM's "
        "animation mode), instead of the motion clip's poses",
    )
    p.add_argument("--fps", type=count(1, 120), default=10)
    p.add_argument("--device", default="auto")
    p.set_defaults(func=run_verb)

    p = _picture_command(
        sub,
        "analogy",
        run_verb,
        "analogy.png",
        "grid: content of each row's frame with the pose of each column's frame",
    )
    p.add_argument("--size", type=count(1, 32), default=8, help="number of content rows and pose columns")
    p.add_argument(
        "--split",
        choices=("test", "val", "train"),
        default="test",
        help="frames of test clips, validation clips (val) or training clips (train)",
    )

    p = _picture_command(
        sub,
        "interpolate",
        run_verb,
        "interpolation.png",
        "strips: fixed content, pose interpolated between two frames",
    )
    p.add_argument("--rows", type=count(1, 64), default=4)
    p.add_argument("--steps", type=count(1, 64), default=8, help="interpolated frames between the two ends")

    p = _picture_command(
        sub,
        "traverse",
        run_verb,
        "traverse.png",
        "Set GAN: rows of fixed z_C with z_M swept from -z* to z*; and a video of one z_M path over several z_C",
    )
    p.add_argument("--video", help="the animation, .gif or .mp4 (default: --out with .gif)")
    p.add_argument("--rows", type=count(1, 64), default=6, help="z_C rows (and clips in the video)")
    p.add_argument("--steps", type=count(2, 64), default=10, help="z_M columns")
    p.add_argument("--fps", type=count(1, 120), default=10)

    p = _picture_command(
        sub,
        "samples",
        run_verb,
        "samples.png",
        "Set GAN: a grid of frames from random z; VGAN: a PNG of clips' frames, a video of "
        "rows x cols clips and one of their parts (foreground, mask, background, composite)",
    )
    p.add_argument("--rows", type=count(1, 64), default=8)
    p.add_argument("--cols", type=count(1, 64), default=8)
    p.add_argument(
        "--video",
        help="VGAN: the clips' video, .gif or .mp4 (default: --out with .gif; the parts go next to it as NAME_parts)",
    )
    p.add_argument("--fps", type=count(1, 120), default=8, help="VGAN: frames per second of the videos")

    p = sub.add_parser("report", help="one offline HTML page of a run: config, curves, pictures, videos, metrics")
    p.add_argument("run")
    p.add_argument("--out", help="HTML file (default RUN/report.html)")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "evaluate",
        help="autoencoders: swap fidelity, reconstruction, disentanglement, prediction; Set GAN: identity analysis",
    )
    p.add_argument("runs", nargs="+", metavar="RUN")
    p.add_argument("--out", help="JSON file for all results (each run also gets RUN/eval.json)")
    p.add_argument(
        "--split",
        choices=("val", "test"),
        default="val",
        help="held-out data to score: val (the default; choose settings here) or test (report once)",
    )
    p.add_argument(
        "--pairs",
        type=int,
        default=None,
        help="swap pairs to score (synthetic data; default data.test_clips: each clip once)",
    )
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_evaluate)
    return parser


def _picture_command(sub, name: str, func, out: str, help: str) -> argparse.ArgumentParser:
    """A command that draws a picture of a run: RUN, --out, --seed (which frames or latents), --device."""
    p = sub.add_parser(name, help=help)
    p.add_argument("run")
    p.add_argument("--out", default=out)
    p.add_argument(
        "--seed", type=count(0, 2**63 - 1), default=0, help="which held-out frames or random latents to show"
    )
    p.add_argument("--device", default="auto")
    p.set_defaults(func=func)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # key=value overrides may also follow the options: train quick --out RUN train.steps=10
            if not hasattr(args, "overrides") or any(e.startswith("-") or "=" not in e for e in extra):
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            args.overrides += extra
    except SystemExit as done:  # --help (0) or a usage error, said in one line (2)
        return done.code
    try:
        args.func(args)
    except UserError as err:
        print(f"contentpose: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        print(f"contentpose: {str(err) or 'interrupted'}", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
