"""Does z_C hold what stays fixed in a clip and z_M what changes? The Set GAN identity analysis.

Tuesca & Uzal measured a face-embedding distance against the norm of a latent perturbation.
With built-in data the content is known, so a content classifier trained on real frames
takes the face embedding's place:

- perturbation curves: for random z, move only z_C (or only z_M) a fraction t of the way to
  another random latent of that subspace (so every z stays in [-1, 1]) and report how often
  the predicted content of the generated frame changes, and how far its classifier embedding
  moves, in units of the mean distance between two random real frames;
- set consistency: the share of generated sets (one z_C, n z_M) whose n frames all get the
  same content label, next to the same share for real sets (the classifier's own ceiling) and
  for n independently drawn frames (what no sharing gives);
- frame quality, what the two questions above rest on: how legible single generated frames are (the
  classifier's mean top probability, the share it names with p >= 0.9), how varied (the perplexity
  of the named classes: 10 for ten digits drawn evenly, 1 for one) and how far from real frames (the
  Frechet distance of the classifier's embeddings), beside real frames. Agreement of
  illegible or one-class frames says nothing about z_C;
- motion consistency, its mirror: the share of sets of n frames sharing one z_M (each with its own
  z_C) whose objects a keypoint regressor trained on real frames places within a tenth of the frame
  of each other, next to real frames of n clips drawn at one clip's positions (the ceiling) and n
  independent frames.

The predicted content of a frame is its top-k classes of each content factor (k = objects
per frame): the digit for Moving Digits; shape, scale and colour for Moving Sprites, each also
reported on its own, so one can see which factors z_C holds.
"""

from __future__ import annotations

import torch

from contentpose.data.synthetic import START_TIMES
from contentpose.eval.judges.content_classifier import ContentClassifier
from contentpose.eval.judges.keypoint_regressor import KeypointRegressor, read_keypoints
from contentpose.eval.metrics.frechet import frechet_distance
from contentpose.eval.metrics.intervals import mean_interval, statistic_interval
from contentpose.objectives.setgan import generate, uniform_latents
from contentpose.trained import TrainedGenerator

FRACTIONS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
FD_GROUPS = 25  # delete-a-group jackknife of the frames' Frechet distance: 25 blocks, not one per frame


def predicted_content(
    classifier: ContentClassifier, frames: torch.Tensor, k: int, groups: dict[str, int] | None = None
) -> dict[str, torch.Tensor]:
    """The k most likely classes of each content factor in frames (B, C, H, W): {factor: (B, k)},
    sorted. `groups` gives each factor's number of classes, in the classifier's class order
    (default: one factor holding every class)."""
    logits = classifier(frames)
    groups = groups or {"content": logits.shape[1]}
    out, start = {}, 0
    for name, size in groups.items():
        out[name] = logits[:, start : start + size].topk(k, dim=1).indices.sort(dim=1).values
        start += size
    return out


