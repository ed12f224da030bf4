"""Sprites, the benchmark of sequential disentanglement (Li & Mandt, DSVAE, ICML 2018), built from
a folder of LPC sprite sheets: `data=lpc_sprites:PATH`.

PATH holds `body/ bottomwear/ topwear/ hair/ shoes/`, each `N.png` an 832 x 1344 sheet of 13 x 21
cells of 64 x 64 (the layout of the public YingzhenLi/Sprites repository). The published recipe:

- a character alpha-composites, on opaque black, body b, bottomwear o, topwear t, hair h (each
  0-5: the 4 attributes, 6 classes each) and shoes 1: 6^4 = 1296 characters, index b*216 + o*36 + t*6 + h;
- 9 motions (label 3 * action + direction; actions walk, spellcard, slash; directions front,
  left, right) of 8 frames each, taken from fixed cells of the sheet (MOTION_CELLS, frame_cells);
- `numpy.random.seed(423); numpy.random.permutation(1296)` orders the characters: the first 1000
  are train, the other 296 test (9,000 and 2,664 sequences).

All 1296 x 9 sequences are composited once (Pillow) into one uint8 file (frames (N, 3, S, S),
sequence i of character c and motion m at frames (9c + m) * 8 ...), memory-mapped afterwards; its
name is a hash of the sheets' bytes and the frame size. 32 px
frames are the 64 px ones averaged over 2 x 2 blocks (area downsampling).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from contentpose.config import DataConfig
from contentpose.data.frame_store import FrameStore
from contentpose.data.splits import held_out_part
from contentpose.errors import UserError
from contentpose.runtime.progress import progress

CACHE_FORMAT = 1
ATTRIBUTES = ("body", "bottomwear", "topwear", "hair")  # composited in this order, then SHOES
SHOES = ("shoes", 1)
CLASSES = 6  # values per attribute
ACTIONS = ("walk", "spellcard", "slash")
DIRECTIONS = ("front", "left", "right")
MOTION_CELLS = {  # first cell of each (action, direction)
    ("walk", "front"): 131,
    ("walk", "left"): 118,
    ("walk", "right"): 144,
    ("spellcard", "front"): 26,
    ("spellcard", "left"): 13,
    ("spellcard", "right"): 39,
    ("slash", "front"): 182,
    ("slash", "left"): 169,
    ("slash", "right"): 195,
}
MOTIONS = len(ACTIONS) * len(DIRECTIONS)
FRAMES = 8
CHARACTERS = CLASSES ** len(ATTRIBUTES)
POSES = 63  # distinct cells among the 9 x 8 motion frames
TRAIN_CHARACTERS = 1000
SPLIT_SEED = 423
CELL, SHEET = 64, (832, 1344)  # cell side; sheet (width, height) in pixels
SHEET_COLUMNS = SHEET[0] // CELL


def frame_cells(action: str, start: int) -> list[int]:
    """The sheet cells of the 8 frames of one motion whose first cell is `start`."""
    if action == "walk":  # the last cell first, then the other seven
        return [start + 7] + [start + i for i in range(7)]
    if action == "spellcard":
        c = [start + i for i in range(7)]
        return [c[0], c[1], c[2], c[3], c[4], c[5], c[4], c[6]]
    c = [start + i for i in range(6)]  # slash
    return [c[0], c[1], c[2], c[3], c[4], c[5], c[4], c[0]]


def motion_cells() -> np.ndarray:
    """Cells (9, 8) of every motion, row = label 3 * action + direction."""
    return np.array([frame_cells(a, MOTION_CELLS[a, d]) for a in ACTIONS for d in DIRECTIONS])


def frame_poses() -> np.ndarray:
    """The pose of every motion frame (9, 8): which of the POSES distinct sheet cells it shows
    (the same cell in two motions or twice in one is one pose)."""
    return np.unique(motion_cells(), return_inverse=True)[1].reshape(MOTIONS, FRAMES)


def motion_name(label: int) -> str:
    return f"{ACTIONS[label // len(DIRECTIONS)]} {DIRECTIONS[label % len(DIRECTIONS)]}"


def character_attributes(characters: np.ndarray) -> np.ndarray:
    """Character indices (n,) -> their attributes (n, 4): body, bottomwear, topwear, hair."""
    characters = np.asarray(characters)
    return np.stack([characters // CLASSES ** (3 - i) % CLASSES for i in range(len(ATTRIBUTES))], -1)


def split_characters(split: str) -> np.ndarray:
    """The characters of a split, in the order of the recipe's permutation: the recipe's training
    characters, or half of its test characters each for val and test (see `splits`)."""
    order = np.random.RandomState(SPLIT_SEED).permutation(CHARACTERS)  # = numpy.random.seed(423); permutation
    if split == "train":
        return order[:TRAIN_CHARACTERS]
    return held_out_part(order[TRAIN_CHARACTERS:], split, "characters")


def layer_files(root: Path) -> list[Path]:
    """Every sheet the recipe reads, checked to exist: one line naming the first missing one."""
    if not root.is_dir():
        raise UserError(f"LPC sprite folder not found: {root} (expected body/, bottomwear/, topwear/, hair/, shoes/)")
    files = [root / layer / f"{i}.png" for layer in ATTRIBUTES for i in range(CLASSES)] + [
        root / SHOES[0] / f"{SHOES[1]}.png"
    ]
    for f in files:
        if not f.is_file():
            raise UserError(f"missing LPC layer file: {f}")
    return files


def _strip(path: Path, cells: np.ndarray) -> Image.Image:
    """The given cells of one sheet side by side: an RGBA image CELL x (CELL * len(cells))."""
    try:
        with Image.open(path) as im:
            sheet = im.convert("RGBA")
    except (UnidentifiedImageError, OSError) as err:
        raise UserError(f"{path} is not a readable PNG ({err})") from None
    if sheet.size != SHEET:
        raise UserError(f"{path} is {sheet.size[0]} x {sheet.size[1]} pixels; an LPC sheet is {SHEET[0]} x {SHEET[1]}")
    strip = Image.new("RGBA", (CELL * len(cells), CELL))
    for i, n in enumerate(cells):
        x, y = n % SHEET_COLUMNS * CELL, n // SHEET_COLUMNS * CELL
        strip.paste(sheet.crop((x, y, x + CELL, y + CELL)), (i * CELL, 0))
    return strip


def _layer_strips(root: Path) -> tuple[list[list[Image.Image]], Image.Image, np.ndarray]:
    """Strips of the cells used, for each attribute's 6 sheets and for the shoes, and the place of
    every motion frame (9, 8) in a strip."""
    files = layer_files(root)
    strips = [_strip(f, np.unique(motion_cells())) for f in files]  # the cells used, once each
    return [strips[i * CLASSES : (i + 1) * CLASSES] for i in range(len(ATTRIBUTES))], strips[-1], frame_poses()


def _frames(strip: Image.Image, where: np.ndarray, size: int) -> np.ndarray:
    """A composited RGBA strip -> the motion frames (9, 8, size, size, 3) uint8."""
    cells = np.asarray(strip)[:, :, :3].reshape(CELL, -1, CELL, 3).transpose(1, 0, 2, 3)
    return area_downsample(cells, size)[where]


def character_frames(root: Path, character: int, size: int = CELL) -> np.ndarray:
    """The 9 motions of one character: (9, 8, size, size, 3) uint8, composited as in the cache."""
    layers, shoes, where = _layer_strips(root)
    x = Image.new("RGBA", shoes.size, (0, 0, 0, 255))
    for layer, value in zip(layers, character_attributes(np.array([character]))[0]):
        x = Image.alpha_composite(x, layer[value])
    return _frames(Image.alpha_composite(x, shoes), where, size)


def composite_characters(root: Path, size: int = CELL, quiet: bool = True):
    """Yield (character, frames (9, 8, size, size, 3) uint8) for all 1296 characters in index order.

    Layers are alpha-composited (Pillow) on opaque black in the recipe's order; each partial
    stack (body; body + bottomwear; ...) is composited once and shared by the characters above it.
    """
    layers, shoes, where = _layer_strips(root)
    black = Image.new("RGBA", shoes.size, (0, 0, 0, 255))
    bar = progress(total=CHARACTERS, desc="compositing LPC sprites", disable=quiet)
    for b, body in enumerate(layers[0]):
        x_b = Image.alpha_composite(black, body)
        for o, bottom in enumerate(layers[1]):
            x_bo = Image.alpha_composite(x_b, bottom)
            for t, top in enumerate(layers[2]):
                x_bot = Image.alpha_composite(x_bo, top)
                for h, hair in enumerate(layers[3]):
                    full = Image.alpha_composite(Image.alpha_composite(x_bot, hair), shoes)
                    yield ((b * CLASSES + o) * CLASSES + t) * CLASSES + h, _frames(full, where, size)
                    bar.update()
    bar.close()


def area_downsample(frames: np.ndarray, size: int) -> np.ndarray:
    """uint8 frames (..., H, W, C) -> (..., size, size, C), each pixel the mean of its block (halves round up)."""
    f = frames.shape[-2] // size
    if f == 1:
        return frames
    rows = sum(frames[..., i::f, :, :].astype(np.uint16) for i in range(f))  # strided sums: fast in numpy
    blocks = sum(rows[..., j::f, :] for j in range(f))
    return ((blocks + f * f // 2) // (f * f)).astype(np.uint8)


def _cache_key(files: list[Path], size: int) -> str:
    """Named by the sheets' bytes (all of them are 0.7 MB), so a copy of the folder elsewhere, or
    the same files written again, finds the frames already built."""
    digest = hashlib.sha1(json.dumps([CACHE_FORMAT, size]).encode())
    for f in files:
        digest.update(f"{f.parent.name}/{f.name}".encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def load_or_build_cache(root: Path, size: int, cache_dir: Path, quiet: bool = False) -> tuple[np.ndarray, str]:
    """The memory-mapped frames (1296 * 9 * 8, 3, size, size) uint8 of every sequence, and the cache key."""
    key = _cache_key(layer_files(root), size)
    path = cache_dir / f"lpc_sprites-{key}.u8"
    shape = (CHARACTERS * MOTIONS * FRAMES, 3, size, size)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # one per process: machines may share the folder
        try:
            with tmp.open("wb") as out:
                for _, frames in composite_characters(root, size, quiet):
                    out.write(np.ascontiguousarray(frames.transpose(0, 1, 4, 2, 3)).tobytes())
        except BaseException:  # a bad sheet or Ctrl-C: leave no half-written cache behind
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, path)
    return np.memmap(path, dtype=np.uint8, mode="r", shape=shape), key


@dataclass
class LabelledSequences:
    """Sequences (n, 8, 3, S, S) in [0, 1] with attributes (n, 4) and motions (n,) (int64)."""

    frames: torch.Tensor
    attributes: torch.Tensor
    motions: torch.Tensor


class LpcSprites(FrameStore):
    """One split of Sprites (see the module doc): sequence i shows character `characters[i]`
    (attributes `attributes[i]`) in motion `motions[i]`; clips are the 8-frame sequences."""

    def __init__(
        self,
        cfg: DataConfig,
        split: str = "train",
        device: torch.device | str = "cpu",
        cache_dir: Path | None = None,
        quiet: bool = False,
    ):
        if cfg.path is None:
            raise UserError("data.name=lpc_sprites needs data.path (or write data=lpc_sprites:PATH)")
        if cfg.frame_size not in (32, 64):
            raise UserError(
                f"lpc_sprites frames are 64 px (or 32 by area downsampling); got data.frame_size={cfg.frame_size}"
            )
        self.cfg, self.device, self.channels = cfg, torch.device(device), 3
        root = Path(cfg.path).expanduser()
        self.cache_dir = Path(cache_dir) if cache_dir is not None else root.parent / ".contentpose-cache"
        self.frames, self.cache_key = load_or_build_cache(root, cfg.frame_size, self.cache_dir, quiet)
        self.characters = np.repeat(split_characters(split), MOTIONS)
        self.motions = np.tile(np.arange(MOTIONS), len(self.characters) // MOTIONS)
        self.attributes = character_attributes(self.characters)
        self.starts = (self.characters * MOTIONS + self.motions) * FRAMES
        self.lengths = np.full(len(self.characters), FRAMES)

    def __len__(self) -> int:
        return len(self.characters)

    def frames_at(self, index: np.ndarray, times: np.ndarray) -> torch.Tensor:
        """Frames `times` (n, F) of sequences `index` (n,) of this split: (n, F, 3, S, S) in [0, 1]."""
        return self._gather(np.asarray(index), np.asarray(times))

    def labelled(self, index: np.ndarray | None = None) -> LabelledSequences:
        """Sequences `index` (default: all of this split) with their labels."""
        index = np.arange(len(self)) if index is None else np.asarray(index)
        frames = self._gather(index, np.broadcast_to(np.arange(FRAMES), (len(index), FRAMES)))
        as_tensor = lambda a: torch.as_tensor(a, dtype=torch.int64, device=self.device)  # noqa: E731
        return LabelledSequences(frames, as_tensor(self.attributes[index]), as_tensor(self.motions[index]))
