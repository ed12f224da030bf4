"""Pose forecasting metrics on the figures' held-out clips, next to simple baselines.

Each fixed test clip is cut at a random time (seeded): `context` keypoint sets are seen, the
next `horizon` are forecast. Errors are joint distances in pixels of the data's frames, averaged
over the 15 joints:

- ADE (mean over the forecast steps) and FDE (the last step), for one sample and for the best of
  N samples (the sample with the lowest ADE, as in the forecasting literature);
- spread: the mean distance between two of the N samples at the last step (0 for a deterministic
  method), which says whether the samples differ at all;
- per-step curves (one sample and best of N);
- the same split by window: "steady" windows keep the action seen last, "change" windows switch
  to another action during the forecast (their future is not fixed by the past).

Baselines: the last pose held, and constant velocity (the last step's motion repeated). For a
CVAE run, "z = 0" decodes the prior's mean once, a deterministic forecast from the same network.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from contentpose.data.synthetic import START_TIMES
from contentpose.errors import UserError
from contentpose.eval.metrics.intervals import format_cell, summarise
from contentpose.eval.results import Result
from contentpose.trained import load_forecaster

BEST_OF = 10  # samples per clip for best-of-N and spread


def window_starts(n: int, seed: int = 0) -> torch.Tensor:
    """The first frame time (n, 1) of each of the n fixed test clips' windows."""
    return torch.randint(0, START_TIMES, (n, 1), generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def forecast_windows(data, context: int, horizon: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Keypoints (n, context + horizon, K, 2) in pixels of the fixed test clips, each from a random
    time, and whether the action changes during the forecast (n,) bool."""
    test = data.test_set()
    times = (window_starts(len(test), seed) + torch.arange(context + horizon)).to(data.device)
    positions, action = data.motion(test, times)
    changes = (action[:, context:] != action[:, context - 1 : context]).any(dim=1)
    return data.keypoints(test, positions), changes


def hold_last(past: torch.Tensor, horizon: int) -> torch.Tensor:
    """Baseline: the last pose held. past (n, C, K, 2) -> (n, 1, horizon, K, 2)."""
    return past[:, None, -1:].expand(-1, 1, horizon, -1, -1)


def constant_velocity(past: torch.Tensor, horizon: int) -> torch.Tensor:
    """Baseline: the last step's motion repeated. past (n, C, K, 2) -> (n, 1, horizon, K, 2)."""
    steps = torch.arange(1, horizon + 1, device=past.device, dtype=past.dtype)[:, None, None]
    return (past[:, -1:] + steps * (past[:, -1:] - past[:, -2:-1]))[:, None]


def joint_errors(samples: torch.Tensor, future: torch.Tensor) -> torch.Tensor:
    """Mean joint distance (n, S, H) of samples (n, S, H, K, 2) from the true future (n, H, K, 2)."""
    return (samples - future[:, None]).norm(dim=-1).mean(dim=-1)


def spread(samples: torch.Tensor) -> float:
    """Mean distance between two different samples (n, S, H, K, 2) at the last step, averaged over joints."""
    S = samples.shape[1]
    if S < 2:
        return 0.0
    last = samples[:, :, -1]  # (n, S, K, 2)
    d = (last[:, :, None] - last[:, None]).norm(dim=-1).mean(dim=-1)  # (n, S, S)
    return float(d.sum(dim=(1, 2)).mean() / (S * (S - 1)))


def scores(samples: torch.Tensor, future: torch.Tensor, changes: torch.Tensor) -> dict:
    """Every metric of one method from its samples (n, S, H, K, 2) (S = 1: deterministic)."""
    err = joint_errors(samples, future)  # (n, S, H)
    best = err.mean(dim=2).argmin(dim=1)
    best_err = err[torch.arange(len(err)), best]  # (n, H)
    one = err[:, 0]

    def summary(mask: torch.Tensor) -> dict:  # means over clips, each with its 95% bootstrap interval
        per_clip = {
            "ade": one[mask].mean(1),
            "fde": one[mask, -1],
            "ade_best": best_err[mask].mean(1),
            "fde_best": best_err[mask, -1],
        }
        return {**summarise(per_clip), "clips": int(mask.sum())} if mask.any() else {"clips": 0}

    everything = torch.ones_like(changes)
    return {
        **summary(everything),
        "samples": samples.shape[1],
        "spread": spread(samples),
        "steady": summary(~changes),
        "change": summary(changes),
        "curve": one.mean(dim=0).tolist(),
        "curve_best": best_err.mean(dim=0).tolist(),
    }


@torch.no_grad()
def evaluate_forecasters(
    paths: list[Path],
    device: str = "auto",
    out: Path | None = None,
    split: str = "val",
    samples: int = BEST_OF,
    seed: int = 0,
    quiet: bool = False,
) -> dict:
    """Score pose forecasting runs on one set of held-out windows, next to the baselines; print one
    table; write RUN/eval.json (and `out`)."""
    runs = [load_forecaster(p, device) for p in paths]
    first = runs[0].config
    for run in runs[1:]:
        c = run.config
        if (c.data, c.predictor.context, c.predictor.future) != (
            first.data,
            first.predictor.context,
            first.predictor.future,
        ):
            raise UserError(
                f"runs {runs[0].path} and {run.path} forecast different data or windows; evaluate them separately"
            )
    context, horizon = first.predictor.context, first.predictor.future
    keypoints, changes = forecast_windows(runs[0].dataset(split), context, horizon, seed)
    past, future = keypoints[:, :context], keypoints[:, context:]
    results = {
        "split": split,
        "context": context,
        "horizon": horizon,
        "best_of": samples,
        "frame_size": first.data.frame_size,
        "baselines": {
            "last pose held": scores(hold_last(past, horizon), future, changes),
            "constant velocity": scores(constant_velocity(past, horizon), future, changes),
        },
        "runs": {},
    }
    for run in runs:
        entry = {
            "step": run.step,
            "latent": run.config.model.forecast_latent,
            **{k: results[k] for k in ("split", "context", "horizon", "best_of", "frame_size")},
            "methods": {},
        }
        g = torch.Generator().manual_seed(seed)
        if run.config.model.forecast_latent:
            entry["methods"]["CVAE, z ~ prior"] = scores(run.forecast(past, horizon, samples, g), future, changes)
            entry["methods"]["CVAE, z = 0"] = scores(run.forecast_mean(past, horizon)[:, None], future, changes)
        else:
            entry["methods"]["LSTM"] = scores(run.forecast_mean(past, horizon)[:, None], future, changes)
        entry["baselines"] = results["baselines"]
        (run.path / "eval.json").write_text(json.dumps(entry, indent=2))
        results["runs"][str(run.path)] = entry
    if not quiet:
        print(format_forecast_table(results))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2))
    return results


