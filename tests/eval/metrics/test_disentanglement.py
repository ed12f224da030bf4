"""Each metric on synthetic latents with known answers."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from contentpose.data import build_dataset
from contentpose.eval.metrics.disentanglement import Latents, canonical_mig, group_score, leakage_probes
from contentpose.eval.metrics.mutual_information import discretize, entropy, mi_with_vector


def _factors(n=1200, seed=0):
    r = np.random.default_rng(seed)
    return r.integers(0, 10, n), r.uniform(0, 36, n), r


def _latents(content, pose, label, position, n):
    train = np.arange(n) < n // 2
    return Latents(content, pose, {"digit": label}, {"x": position}, train)


def test_discretize_and_entropy():
    x = np.linspace(0, 1, 2000)
    bins = discretize(x, 20)
    assert bins.min() == 0 and bins.max() == 19 and np.all(np.bincount(bins) == 100)
    assert entropy(bins) == pytest.approx(np.log(20), rel=1e-6)


def test_mi_with_vector_known_answers():
    label, _, r = _factors()
    train = np.arange(len(label)) < len(label) // 2
    h = entropy(label[~train])
    assert mi_with_vector(label, r.standard_normal((len(label), 5)), train) / h < 0.05  # independent
    equal = label[:, None] + 0.01 * r.standard_normal((len(label), 1))
    assert mi_with_vector(label, equal, train) / h > 0.85  # determined (a lower bound: about 0.9)
    hidden = np.c_[np.sin(label)[:, None], r.standard_normal((len(label), 40))]
    assert mi_with_vector(label, hidden, train) / h > 0.6  # non-linear, among noise dimensions


def test_mi_with_vector_on_a_small_set_with_many_classes():
    # 64 training samples, 18 classes of 2+ samples: a stratified 20% (13) cannot hold every class
    f = np.r_[np.repeat(np.arange(18), 2), np.arange(18), np.arange(10), np.arange(18), np.arange(18)]
    train = np.arange(len(f)) < 64
    z = f[:, None] + 0.01 * np.random.default_rng(0).standard_normal((len(f), 1))
    assert mi_with_vector(f, z, train) > 0


def test_mig_perfect_entangled_and_noise():
    label, position, r = _factors()
    factors = {"digit": label, "x": discretize(position)}
    n = len(label)
    perfect = np.c_[label + 0.01 * r.standard_normal(n), position, r.standard_normal(n)]
    assert canonical_mig(perfect, factors)["mig"] > 0.8
    copies = np.c_[position, position + 1e-3 * r.standard_normal(n), label, label]  # each factor twice
    assert canonical_mig(copies, factors)["mig"] < 0.05
    assert canonical_mig(r.standard_normal((n, 4)), factors)["mig"] < 0.05


def test_group_score_and_probes_separated_swapped_and_noise():
    """On 600 frames (seeds 0, 1, 2 of _factors: separated 0.90-0.93, swapped the negative, noise 0)."""
    label, position, r = _factors(600)
    n = len(label)
    noise = lambda d: r.standard_normal((n, d))  # noqa: E731
    content = np.c_[label + 0.01 * noise(1)[:, 0], noise(7)]
    pose = np.c_[position / 36, noise(2)]
    separated = _latents(content, pose, label, position, n)
    assert group_score(separated)["score"] > 0.8
    swapped = _latents(pose, content, label, position, n)
    assert group_score(swapped)["score"] < -0.8
    assert abs(group_score(_latents(noise(8), noise(3), label, position, n))["score"]) < 0.1
    p = leakage_probes(separated)
    assert p["digit"]["from_pose"] < p["digit"]["chance"] + 0.05  # content not in pose
    assert p["x"]["from_pose"] > 0.95 and p["x"]["from_content"] < 0.05


def test_true_factors_as_latents_score_the_estimators_ceiling():
    label, position, r = _factors(600)
    n = len(label)
    noise = _latents(r.standard_normal((n, 8)), r.standard_normal((n, 3)), label, position, n)
    ideal = noise.true_factors()  # the factors of the same frames, whatever the latents were
    assert ideal.content.shape == (n, 1) and ideal.pose.shape == (n, 1)
    assert np.array_equal(ideal.content[:, 0], label) and np.array_equal(ideal.train, noise.train)
    assert group_score(ideal)["score"] > 0.85 > 0.1 > abs(group_score(noise)["score"])


def test_moving_digits_factor_values_match_what_is_rendered(tiny_config):
    data = build_dataset(replace(tiny_config.data, num_digits=2), "test")
    clips = data.sample(6, 3, torch.Generator().manual_seed(0))
    content, pose = data.factor_values(clips)
    assert set(content) == {"digit_1", "digit_2"} and set(pose) == {"x_1", "y_1", "x_2", "y_2"}
    assert (content["digit_1"] <= content["digit_2"]).all() and (pose["x_1"] <= pose["x_2"]).all()
    # the leftmost lit column of a frame is the leftmost digit's x (give or take the glyph's margin)
    lit = clips.frames[:, :, 0].amax(dim=2) > 0.5  # (n, F, W)
    first = lit.float().argmax(dim=2)
    assert ((first - pose["x_1"].round()).abs() <= data.digit_size // 2).all()


def test_sprites_latents_use_the_labels_and_split_by_character(lpc_sprites):
    """Sprites latents: per frame, the sequence's 4 attributes (content) and its action, facing and
    frame (pose); the two halves share no character, and each half holds every class of every
    attribute (character numbers order by body, so a split by number would not)."""
    from contentpose.data.lpc_sprites import ATTRIBUTES
    from contentpose.eval.metrics.disentanglement import sprites_latents
    from contentpose.families.autoencoder import AutoencoderModel
    from contentpose.models.architectures import build_autoencoder

    test = lpc_sprites["test"]
    model = build_autoencoder(AutoencoderModel(content_dim=6, pose_dim=3, width=8), channels=3, frame_size=32)
    lat = sprites_latents(model, test, sequences=300, frames=2)
    assert lat.content.shape == (600, 6) and lat.pose.shape == (600, 3)
    assert set(lat.content_factors) == set(ATTRIBUTES) and set(lat.pose_factors) == {"action", "facing", "frame"}
    assert set(np.unique(lat.pose_factors["facing"])) == {0, 1, 2} and lat.pose_factors["frame"].max() <= 7
    rng = np.random.default_rng(0)  # the sequences sprites_latents drew (seed 0)
    index = np.sort(rng.choice(len(test), size=300, replace=False))
    characters = np.repeat(test.characters[index], 2)
    assert not set(characters[lat.train]) & set(characters[~lat.train])
    assert 0.3 < lat.train.mean() < 0.7
    for name, values in lat.content_factors.items():
        assert set(values[lat.train]) == set(values[~lat.train]) == set(range(6)), name
    motion = np.repeat(test.motions[index], 2)
    assert np.array_equal(lat.pose_factors["action"] * 3 + lat.pose_factors["facing"], motion)
    assert np.array_equal(lat.content_factors["body"], np.repeat(test.attributes[index, 0], 2))
