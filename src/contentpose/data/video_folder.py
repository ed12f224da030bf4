"""A folder of the user's videos as a dataset: `data=videos:PATH`.

PATH is a video file or a folder searched recursively for video files (VIDEO_EXTENSIONS)
and folders of frame images (IMAGE_EXTENSIONS; one folder = one clip, frames in name
order). `data.split` says what is held out (then cut in two, val and test; see
`contentpose.data.splits`): whole videos (`video`, a share `data.test_fraction` of them fixed by
`data.test_seed`; KTH's layout holds out persons 21-25: 21-22 val, 23-25 test),
or the last `data.test_fraction` of every video (`time`, for a handful of videos: held-out
scores then measure later moments of the training scenes); `auto` (the default) picks `time`
when there are fewer than TIME_SPLIT_BELOW videos (KTH's layout: always its person split).
Building the training split says which.

Every clip is decoded once (square crop, resized, every `stride`-th frame) into one
compact uint8 file, memory-mapped afterwards; its name is a hash of the source files
(paths, sizes, modification times) and the decoding options, so changing either
rebuilds it and nothing else does. Bad files stop the run with one line naming the file
and the problem, or, with `data.skip_bad=true`, are skipped and listed with their reasons.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import torch

from contentpose.config import DataConfig
from contentpose.data.frame_store import FrameStore
from contentpose.data.splits import held_out_part
from contentpose.data.video import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, decode_frame_folder, decode_video
from contentpose.errors import UserError
from contentpose.runtime.progress import progress

CACHE_FORMAT = 1
TIME_SPLIT_BELOW = 10  # data.split=auto: fewer videos than this are split by time


def find_clips(root: Path, skip_bad: bool) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Video files and frame folders under `root`; and the files skipped with their reasons."""
    if not root.exists():
        raise UserError(f"video path not found: {root}")
    if root.is_file():
        if root.suffix.lower() not in VIDEO_EXTENSIONS:
            raise UserError(
                f"{root}: unsupported file type {root.suffix!r}; videos must be one of {', '.join(VIDEO_EXTENSIONS)}"
            )
        return [root], []
    clips, skipped = [], []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        folder = Path(folder)
        has_frames = False
        for name in sorted(files):
            path = folder / name
            ext = path.suffix.lower()
            if name.startswith("."):
                continue
            if ext in VIDEO_EXTENSIONS:
                clips.append(path)
            elif ext in IMAGE_EXTENSIONS:
                has_frames = True
            elif skip_bad:
                skipped.append((path, f"unsupported file type {ext or '(none)'}"))
            else:
                raise UserError(
                    f"{path}: unsupported file type {ext or '(none)'} (videos: "
                    f"{', '.join(VIDEO_EXTENSIONS)}; frames: {', '.join(IMAGE_EXTENSIONS)}); "
                    f"remove it or pass data.skip_bad=true"
                )
        if has_frames:
            clips.append(folder)
    if not clips:
        raise UserError(f"no videos or frame folders found in {root}")
    return clips, skipped