class ForecastResult(Result):
    """One pose forecasting run's eval.json: its forecasts beside the baselines."""

    def text(self) -> str:
        e = self.data
        alone = {k: e[k] for k in ("context", "horizon", "best_of", "frame_size")}
        return format_forecast_table({**alone, "baselines": e["baselines"], "runs": {self.name: e}})


def table_rows(results: dict) -> list[tuple[str, dict]]:
    """(label, scores) of every method in a results dict: baselines first, then each run's."""
    rows = list(results["baselines"].items())
    for path, entry in results["runs"].items():
        rows += [(f"{Path(path).name}: {name}", s) for name, s in entry["methods"].items()]
    return rows


def format_forecast_table(results: dict) -> str:
    n = sum(next(iter(results["baselines"].values()))[k]["clips"] for k in ("steady", "change"))
    lines = [
        f"Pose forecasting on {n} held-out windows: {results['context']} frames seen, {results['horizon']} "
        f"forecast; joint error in pixels of {results['frame_size']} px frames; best of {results['best_of']} "
        f"samples",
        f"{'':38} {'ADE':>18} {'FDE':>18} {'ADE best':>18} {'FDE best':>18} {'spread':>7} {'ADE steady':>11} "
        f"{'ADE change':>11}",
    ]
    for label, s in table_rows(results):
        cells = " ".join(f"{format_cell(s, k, '.2f'):>18}" for k in ("ade", "fde", "ade_best", "fde_best"))
        lines.append(
            f"{label:38} {cells} {s['spread']:7.2f} {s['steady'].get('ade', float('nan')):11.2f} "
            f"{s['change'].get('ade', float('nan')):11.2f}"
        )
    first = next(iter(results["baselines"].values()))
    lines.append(
        f"(steady: {first['steady']['clips']} windows keep the last action; change: "
        f"{first['change']['clips']} switch action during the forecast; 95% bootstrap intervals over windows)"
    )
    return "\n".join(lines)
