import torch

from contentpose.config import TrainConfig
from contentpose.families.autoencoder import AutoencoderModel, AutoencoderObjective
from contentpose.models.architectures import build_autoencoder
from contentpose.models.autoencoder import PairPass
from contentpose.models.pair_critic import PairCritic
from contentpose.objectives.content_pose import (
    different_clip_partner,
    mirror_half,
    reconstruction_loss,
    similarity_loss,
)
from contentpose.objectives.drnet import DrNet, adversarial_loss, scene_discriminator_loss
from contentpose.runtime import Runtime


def test_different_clip_pairs_never_pair_a_clip_with_itself():
    for B in (2, 3, 17, 100):
        for _ in range(50):
            perm = different_clip_partner(B)
            assert sorted(perm.tolist()) == list(range(B))
            assert (perm != torch.arange(B)).all()


class SameClipOracle(torch.nn.Module):
    """A discriminator that knows the answer: pose vectors of one clip are equal."""

    def forward(self, a, b):
        return 10.0 - 20.0 * (a - b).abs().sum(1).clamp(max=1)


def test_discriminator_labels_same_clip_1_and_different_clip_0():
    torch.manual_seed(0)
    poses = torch.randn(16, 5)
    partner = different_clip_partner(16)
    loss, acc = scene_discriminator_loss(SameClipOracle(), poses, poses.clone(), partner)
    assert acc == 1.0 and loss < 1e-3  # a correct oracle scores perfectly under our labels
    flipped = lambda a, b: -SameClipOracle()(a, b)  # noqa: E731  (the public code's reversed labels)
    loss_rev, acc_rev = scene_discriminator_loss(flipped, poses, poses.clone(), partner)
    assert acc_rev == 0.0 and loss_rev > 5


def test_adversarial_loss_is_smallest_when_discriminator_is_unsure():
    a, b = torch.zeros(4, 5), torch.zeros(4, 5)
    const = lambda v: lambda x, y: torch.full((x.shape[0],), v)  # noqa: E731
    at_half = adversarial_loss(const(0.0), a, b)
    assert torch.isclose(at_half, torch.log(torch.tensor(2.0)))
    assert adversarial_loss(const(3.0), a, b) > at_half and adversarial_loss(const(-3.0), a, b) > at_half


def test_reconstruction_and_similarity_losses():
    x = torch.zeros(2, 1, 4, 4)
    assert reconstruction_loss(x + 0.5, x) == 0.25
    assert similarity_loss(torch.ones(3, 8), torch.zeros(3, 8)) == 1.0
    try:
        reconstruction_loss(torch.zeros(2, 1, 4, 4), torch.zeros(2, 1, 1, 4, 4))
    except AssertionError:
        pass
    else:
        raise AssertionError("shape mismatch must not broadcast silently")


def _drnet(skips=False, beta=0.1, alpha=1.0):
    torch.manual_seed(0)
    model = build_autoencoder(
        AutoencoderModel(content_dim=8, pose_dim=3, width=8, architecture="dcgan_unet" if skips else "dcgan"), 1, 32
    )
    disc = PairCritic(3, 16)
    cfg = AutoencoderObjective(alpha=alpha, beta=beta)
    return DrNet(model, disc, cfg, TrainConfig(lr=2e-3), Runtime(torch.device("cpu")))


