import copy

import torch

from contentpose.config import PredictorConfig
from contentpose.data import build_dataset
from contentpose.data.samplers import SequenceSampler
from contentpose.models.architectures import build_autoencoder
from contentpose.models.pose_predictor import PosePredictor
from contentpose.objectives.pose_prediction import PosePrediction, encode_clips
from contentpose.runtime import Runtime
from contentpose.trained import load_predictor, load_run


def _setup(tiny_config, steps=0):
    torch.manual_seed(0)
    cfg = tiny_config
    data = build_dataset(cfg.data, "train")
    model = build_autoencoder(cfg.model, data.channels, cfg.data.frame_size)
    model.train()(torch.rand(8, 1, 32, 32), torch.rand(8, 1, 32, 32))  # move BN stats off their init
    pcfg = PredictorConfig(hidden=32, context=4, future=4, batch_size=8, lr=1e-2)
    predictor = PosePredictor(cfg.model.pose_dim, cfg.model.content_dim, pcfg.hidden, pcfg.layers)
    return (
        data,
        model,
        PosePrediction(model, predictor, pcfg, Runtime(torch.device("cpu"))),
        SequenceSampler(data, 8, 8, seed=0),
    )


def test_encoders_stay_frozen_and_in_eval_mode(tiny_config):
    data, model, objective, sampler = _setup(tiny_config)
    before = copy.deepcopy(model.state_dict())  # weights and BatchNorm running stats
    predictor_before = copy.deepcopy(objective.predictor.state_dict())
    out = objective.step(*sampler())
    assert set(out) == {"loss", "future"} and torch.isfinite(out["loss"])
    assert not model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert any(not torch.equal(v, predictor_before[k]) for k, v in objective.predictor.state_dict().items())


def test_targets_do_not_depend_on_the_batch(tiny_config):
    """Eval-mode encoders: a clip's poses are the same alone or in a batch (not so in train mode)."""
    data, model, objective, sampler = _setup(tiny_config)
    frames = sampler()[0]
    poses, content = encode_clips(model, frames, content_frame=3)
    alone, content_alone = encode_clips(model, frames[:1], content_frame=3)
    assert poses.shape == (8, 8, tiny_config.model.pose_dim) and content.shape == (8, tiny_config.model.content_dim)
    torch.testing.assert_close(poses[:1], alone, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(content[:1], content_alone, rtol=1e-4, atol=1e-5)


def test_short_training_beats_copying_the_last_pose(predictor_run):
    """On a (briefly) trained autoencoder, 150 predictor steps (`train-predictor`: the session's
    predictor_run) beat 'the pose stays where it was'."""
    run = load_run(predictor_run, "cpu")
    p = run.config.predictor
    assert p.steps == 150
    predictor = load_predictor(run)
    data = run.dataset("train")
    frames = SequenceSampler(data, 64, p.context + p.future, seed=99)()[0]
    poses, content = encode_clips(run.model, frames, content_frame=p.context - 1)
    with torch.no_grad():
        pred = predictor.eval().rollout(poses[:, : p.context], content, horizon=p.future)
    future = poses[:, p.context :]
    model_err = (pred - future).pow(2).mean()
    copy_err = (poses[:, p.context - 1 : p.context] - future).pow(2).mean()
    assert model_err < 0.7 * copy_err, (model_err, copy_err)
