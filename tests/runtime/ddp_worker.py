"""One process of the 2-process equivalence test (run by torchrun from test_distributed.py).

    torchrun --nproc_per_node=2 tests/runtime/ddp_worker.py OUT STEPS key=value ...

Trains STEPS steps of the config built from the overrides and writes this rank's parameters
to OUT/rank{R}.safetensors.
"""
import sys
from pathlib import Path

from safetensors.torch import save_file

from contentpose.config import load_config
from contentpose.train.loop import build_training
from contentpose.runtime import start_runtime, stop_runtime

out, steps, overrides = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
cfg = load_config("quick", overrides)
rt = start_runtime(cfg.train)
objective, sampler = build_training(cfg, rt, quiet=True)
for _ in range(steps):
    objective.step(*sampler())
params = {f"{name}/{key}": value.detach().contiguous()
          for name, module in objective.modules.items() for key, value in module.state_dict().items()}
save_file(params, str(out / f"rank{rt.rank}.safetensors"))
stop_runtime(rt)
