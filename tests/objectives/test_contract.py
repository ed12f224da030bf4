import pytest
import torch

from contentpose.config import load_config, presets
from contentpose.families import FAMILIES
from contentpose.objectives import build_objective, objective_class
from contentpose.objectives.contract import Objective

PRESETS = {}  # a preset of each objective
for _name in presets():
    PRESETS.setdefault(load_config(_name).objective.name, _name)
OBJECTIVES = [name for family in FAMILIES.values() for name in family.objectives]


@pytest.mark.parametrize("name", OBJECTIVES)
def test_every_registered_objective_meets_the_loops_contract(name):
    """Each objective a family names builds, from a config of its family, an Objective whose networks
    include the inference networks (the names the family's loaded run takes)."""
    cls = objective_class(name)
    assert cls.name == name and all(callable(getattr(cls, f, None)) for f in ("networks", "build", "sampler"))
    preset = PRESETS.get(name) or next(p for p in PRESETS.values() if load_config(p).family.objectives.get(name))
    cfg = load_config(preset, [f"objective.name={name}", "train.batch_size=4"])
    torch.manual_seed(0)
    objective = build_objective(cfg, 3 if cfg.data.colour else 1, torch.device("cpu"))
    assert isinstance(objective, Objective)
    assert set(cls.networks(cfg, 3 if cfg.data.colour else 1)) <= set(objective.modules)
    assert objective.optimizers and all(isinstance(o, torch.optim.Optimizer) for o in objective.optimizers.values())
