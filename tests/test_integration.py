"""The `quick` preset end to end (slow: about 10 minutes on a 2-core CPU; `make test-all`)."""

import json

import pytest

from contentpose.cli import main


def check_disentangled(result: dict) -> None:
    """The swap transfers content: it beats every baseline, the content-blind one (the mean training
    digit drawn in b's pose) included, and the content classifier reads a's digit in it far above chance."""
    swap, base, judge = result["swap"], result["baselines"], result["content_classifier"]
    for name in ("copy_pose_frame", "copy_content_frame", "content_blind"):
        for metric in ("psnr", "ssim"):
            assert swap[metric] > base[name][metric], (name, metric, swap, base[name])
    assert swap["content_accuracy"] > 4 * judge["chance"], (swap, judge)
    assert swap["content_accuracy"] > base["content_blind"]["content_accuracy"] + 0.3, (swap, base)
    assert swap["content_accuracy"] > base["copy_pose_frame"]["content_accuracy"] + 0.3, (swap, base)
    digit = result["disentanglement"]["probes"]["digit_1"]  # identity is in content, not in pose
    assert digit["from_content"] > 3 * digit["chance"] and digit["from_pose"] < 1.5 * digit["chance"]


@pytest.mark.slow
@pytest.mark.xfail(
    strict=False,
    reason="the quick preset does not yet transfer content on MNIST digits: make demo on 2026-11-28 gave "
    "swap 18.92 / 0.884 against the content-blind 18.94 / 0.871, classifier on swaps 0.26 (chance 0.10)",
)
def test_quick_preset_lowers_reconstruction_and_transfers_content(tmp_path):
    run = tmp_path / "quick"
    assert main(["train", "quick", "--out", str(run), "--quiet"]) == 0
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["rec"] < 0.5 * rows[0]["rec"]
    assert main(["evaluate", str(run)]) == 0
    check_disentangled(json.loads((run / "eval.json").read_text()))