def test_step_updates_each_network_with_its_own_optimiser():
    drnet = _drnet()
    before_model = [p.clone() for p in drnet.model.parameters()]
    before_disc = [p.clone() for p in drnet.critic.parameters()]
    x1, x2 = torch.rand(6, 1, 32, 32), torch.rand(6, 1, 32, 32)
    out = drnet.step(x1, x2)
    assert set(out) == {"loss", "rec", "sim", "adv", "critic", "disc_acc"}
    assert torch.isclose(out["loss"], out["rec"] + out["sim"] + 0.1 * out["adv"])
    assert all(not torch.equal(a, b) for a, b in zip(before_disc, drnet.critic.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(before_model, drnet.model.parameters()))
    assert {id(p) for g in drnet.opt_model.param_groups for p in g["params"]}.isdisjoint(
        {id(p) for g in drnet.opt_critic.param_groups for p in g["params"]}
    )


def test_without_similarity_the_second_frame_is_not_read_for_content():
    """alpha 0: no loss reads Ec(x^{t+k}), so the step encodes the content of x^t alone (a cheaper
    step) and draws the same reconstruction."""
    drnet = _drnet(skips=True, beta=0.0, alpha=0.0)
    x1, x2 = torch.rand(6, 1, 32, 32), torch.rand(6, 1, 32, 32)
    with torch.no_grad():
        drnet.model.eval()
        full, fewer = PairPass(drnet.model)(x1, x2), drnet.train_pass(x1, x2)
    assert torch.allclose(full[0], fewer[0]) and full[2] is not None and fewer[2] is None
    batches = []
    drnet.model.content_encoder.register_forward_hook(lambda m, args, out: batches.append(args[0].shape[0]))
    out = drnet.step(x1, x2)
    assert batches == [6] and set(out) == {"loss", "rec", "adv", "critic", "disc_acc"}
    assert torch.isclose(out["loss"], out["rec"])


def test_steps_lower_reconstruction_on_a_fixed_batch():
    for skips in (False, True):
        drnet = _drnet(skips)
        x1 = torch.rand(8, 1, 32, 32).round()
        first = drnet.step(x1, x1)["rec"]
        for _ in range(60):
            last = drnet.step(x1, x1)["rec"]
        assert last < 0.6 * first, (skips, first, last)


def test_scaled_similarity_ignores_the_scale_of_content():
    torch.manual_seed(0)
    a, b = torch.randn(16, 8), torch.randn(16, 8)
    near = a + 0.1 * torch.randn(16, 8)
    for s in (0.03, 1.0, 10.0):
        assert torch.isclose(similarity_loss(s * a, s * near, "scaled"), similarity_loss(a, near, "scaled"), rtol=1e-2)
    assert similarity_loss(0.01 * a, 0.01 * b) < 1e-3  # the paper's MSE: shrink and it vanishes
    assert similarity_loss(a, near, "scaled") < 0.1 < similarity_loss(a, b, "scaled")  # relative to clip spread


def test_detach_second_cuts_the_gradient_of_the_unused_frame(monkeypatch):
    """objective.detach_second (drnet-py's): the similarity and the penalty see the content of x^{t+k}
    and the pose of x^t, which the reconstruction does not use, without a gradient."""
    import contentpose.objectives.content_pose as cp

    seen = {}
    monkeypatch.setattr(cp, "similarity_loss", lambda a, b, *rest: seen.update(sim=(a, b)) or (a - b).pow(2).mean())
    x = torch.rand(2, 4, 1, 32, 32)
    for detach in (False, True):
        objective = _drnet()
        objective.cfg.detach_second = detach

        def watched(critic, p_a, p_b, partner, penalty=objective.penalty):
            seen.update(pen=(p_a, p_b))
            return penalty(critic, p_a, p_b, partner)

        objective.penalty = watched
        objective.step(x[0], x[1])
        (c_t, c_tk), (p_t, p_tk) = seen["sim"], seen["pen"]
        assert c_t.requires_grad and p_tk.requires_grad
        assert c_tk.requires_grad != detach and p_t.requires_grad != detach


def test_mirror_half_mirrors_about_half_of_the_frames_left_to_right():
    torch.manual_seed(0)
    x = torch.rand(400, 3, 8, 8)
    y = mirror_half(x)
    same, mirrored = (y == x).flatten(1).all(1), (y == x.flip(-1)).flatten(1).all(1)
    assert (same ^ mirrored).all() and 150 < int(mirrored.sum()) < 250


def test_content_flip_shows_the_content_encoder_mirrored_frames(monkeypatch):
    """objective.content_flip: the content comes from x^t mirrored in about half of the rows, the pose
    and the reconstruction target stay as they are."""
    import contentpose.objectives.content_pose as cp

    seen = {}
    monkeypatch.setattr(cp, "reconstruction_loss", lambda rec, target, kind: seen.update(target=target) or rec.mean())
    objective = _drnet()
    objective.cfg.content_flip = True
    x_t, x_tk = torch.rand(64, 1, 32, 32), torch.rand(64, 1, 32, 32)
    encoded = []
    objective.model.content_encoder.register_forward_hook(lambda m, args, out: encoded.append(args[0]))
    objective.step(x_t, x_tk)
    shown = encoded[0][:64]
    mirrored = (shown == x_t.flip(-1)).flatten(1).all(1)
    assert ((shown == x_t).flatten(1).all(1) | mirrored).all() and 16 < int(mirrored.sum()) < 48
    assert torch.equal(encoded[0][64:], x_tk) and torch.equal(seen["target"], x_tk)