class VideoFolder(FrameStore):
    """Clips decoded from the user's files (see the module doc)."""

    def __init__(
        self,
        cfg: DataConfig,
        split: str = "train",
        device: torch.device | str = "cpu",
        cache_dir: Path | None = None,
        quiet: bool = False,
    ):
        if cfg.path is None:
            raise UserError("data.name=videos needs data.path (or write data=videos:PATH)")
        if cfg.stride < 1:
            raise UserError("data.stride must be at least 1")
        self.cfg, self.device = cfg, torch.device(device)
        self.channels = 3 if cfg.colour else 1
        root = Path(cfg.path).expanduser()
        sources, skipped = find_clips(root, cfg.skip_bad)
        if cfg.layout == "kth":
            sources, misnamed = _kth_names(sources, cfg.skip_bad)
            skipped += misnamed
        cache_dir = Path(cache_dir) if cache_dir is not None else root.parent / ".contentpose-cache"
        self.frames, index = _load_or_build_cache(root, sources, cfg, self.channels, cache_dir, quiet)
        self.skipped = [(Path(p), why) for p, why in index["skipped"]] + skipped
        if self.skipped and not quiet:
            print(f"skipped {len(self.skipped)} file(s):", file=sys.stderr)
            for path, why in self.skipped:
                print(f"  {path}: {why}", file=sys.stderr)
        clips = index["clips"]
        by_time = cfg.split == "time" or (
            cfg.split == "auto" and cfg.layout == "plain" and len(clips) < TIME_SPLIT_BELOW
        )
        if split == "train" and not quiet:
            print(split_note(cfg, len(clips), by_time), file=sys.stderr)
        if by_time:
            self._split_by_time(clips, split, cfg.test_fraction)
            return
        if len(clips) < 3:
            raise UserError(
                f"{root} gives {len(clips)} usable clip(s); a train/val/test split by video needs at least 3 "
                f"(or hold out the end of every video: data.split=time)"
            )
        if cfg.layout == "kth":  # DrNet's split: persons 1-20 train, 21-25 test
            parsed = [KTH_NAME.match(Path(c["name"]).name) for c in clips]
            persons = KTH_PERSONS[split]
            chosen = [i for i, m in enumerate(parsed) if int(m["person"]) in persons]
            if not chosen:
                raise UserError(f"no KTH clips of the {split} persons ({min(persons)}-{max(persons)}) in {root}")
            self.label_names = sorted({m["action"] for m in parsed})
            self.clip_labels = np.array([self.label_names.index(parsed[i]["action"]) for i in chosen])
        else:
            order = np.random.default_rng(cfg.test_seed).permutation(len(clips))
            n_test = min(len(clips) - 1, max(2, round(cfg.test_fraction * len(clips))))
            chosen = sorted(order[n_test:] if split == "train" else held_out_part(order[:n_test], split, "videos"))
        self.names = [clips[i]["name"] for i in chosen]
        self.starts = np.array([clips[i]["start"] for i in chosen])
        self.lengths = np.array([clips[i]["length"] for i in chosen])

    def _split_by_time(self, clips: list[dict], split: str, fraction: float) -> None:
        """Every clip, cut in three: its first part for training, then its last `fraction` (at least two
        frames, one frame left for training), whose first half is val and the rest test."""
        lengths = np.array([c["length"] for c in clips])
        short = [c["name"] for c in clips if c["length"] < 3]
        if short:
            raise UserError(
                f"{short[0]} has fewer than 3 frames; data.split=time needs at least 3 in every video "
                f"(train, val, test)"
            )
        held = np.clip(np.round(fraction * lengths).astype(np.int64), 2, lengths - 1)
        starts = np.array([c["start"] for c in clips])
        self.names = [c["name"] for c in clips]
        val = held // 2
        offset = {"train": 0, "val": lengths - held, "test": lengths - held + val}[split]
        self.starts = starts + offset
        self.lengths = {"train": lengths - held, "val": val, "test": held - val}[split]
        if self.cfg.layout == "kth":
            parsed = [KTH_NAME.match(Path(c["name"]).name) for c in clips]
            self.label_names = sorted({m["action"] for m in parsed})
            self.clip_labels = np.array([self.label_names.index(m["action"]) for m in parsed])


def split_note(cfg: DataConfig, videos: int, by_time: bool) -> str:
    """One line: which split a video folder uses and what held-out scores therefore measure."""
    why = f" (data.split=auto: {videos} video(s), fewer than {TIME_SPLIT_BELOW})" if cfg.split == "auto" else ""
    if by_time:
        return (
            f"data split by time{why}: the last {cfg.test_fraction:.0%} of every video is held out (its first half "
            f"val, the rest test), so held-out "
            f"scores measure later moments of the training videos, not unseen videos"
        )
    if cfg.layout == "kth":
        return (
            "data split by person (KTH: persons 1-20 train, 21-22 val, 23-25 test), so held-out scores measure "
            "unseen persons"
        )
    why = f" (data.split=auto: {videos} videos)" if cfg.split == "auto" else ""
    return (
        f"data split by video{why}: {cfg.test_fraction:.0%} of the videos are held out whole (half val, half "
        f"test), so held-out "
        f"scores measure unseen videos"
    )


