"""The Sprites protocol (DSVAE and its successors), scored by our judge (`eval/judges/sprites_judge.py`).

Autoencoders and sequence models: for PAIRS fixed pairs (A, B) of test sequences that differ in
every attribute and in motion, `transfer(A, B)` draws A's content in B's poses, frame by frame.
The judge reads each result: accuracy on A's attributes (each, and all four at once) and on B's
motion, and for motion the Inception Score exp(E_x KL(p(y|x) || p(y))), H(y|x) (low: confident)
and H(y) (high: diverse; at most ln 9 = 2.197); all four attributes and motion also get 95%
bootstrap intervals over pairs, and so does "both", the share of pairs with all four attributes
and the motion right at once, which no copy reaches. Scored the same way beside the model:

- copy B (B itself: the motion is right, the attributes all wrong), copy A (the reverse);
- content-blind: B's motion drawn with the mean character (motion m, frame t: the mean of that
  frame over the 1,000 training characters), what a decoder that ignores content draws at best;
- cut-and-paste (`eval/baselines/cut_and_paste.py`): A's first frame, its character moved to where B's is in
  each frame of B (no learning; it cannot animate limbs, so it shows A's pose moved about);
- real: the judge on every real test sequence with its own labels (its ceiling).

The true answer of a transfer exists in the data (A's character in B's motion), so each transfer and
baseline also gets the swap's PSNR/SSIM against it, per frame, averaged ("psnr", "ssim").

Set GAN runs generate single frames, so their agreement is measured per frame with the judge's
per-frame heads: sets of 8 frames from one z_C (and 8 z_M) should share the attributes, sets from
one z_M (and 8 z_C) the pose (the sheet cell shown). Each agreement (the share of sets whose 8
frames get one label) stands beside real sets (8 frames of one real sequence for attributes; one
frame of one motion drawn by 8 test characters for pose: the ceiling) and independent samples
(8 frames from independent latents: the floor).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from contentpose.data.lpc_sprites import ATTRIBUTES, DIRECTIONS, FRAMES, MOTIONS, LpcSprites
from contentpose.eval.baselines.cut_and_paste import cut_and_paste
from contentpose.eval.judges.sprites_judge import SpritesJudge, judge_probabilities, sprites_judge
from contentpose.eval.metrics.image_metrics import psnr, ssim
from contentpose.eval.metrics.intervals import summarise
from contentpose.objectives.setgan import generate, uniform_latents

PAIRS, SEED, BATCH = 1000, 0, 100
Transfer = Callable[
    [torch.Tensor, torch.Tensor], torch.Tensor
]  # (content (B,T,C,H,W), motion (B,T,C,H,W)) -> (B,T,C,H,W)


def sprite_pairs(test: LpcSprites, n: int = PAIRS, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices (n,), (n,) of test sequences A and B that differ in all 4 attributes and in motion."""
    g = np.random.default_rng(seed)
    a = g.integers(0, len(test), n)
    b = np.empty_like(a)
    for i, j in enumerate(a):
        ok = (test.attributes != test.attributes[j]).all(1) & (test.motions != test.motions[j])
        b[i] = g.choice(np.flatnonzero(ok))
    return a, b


