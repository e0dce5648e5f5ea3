"""softmax and log_softmax along one dim.

Kernels (csrc/cpu/softmax.cpp) work on a contiguous (O, R, I) block with the softmax
dim as R, the layout ops/reduce.py uses for reductions.
"""

import math
import warnings

from .. import _C
from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from .._tensor_methods import register_methods
from ..autograd.function import Function

__all__ = ["softmax", "log_softmax"]


class _Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim, log):
        if not x.is_contiguous():
            x = x.contiguous()
        shape = x._shape
        O, R, I = math.prod(shape[:dim]), shape[dim], math.prod(shape[dim + 1:])
        out = Tensor._empty(shape, x._dtype)
        _C.softmax_forward(out._buf, x._kbuf(), O, R, I, log)
        ctx.block, ctx.log = (O, R, I), log
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if not g.is_contiguous():
            g = g.contiguous()
        dx = Tensor._empty(out._shape, out._dtype)
        _C.softmax_backward(dx._buf, g._kbuf(), out._kbuf(), *ctx.block, ctx.log)
        return dx, None, None


def _softmax(x, dim, dtype, log, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if dtype is not None:
        x = x.to(dtype)
    if not x._dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating point tensor, got {x._dtype.name} "
                        f"(shape {tuple(x._shape)}); use .float() or dtype=")
    if dim is None:
        dim = 0 if x.ndim in (0, 1, 3) else 1
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                      "Change the call to include dim=X as an argument.", stacklevel=3)
    if x.ndim == 0:
        _wrap_dim(dim, 1, name)
        return _Softmax.apply(x.reshape((1,)), 0, log).reshape(())
    return _Softmax.apply(x, _wrap_dim(dim, x.ndim, name), log)


def softmax(x, dim=None, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed stably (max subtracted first)."""
    return _softmax(x, dim, dtype, False, "softmax")


def log_softmax(x, dim=None, dtype=None):
    """x - logsumexp(x, dim), computed stably."""
    return _softmax(x, dim, dtype, True, "log_softmax")


register_methods(softmax=softmax, log_softmax=log_softmax)
del D
