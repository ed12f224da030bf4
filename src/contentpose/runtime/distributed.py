"""What data-parallel training needs beyond DistributedDataParallel: collectives that carry
gradients, and BatchNorm whose batch is the global one.

The objectives compute their critics' and discriminators' pair losses on poses gathered from
every rank, so a "different clip" may come from another rank, as in one process with the
global batch. Gradients stay exact under DDP's averaging: a rank's loss L_r built from
gathered tensors sends each rank's slice the sum over ranks of dL_r/d(slice) (the backward
of a gather is an all-reduce), and DDP's mean over ranks then gives d(mean_r L_r).

`SyncBatchNorm2d` does the same for BatchNorm's moments. torch.nn.SyncBatchNorm refuses CPU
tensors, so gloo runs (and the 2-process test) could not use it; this one runs on any device.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn as nn


class _AllGather(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x.contiguous())
        ctx.rows = x.shape[0]
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)
        start = dist.get_rank() * ctx.rows
        return grad[start : start + ctx.rows]


class _AllReduceSum(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        x = x.clone()
        dist.all_reduce(x)
        return x

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)
        return grad


def all_gather(x: torch.Tensor) -> torch.Tensor:
    """Rows of every rank, in rank order: (B, ...) on each of W ranks -> (W * B, ...), with gradients."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return x
    return _AllGather.apply(x)


def all_reduce_sum(x: torch.Tensor) -> torch.Tensor:
    """The sum of `x` over ranks, with gradients."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return x
    return _AllReduceSum.apply(x)


class _GlobalMoments:
    """BatchNorm over the global batch of all ranks (the moments are summed across ranks).

    Same parameters, buffers and state-dict keys as the nn.BatchNorm it replaces, so checkpoints move
    freely between one-process and multi-process runs. Moments are taken in fp32.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        C = x.shape[1]
        x32 = x.float()
        dims = (0, *range(2, x.dim()))  # all but the channels (2D or 3D maps)
        local = torch.cat([x32.sum(dim=dims), (x32 * x32).sum(dim=dims), x32.new_full((1,), x32.numel() / C)])
        total = all_reduce_sum(local)
        n = total[-1]
        mean = total[:C] / n
        var = (total[C : 2 * C] / n - mean * mean).clamp_min(0)
        with torch.no_grad():
            self.num_batches_tracked += 1
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
            self.running_var.mul_(1 - m).add_(var.detach() * n / (n - 1), alpha=m)
        scale = self.weight * torch.rsqrt(var + self.eps)
        shift = self.bias - mean * scale
        view = (1, C) + (1,) * (x.dim() - 2)
        return (x32 * scale.view(view) + shift.view(view)).to(x.dtype)


class SyncBatchNorm2d(_GlobalMoments, nn.BatchNorm2d):
    """nn.BatchNorm2d over the global batch."""


class SyncBatchNorm3d(_GlobalMoments, nn.BatchNorm3d):
    """nn.BatchNorm3d over the global batch (video networks: VGAN)."""


def convert_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every nn.BatchNorm2d (3d) in `module` by a SyncBatchNorm2d (3d) holding the same
    parameters and buffers (in place; optimisers built on the parameters stay valid)."""
    for name, child in module.named_children():
        if type(child) in (nn.BatchNorm2d, nn.BatchNorm3d):
            cls = SyncBatchNorm2d if type(child) is nn.BatchNorm2d else SyncBatchNorm3d
            synced = cls(
                child.num_features,
                child.eps,
                child.momentum,
                child.affine,
                child.track_running_stats,
                device=child.weight.device,
            )
            synced.weight, synced.bias = child.weight, child.bias
            synced.running_mean, synced.running_var = child.running_mean, child.running_var
            synced.num_batches_tracked = child.num_batches_tracked
            synced.train(child.training)
            setattr(module, name, synced)
        else:
            convert_batchnorm(child)
    return module
