"""Reductions over one or more dims (sum, mean, prod, max/min, argmax/argmin,
logsumexp, var/std, all/any). Kernels: csrc/cpu/reduce.cpp, which reduce the middle
axis of an (O, R, I) block; this file maps any set of dims onto that block."""

import collections
import math
import numbers

from .. import _C
from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ..autograd.function import Function
from ..autograd.grad_mode import state as _state
from . import shape as S

SUM, MEAN, PROD, MAX, MIN, ARGMAX, ARGMIN, LOGSUMEXP, VAR, STD = range(10)
_NAMES = ["sum", "mean", "prod", "max", "min", "argmax", "argmin", "logsumexp", "var", "std"]

MinMax = collections.namedtuple("MinMax", ["values", "indices"])


def _dims(t, dim, op):
    if dim is None:
        return tuple(range(t.ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:  # dim=() or [] reduces over every dim, as in PyTorch
        return tuple(range(t.ndim))
    out = sorted({_wrap_dim(d, t.ndim, op) for d in dims})
    if len(out) != len(dims):
        raise ValueError(f"{op}: dim {tuple(dims)} appears multiple times in the list of dims")
    return tuple(out)


def _layout(t, dims):
    """(block tensor, O, R, I, permutation or None) with the reduced dims in the middle."""
    shape = t._shape
    if not dims:
        return S._contiguous_nograd(t) if not t.is_contiguous() else t, math.prod(shape), 1, 1, None
    if dims == tuple(range(dims[0], dims[-1] + 1)):
        x = t if t.is_contiguous() else S._contiguous_nograd(t)
        O = math.prod(shape[:dims[0]])
        R = math.prod(shape[dims[0]:dims[-1] + 1])
        I = math.prod(shape[dims[-1] + 1:])
        return x, O, R, I, None
    kept = [d for d in range(t.ndim) if d not in dims]
    perm = kept + list(dims)
    xp = S._view(t, [shape[d] for d in perm], [t._strides[d] for d in perm], t._offset)
    x = S._contiguous_nograd(xp)
    return x, math.prod(shape[d] for d in kept), math.prod(shape[d] for d in dims), 1, perm


def _out_shape(shape, dims, keepdim):
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


class _Reduce(Function):
    @staticmethod
    def forward(ctx, t, op, dims, keepdim, correction):
        x, O, R, I, perm = _layout(t, dims)
        out_shape = _out_shape(t._shape, dims, keepdim)
        out = Tensor._empty(out_shape, t._dtype)
        _C.reduce_forward(op, out._buf, x._kbuf(), O, R, I, correction)
        ctx.op, ctx.block, ctx.perm, ctx.correction = op, (O, R, I), perm, correction
        ctx.in_shape = t._shape
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        O, R, I = ctx.block
        dx = Tensor._empty(x._shape, x._dtype)
        g = g.contiguous()
        _C.reduce_backward(ctx.op, dx._buf, g._kbuf(), x._kbuf(), out._kbuf(), O, R, I, ctx.correction)
        if ctx.perm is not None:
            inv = [0] * len(ctx.perm)
            for i, d in enumerate(ctx.perm):
                inv[d] = i
            dx = S.permute(dx, inv)
        return dx, None, None, None, None


def _reduce(t, op, dim, keepdim, correction=0, name=None):
    if (dim is None and not keepdim and type(t) is Tensor and t._dtype.is_floating_point
            and not (t._requires_grad and _state.enabled) and t.is_contiguous()):
        # fast path: whole-tensor reduction of a contiguous float tensor, no graph
        out = Tensor._empty((), t._dtype)
        _C.reduce_forward(op, out._buf, t._kbuf(), 1, t.numel(), 1, correction)
        return out
    name = name or _NAMES[op]
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(t).__name__}")
    dims = _dims(t, dim, name)
    if op in (MEAN, LOGSUMEXP, VAR, STD) and not t._dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating point tensor, got {t._dtype.name}; use .float() first")
    if t._dtype.category < 2 and op in (SUM, PROD):
        t = t.to(D.int64) if t._dtype is not D.int64 else t
    if t._dtype is D.bool_ and op in (MAX, MIN):
        t = t.to(D.uint8)
        r = _Reduce.apply(t, op, dims, keepdim, correction)
        return r.to(D.bool_)
    return _Reduce.apply(t, op, dims, keepdim, correction)


def sum(t, dim=None, keepdim=False, dtype=None):  # noqa: A001
    if dtype is not None:
        t = t.to(D.as_dtype(dtype, "sum"))
    return _reduce(t, SUM, dim, keepdim)


def mean(t, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        t = t.to(D.as_dtype(dtype, "mean"))
    return _reduce(t, MEAN, dim, keepdim)


def prod(t, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        t = t.to(D.as_dtype(dtype, "prod"))
    return _reduce(t, PROD, dim, keepdim)


def logsumexp(t, dim, keepdim=False):
    return _reduce(t, LOGSUMEXP, dim, keepdim)


def _correction(op, unbiased, correction):
    if correction is not None:
        if isinstance(correction, bool) or not isinstance(correction, numbers.Real):
            raise TypeError(f"{op}: correction must be a real number, got {type(correction).__name__} "
                            f"({correction!r})")
        return float(correction)  # a float (even NaN: the result is NaN) as in PyTorch
    return 1 if unbiased in (None, True) else 0


def var(t, dim=None, unbiased=None, keepdim=False, correction=None):
    return _reduce(t, VAR, dim, keepdim, _correction("var", unbiased, correction))


def std(t, dim=None, unbiased=None, keepdim=False, correction=None):
    return _reduce(t, STD, dim, keepdim, _correction("std", unbiased, correction))


def _extreme(t, op, dim, keepdim):
    """amax/amin: no identity exists, so reducing over a zero-size dim is an error."""
    name = "amax" if op == MAX else "amin"
    if isinstance(t, Tensor) and t.numel() == 0:
        dims = _dims(t, dim, name)
        if dim is None:
            raise IndexError(f"{name}(): expected reduction dim to be specified for input.numel() == 0 "
                             f"(shape {t._shape})")
        for d in dims:
            if t._shape[d] == 0:
                raise IndexError(f"{name}(): expected reduction dim {d} to have non-zero size, "
                                 f"shape {t._shape}")
    return _reduce(t, op, dim, keepdim, name=name)


def amax(t, dim=None, keepdim=False):
    return _extreme(t, MAX, dim, keepdim)


def amin(t, dim=None, keepdim=False):
    return _extreme(t, MIN, dim, keepdim)


def _arg(t, op, dim, keepdim):
    name = _NAMES[op]
    if t.numel() == 0:
        if dim is None:
            raise IndexError(f"{name}(): cannot perform reduction on an empty tensor of shape {t._shape}")
        d = _wrap_dim(dim, t.ndim, name)
        if not t._shape or t._shape[d] == 0:
            raise IndexError(f"{name}(): expected reduction dim {d} to have non-zero size, shape {t._shape}")
        # another dim is empty: the result is empty too (PyTorch semantics)
        return Tensor._empty(_out_shape(t._shape, (d,), keepdim), D.int64)
    if t._dtype is D.bool_:
        t = t.to(D.uint8)
    if dim is None:
        x = S._contiguous_nograd(t) if not t.is_contiguous() else t
        out = Tensor._empty((1,) * t.ndim if keepdim else (), D.int64)
        _C.reduce_forward(op, out._buf, x._kbuf(), 1, t.numel(), 1, 0)
        return out
    d = _wrap_dim(dim, t.ndim, name)
    x, O, R, I, _ = _layout(t, (d,))
    out = Tensor._empty(_out_shape(t._shape, (d,), keepdim), D.int64)
    _C.reduce_forward(op, out._buf, x._kbuf(), O, R, I, 0)
    return out


def argmax(t, dim=None, keepdim=False):
    return _arg(t, ARGMAX, dim, keepdim)


def argmin(t, dim=None, keepdim=False):
    return _arg(t, ARGMIN, dim, keepdim)


class _IndexReduce(Function):
    """values of max(dim)/min(dim): the gradient goes to the returned index."""

    @staticmethod
    def forward(ctx, t, op, d, keepdim):
        x, O, R, I, _ = _layout(t, (d,))
        shape = _out_shape(t._shape, (d,), keepdim)
        values = Tensor._empty(shape, t._dtype)
        idx = Tensor._empty(shape, D.int64)
        _C.reduce_forward(op, values._buf, x._kbuf(), O, R, I, 0)
        _C.reduce_forward(ARGMAX if op == MAX else ARGMIN, idx._buf, x._kbuf(), O, R, I, 0)
        ctx.block, ctx.in_shape = (O, R, I), t._shape
        ctx.idx = idx
        ctx.mark_non_differentiable(idx)
        return values, idx

    @staticmethod
    def backward(ctx, g, g_idx):
        O, R, I = ctx.block
        dx = Tensor._empty(ctx.in_shape, g._dtype)
        _C.index_reduce_backward(dx._buf, g.contiguous()._kbuf(), ctx.idx._kbuf(), O, R, I)
        return dx, None, None, None


def _minmax(t, op, dim, keepdim, other=None):
    if other is not None and isinstance(other, Tensor):
        from . import elementwise as ew

        return ew.maximum(t, other) if op == MAX else ew.minimum(t, other)
    if dim is None:
        if t.numel() == 0:
            raise IndexError(f"{_NAMES[op]}(): expected reduction dim to be specified for input.numel() == 0")
        return _reduce(t, op, None, False)
    d = _wrap_dim(dim, t.ndim, _NAMES[op])
    if t._shape and t._shape[d] == 0:
        raise IndexError(f"{_NAMES[op]}(): cannot reduce over a zero-size dimension {d} of shape {t._shape}")
    if t._dtype is D.bool_:
        v, i = _IndexReduce.apply(t.to(D.uint8), op, d, keepdim)
        return MinMax(v.to(D.bool_), i)
    v, i = _IndexReduce.apply(t, op, d, keepdim)
    return MinMax(v, i)


def max(t, dim=None, keepdim=False):  # noqa: A001
    return _minmax(t, MAX, dim, keepdim, dim if isinstance(dim, Tensor) else None)


def min(t, dim=None, keepdim=False):  # noqa: A001
    return _minmax(t, MIN, dim, keepdim, dim if isinstance(dim, Tensor) else None)


def _logical_reduce(t, op, dim, keepdim, empty_value):
    from . import elementwise as ew

    name = "all" if op == MIN else "any"
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(t).__name__}")
    if isinstance(dim, (tuple, list)) and not dim:  # unlike sum, all/any(dim=()) reduce over no dim
        return ew.ne(t, 0) if t._dtype is not D.bool_ else t.clone()
    if t.numel() == 0:
        # an empty reduction is the identity (all: True, any: False), shaped like any other
        from .creation import full

        return full(_out_shape(t._shape, _dims(t, dim, name), keepdim), empty_value, dtype=D.bool_)
    nz = ew.ne(t, 0) if t._dtype is not D.bool_ else t
    return _reduce(nz.to(D.uint8), op, dim, keepdim, name=name).to(D.bool_)


def all(t, dim=None, keepdim=False):  # noqa: A001
    return _logical_reduce(t, MIN, dim, keepdim, True)


def any(t, dim=None, keepdim=False):  # noqa: A001
    return _logical_reduce(t, MAX, dim, keepdim, False)


def count_nonzero(t, dim=None):
    from . import elementwise as ew

    if not isinstance(t, Tensor):
        raise TypeError(f"count_nonzero: expected a Tensor, got {type(t).__name__}")
    return _reduce(ew.ne(t, 0).to(D.int64), SUM, dim, False, name="count_nonzero")