def _changed(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> dict[str, float]:
    """Share of frames whose predicted content changed: in any factor ('any') and per factor."""
    per = {name: (after[name] != before[name]).any(dim=1) for name in before}
    shares = {name: round(float(v.float().mean()), 4) for name, v in per.items()}
    return {"any": round(float(torch.stack(list(per.values())).any(dim=0).float().mean()), 4), **shares}


@torch.no_grad()
def reference_distance(classifier: ContentClassifier, data, n: int = 256, seed: int = 0) -> float:
    """Mean embedding distance between frames of two different random test clips."""
    frames = data.test_frames(2 * n, [0], seed)[:, 0]
    emb = classifier.embed(frames)
    half = len(emb) // 2
    return float((emb[:half] - emb[half : 2 * half]).norm(dim=1).mean())


@torch.no_grad()
def perturbation_curves(
    gen: TrainedGenerator,
    classifier: ContentClassifier,
    k: int,
    reference: float,
    n: int = 256,
    fractions: tuple[float, ...] = FRACTIONS,
    seed: int = 0,
    groups: dict[str, int] | None = None,
) -> dict:
    """{'content': rows, 'motion': rows}, a row per fraction t: mean perturbation norm, share of
    frames whose predicted content changed (any factor; and per factor in 'changed_by_factor'),
    embedding distance / `reference`."""
    m, dev = gen.config.model, gen.device
    g = torch.Generator().manual_seed(seed)
    z_c, z_m = uniform_latents(n, 1, m.z_content, m.z_motion, g)
    o_c, o_m = uniform_latents(n, 1, m.z_content, m.z_motion, g)
    draw = lambda c, mo: generate(gen.generator, c.to(dev), mo.to(dev))[:, 0]  # noqa: E731
    base = draw(z_c, z_m)
    base_label, base_emb = predicted_content(classifier, base, k, groups), classifier.embed(base)
    curves = {}
    for name, z, other in (("content", z_c, o_c), ("motion", z_m, o_m)):
        rows = []
        for t in fractions:
            moved = z + t * (other - z)
            frames = draw(moved, z_m) if name == "content" else draw(z_c, moved)
            changed = _changed(base_label, predicted_content(classifier, frames, k, groups))
            rows.append(
                {
                    "fraction": t,
                    "norm": round(float((moved - z).flatten(1).norm(dim=1).mean()), 4),
                    "content_changed": changed.pop("any"),
                    "changed_by_factor": changed,
                    "embedding_distance": round(
                        float((classifier.embed(frames) - base_emb).norm(dim=1).mean()) / reference, 4
                    ),
                }
            )
        curves[name] = rows
    return curves


def _agreeing_sets(labels: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """{factor: (S, n, k)} -> {factor: (S,) whether a set's n frames share one label}, and 'all' (every factor)."""
    per = {name: (v == v[:, :1]).all(dim=2).all(dim=1) for name, v in labels.items()}
    return {"all": torch.stack(list(per.values())).all(dim=0), **per}


def _same_label(labels: dict[str, torch.Tensor]) -> dict[str, float]:
    """{factor: (S, n, k)} -> share of sets whose n frames share one label: in every factor ('all') and per factor."""
    return {name: round(float(v.float().mean()), 4) for name, v in _agreeing_sets(labels).items()}


@torch.no_grad()
def set_consistency(
    gen: TrainedGenerator,
    classifier: ContentClassifier,
    data,
    k: int,
    n_sets: int = 256,
    seed: int = 1,
    groups: dict[str, int] | None = None,
) -> dict:
    """Share of sets whose frames all get one content label: generated, independent frames, real
    (every factor at once; per factor under 'by_factor')."""
    m, n, dev = gen.config.model, gen.config.objective.set_size, gen.device
    g = torch.Generator().manual_seed(seed)

    def labels(frames):
        flat = predicted_content(classifier, frames.flatten(0, 1), k, groups)
        return {name: v.view(*frames.shape[:2], k) for name, v in flat.items()}

    z_c, z_m = uniform_latents(n_sets, n, m.z_content, m.z_motion, g)
    shared = generate(gen.generator, z_c.to(dev), z_m.to(dev))
    z_free = uniform_latents(n_sets * n, 1, m.z_content, m.z_motion, g)
    independent = generate(gen.generator, z_free[0].to(dev), z_free[1].to(dev)).view(n_sets, n, *shared.shape[2:])
    window = gen.config.data.max_offset
    times = torch.linspace(0, window, n).round().long().tolist()  # spread over one set's window
    real = data.test_clips(n_sets, times).frames
    read = {"generated": labels(shared), "independent_frames": labels(independent), "real": labels(real)}
    kinds = {kind: _same_label(v) for kind, v in read.items()}
    intervals = {  # 95% bootstrap over the sets, every factor at once
        f"{kind}_ci": [round(x, 4) for x in mean_interval(_agreeing_sets(v)["all"].float())[1:]]
        for kind, v in read.items()
    }
    by_factor = {
        factor: {kind: v[factor] for kind, v in kinds.items()} for factor in kinds["generated"] if factor != "all"
    }
    shares = {kind: v["all"] for kind, v in kinds.items()}
    return {"set_size": n, "sets": n_sets, **shares, **intervals, "by_factor": by_factor}


def _perplexity(classes: torch.Tensor, size: int) -> float:
    """exp(entropy) of the class histogram of (N,) labels in [0, size): how many classes are in use."""
    share = torch.bincount(classes, minlength=size).double() / len(classes)
    share = share[share > 0]
    return float(torch.exp(-(share * share.log()).sum()))


@torch.no_grad()
def frame_quality(
    gen: TrainedGenerator, classifier: ContentClassifier, data, n: int = 512, seed: int = 3
) -> dict[str, dict]:
    """Single frames read by the content classifier's first factor (the digit; the shape on sprites):
    {generated, real: {confidence, named, named_ci, perplexity}} over n frames each (95% bootstrap), and
    the Frechet distance of the classifier's embeddings of half as many frames to those of other real
    frames (`frechet_distance`, grouped jackknife interval; real's: two disjoint halves, the floor)."""
    m, dev = gen.config.model, gen.device
    size = next(iter(data.content_groups.values()))
    z_c, z_m = uniform_latents(n, 1, m.z_content, m.z_motion, torch.Generator().manual_seed(seed))
    frames = {
        "generated": generate(gen.generator, z_c.to(dev), z_m.to(dev)).flatten(0, 1),
        "real": data.test_clips(n, [0]).frames.flatten(0, 1),
    }
    half = len(frames["real"]) // 2
    reference = classifier.embed(frames["real"][:half])  # real frames both kinds are measured against
    compared = {"generated": frames["generated"][:half], "real": frames["real"][half : 2 * half]}
    out = {}
    for kind, x in frames.items():
        top, classes = classifier(x)[:, :size].softmax(dim=1).max(dim=1)
        named, low, high = mean_interval((top >= 0.9).float())
        fd, fd_low, fd_high = statistic_interval(
            frechet_distance, classifier.embed(compared[kind]), reference, groups=FD_GROUPS
        )
        out[kind] = {
            "confidence": round(float(top.mean()), 4),
            "named": round(named, 4),
            "named_ci": [round(low, 4), round(high, 4)],
            "perplexity": round(_perplexity(classes.cpu(), size), 2),
            "frechet_distance": round(fd, 3),
            "frechet_distance_ci": [round(fd_low, 3), round(fd_high, 3)],
        }
    return out


def _together(points: torch.Tensor, tolerance: float) -> torch.Tensor:
    """Points (S, n, K, 2) read from sets of n frames -> (S,) whether every pair of a set's frames
    puts every object within `tolerance` pixels."""
    gaps = (points[:, :, None] - points[:, None]).norm(dim=-1)  # (S, n, n, K)
    return gaps.flatten(1).amax(dim=1) <= tolerance


@torch.no_grad()
def motion_consistency(
    gen: TrainedGenerator, regressor: KeypointRegressor, data, n_sets: int = 256, seed: int = 2
) -> dict:
    """Share of sets whose frames show their objects at one place: sets sharing z_M (z_C per frame),
    real frames of n clips drawn at one clip's positions (the ceiling), n independent frames."""
    m, n, dev = gen.config.model, gen.config.objective.set_size, gen.device
    tolerance = data.size / 10
    g = torch.Generator().manual_seed(seed)
    z_c, _ = uniform_latents(n_sets * n, 1, m.z_content, m.z_motion, g)
    _, z_m = uniform_latents(n_sets, 1, m.z_content, m.z_motion, g)
    shared = generate(gen.generator, z_c.to(dev), z_m.repeat_interleave(n, dim=0).to(dev))
    free = uniform_latents(n_sets * n, 1, m.z_content, m.z_motion, g)
    independent = generate(gen.generator, free[0].to(dev), free[1].to(dev))
    test = data.test_set()
    chosen = torch.randint(0, len(test), (n_sets * n,), generator=g).to(data.device)
    factors = test.index(chosen)
    times = torch.randint(0, START_TIMES, (n_sets * n, 1), generator=g).to(data.device)
    places = data.positions(factors, times)  # (N, 1, D, 2); each set takes its first clip's
    places = places.view(n_sets, n, *places.shape[1:])[:, :1].expand(-1, n, *places.shape[1:]).flatten(0, 1)
    real = data.draw(factors, places)[0]  # (N, 1, C, H, W): n clips' content at one place
    read = {
        kind: read_keypoints(regressor, frames.reshape(n_sets, n, *frames.shape[-3:]))
        for kind, frames in (("generated", shared), ("real", real), ("independent_frames", independent))
    }
    out = {"set_size": n, "sets": n_sets, "tolerance_px": tolerance}
    for kind, points in read.items():
        mean, low, high = mean_interval(_together(points, tolerance).float())
        out[kind], out[f"{kind}_ci"] = round(float(mean), 4), [round(float(low), 4), round(float(high), 4)]
    return out
