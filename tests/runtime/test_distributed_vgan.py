"""VGAN under torchrun: 2 CPU processes (gloo) end where one process with the global batch ends
(3D BatchNorm over the global batch, noise drawn for the global batch and sharded)."""

import pytest
import torch
from test_distributed import check_ranks_match_one_process, equivalence_job

from contentpose.runtime.distributed import SyncBatchNorm3d

# trained in the session's one torchrun launch (`ddp_launch` in conftest.py, test_distributed.launch_jobs)
OBJECTIVES = ["vgan model.vgan_frames=4 model.vgan_z=8", "vgan_cond model.vgan_frames=4 model.vgan_z=8"]


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_two_processes_match_one_process_with_the_global_batch(objective, ddp_launch):
    check_ranks_match_one_process(equivalence_job(ddp_launch, objective))


def test_sync_batchnorm3d_matches_batchnorm3d_in_one_process():
    synced, plain = SyncBatchNorm3d(3), torch.nn.BatchNorm3d(3)
    x = torch.randn(4, 3, 2, 5, 5)
    assert torch.allclose(synced(x), plain(x), atol=1e-5)
    assert (
        torch.allclose(synced.running_var, plain.running_var)
        and synced.state_dict().keys() == plain.state_dict().keys()
    )
