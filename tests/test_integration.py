"""The `quick` preset end to end (slow: about 10 minutes on a 2-core CPU; `make test-all`)."""
import json

import pytest

from contentpose.cli import main


@pytest.mark.slow
def test_quick_preset_lowers_reconstruction_and_beats_both_copy_baselines(tmp_path):
    run = tmp_path / "quick"
    assert main(["train", "quick", "--out", str(run), "--quiet"]) == 0
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["rec"] < 0.5 * rows[0]["rec"]
    assert main(["evaluate", str(run)]) == 0
    result = json.loads((run / "eval.json").read_text())
    swap, base = result["swap"], result["baselines"]
    for metric in ("psnr", "ssim"):     # the swap beats copying either frame
        assert swap[metric] > base["copy_pose_frame"][metric] and swap[metric] > base["copy_content_frame"][metric]
    digit = result["disentanglement"]["probes"]["digit_1"]    # identity is in content, not in pose
    assert digit["from_content"] > 3 * digit["chance"] and digit["from_pose"] < 1.5 * digit["chance"]
