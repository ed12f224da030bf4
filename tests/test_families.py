"""A new family in three parts (docs/architecture.md): its configs and Family record, its objective
(with the loaded run), its evaluation protocol (with its Result) and report section. Here all three live in this file;
registering the family is the only other change, and train, evaluate, report, load and the verbs
work for it with no edit anywhere else."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import pytest
import torch
import torch.nn as nn

import contentpose
from contentpose.cli import main
from contentpose.data.samplers import FramePairSampler
from contentpose.eval.results import Result
from contentpose.families import FAMILIES, Family, family_of
from contentpose.trained import Trained, load_trained

# ---- part 1: families/toy.py ------------------------------------------------------------------


@dataclass
class ToyModel:
    width: int = 4


@dataclass
class ToyObjective:
    name: Literal["toy"] = "toy"
    lr_scale: float = 1.0

    def losses(self) -> list[str]:
        return ["reconstruction"]


TOY = Family(
    name="toy",
    noun="a toy autoencoder",
    model=ToyModel,
    objective=ToyObjective,
    objectives={"toy": "test_families:ToyTraining"},
    loaded="test_families:TrainedToy",
    evaluate="test_families:evaluate_toys",
    result="test_families:ToyResult",
    report="test_families:toy_sections",
)

# ---- part 2: objectives/toy.py (and its loaded run) -------------------------------------------


class ToyTraining:
    """Redraw frame t+k from frame t with two convolutions."""

    name = "toy"

    def __init__(self, net: nn.Module, lr: float):
        self.net, self.opt = net, torch.optim.Adam(net.parameters(), lr)

    @staticmethod
    def networks(cfg, channels: int) -> dict[str, nn.Module]:
        w = cfg.model.width
        return {"net": nn.Sequential(nn.Conv2d(channels, w, 3, 1, 1), nn.ReLU(), nn.Conv2d(w, channels, 3, 1, 1))}

    @classmethod
    def build(cls, cfg, channels: int, rt) -> ToyTraining:
        return cls(rt.place(cls.networks(cfg, channels)["net"]), cfg.train.lr * cfg.objective.lr_scale)

    @staticmethod
    def sampler(data, cfg, batch_size: int, seed: int) -> FramePairSampler:
        return FramePairSampler(data, batch_size, cfg.data.max_offset, seed)

    @property
    def modules(self) -> dict[str, nn.Module]:
        return {"net": self.net}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"net": self.opt}

    def step(self, x_t: torch.Tensor, x_tk: torch.Tensor, *rest) -> dict[str, torch.Tensor]:
        loss = nn.functional.mse_loss(self.net(x_t), x_tk)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"rec_loss": loss.detach()}


@dataclass
class TrainedToy(Trained):
    net: nn.Module = None

    @torch.no_grad()
    def transfer(self, content: torch.Tensor, motion: torch.Tensor) -> torch.Tensor:
        return self.net(motion.flatten(0, 1)).view(motion.shape)


# ---- part 3: eval/toy.py ------------------------------------------------------------------------


class ToyResult(Result):
    def text(self) -> str:
        return f"{self.name}: toy mse {self.data['mse']:.4f}"


def evaluate_toys(paths, device="auto", out=None, split="val") -> dict:
    results = {"split": split, "runs": {}}
    for path in paths:
        run = load_trained(path, device)
        clip = run.dataset(split).clip(0, 4)[None]
        entry = {"step": run.step, "split": split, "mse": float(((run.transfer(clip, clip) - clip) ** 2).mean())}
        (run.path / "eval.json").write_text(json.dumps(entry))
        results["runs"][str(path)] = entry
        print(ToyResult(run.path.name, entry).text())
    return results


def toy_sections(run, files, device) -> list[str]:
    return ["<h2>Toy</h2>"]


# ---- the test ----------------------------------------------------------------------------------


@pytest.fixture
def toy_family(monkeypatch):
    monkeypatch.setitem(FAMILIES, "toy", TOY)  # the registration: one line in families/__init__.py
    return TOY


def test_a_family_in_three_parts_trains_evaluates_reports_and_loads(toy_family, tmp_path, capsys):
    assert family_of("toy") is toy_family
    preset = tmp_path / "toy.yaml"
    preset.write_text(
        "data: {frame_size: 32, num_digits: 1, digits: sklearn, test_clips: 8}\n"
        "model: {width: 4}\nobjective: {name: toy}\n"
        "train: {steps: 4, batch_size: 4, log_every: 2, checkpoint_every: 4, device: cpu}\n"
    )
    run = tmp_path / "run"
    assert main(["train", str(preset), "--out", str(run), "--quiet"]) == 0
    assert "predictor" not in (run / "config.yaml").read_text()  # the family has no predictor section
    assert main(["evaluate", str(run)]) == 0
    assert "toy mse" in capsys.readouterr().out
    assert main(["report", str(run)]) == 0
    page = (run / "report.html").read_text()
    assert "<h2>Toy</h2>" in page and "run: toy mse" in page  # the section, and the scores as evaluate printed them
    model = contentpose.load(run, device="cpu")
    clip = model.clip("val", 0, frames=3)
    assert model.kind == "toy" and model.transfer(clip, clip).shape == clip.shape
    assert main(["analogy", str(run), "--out", str(tmp_path / "a.png")]) == 2  # a verb the family lacks
    assert "has no `analogy`; it is for: autoencoder (drnet, mipae)" in capsys.readouterr().err
    assert main(["train", str(preset), "model.content_dim=8", "--out", str(tmp_path / "other")]) == 2
    assert "unknown config key 'model.content_dim' for the toy family" in capsys.readouterr().err
