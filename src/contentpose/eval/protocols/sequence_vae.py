"""`contentpose evaluate` on sequence VAE runs (DSVAE): reconstruction of held-out sequences,
on synthetic data the swap fidelity of whole sequences, and on lpc_sprites the Sprites protocol
(RUN/eval.json).

A DSVAE reads content (f) from a whole sequence, so its swap is scored on sequences: for
content-disjoint test clips a and b (the pairs of `swap.py`), the sequence decoded from a's f
and b's z_1:T is compared, frame by frame, with a's content rendered at b's positions; copying
b's and a's sequences are scored the same way. Reconstruction decodes a sequence from its own
f and z (posterior means).

On lpc_sprites the judge scores three kinds of sequences for the protocol's pairs (A, B): the
swap (A's f, B's z_1:T); B's z_1:T with f drawn from p(f) ("fix the dynamics, sample the static
code": the generation test whose action accuracy the DSVAE papers report, read its motion
columns); and A's f with z_1:T drawn from the LSTM prior (read its attribute columns).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import torch

from contentpose.eval.protocols.sprites import SpritesProtocol, format_sprites
from contentpose.eval.protocols.swap import best_match, content_disjoint_partner
from contentpose.eval.results import Result
from contentpose.trained import TrainedSequenceVAE, load_sequence_vae


def _mean(parts: list[dict[str, torch.Tensor]]) -> dict[str, float]:
    return {m: round(float(torch.cat([p[m] for p in parts]).mean()), 4) for m in ("psnr", "ssim")}


@torch.no_grad()
def sequence_reconstruction(
    run: TrainedSequenceVAE, data, length: int, n: int = 500, batch_size: int = 50
) -> dict[str, float]:
    """Mean PSNR/SSIM of decode(encode(x)) against x over the frames of n held-out sequences of `length`."""
    clips = data.test_clips(n, length).frames  # (n, T, C, H, W)
    parts = []
    for x in clips.split(batch_size):
        rec = run.transfer(x, x)
        parts.append(best_match(rec.flatten(0, 1), x.flatten(0, 1)[None]))
    return _mean(parts)


@torch.no_grad()
def sequence_swap_fidelity(
    run: TrainedSequenceVAE, data, length: int, batch_size: int = 50, seed: int = 0
) -> dict[str, dict[str, float]]:
    """PSNR/SSIM of transfer(a, b) against a's content drawn at b's positions, over every frame of
    `length`-frame sequences of the content-disjoint test pairs, with the copy-b and copy-a baselines."""
    test = data.test_set()
    n = len(test)
    g = torch.Generator().manual_seed(seed)
    partner = content_disjoint_partner(test.content_key.cpu(), g)
    start = torch.randint(0, 1000, (n, 2, 1), generator=g)
    times = (start + torch.arange(length)).to(data.device)  # (n, 2, T)
    perms = [list(p) for p in itertools.permutations(range(data.num_objects))]
    scores: dict[str, list] = {}
    for chunk in torch.arange(n).split(batch_size):
        idx = chunk.to(data.device)
        a, b = test.index(idx), test.index(partner[chunk].to(data.device))
        pos_a, pos_b = data.positions(a, times[idx, 0]), data.positions(b, times[idx, 1])
        x_a, x_b = data.render(a, pos_a), data.render(b, pos_b)  # (m, T, C, H, W)
        truths = torch.stack([data.render(a, pos_b[:, :, p]).flatten(0, 1) for p in perms])
        for name, pred in (
            ("swap", run.transfer(x_a, x_b)),
            ("copy_pose_sequence", x_b),
            ("copy_content_sequence", x_a),
        ):
            scores.setdefault(name, []).append(best_match(pred.flatten(0, 1), truths))
    return {name: _mean(parts) for name, parts in scores.items()}


def sprites_generation(run: TrainedSequenceVAE, protocol: SpritesProtocol, seed: int = 0) -> dict[str, dict]:
    """The protocol's scores of the swap and of the two generation tests (see the module doc). A generated
    sequence has no true frames (f or z is drawn), so those two get no PSNR/SSIM."""
    g = torch.Generator().manual_seed(seed)
    out = {
        "swap": protocol.score(run.transfer, redraw=True),
        "fixed_motion": protocol.score(lambda content, motion: run.sample_static(motion, g)),
        "fixed_content": protocol.score(lambda content, motion: run.sample_dynamic(content, motion.shape[1], g)),
    }
    for key in ("fixed_motion", "fixed_content"):
        out[key] = {**out[key], "model": {k: v for k, v in out[key]["model"].items() if k not in ("psnr", "ssim")}}
    return out


SPRITES_ROWS = {
    "swap": "swap (f of A, z of B)",
    "fixed_motion": "z of B, f ~ p(f)",
    "fixed_content": "f of A, z ~ prior",
}


class SequenceVAEResult(Result):
    """One DSVAE run's eval.json: reconstruction, swaps (synthetic data), the Sprites tests."""

    def text(self) -> str:
        e, r = self.data, self.data["reconstruction"]
        lines = [
            f"{self.name} ({e['objective']}, step {e['step']}): reconstruction of held-out "
            f"{e.get('length', '?')}-frame sequences PSNR {r['psnr']:.2f}, SSIM {r['ssim']:.4f}"
        ]
        for name, s in e.get("swap", {}).items():
            lines.append(f"  {name:22} PSNR {s['psnr']:6.2f}, SSIM {s['ssim']:.4f}  (vs a's content in b's poses)")
        if "sprites" in e:
            rows = {f"{self.name}: {label}": e["sprites"][key] for key, label in SPRITES_ROWS.items()}
            lines.append(format_sprites(rows))
        return "\n".join(lines)


def evaluate_sequence_vaes(
    paths: list[Path], device: str = "auto", out: Path | None = None, split: str = "val"
) -> dict:
    """Each DSVAE run on its held-out data (`split`): RUN/eval.json and a printed summary (and `out`)."""
    results, protocol = {"split": split, "runs": {}}, None
    for path in paths:
        run = load_sequence_vae(path, device)
        data, length = run.dataset(split), run.config.objective.seq_len
        entry = {
            "step": run.step,
            "split": split,
            "objective": run.config.objective.name,
            "reconstruction": sequence_reconstruction(run, data, length),
        }
        entry["length"] = length
        if hasattr(data, "render"):  # synthetic: a's content can be drawn in b's poses
            entry["swap"] = sequence_swap_fidelity(run, data, length)
        if run.config.data.name == "lpc_sprites":
            if protocol is None or protocol.test.cache_key != data.cache_key:
                protocol = SpritesProtocol(run, split)  # the judge and baselines of this data, once
            entry["sprites"] = sprites_generation(run, protocol)
        print(SequenceVAEResult(run.path.name, entry).text())
        (run.path / "eval.json").write_text(json.dumps(entry, indent=2))
        results["runs"][str(path)] = entry
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2))
    return results
