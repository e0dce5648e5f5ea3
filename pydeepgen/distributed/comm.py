"""The process group: MPI's COMM_WORLD when mpi4py is importable, else a world of one.

Collectives take pydeepgen tensors and work in place on their storage (a contiguous
tensor's ``numpy()`` view is zero-copy), as torch.distributed's do."""

import os

import numpy as np

from .._tensor import Tensor

_OPS = ("sum", "avg", "max", "min", "prod")
_state = {"comm": None, "mpi": None, "initialized": False}


def _mpi():
    """mpi4py's MPI module, or None when it is not installed / disabled by PDG_NO_MPI=1."""
    if os.environ.get("PDG_NO_MPI") == "1":
        return None
    try:
        from mpi4py import MPI
    except ImportError:
        return None
    return MPI


def init(timeout=None):
    """Join the process group (idempotent). Returns (rank, world_size).

    ``timeout`` (seconds, default $PDG_DIST_TIMEOUT or none) bounds each wait on a
    non-blocking reduction, so a rank that died makes the others fail instead of hang."""
    if not _state["initialized"]:
        MPI = _mpi()
        _state["mpi"] = MPI
        _state["comm"] = MPI.COMM_WORLD if MPI is not None else None
        env = os.environ.get("PDG_DIST_TIMEOUT")
        _state["timeout"] = timeout if timeout is not None else (float(env) if env else None)
        _state["initialized"] = True
    return rank(), world_size()


def is_initialized():
    return _state["initialized"]


def finalize():
    """Forget the process group (MPI itself is finalized by mpi4py at exit)."""
    _state.update(comm=None, mpi=None, initialized=False)


def _comm():
    if not _state["initialized"]:
        init()
    return _state["comm"]


def backend():
    """'mpi' (with the MPI library's name) or 'single' (a world of one process)."""
    c = _comm()
    if c is None:
        return "single"
    return "mpi: " + _state["mpi"].Get_library_version().split(",")[0].strip()


def rank():
    c = _comm()
    return 0 if c is None else c.Get_rank()


def world_size():
    c = _comm()
    return 1 if c is None else c.Get_size()


def barrier():
    c = _comm()
    if c is not None:
        c.Barrier()


def _buffer(op, t):
    """The NumPy view MPI reads and writes: a contiguous CPU tensor's own memory."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(t).__name__}")
    if t.device.type != "cpu":
        raise RuntimeError(f"{op}: only CPU tensors can be communicated over MPI, got {t.device}")
    if not t.is_contiguous():
        raise ValueError(f"{op}: the tensor must be contiguous (call .contiguous() first), "
                         f"got shape {tuple(t.shape)} with strides {t.stride()}")
    return t.numpy(force=True)


def mpi_op(name):
    if name not in _OPS:
        raise ValueError(f"all_reduce: op must be one of {_OPS}, got {name!r}")
    MPI = _state["mpi"]
    return {"sum": MPI.SUM, "avg": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN, "prod": MPI.PROD}[name]


def all_reduce(t, op="sum"):
    """Reduce ``t`` over all ranks, in place; every rank ends with the result. ``op``:
    sum, avg, max, min, prod. Returns ``t``."""
    a = _buffer("all_reduce", t)
    c = _comm()
    if op not in _OPS:
        raise ValueError(f"all_reduce: op must be one of {_OPS}, got {op!r}")
    if c is not None and c.Get_size() > 1 and a.size:
        c.Allreduce(_state["mpi"].IN_PLACE, a, op=mpi_op(op))
        if op == "avg":
            a /= c.Get_size()
        t._buf.bump_version()
    return t


def broadcast(t, src=0):
    """Copy ``t`` from rank ``src`` to every rank, in place. Returns ``t``."""
    a = _buffer("broadcast", t)
    c = _comm()
    n = 1 if c is None else c.Get_size()
    if not isinstance(src, (int, np.integer)) or not 0 <= src < n:
        raise ValueError(f"broadcast: src must be a rank in [0, {n}), got {src!r}")
    if c is not None and n > 1 and a.size:
        c.Bcast(a, root=int(src))
        t._buf.bump_version()
    return t


def all_gather(t):
    """Every rank's ``t`` (same shape and dtype on all ranks), as a list indexed by rank."""
    from ..ops.creation import from_numpy

    a = _buffer("all_gather", t)
    c = _comm()
    if c is None or c.Get_size() == 1:
        return [t.detach().clone()]
    meta = c.allgather((a.shape, a.dtype.str))
    if any(m != meta[0] for m in meta):
        raise ValueError(f"all_gather: every rank must pass the same shape and dtype, got {meta}")
    out = np.empty((c.Get_size(),) + a.shape, dtype=a.dtype)
    c.Allgather(a, out)
    return [from_numpy(out[r]) for r in range(c.Get_size())]


def iallreduce_sum(a):
    """Start a non-blocking in-place sum of the NumPy array ``a``; returns a request or None."""
    c = _comm()
    if c is None or c.Get_size() == 1:
        return None
    return c.Iallreduce(_state["mpi"].IN_PLACE, a, op=_state["mpi"].SUM)


def wait(request, what):
    """Wait for a request, polling so that a dead peer becomes an error after the timeout."""
    if request is None:
        return
    timeout = _state.get("timeout")
    if timeout is None:
        request.Wait()
        return
    import time

    deadline = time.monotonic() + timeout
    while not request.Test():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: no answer from the other ranks after {timeout} s "
                               "(a rank died or stopped calling the same collectives)")
        time.sleep(1e-4)
