"""Inclusive scans: cumsum and cumprod along a dim, with gradients.

Kernels: csrc/cpu/scan.cpp, which scan the middle axis of a contiguous (O, R, I) block.
Integer and bool inputs are scanned in int64 (PyTorch's rule); cumprod's backward is
exact when the input has zeros (no division by the input).
"""

import math

from .. import _C
from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from .._tensor_methods import register_methods
from ..autograd.function import Function
from . import shape as S

__all__ = ["cumsum", "cumprod"]

CUMSUM, CUMPROD = 0, 1
_NAMES = ["cumsum", "cumprod"]


class _Scan(Function):
    @staticmethod
    def forward(ctx, t, op, d):
        x = t if t.is_contiguous() else S._contiguous_nograd(t)
        shape = t._shape
        O = math.prod(shape[:d])
        R = shape[d] if shape else 1
        I = math.prod(shape[d + 1:])
        out = Tensor._empty(shape, t._dtype)
        _C.scan_forward(op, out._buf, x._kbuf(), O, R, I)
        ctx.plan = (op, O, R, I)
        if op == CUMPROD:
            ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, g):
        op, O, R, I = ctx.plan
        g = g.contiguous()
        x = ctx.saved_tensors[0] if op == CUMPROD else g
        dx = Tensor._empty(g._shape, g._dtype)
        _C.scan_backward(op, dx._buf, g._kbuf(), x._kbuf(), O, R, I)
        return dx, None, None


def _scan(t, dim, dtype, op):
    name = _NAMES[op]
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(t).__name__}")
    if dim is None:
        raise TypeError(f"{name}: missing required argument 'dim'")
    d = _wrap_dim(dim, t.ndim, name)
    if dtype is not None:
        t = t.to(D.as_dtype(dtype, "cumsum"))
    elif t._dtype.category < 2 and t._dtype is not D.int64:
        t = t.to(D.int64)
    return _Scan.apply(t, op, d)


def cumsum(t, dim=None, dtype=None):
    """out[..., i, ...] = t[..., 0, ...] + ... + t[..., i, ...] along ``dim``."""
    return _scan(t, dim, dtype, CUMSUM)


def cumprod(t, dim=None, dtype=None):
    """out[..., i, ...] = t[..., 0, ...] * ... * t[..., i, ...] along ``dim``."""
    return _scan(t, dim, dtype, CUMPROD)


register_methods(cumsum=cumsum, cumprod=cumprod)
