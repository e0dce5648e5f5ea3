"""Data-parallel training over MPI (mpi4py): collectives on tensors, DistributedDataParallel
and DistributedSampler.

Launch with ``mpiexec -n N python train.py``. Without mpi4py (or without ``mpiexec``),
everything runs as one process of a world of size 1 through the same code paths, so a
script written for N processes runs unchanged on one.

The C++ core stays MPI-free: a contiguous CPU tensor's storage is handed to MPI through
NumPy's buffer protocol (``t.numpy()`` is a zero-copy view), so the reductions run in
place on parameter and gradient memory.
"""

from .comm import (all_gather, all_reduce, backend, barrier, broadcast, finalize, init,
                   is_initialized, rank, world_size)
from .ddp import DistributedDataParallel
from .sampler import DistributedSampler

__all__ = ["init", "is_initialized", "finalize", "backend", "rank", "world_size", "barrier",
           "all_reduce", "broadcast", "all_gather", "DistributedDataParallel", "DistributedSampler"]
