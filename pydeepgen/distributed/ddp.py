"""DistributedDataParallel: one model replica per rank, gradients averaged over ranks.

At construction the parameters (and buffers) of rank 0 are broadcast to every rank. The
parameters are then grouped, in reverse order (the order backward produces their
gradients), into flat buckets of about ``bucket_cap_mb``. When the last gradient of a
bucket has been accumulated, the bucket is packed and its sum over ranks starts with a
non-blocking MPI all-reduce, so communication overlaps the rest of the backward pass. At
the end of backward every request is waited for and the averaged gradients are copied
back into each ``.grad``. Buckets are started strictly in order, so every rank issues the
same collectives in the same sequence even if gradients arrive in another order.
"""

import numpy as np

from .. import nn
from ..autograd import engine
from ..ops.creation import zeros
from . import comm


class _Bucket:
    __slots__ = ("params", "flat", "offsets", "ready", "request")

    def __init__(self, params, dtype):
        self.params = params
        sizes = [p.numel() for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.flat = np.zeros(int(self.offsets[-1]), dtype=dtype)
        self.ready = 0
        self.request = None


class DistributedDataParallel(nn.Module):
    """Wraps ``module``; call it as the module. ``module.parameters()`` are kept equal on
    every rank as long as each rank runs the same optimizer on the averaged gradients."""

    def __init__(self, module, bucket_cap_mb=1.0, broadcast_buffers=True, find_unused_parameters=True):
        super().__init__()
        if not isinstance(module, nn.Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module, got {type(module).__name__}")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be > 0, got {bucket_cap_mb}")
        comm.init()
        self.module = module
        self.world = comm.world_size()
        self.broadcast_buffers = broadcast_buffers
        for t in list(module.parameters()) + list(module.buffers()):
            comm.broadcast(t.data if t.is_contiguous() else t, 0)
        params = [p for p in module.parameters() if p.requires_grad]
        self._buckets, self._where = [], {}
        if self.world > 1:
            self._build_buckets(params, int(bucket_cap_mb * 2**20))
        self._next = 0          # the next bucket to start (buckets start in order)
        self._queued = False
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params] \
            if self.world > 1 else []

    def _build_buckets(self, params, cap):
        group, size = [], 0
        for p in reversed(params):  # backward meets the last layers first
            if group and (size + p.numel() * p.dtype.itemsize > cap or p.dtype is not group[0].dtype):
                self._add_bucket(group)
                group, size = [], 0
            group.append(p)
            size += p.numel() * p.dtype.itemsize
        if group:
            self._add_bucket(group)

    def _add_bucket(self, group):
        b = _Bucket(group, group[0].dtype.numpy)
        for i, p in enumerate(group):
            self._where[id(p)] = (len(self._buckets), i)
        self._buckets.append(b)

    def bucket_sizes(self):
        """Bytes of each flat bucket, in the order they are reduced."""
        return [b.flat.nbytes for b in self._buckets]

    # -- the hooks ----------------------------------------------------------------------
    def _grad_ready(self, p):
        if not self._queued:
            engine.queue_callback(self._finish)
            self._queued = True
        k, _ = self._where[id(p)]
        self._buckets[k].ready += 1
        self._start_ready_buckets()

    def _start_ready_buckets(self):
        while self._next < len(self._buckets) and \
                self._buckets[self._next].ready == len(self._buckets[self._next].params):
            self._start(self._buckets[self._next])
            self._next += 1

    def _start(self, b):
        for i, p in enumerate(b.params):
            dst = b.flat[b.offsets[i]:b.offsets[i + 1]]
            if p.grad is None:  # unused in this step: contributes zeros, as in PyTorch
                dst[...] = 0
            else:
                dst[...] = p.grad.detach().contiguous().numpy().reshape(-1)
        b.request = comm.iallreduce_sum(b.flat)

    def _finish(self):
        """End of backward: start what is left (unused parameters), wait, average, copy back."""
        for b in self._buckets[self._next:]:
            self._start(b)
        for k, b in enumerate(self._buckets):
            comm.wait(b.request, f"DistributedDataParallel: all-reduce of bucket {k}")
            b.request = None
            b.flat /= self.world
            for i, p in enumerate(b.params):
                avg = b.flat[b.offsets[i]:b.offsets[i + 1]]
                if p.grad is None:
                    if not avg.any():  # unused on every rank: stays None, as without DDP
                        continue
                    p.grad = zeros(p.shape, dtype=p.dtype)
                g = p.grad
                if not g.is_contiguous() or g._base is not None:
                    p.grad = g = g.contiguous().clone()
                g.numpy(force=True).reshape(-1)[...] = avg
                g._buf.bump_version()
            b.ready = 0
        self._next = 0
        self._queued = False

    def forward(self, *args, **kwargs):
        if self.broadcast_buffers and self.world > 1:
            for t in self.module.buffers():  # BatchNorm statistics follow rank 0
                comm.broadcast(t, 0)
        return self.module(*args, **kwargs)

    def state_dict(self, *args, **kwargs):
        """The wrapped module's state (loadable without DDP)."""
        return self.module.state_dict(*args, **kwargs)

    def load_state_dict(self, *args, **kwargs):
        return self.module.load_state_dict(*args, **kwargs)
