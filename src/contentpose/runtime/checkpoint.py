"""Checkpoints as one safetensors file: weights, optimiser state, RNG state, JSON metadata.

Nothing is unpickled. Keys are `module/<name>/<param>`, `optim/<name>/<index>/<stat>` and
`rng/<name>`; the metadata entry "contentpose" holds JSON with the step, the config and
the optimisers' param groups, and the sha256 of the tensors (names, dtypes, shapes and bytes,
in key order), checked at load time so bytes damaged inside a well-formed file are caught.
Writes go to a temporary file that replaces the old one atomically, so an interrupted save
never leaves a broken checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from contentpose.errors import UserError

FORMAT = "contentpose-checkpoint-1"


def save_checkpoint(
    path: Path,
    modules: dict[str, torch.nn.Module],
    optimizers: dict[str, torch.optim.Optimizer],
    rng: dict[str, torch.Tensor],
    meta: dict,
) -> None:
    tensors: dict[str, torch.Tensor] = {}
    for name, module in modules.items():
        for key, value in module.state_dict().items():
            tensors[f"module/{name}/{key}"] = value.detach().cpu().contiguous()
    groups = {}
    for name, opt in optimizers.items():
        state = opt.state_dict()
        groups[name] = state["param_groups"]
        for index, stats in state["state"].items():
            for stat, value in stats.items():
                tensors[f"optim/{name}/{index}/{stat}"] = torch.as_tensor(value).detach().cpu().contiguous()
    for name, value in rng.items():
        tensors[f"rng/{name}"] = value.cpu().contiguous()
    meta = {"format": FORMAT, **meta, "param_groups": groups, "sha256": tensors_sha256(tensors)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)  # a link planted there is removed, not written through
    save_file(tensors, str(tmp), metadata={"contentpose": json.dumps(meta)})
    os.replace(tmp, path)


def tensors_sha256(tensors: dict[str, torch.Tensor]) -> str:
    """sha256 over every tensor's name, dtype, shape and bytes, in key order (CPU tensors)."""
    digest = hashlib.sha256()
    for key in sorted(tensors):
        value = tensors[key].contiguous()
        digest.update(f"{key}|{value.dtype}|{tuple(value.shape)}|".encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().data)
    return digest.hexdigest()


def read_meta(path: Path) -> dict:
    """The JSON metadata of a checkpoint, with one clear error if the file is missing or broken."""
    if not path.is_file():
        raise UserError(f"no checkpoint at {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("contentpose", "{}"))
    except (SafetensorError, OSError, ValueError) as err:
        raise UserError(f"checkpoint {path} is corrupt or not a safetensors file ({err})") from None
    if meta.get("format") != FORMAT:
        raise UserError(f"{path} is not a contentpose checkpoint")
    return meta


def load_checkpoint(
    path: Path, modules: dict[str, torch.nn.Module], optimizers: dict[str, torch.optim.Optimizer] | None = None
) -> tuple[dict, dict[str, torch.Tensor]]:
    """Load weights (and optimiser state) in place; return the metadata and the RNG tensors."""
    meta = read_meta(path)
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError) as err:
        raise UserError(f"checkpoint {path} is corrupt ({err})") from None
    if "sha256" in meta and tensors_sha256(tensors) != meta["sha256"]:  # checkpoints before the checksum: none
        raise UserError(f"checkpoint {path} is corrupt: its tensors do not match the checksum saved with them")
    for name, module in modules.items():
        prefix = f"module/{name}/"
        state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        expected = module.state_dict()
        if state.keys() != expected.keys() or any(state[k].shape != expected[k].shape for k in state):
            raise UserError(
                f"checkpoint {path} holds a different '{name}' network than this config builds "
                f"(it was written by another model or another model config)"
            )
        module.load_state_dict(state)
    for name, opt in (optimizers or {}).items():
        prefix = f"optim/{name}/"
        per_param: dict[int, dict] = {}
        for key, value in tensors.items():
            if key.startswith(prefix):
                index, stat = key[len(prefix) :].split("/")
                per_param.setdefault(int(index), {})[stat] = value
        # JSON turned tuples into lists; the kernel flags are this run's (an older checkpoint's
        # fused=None would otherwise switch fused Adam off for good)
        kernel = {k: opt.defaults[k] for k in ("fused", "foreach", "capturable") if k in opt.defaults}
        groups = [
            {**g, **kernel, **({"betas": tuple(g["betas"])} if "betas" in g else {})}
            for g in meta["param_groups"][name]
        ]
        opt.load_state_dict({"state": per_param, "param_groups": groups})
        for group in opt.param_groups:  # moments in their parameter's layout (fused Adam reads them raw)
            for p in group["params"]:
                for stat, value in opt.state[p].items():
                    if torch.is_tensor(value) and value.shape == p.shape:
                        opt.state[p][stat] = torch.empty_like(p).copy_(value)
    rng = {k[len("rng/") :]: v for k, v in tensors.items() if k.startswith("rng/")}
    return meta, rng


def save_cached(path: Path, name: str, module: torch.nn.Module, meta: dict) -> None:
    """Keep a trained helper network (a classifier, a judge) as `name` in a cache file with its
    metadata, for `load_cached` to find: no optimiser, no random state."""
    save_checkpoint(path, {name: module}, {}, rng={}, meta=meta)


def load_cached(path: Path, name: str, module: torch.nn.Module, want: dict) -> dict | None:
    """Load `module` (saved as `name`) from a cache file whose metadata holds every item of `want`
    (data, recipe, steps: what makes it the same network); its metadata, or None when the file is
    missing, broken or made differently, and the caller rebuilds it."""
    if not path.exists():
        return None
    try:
        meta = read_meta(path)
        if any(meta.get(k) != v for k, v in want.items()):
            return None
        load_checkpoint(path, {name: module})
    except UserError:
        return None
    return meta
