"""Checkpoints carry a sha256 of their tensors: damaged bytes inside a well-formed file are caught."""

import json
import struct

import pytest
import torch
from safetensors.torch import load_file, save_file

from contentpose.errors import UserError
from contentpose.runtime.checkpoint import load_checkpoint, read_meta, save_checkpoint, tensors_sha256


def _saved(tmp_path):
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    opt = torch.optim.Adam(net.parameters())
    net(torch.rand(5, 4)).sum().backward()
    opt.step()
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, {"net": net}, {"opt": opt}, {"torch": torch.get_rng_state()}, {"step": 1})
    return path, net, opt


def test_checksum_is_saved_and_checked(tmp_path):
    path, net, opt = _saved(tmp_path)
    assert len(read_meta(path)["sha256"]) == 64
    meta, _ = load_checkpoint(path, {"net": net}, {"opt": opt})
    assert meta["step"] == 1


@pytest.mark.parametrize("where", [0, 0.5, -1])
def test_a_flipped_byte_in_the_tensor_data_is_caught(tmp_path, where):
    path, net, opt = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    start = 8 + struct.unpack("<Q", data[:8])[0]  # safetensors: header length, JSON header, tensor bytes
    data[start + int(where * (len(data) - start - 1)) if where >= 0 else len(data) - 1] ^= 0x01
    path.write_bytes(bytes(data))
    read_meta(path)  # the file still looks valid
    with pytest.raises(UserError, match="corrupt: its tensors do not match the checksum"):
        load_checkpoint(path, {"net": net}, {"opt": opt})


def test_checkpoints_from_before_the_checksum_still_load(tmp_path):
    path, net, opt = _saved(tmp_path)
    meta = read_meta(path)
    del meta["sha256"]
    save_file(load_file(str(path)), str(path), metadata={"contentpose": json.dumps(meta)})
    assert load_checkpoint(path, {"net": net}, {"opt": opt})[0]["step"] == 1


def test_the_checksum_covers_names_shapes_and_dtypes():
    x = torch.arange(6, dtype=torch.float32)
    base = tensors_sha256({"a": x})
    assert tensors_sha256({"a": x.clone()}) == base
    assert base != tensors_sha256({"b": x})
    assert base != tensors_sha256({"a": x.reshape(2, 3)})
    assert base != tensors_sha256({"a": x.view(torch.int32)})
    assert tensors_sha256({"a": torch.tensor(True), "h": torch.ones(2, dtype=torch.bfloat16)})  # odd dtypes hash
