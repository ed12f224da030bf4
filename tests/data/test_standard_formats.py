"""Moving MNIST's standard .npy file and KTH's file layout, with small files made in the test."""

import json

import numpy as np
import pytest
import torch
from conftest import TINY
from PIL import Image

from contentpose.cli import main
from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.errors import UserError
from contentpose.viz.video import write_video


def test_moving_mnist_file(tmp_path):
    seq = np.zeros((20, 30, 64, 64), dtype=np.uint8)
    for n in range(30):
        for t in range(20):
            seq[t, n, 10 + t, n : n + 5] = 255  # clip n: a bar moving down, at column n
    path = tmp_path / "mnist_test_seq.npy"
    np.save(path, seq)
    cfg = load_config("quick", [f"data=moving_mnist:{path}", "data.test_fraction=0.2"]).data
    train, val, test = (build_dataset(cfg, s) for s in ("train", "val", "test"))
    assert len(train.clip_ids) == 24 and len(val.clip_ids) == len(test.clip_ids) == 3
    assert not set(train.clip_ids) & set(test.clip_ids) and not set(val.clip_ids) & set(test.clip_ids)
    clips = test.test_clips(3, 20).frames
    assert clips.shape == (3, 20, 1, 64, 64)
    n = test.clip_ids[0]
    assert clips[0, 7, 0, 17, n] == 1.0 and clips[0, 7, 0, 18, n] == 0.0  # (t, clip) read the right way round
    x, y = train.pairs(4, 5, torch.Generator().manual_seed(0))
    assert x.shape == (4, 1, 64, 64)
    np.save(tmp_path / "bad.npy", np.zeros((5, 5), dtype=np.uint8))
    with pytest.raises(UserError, match="expected uint8"):
        build_dataset(load_config("quick", [f"data=moving_mnist:{tmp_path / 'bad.npy'}"]).data, "train")
    with pytest.raises(UserError, match="not found"):
        build_dataset(load_config("quick", [f"data=moving_mnist:{tmp_path / 'no.npy'}"]).data, "train")


def _kth(root, person, action, frames=12):
    images = []
    for i in range(frames):
        im = Image.new("RGB", (40, 32))
        x = 4 + (i * (3 if action == "running" else 1)) % 20
        im.paste((255, 255, 255), (x, 8, x + 6, 24))
        images.append(im)
    write_video(images, root / f"person{person:02d}_{action}_d1_uncomp.mp4")


def test_kth_layout_splits_by_person_and_parses_actions(tmp_path):
    root = tmp_path / "kth"
    root.mkdir()
    for person in (1, 2, 21, 23, 24):
        for action in ("walking", "running"):
            _kth(root, person, action)
    cfg = load_config("quick", [f"data=videos:{root}", "data.layout=kth", "data.frame_size=32"]).data
    train, val, test = (build_dataset(cfg, s, cache_dir=tmp_path / "c", quiet=True) for s in ("train", "val", "test"))
    assert all("person0" in n for n in train.names) and all("person21" in n for n in val.names)
    assert all("person23" in n or "person24" in n for n in test.names)  # persons 21-22 val, 23-25 test
    assert train.label_names == ["running", "walking"] and sorted(test.clip_labels.tolist()) == [0, 0, 1, 1]
    (root / "holiday.mp4").write_bytes(b"")
    with pytest.raises(UserError, match="not a KTH file name"):
        build_dataset(cfg, "train", cache_dir=tmp_path / "c", quiet=True)


def test_kth_action_probe_in_evaluate(tmp_path, capsys):
    root = tmp_path / "kth"
    root.mkdir()
    for person in (1, 2, 3, 21, 22):  # persons 21-22: the val split, which evaluate scores by default
        for action in ("walking", "running"):
            _kth(root, person, action)
    run = tmp_path / "runs" / "kth"
    assert main(["train", "quick", *TINY, f"data=videos:{root}", "data.layout=kth", "--out", str(run), "--quiet"]) == 0
    assert main(["evaluate", str(run)]) == 0
    assert "action probe on 4 test clips" in capsys.readouterr().out
    probe = json.loads((run / "eval.json").read_text())["action_probes"]
    assert probe["classes"] == ["running", "walking"] and probe["chance"] == 0.5
