"""The one place that decides where and how tensors are computed: device, processes, precision.

A `Runtime` is handed to every objective. It says which device to use, which rank this
process is among how many (torchrun), whether forward passes run under bf16 autocast and
in channels_last layout, and whether they are compiled. One process on one device is
`Runtime(device)`: no wrapper, no collective, fp32.

    torchrun --nproc_per_node=N -m contentpose train ...      # N processes, one machine
    torchrun --nnodes=M --node_rank=I --rdzv_endpoint=HOST:PORT --nproc_per_node=N -m contentpose train ...

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; `start_runtime` joins the process group
(NCCL on CUDA, gloo on CPU) and gives each process the GPU of its local rank. `precision=auto`
means bf16 autocast on GPUs that compute in bf16 natively (Ampere and later), fp32 elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn as nn

from contentpose.config import TrainConfig
from contentpose.errors import UserError
from contentpose.runtime.distributed import all_gather, convert_batchnorm

COLLECTIVE_TIMEOUT = timedelta(hours=2)
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16", "bf16")  # /proc/cpuinfo: AVX-512 BF16, AMX, Arm's BF16


def resolve_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    """'auto' -> cuda (the local rank's GPU) if available, else cpu; otherwise the named device,
    checked to exist."""
    if name == "auto":
        name = f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu"
    elif name == "cuda":
        name = f"cuda:{local_rank}"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UserError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device {name!r} asked for, but CUDA is not available on this machine")
    if device.type not in ("cpu", "cuda"):
        raise UserError(f"device {name!r} is not supported; use auto, cpu, cuda or cuda:N")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise UserError(
            f"device {name!r} asked for, but this machine shows {torch.cuda.device_count()} GPU(s); "
            f"under torchrun start at most that many processes per machine (--nproc_per_node)"
        )
    return device


@dataclass(frozen=True)
class Runtime:
    device: torch.device
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0  # rank within this machine
    bf16: bool = False  # forward passes under bf16 autocast
    channels_last: bool = False  # conv networks and their inputs in NHWC layout
    compile: bool = False  # torch.compile the training forward passes

    @property
    def is_main(self) -> bool:
        """The process that writes files (logs, pictures, checkpoints)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def place(self, module: nn.Module) -> nn.Module:
        """A freshly built network moved to the device (in the runtime's layout), with BatchNorm
        over the global batch when there are several processes. Same state-dict keys as before."""
        module = module.to(self.device)
        if self.channels_last:
            module = module.to(memory_format=torch.channels_last)
        return convert_batchnorm(module) if self.distributed else module

    def trainable(self, module: nn.Module) -> nn.Module:
        """What a training step calls for `module`'s forward pass: DDP across processes,
        compiled if asked; `module` itself otherwise. Checkpoints keep using `module`."""
        wrapped = module
        if self.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            wrapped = nn.parallel.DistributedDataParallel(module, device_ids=ids)
        return torch.compile(wrapped) if self.compile else wrapped

    def adam(self, params, lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
        """Adam with its fused kernel (one pass over all tensors; CPU and CUDA)."""
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)

    def autocast(self) -> contextlib.AbstractContextManager:
        """bf16 autocast for forward passes when enabled (losses are then taken in fp32)."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()

    def frames(self, x: torch.Tensor) -> torch.Tensor:
        """A batch of frames (B, C, H, W) in the runtime's layout."""
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last and x.dim() == 4 else x

    def gather(self, x: torch.Tensor) -> torch.Tensor:
        """(B, ...) per rank -> the global batch (W * B, ...), rank 0's rows first, with gradients."""
        return all_gather(x) if self.distributed else x

    def shard(self, x: torch.Tensor) -> torch.Tensor:
        """This rank's rows of a tensor drawn identically on every rank: (W * B, ...) -> (B, ...)."""
        return x.chunk(self.world_size)[self.rank] if self.distributed else x

    def mean(self, x: torch.Tensor) -> torch.Tensor:
        """The mean of a (detached) tensor over ranks."""
        if not self.distributed:
            return x
        x = x.detach().clone()
        dist.all_reduce(x)
        return x / self.world_size

    def gather_states(self, state: torch.Tensor) -> list[torch.Tensor]:
        """Every rank's copy of a small CPU tensor (e.g. a sampler's RNG state), in rank order."""
        if not self.distributed:
            return [state]
        device = self.device if dist.get_backend() == "nccl" else torch.device("cpu")
        parts = [torch.empty_like(state, device=device) for _ in range(self.world_size)]
        dist.all_gather(parts, state.to(device))
        return [p.cpu() for p in parts]

    @contextlib.contextmanager
    def main_first(self):
        """Run the block on each machine's first process (e.g. decoding videos into the cache), then on
        the others, which then find the cache ready."""
        leader = self.local_rank == 0
        if self.distributed and not leader:
            dist.barrier()
        yield
        if self.distributed and leader:
            dist.barrier()

    def barrier(self) -> None:
        """Wait for every process (nothing in one process)."""
        if self.distributed:
            dist.barrier()


def launched_rank() -> int:
    """This process's rank as torchrun set it (0 when not launched by torchrun, even if a stray
    RANK is left in the environment)."""
    world_size = _env_int("WORLD_SIZE", 1, 1)
    return _env_int("RANK", 0, 0, world_size - 1) if world_size > 1 else 0


def _env_int(name: str, default: int, low: int, high: int | None = None) -> int:
    """An integer that torchrun puts in the environment, checked (one line for a stray bad value)."""
    text = os.environ.get(name, str(default))
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise UserError(
            f"environment variable {name}={text!r} must be a whole number {limits} "
            f"(torchrun sets it; unset it to run one process)"
        )
    return value


def start_runtime(cfg: TrainConfig) -> Runtime:
    """The runtime `cfg` asks for in this process; joins torchrun's process group if launched by it."""
    world_size = _env_int("WORLD_SIZE", 1, 1)
    rank, local_rank = launched_rank(), _env_int("LOCAL_RANK", 0, 0, world_size - 1 if world_size > 1 else None)
    if world_size > 1 and not os.environ.get("MASTER_ADDR"):
        raise UserError(
            f"WORLD_SIZE={world_size} asks for several processes, but MASTER_ADDR is not set: launch with "
            f"torchrun (it sets both), or unset WORLD_SIZE to train in one process"
        )
    if world_size > 1 and cfg.device.startswith("cuda:"):
        raise UserError(
            f"train.device={cfg.device} names one GPU, but torchrun started {world_size} processes; "
            f"use train.device=auto or cuda (each process takes the GPU of its local rank)"
        )
    if world_size > 1 and cfg.batch_size % world_size:
        raise UserError(
            f"train.batch_size ({cfg.batch_size}) is the global batch and must divide evenly "
            f"among the {world_size} processes"
        )
    device = resolve_device(cfg.device, local_rank)
    if world_size > 1:
        if device.type == "cuda":
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            # a long timeout: the other processes wait while the first one decodes a video folder
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=COLLECTIVE_TIMEOUT)
    bf16 = cfg.precision == "bf16" or (
        cfg.precision == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported(including_emulation=False)
    )
    if bf16 and device.type == "cpu" and rank == 0 and cpu_computes_bf16() is False:
        print(
            "note: this CPU has no bf16 instructions, so train.precision=bf16 runs emulated; "
            "train.precision=fp32 may be faster here (not measured on such a CPU)",
            file=sys.stderr,
        )
    return Runtime(device, rank, world_size, local_rank, bf16, cfg.channels_last, cfg.compile)


def cpu_computes_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool | None:
    """Whether this CPU has bf16 instructions, from the flags Linux lists; None where it does not say."""
    try:
        flags = set(cpuinfo.read_text(errors="replace").split())
    except OSError:
        return None
    return any(flag in flags for flag in CPU_BF16_FLAGS)


def stop_runtime(rt: Runtime) -> None:
    if rt.distributed and dist.is_initialized():
        dist.destroy_process_group()