KTH_NAME = re.compile(r"person(?P<person>\d+)_(?P<action>[a-z]+)_d(?P<scenario>\d+)", re.IGNORECASE)
# DrNet's split holds out persons 21-25; val takes the first two of them, test the last three
KTH_PERSONS = {"train": range(1, 21), "val": range(21, 23), "test": range(23, 26)}


def _kth_names(sources: list[Path], skip_bad: bool) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Keep the clips named like KTH's personNN_ACTION_dN_uncomp.avi; the others are bad input."""
    keep, skipped = [], []
    for src in sources:
        if KTH_NAME.match(src.name):
            keep.append(src)
        elif skip_bad:
            skipped.append((src, "not a KTH name (personNN_ACTION_dN...)"))
        else:
            raise UserError(
                f"{src}: not a KTH file name (personNN_ACTION_dN_uncomp.avi); "
                f"use data.layout=plain or pass data.skip_bad=true"
            )
    if not keep:
        raise UserError("no KTH-named clips found")
    return keep, skipped


def _cache_key(root: Path, sources: list[Path], cfg: DataConfig, channels: int) -> str:
    stats = []
    for src in sources:
        files = [src] if src.is_file() else sorted(p for p in src.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
        stats.append([str(src.resolve()), [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files]])
    options = {
        "format": CACHE_FORMAT,
        "size": cfg.frame_size,
        "channels": channels,
        "crop": cfg.crop,
        "stride": cfg.stride,
        "min_frames": cfg.min_frames,
        "skip_bad": cfg.skip_bad,
        "seed": cfg.test_seed,
    }
    return hashlib.sha1(json.dumps([options, stats]).encode()).hexdigest()[:16]


def _load_or_build_cache(
    root: Path, sources: list[Path], cfg: DataConfig, channels: int, cache_dir: Path, quiet: bool
) -> tuple[np.ndarray, dict]:
    """The memory-mapped frames (N, C, H, W) uint8 of all clips and their index."""
    key = _cache_key(root, sources, cfg, channels)
    data_path, index_path = cache_dir / f"videos-{key}.u8", cache_dir / f"videos-{key}.json"
    if not (data_path.exists() and index_path.exists()):
        _build_cache(sources, cfg, channels, data_path, index_path, quiet)
    index = json.loads(index_path.read_text())
    shape = (index["frames"], channels, cfg.frame_size, cfg.frame_size)
    return np.memmap(data_path, dtype=np.uint8, mode="r", shape=shape), index


def _build_cache(
    sources: list[Path], cfg: DataConfig, channels: int, data_path: Path, index_path: Path, quiet: bool
) -> None:
    """Decode every clip once into `data_path` (written to a temporary file, then renamed)."""
    data_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = data_path.with_name(f"{data_path.name}.{os.getpid()}.tmp")  # one per process: machines may share the folder
    try:
        clips, skipped, total = [], [], 0
        with tmp.open("wb") as out:
            for i, src in enumerate(progress(sources, desc="decoding videos", disable=quiet)):
                try:
                    decode = decode_video if src.is_file() else decode_frame_folder
                    frames = decode(
                        src, cfg.frame_size, channels, crop=cfg.crop, stride=cfg.stride, seed=cfg.test_seed + i
                    )
                    if len(frames) < cfg.min_frames:
                        raise UserError(
                            f"{src} has {len(frames)} frames (after stride {cfg.stride}); "
                            f"data.min_frames is {cfg.min_frames}"
                        )
                except UserError as err:
                    if not cfg.skip_bad:
                        raise UserError(f"{err} (pass data.skip_bad=true to skip bad files)") from None
                    skipped.append((str(src), str(err)))
                    continue
                out.write(frames.tobytes())
                clips.append({"name": str(src), "start": total, "length": len(frames)})
                total += len(frames)
    except BaseException:  # a bad file or Ctrl-C: leave no half-written cache behind
        tmp.unlink(missing_ok=True)
        raise
    if total == 0:
        tmp.unlink(missing_ok=True)
        raise UserError("no clip could be decoded; every file was skipped")
    os.replace(tmp, data_path)
    tmp_index = index_path.with_name(f"{index_path.name}.{os.getpid()}.tmp")  # readers never see half an index
    tmp_index.write_text(json.dumps({"frames": total, "clips": clips, "skipped": skipped}))
    os.replace(tmp_index, index_path)