def swap_truth(test: LpcSprites, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Indices (n,) of the test sequences showing A's character in B's motion (sequences are 9 per
    character, in motion order)."""
    return a - test.motions[a] + test.motions[b]


def fidelity_scores(
    test: LpcSprites, frames: Callable[[np.ndarray], torch.Tensor], truth: np.ndarray, batch: int = BATCH
) -> dict:
    """Mean PSNR/SSIM over every frame of `frames(rows)` (b, T, C, H, W) against the test sequences
    `truth[rows]`, batch by batch."""
    out = {"psnr": [], "ssim": []}
    for i in range(0, len(truth), batch):
        rows = np.arange(i, min(i + batch, len(truth)))
        _frame_fidelity(out, frames(rows), test.labelled(truth[rows]).frames)
    return _mean_fidelity(out)


def _frame_fidelity(out: dict[str, list], x: torch.Tensor, y: torch.Tensor) -> None:
    """Append the PSNR and SSIM of every frame of x (b, T, C, H, W) against y to out["psnr"], out["ssim"]."""
    x, y = x.float().flatten(0, 1).to(y.device), y.flatten(0, 1)
    out["psnr"].append(psnr(x, y).cpu())
    out["ssim"].append(ssim(x, y).cpu())


def _mean_fidelity(out: dict[str, list]) -> dict:
    return {k: round(float(torch.cat(v).mean()), 4) for k, v in out.items()}


def mean_character(train: LpcSprites) -> torch.Tensor:
    """Every motion frame averaged over the training characters: (9, 8, C, H, W) on the data's device."""
    rows = train.starts[:, None] + np.arange(FRAMES)  # (N, 8) rows of the frame array
    mean = np.stack([train.frames[rows[train.motions == m]].mean(0, dtype=np.float64) for m in range(MOTIONS)])
    return torch.as_tensor(mean / 255, dtype=torch.float32, device=train.device)


def motion_scores(p: torch.Tensor) -> dict:
    """IS = exp(E_x KL(p(y|x) || p(y))), H(y|x) and H(y) (nats) of class probabilities p (N, K)."""
    p = p.double().clamp_min(1e-12)
    p_y = p.mean(0)
    kl = (p * (p.log() - p_y.log())).sum(1)
    return {
        "IS": round(math.exp(float(kl.mean())), 4),
        "H_y_given_x": round(float(-(p * p.log()).sum(1).mean()), 4),
        "H_y": round(float(-(p_y * p_y.log()).sum()), 4),
    }


def judge_outputs(
    judge: SpritesJudge, frames: Callable[[np.ndarray], torch.Tensor], count: int, batch: int = BATCH
) -> tuple[torch.Tensor, torch.Tensor]:
    """p(attributes) (count, 4, 6) and p(motion) (count, 9) of `count` sequences, `frames(rows)`
    giving rows (b, T, C, H, W), batch by batch."""
    out = [judge_probabilities(judge, frames(np.arange(i, min(i + batch, count)))) for i in range(0, count, batch)]
    return torch.cat([a for a, _ in out]), torch.cat([m for _, m in out])


def judge_scores(p_attr: torch.Tensor, p_motion: torch.Tensor, attributes: np.ndarray, motions: np.ndarray) -> dict:
    """The judge's outputs (N, 4, 6) and (N, 9) against the attributes (N, 4) and motions (N,) the
    sequences should show: accuracies and the motion scores."""
    hit = (p_attr.argmax(-1) == torch.as_tensor(attributes)).float()
    said, motions = p_motion.argmax(-1), torch.as_tensor(motions)
    return {
        **{name: round(float(hit[:, i].mean()), 4) for i, name in enumerate(ATTRIBUTES)},
        **summarise(
            {
                "all_attributes": hit.prod(1),
                "motion": (said == motions).float(),
                "both": hit.prod(1) * (said == motions).float(),  # no copy gets both: the headline
            }
        ),
        # motion = action x facing direction; which of the two a model misses
        "action": round(float((said // len(DIRECTIONS) == motions // len(DIRECTIONS)).float().mean()), 4),
        "facing": round(float((said % len(DIRECTIONS) == motions % len(DIRECTIONS)).float().mean()), 4),
        **motion_scores(p_motion),
    }


def sprites_baselines(
    judge: SpritesJudge, train: LpcSprites, test: LpcSprites, pairs: int = PAIRS, seed: int = SEED
) -> dict:
    """Copy B, copy A and content-blind on the protocol's pairs, and the judge on real test sequences.
    Copies are real test sequences, so they reuse the judge's outputs on the real set."""
    a, b = sprite_pairs(test, pairs, seed)
    target = (test.attributes[a], test.motions[b])
    p_attr, p_motion = judge_outputs(judge, lambda r: test.labelled(r).frames, len(test))
    mean = mean_character(train)
    blind_attr, blind_motion = judge_probabilities(judge, mean)  # (9, 4, 6), (9, 9)
    truth = swap_truth(test, a, b)
    fidelity = lambda frames: fidelity_scores(test, frames, truth)  # noqa: E731

    def pasted(r):  # A's first frame moved to B's place in every frame of B: (b, T, C, H, W)
        first, motion = test.labelled(a[r]).frames[:, :1], test.labelled(b[r]).frames
        flat = cut_and_paste(first.expand_as(motion).flatten(0, 1), motion.flatten(0, 1), k=1)
        return flat.view(motion.shape)

    pasted_attr, pasted_motion = judge_outputs(judge, pasted, pairs)
    return {
        "pairs": pairs,
        "seed": seed,
        "copy_motion": {
            **judge_scores(p_attr[b], p_motion[b], *target),
            **fidelity(lambda r: test.labelled(b[r]).frames),
        },
        "copy_content": {
            **judge_scores(p_attr[a], p_motion[a], *target),
            **fidelity(lambda r: test.labelled(a[r]).frames),
        },
        "content_blind": {
            **judge_scores(blind_attr[test.motions[b]], blind_motion[test.motions[b]], *target),
            **fidelity(lambda r: mean[test.motions[b[r]]]),
        },
        "cut_and_paste": {**judge_scores(pasted_attr, pasted_motion, *target), **fidelity(pasted)},
        "real": {**judge_scores(p_attr, p_motion, test.attributes, test.motions), "sequences": len(test)},
    }


@torch.no_grad()
def sprites_transfer(
    transfer: Transfer,
    judge: SpritesJudge,
    test: LpcSprites,
    pairs: int = PAIRS,
    seed: int = SEED,
    redraw: bool = False,
) -> dict:
    """The judge on transfer(A, B) for the protocol's pairs: A's attributes, B's motion; and the
    swap's PSNR/SSIM against A's character in B's motion. With `redraw`, transfer(A, A) against A:
    what the model keeps of a sequence when nothing is swapped (a ceiling for its swaps)."""
    a, b = sprite_pairs(test, pairs, seed)
    if redraw:
        b = a
    truth, fidelity = swap_truth(test, a, b), {"psnr": [], "ssim": []}

    def frames(r):  # each batch is scored against its true answer on the way to the judge
        x = transfer(test.labelled(a[r]).frames, test.labelled(b[r]).frames).float()
        _frame_fidelity(fidelity, x, test.labelled(truth[r]).frames)
        return x

    scores = judge_scores(*judge_outputs(judge, frames, pairs), test.attributes[a], test.motions[b])
    return {**scores, **_mean_fidelity(fidelity)}


def _agreement(labels: torch.Tensor) -> torch.Tensor:
    """Labels (sets, n, ...) -> (sets, ...): do all n frames of a set agree?"""
    return (labels == labels[:, :1]).all(1)


@torch.no_grad()
def generator_agreement(
    draw: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    sample: Callable[[int, int, torch.Generator], tuple[torch.Tensor, torch.Tensor]],
    judge: SpritesJudge,
    test: LpcSprites,
    sets: int = 256,
    seed: int = SEED,
) -> dict:
    """Per-frame agreement of generated sets (see the module doc). `sample(n, size, g)` draws latents
    z_C (n, Zc) and z_M (n, size, Zm); `draw(z_c, z_m)` gives frames (n, size, C, H, W)."""
    g, n = torch.Generator().manual_seed(seed), FRAMES
    judge.eval()

    def frames_of(z_c, z_m, chunk=64):  # in chunks: thousands of frames at once would fill the memory
        return torch.cat([draw(z_c[i : i + chunk], z_m[i : i + chunk]).float() for i in range(0, len(z_c), chunk)])

    def attributes(frames):  # (s, n, C, H, W) -> (s, n, 4)
        return judge.frame_attributes(frames.flatten(0, 1)).argmax(-1).view(*frames.shape[:2], -1)

    def pose(frames):  # (s, n, C, H, W) -> (s, n)
        return judge.frame_pose(frames.flatten(0, 1)).argmax(-1).view(frames.shape[:2])

    z_c, z_m = sample(sets, n, g)
    one_content = frames_of(z_c, z_m)  # one z_C, n z_M per set
    z_c2, _ = sample(sets * n, 1, g)  # n z_C per set, with its one z_M
    one_motion = frames_of(z_c2, z_m[:, :1].expand(-1, n, -1).reshape(sets * n, 1, -1)).view(
        sets, n, *one_content.shape[2:]
    )
    z_c3, z_m3 = sample(sets * n, 1, g)
    independent = frames_of(z_c3, z_m3).view(sets, n, *one_content.shape[2:])
    rng = np.random.default_rng(seed)
    real_sequences = test.labelled(rng.choice(len(test), sets, replace=False)).frames
    chars = np.stack([rng.choice(len(test) // MOTIONS, n, replace=False) for _ in range(sets)])  # n characters per set
    motion, time = rng.integers(0, MOTIONS, sets), rng.integers(0, FRAMES, sets)
    rows = chars * MOTIONS + motion[:, None]  # sequence index: 9 per character
    real_pose = test.frames_at(rows.ravel(), np.repeat(time, n)[:, None]).view(sets, n, *one_content.shape[2:])

    def attribute_shares(frames):
        agree = _agreement(attributes(frames)).float()
        return {
            **{name: round(float(agree[:, i].mean()), 4) for i, name in enumerate(ATTRIBUTES)},
            "all_attributes": round(float(agree.all(1).float().mean()), 4),
        }

    return {
        "sets": sets,
        "set_size": n,
        "attributes_one_z_content": {
            "generated": attribute_shares(one_content),
            "real": attribute_shares(real_sequences),
            "independent": attribute_shares(independent),
        },
        "pose_one_z_motion": {
            kind: round(float(_agreement(pose(x)).float().mean()), 4)
            for kind, x in (("generated", one_motion), ("real", real_pose), ("independent", independent))
        },
    }


class SpritesProtocol:
    """The protocol for the runs of one `evaluate` call on lpc_sprites: the judge (trained once per
    data and cached) and the baselines, computed once; `score` and `score_generator` per run.
    `trained` is any loaded run (it gives the data through `dataset(split)`); `split` is the held-out
    split scored (val or test; `self.test` holds it)."""

    def __init__(self, trained, split: str = "val", pairs: int = PAIRS, seed: int = SEED, quiet: bool = False):
        self.train, self.test = trained.dataset("train"), trained.dataset(split)
        self.pairs, self.seed, self.split = pairs, seed, split
        self.judge, meta = sprites_judge(self.train, self.test, quiet=quiet)
        self.judge_info = {k: meta[k] for k in ("accuracy", "train_seconds", "recipe", "frame_size")}
        self.baselines = None

    def score(self, transfer: Transfer, redraw: bool = False) -> dict:
        """eval.json's "sprites" entry of a run whose `transfer(content, motion)` draws A's content in B's
        motion; with `redraw`, also its "redraw" entry: transfer(A, A) judged against A."""
        if self.baselines is None:
            self.baselines = sprites_baselines(self.judge, self.train, self.test, self.pairs, self.seed)
        scored = lambda own: sprites_transfer(transfer, self.judge, self.test, self.pairs, self.seed, own)  # noqa: E731
        return {
            "split": self.split,
            "model": scored(False),
            **({"redraw": scored(True)} if redraw else {}),
            "baselines": self.baselines,
            "judge": self.judge_info,
        }

    def score_generator(self, gen) -> dict:
        """eval.json's "sprites" entry of a Set GAN run (a loaded `TrainedGenerator`; see `generator_agreement`)."""
        m, dev = gen.config.model, gen.device
        sample = lambda n, size, g: uniform_latents(n, size, m.z_content, m.z_motion, g)  # noqa: E731
        draw = lambda z_c, z_m: generate(gen.generator, z_c.to(dev), z_m.to(dev))  # noqa: E731
        return {**generator_agreement(draw, sample, self.judge, self.test, seed=self.seed), "judge": self.judge_info}


ROWS = (
    ("cut_and_paste", "baseline: cut-and-paste A onto B's places"),
    ("copy_motion", "baseline: copy B (motion)"),
    ("copy_content", "baseline: copy A (content)"),
    ("content_blind", "baseline: content-blind (mean character)"),
    ("real", "judge on real test sequences"),
)


SCORED = ("all_attributes", "motion", "action", "facing")  # the table's columns after the attributes


def format_sprites(runs: dict[str, dict]) -> str:
    """One table: each run's "sprites" entry (by run name), then the baselines and the judge."""
    first = next(iter(runs.values()))
    base, judge = first["baselines"], first["judge"]
    lines = [
        f"Sprites protocol on {base['pairs']} {first.get('split', 'held-out')} pairs (A, B) differing in every attribute and in motion: "
        f"A's content in B's motion, read by our judge",
        f"{'':42} "
        + " ".join(f"{h:>7}" for h in ("body", "bottom", "top", "hair", "all 4", "motion", "action", "facing"))
        + f" {'IS':>6} {'H(y|x)':>7} {'H(y)':>6} {'PSNR':>6} {'SSIM':>6}",
    ]

    def row(label, s):  # PSNR/SSIM against A's character in B's motion ("-" for real sequences)
        return (
            f"{label[:42]:42} "
            + " ".join(f"{s[k]:7.4f}" if k in s else f"{'-':>7}" for k in (*ATTRIBUTES, *SCORED))
            + f" {s['IS']:6.3f} {s['H_y_given_x']:7.4f} {s['H_y']:6.4f}"
            + "".join(f" {s[k]:6.3f}" if k in s else f" {'-':>6}" for k in ("psnr", "ssim"))
        )

    for name, entry in runs.items():
        lines.append(row(name, entry["model"]))
        if "redraw" in entry:  # against A itself: A's attributes and A's motion
            lines.append(row("  redrawing A (A's content, A's poses)", entry["redraw"]))
    lines += [row(label, base[key]) for key, label in ROWS if key in base]
    for name, entry in runs.items():
        m = entry["model"]
        lines.append(
            f"{name}: all 4 and motion at once {m['both']:.4f} {_interval(m, 'both')}; 95% intervals over "
            f"pairs: all 4 {_interval(m, 'all_attributes')}, motion {_interval(m, 'motion')}"
        )
    baselines = [key for key, _ in ROWS if key in base and key != "real"]
    for metric, label in (("both", "all 4 and motion at once"), ("all_attributes", "all 4"), ("motion", "motion")):
        best = max(baselines, key=lambda k: base[k].get(metric, -1))
        if metric not in base[best]:
            continue
        lines.append(f"strongest baseline on {label}: {best} {base[best][metric]:.4f} {_interval(base[best], metric)}")
    lines.append(_judge_line(judge))
    return "\n".join(lines)


def _interval(scores: dict, key: str) -> str:
    """A score's 95% interval, "[0.91, 0.94]" (or "" for entries scored before intervals existed)."""
    if f"{key}_ci" not in scores:
        return ""
    lo, hi = scores[f"{key}_ci"]
    return f"[{lo:.3f}, {hi:.3f}]"


def _judge_line(judge: dict) -> str:
    return (
        f"judge (ours, trained {judge['train_seconds']:.0f} s on real training sequences), held-out accuracy: "
        + ", ".join(f"{k} {v:.4f}" for k, v in judge["accuracy"].items() if k != "sequences")
    )


def format_generator_agreement(name: str, entry: dict) -> str:
    """The per-frame agreements of one generator run's "sprites" entry."""
    a, p = entry["attributes_one_z_content"], entry["pose_one_z_motion"]
    lines = [
        f"{name}: Sprites judge on {entry['sets']} sets of {entry['set_size']} generated frames "
        f"(share of sets whose frames all get one label)",
        f"{'':36} " + " ".join(f"{h:>7}" for h in ("body", "bottom", "top", "hair", "all 4")),
    ]
    for kind, label in (
        ("generated", "attributes, one z_C (generated)"),
        ("real", "  real sequences (ceiling)"),
        ("independent", "  independent samples (floor)"),
    ):
        lines.append(f"{label:36} " + " ".join(f"{a[kind][k]:7.4f}" for k in (*ATTRIBUTES, "all_attributes")))
    lines.append(
        f"pose, one z_M: generated {p['generated']:.4f}, real (one frame of one motion, "
        f"{entry['set_size']} characters) {p['real']:.4f}, independent samples {p['independent']:.4f}"
    )
    lines.append(_judge_line(entry["judge"]))
    return "\n".join(lines)
