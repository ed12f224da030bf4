"""The Set GAN identity analysis on generators whose answer is known."""

import torch

from contentpose.config import load_config
from contentpose.data import build_dataset
from contentpose.eval.protocols.identity import (
    frame_quality,
    motion_consistency,
    perturbation_curves,
    reference_distance,
    set_consistency,
)
from contentpose.trained import TrainedGenerator


class Draws(torch.nn.Module):
    """A generator whose frame depends on one latent only: a bright square whose place and size
    follow the first two components of z_C (`uses="content"`) or of z_M (`uses="motion"`)."""

    def __init__(self, uses: str):
        super().__init__()
        self.uses = uses

    def forward(self, z_c, z_m):
        z = z_c if self.uses == "content" else z_m
        frames = torch.zeros(len(z), 1, 32, 32)
        for i, (a, b) in enumerate(z[:, :2].tolist()):
            x, s = int((a + 1) * 10), 4 + int((b + 1) * 5)
            frames[i, :, 8 : 8 + s, x : x + s] = 1
        return frames


class SizeClassifier(torch.nn.Module):
    """Names a frame's 'content' by how many pixels are lit (10 bins); embeds it as its 4x4-pooled pixels."""

    def forward(self, x):
        bins = (x.flatten(1).sum(1) / 20).long().clamp(0, 9)
        return torch.nn.functional.one_hot(bins, 10).float()

    def embed(self, x):
        return torch.nn.functional.avg_pool2d(x, 4).flatten(1)


def _setup(uses):
    cfg = load_config("setgan_quick", ["data.test_clips=32"])
    gen = TrainedGenerator(path=None, config=cfg, step=0, device=torch.device("cpu"), generator=Draws(uses))
    classifier = SizeClassifier()
    data = build_dataset(cfg.data, "test")
    return gen, classifier, data


def test_a_generator_that_ignores_z_content_changes_nothing_when_it_moves():
    gen, classifier, data = _setup("motion")
    curves = perturbation_curves(gen, classifier, 1, reference_distance(classifier, data), n=64)
    assert all(r["content_changed"] == 0 and r["embedding_distance"] == 0 for r in curves["content"])
    assert curves["motion"][-1]["embedding_distance"] > 0 and curves["motion"][0]["embedding_distance"] == 0
    norms = [r["norm"] for r in curves["content"]]
    assert norms == sorted(norms) and norms[-1] > 4  # 50-d z_C moved all the way: ~5.8


def test_sets_are_consistent_exactly_when_frames_depend_on_z_content_only():
    gen, classifier, data = _setup("content")
    assert set_consistency(gen, classifier, data, 1, n_sets=64)["generated"] == 1.0
    gen, classifier, data = _setup("motion")
    consistency = set_consistency(gen, classifier, data, 1, n_sets=64)
    assert consistency["generated"] < 1.0 and consistency["real"] > 0


def test_each_content_factor_is_judged_on_its_own_classes():
    """A 2-factor classifier (5 + 5 classes): factor 'a' follows z_C, factor 'b' follows z_M."""

    class TwoFactors(torch.nn.Module):
        def forward(self, x):  # x: (B, 1, 2, 1) holding the two factors' classes
            a, b = x[:, 0, 0, 0].long(), x[:, 0, 1, 0].long()
            return torch.cat([torch.nn.functional.one_hot(a, 5), torch.nn.functional.one_hot(b, 5)], 1).float()

        def embed(self, x):
            return x.flatten(1)

    class Gen(torch.nn.Module):
        def forward(self, z_c, z_m):
            a, b = ((z_c[:, 0] + 1) * 2.49).floor(), ((z_m[:, 0] + 1) * 2.49).floor()
            return torch.stack([a, b], 1)[:, None, :, None]

    cfg = load_config("setgan_quick", ["data.test_clips=8"])
    gen = TrainedGenerator(path=None, config=cfg, step=0, device=torch.device("cpu"), generator=Gen())
    groups = {"a": 5, "b": 5}
    curves = perturbation_curves(gen, TwoFactors(), 1, 1.0, n=128, groups=groups)
    content, motion = curves["content"][-1]["changed_by_factor"], curves["motion"][-1]["changed_by_factor"]
    assert content["a"] > 0.5 and content["b"] == 0 and motion["a"] == 0 and motion["b"] > 0.5
    assert curves["content"][-1]["content_changed"] == content["a"]


