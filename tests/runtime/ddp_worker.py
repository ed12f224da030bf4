"""One rank of the single torchrun launch behind test_distributed.py's checks.

    torchrun --nproc_per_node=2 tests/runtime/ddp_worker.py JOBS.json

JOBS.json lists jobs, run in order by the same processes:
  {"out": DIR, "steps": N, "overrides": [...]}   N training steps of `quick` + overrides; each rank
                                                 writes its parameters to DIR/rank{R}.safetensors
  {"cli": [...]}                                 `contentpose ...` as the command line runs it
A job ends by tearing the process group down (as a command does). The first job joins the group
the ordinary way (env://, in `start_runtime`); each later one gets a fresh group keyed on its own
prefix of torchrun's store, which `start_runtime` then finds joined.

Every group stays referenced until the process ends, and the process ends with os._exit once its
files are written: a gloo group destroyed while Python holds the GIL can deadlock with its worker
threads (seen here under load, when a DDP reducer dropped a group's last reference).

Each job builds its dataset, which parses the packaged MNIST digits (about 0.1 s) again: a process
parses them once (conftest.py's `digits_loaded_once` does the like for the test session).
"""

import functools
import json
import os
import sys
import traceback
from pathlib import Path

import torch.distributed as dist
from safetensors.torch import save_file

from contentpose.cli import main
from contentpose.config import load_config
from contentpose.data import digits
from contentpose.runtime import start_runtime, stop_runtime
from contentpose.train.loop import build_training

GROUPS = []  # every process group this process joined, kept alive (see above)


def join_fresh_group(job: int, store) -> None:
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    dist.init_process_group("gloo", store=dist.PrefixStore(f"job{job}/", store), rank=rank, world_size=world_size)


def train_steps(out: Path, steps: int, overrides: list[str]) -> None:
    cfg = load_config("quick", overrides)
    rt = start_runtime(cfg.train)
    GROUPS.append(dist.group.WORLD)
    objective, sampler = build_training(cfg, rt, quiet=True)
    for _ in range(steps):
        objective.step(*sampler())
    params = {
        f"{name}/{key}": value.detach().contiguous()
        for name, module in objective.modules.items()
        for key, value in module.state_dict().items()
    }
    out.mkdir(parents=True, exist_ok=True)
    save_file(params, str(out / f"rank{rt.rank}.safetensors"))
    stop_runtime(rt)


def run_jobs(jobs: list[dict]) -> None:
    store = None
    for i, job in enumerate(jobs):
        if i > 0:
            store = store or next(dist.rendezvous("env://"))[0]
            join_fresh_group(i, store)
            GROUPS.append(dist.group.WORLD)
        if "cli" in job:
            code = main(job["cli"])
            if code:
                raise SystemExit(f"job {i} (contentpose {' '.join(job['cli'][:2])}) exited {code}")
        else:
            train_steps(Path(job["out"]), job["steps"], job["overrides"])


if __name__ == "__main__":
    digits.read_mnist5k = functools.cache(digits.read_mnist5k)
    try:
        run_jobs(json.loads(Path(sys.argv[1]).read_text()))
        code = 0
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
