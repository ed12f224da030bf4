"""Sprites from the shared LPC sheets: the published recipe's counts, labels, split, check values and frame order."""

import os
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.data.lpc_sprites import (
    ATTRIBUTES,
    CELL,
    POSES,
    SHEET_COLUMNS,
    _cache_key,
    area_downsample,
    character_attributes,
    character_frames,
    frame_cells,
    frame_poses,
    layer_files,
    motion_name,
    split_characters,
)
from contentpose.data.samplers import FramePairSampler, SequenceSampler
from contentpose.errors import UserError


def test_counts_and_label_layout(lpc_sprites):
    train, test = lpc_sprites["train"], lpc_sprites["test"]
    assert (len(train), len(test), len(lpc_sprites["val"])) == (9000, 1332, 1332) and train.channels == 3
    for data in (train, test):
        assert data.attributes.shape == (len(data), 4) and data.motions.shape == (len(data),)
        assert set(np.unique(data.attributes)) == set(range(6)) and set(np.unique(data.motions)) == set(range(9))
        assert (np.bincount(data.motions) == len(data) // 9).all()  # every character in every motion
        assert (data.attributes == character_attributes(data.characters)).all()
        assert (data.lengths == 8).all()
    seq = test.labelled(np.array([0, 10, 1331]))
    assert seq.frames.shape == (3, 8, 3, 32, 32) and seq.frames.dtype == torch.float32
    assert seq.attributes.tolist() == test.attributes[[0, 10, 1331]].tolist()
    assert seq.motions.tolist() == [0, 1, 8]
    assert test.test_clips(5, 8).frames.shape == (5, 8, 3, 32, 32)


def test_split_is_the_recipes_and_disjoint_by_character(lpc_sprites):
    train, val, test = (set(lpc_sprites[s].characters.tolist()) for s in ("train", "val", "test"))
    assert len(train) == 1000 and len(val) == len(test) == 148  # the recipe's 296 test characters, halved
    assert not train & test and not train & val and not val & test and len(train | val | test) == 1296
    assert split_characters("train")[:5].tolist() == [1116, 1135, 17, 469, 1293]
    assert split_characters("val")[:5].tolist() == [884, 1285, 252, 297, 947]  # the recipe's test order
    assert split_characters("test")[:5].tolist() == [436, 1179, 708, 459, 963]
    assert lpc_sprites["train"].characters[:10].tolist() == [1116] * 9 + [1135]


def test_readme_check_values(lpc_root, lpc_sprites):
    """Character 1116's sums over the sequence and over frame 0 (float32 pixel / 256), from the README."""
    assert character_attributes(np.array([1116]))[0].tolist() == [5, 1, 0, 0]
    frames = character_frames(lpc_root, 1116).astype(np.float32) / 256  # (9, 8, 64, 64, 3)
    expected = {
        0: (6783.859, 845.969),
        1: (4952.184, 613.551),
        3: (7169.176, 904.094),  # walk front, walk left,
        6: (6840.086, 902.727),
        8: (5718.090, 679.770),
    }  # spellcard, slash front/right
    for motion, (whole, first) in expected.items():
        assert frames[motion].sum() == pytest.approx(whole, abs=2e-3), motion_name(motion)
        assert frames[motion, 0].sum() == pytest.approx(first, abs=2e-3), motion_name(motion)
    cached = lpc_sprites["train"].labelled(np.arange(9)).frames  # 1116 is the first character
    expected_32 = area_downsample(character_frames(lpc_root, 1116), 32).transpose(0, 1, 4, 2, 3)
    assert torch.equal((cached * 255).round().to(torch.uint8), torch.from_numpy(expected_32))


def test_walk_frame_order(lpc_root):
    """Walk frames are the last cell first, then the others; frame 0 of walk front is cell 138 of the full
    sheets composited on black (Pillow, without the cell strips the dataset builds)."""
    assert frame_cells("walk", 131) == [138, 131, 132, 133, 134, 135, 136, 137]
    assert frame_cells("spellcard", 26) == [26, 27, 28, 29, 30, 31, 30, 32]
    assert frame_cells("slash", 182) == [182, 183, 184, 185, 186, 187, 186, 182]
    poses = frame_poses()  # slash frame 7 repeats frame 0, spellcard frame 6 frame 4: 63 distinct cells
    assert poses.max() + 1 == POSES and poses[6, 7] == poses[6, 0] and poses[3, 6] == poses[3, 4]
    sheet = Image.new("RGBA", (832, 1344), (0, 0, 0, 255))
    for layer, value in zip((*ATTRIBUTES, "shoes"), (2, 3, 4, 5, 1)):
        sheet = Image.alpha_composite(sheet, Image.open(lpc_root / layer / f"{value}.png").convert("RGBA"))
    cell = np.asarray(sheet)[:, :, :3]
    x, y = 138 % SHEET_COLUMNS * CELL, 138 // SHEET_COLUMNS * CELL
    frames = character_frames(lpc_root, 2 * 216 + 3 * 36 + 4 * 6 + 5)
    assert motion_name(0) == "walk front"
    assert (frames[0, 0] == cell[y : y + CELL, x : x + CELL]).all()
    assert not (frames[0, 1] == frames[0, 0]).all()


def test_samplers_draw_sequences(lpc_sprites):
    a, b, clip = FramePairSampler(lpc_sprites["train"], 4, 7, seed=0)()  # real clips: each row's clip too
    assert a.shape == b.shape == (4, 3, 32, 32) and 0 <= a.min() and a.max() <= 1 and clip.shape == (4,)
    (x,) = SequenceSampler(lpc_sprites["train"], 2, 8, seed=0)()
    assert x.shape == (2, 8, 3, 32, 32)


def _cfg(path, *extra):
    return load_config("quick", [f"data=lpc_sprites:{path}", "data.frame_size=32", *extra]).data


def test_bad_path_and_missing_layer(lpc_root, tmp_path, fails_cleanly):
    with pytest.raises(UserError, match="LPC sprite folder not found: .*nowhere"):
        build_dataset(_cfg(tmp_path / "nowhere"), "train", cache_dir=tmp_path)
    partial = tmp_path / "partial"
    for layer in lpc_root.iterdir():
        if layer.is_dir():
            (partial / layer.name).mkdir(parents=True)
            for f in layer.iterdir():
                if f.name != "3.png" or layer.name != "hair":
                    os.symlink(f, partial / layer.name / f.name)
    with pytest.raises(UserError, match="missing LPC layer file: .*hair/3.png"):
        build_dataset(_cfg(partial), "train", cache_dir=tmp_path)
    fails_cleanly(
        ["train", "quick", f"data=lpc_sprites:{partial}", "--out", str(tmp_path / "run")], "missing LPC layer file"
    )
    with pytest.raises(UserError, match="lpc_sprites frames are 64 px"):
        build_dataset(_cfg(lpc_root, "data.frame_size=128"), "train", cache_dir=tmp_path)


def test_cache_key_follows_the_sheets_bytes_not_their_path_or_time(lpc_root, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(lpc_root, copy)  # new path and new modification times, same bytes
    key = _cache_key(layer_files(lpc_root), 64)
    assert _cache_key(layer_files(copy), 64) == key
    assert _cache_key(layer_files(copy), 32) != key
    sheet = copy / "hair" / "3.png"
    sheet.write_bytes(sheet.read_bytes() + b"\0")  # one byte more in one sheet
    assert _cache_key(layer_files(copy), 64) != key