class Corner(torch.nn.Module):
    """A 'keypoint regressor' that reads the first lit pixel's (y, x) in frame units: one point."""

    def forward(self, x):
        lit = x.flatten(1).gt(0.5).float().argmax(dim=1)
        return torch.stack([lit // x.shape[-1], lit % x.shape[-1]], 1)[:, None].float() / x.shape[-1]


def test_frames_sharing_z_motion_are_together_exactly_when_the_place_follows_z_motion():
    gen, _, data = _setup("motion")
    together = motion_consistency(gen, Corner(), data, n_sets=64)
    assert together["generated"] == 1.0 and together["independent_frames"] < 0.5
    assert together["tolerance_px"] == 3.2 and len(together["real_ci"]) == 2
    gen, _, data = _setup("content")
    assert motion_consistency(gen, Corner(), data, n_sets=64)["generated"] < 0.5


def test_the_table_flags_a_generator_whose_independent_frames_agree_too():
    from contentpose.eval.protocols.set_gan import format_identity

    sets = {"set_size": 3, "sets": 256, "generated": 1.0, "real": 0.93, "by_factor": {"content": {}}}
    motion = {
        "set_size": 3,
        "sets": 256,
        "tolerance_px": 3.2,
        "generated": 0.99,
        "real": 1.0,
        "independent_frames": 0.6,
    }
    entry = {"step": 5, "curves": {"content": [], "motion": []}, "motion_sets": motion, "plot": "p.png"}
    collapsed = format_identity("run", {**entry, "sets": {**sets, "independent_frames": 1.0}})
    assert "independent frames agree as well" in collapsed and "sharing z_M" in collapsed
    healthy = format_identity("run", {**entry, "sets": {**sets, "independent_frames": 0.02}})
    assert "independent frames agree as well" not in healthy
    frames = {
        k: {"confidence": 0.8, "named": 0.5, "named_ci": [0.4, 0.6], "perplexity": 7.0} for k in ("generated", "real")
    }
    text = format_identity("run", {**entry, "frames": frames, "sets": {**sets, "independent_frames": 0.02}})
    assert "generated 0.500 [0.400, 0.600], 0.800, perplexity 7.00" in text  # an eval.json from before FD
    frames["generated"] |= {"frechet_distance": 3.5, "frechet_distance_ci": [3.0, 4.0]}
    frames["real"] |= {"frechet_distance": 1.0, "frechet_distance_ci": [0.5, 1.5]}
    text = format_identity("run", {**entry, "frames": frames, "sets": {**sets, "independent_frames": 0.02}})
    assert "perplexity 7.00, FD 3.50 [3.00, 4.00]" in text and "Frechet distance to real frames" in text


class Sure(SizeClassifier):
    """SizeClassifier with sharp logits: every frame named with p ~ 1."""

    def forward(self, x):
        return 20 * super().forward(x)


def test_frame_quality_counts_legible_frames_and_the_classes_in_use():
    gen, _, data = _setup("content")  # squares whose size (the class) follows z_C: several classes
    varied = frame_quality(gen, Sure(), data, n=256)
    assert varied["generated"]["named"] == 1.0 and varied["generated"]["perplexity"] > 4
    gen.generator = lambda z_c, z_m: Draws("content")(torch.zeros_like(z_c), z_m)  # one square for every z
    one = frame_quality(gen, Sure(), data, n=256)["generated"]
    assert one["named"] == 1.0 and one["perplexity"] == 1.0
    unsure = frame_quality(gen, SizeClassifier(), data, n=256)["generated"]  # softmax of one-hot: p = 0.23
    assert unsure["named"] == 0 and abs(unsure["confidence"] - 0.232) < 0.01
    assert set(one) == {"confidence", "named", "named_ci", "perplexity", "frechet_distance", "frechet_distance_ci"}
    assert one["frechet_distance"] > varied["generated"]["frechet_distance"] > 0  # one square is further from real
    assert varied["real"]["frechet_distance_ci"][0] <= varied["real"]["frechet_distance"]
