"""Matrix products: ``matmul`` / ``@`` (1-D, 2-D and batched with broadcasting), ``mm``,
``bmm``, ``dot``, ``outer``. All go to ``_C.bmm_forward``, which runs the selected GEMM
rung (csrc/cpu/gemm/). Transposed views are passed as transpose flags, not copied."""

import math

from .. import _C
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import state as _state
from . import elementwise as ew
from . import shape as S


def _operand(t, batch_shape, op):
    """(tensor, trans, batch_stride) describing t's matrices for bmm_forward."""
    rows, cols = t._shape[-2], t._shape[-1]
    s_r, s_c = t._strides[-2], t._strides[-1]
    if (s_c == 1 or cols == 1) and (s_r == cols or rows == 1):
        trans = False
    elif (s_r == 1 or rows == 1) and (s_c == rows or cols == 1):
        trans = True
    else:
        t = S._contiguous_nograd(t)
        trans = False
    tb = t._shape[:-2]
    nb = math.prod(batch_shape)
    if nb <= 1 or math.prod(tb) == 1:
        return t, trans, 0
    if len(tb) == len(batch_shape) and tb == tuple(batch_shape):
        # batch dims must step uniformly by one matrix
        expected = rows * cols
        ok = True
        for n, s in zip(reversed(tb), reversed(t._strides[:-2])):
            if n != 1 and s != expected:
                ok = False
                break
            expected *= n
        if ok:
            return t, trans, rows * cols
    t = S._contiguous_nograd(S.expand(t, tuple(batch_shape) + (rows, cols)) if tb != tuple(batch_shape) else t)
    return t, False, rows * cols


def _bmm(a, b):
    M, K = a._shape[-2], a._shape[-1]
    K2, N = b._shape[-2], b._shape[-1]
    if K != K2:
        raise ValueError(f"matmul: shapes {tuple(a._shape)} and {tuple(b._shape)} cannot be multiplied ({M}x{K} and {K2}x{N})")
    batch = () if len(a._shape) == len(b._shape) == 2 else ew.broadcast_shapes(
        a._shape[:-2], b._shape[:-2], op="matmul")
    a2, ta, sa = _operand(a, batch, "matmul")
    b2, tb, sb = _operand(b, batch, "matmul")
    out = Tensor._empty(tuple(batch) + (M, N), a._dtype)
    nb = math.prod(batch)
    if out.numel():
        if K == 0:
            _C.fill_strided(out._buf, [out.numel()], [1], 0, 0.0)
        else:
            _C.bmm_forward(out._buf, a2._buf, b2._buf, nb, M, N, K, ta, tb, a2._offset, sa, b2._offset, sb)
    return out


class _Matmul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _bmm(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        da = db = None
        if ctx.needs_input_grad[0]:
            da = ew.sum_to(_bmm(g, S.transpose(b, -1, -2)), a._shape)
        if ctx.needs_input_grad[1]:
            db = ew.sum_to(_bmm(S.transpose(a, -1, -2), g), b._shape)
        return da, db


def matmul(a, b):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected two Tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes {tuple(a._shape)} and {tuple(b._shape)}")
    if a._dtype is not b._dtype:
        raise TypeError(f"matmul: dtype mismatch, {a._dtype.name} @ {b._dtype.name}")
    if not a._dtype.is_floating_point:
        raise TypeError(f"matmul: expected floating point tensors, got {a._dtype.name}")
    if len(a._shape) == 2 and len(b._shape) == 2 and not (
            (a._requires_grad or b._requires_grad) and _state.enabled):
        return _bmm(a, b)  # fast path: plain 2-D product, no graph
    squeeze = []
    if a.ndim == 1:
        a = S.unsqueeze(a, 0)
        squeeze.append(-2)
    if b.ndim == 1:
        b = S.unsqueeze(b, 1)
        squeeze.append(-1)
    if a._shape[-1] != b._shape[-2]:
        raise ValueError(f"matmul: shapes {tuple(a._shape)} and {tuple(b._shape)} cannot be multiplied ({a._shape[-2]}x{a._shape[-1]} and {b._shape[-2]}x{b._shape[-1]})")
    out = _Matmul.apply(a, b)
    for d in squeeze if len(squeeze) < 2 else (-1, -1):
        out = S.squeeze(out, d)
    return out


def _check_ranks(op, a, b, ndim, what):
    """Both operands Tensors of rank ``ndim``; the error names the op and both shapes."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected two Tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim != ndim or b.ndim != ndim:
        raise ValueError(f"{op}: expected {what}, got shapes {tuple(a._shape)} and {tuple(b._shape)}")
    if a._dtype is not b._dtype:
        raise TypeError(f"{op}: expected both tensors to have the same dtype, got {a._dtype.name} and "
                        f"{b._dtype.name}")
    if ndim >= 2 and a._shape[-1] != b._shape[-2]:
        raise ValueError(f"{op}: shapes {tuple(a._shape)} and {tuple(b._shape)} cannot be multiplied "
                         f"({a._shape[-2]}x{a._shape[-1]} and {b._shape[-2]}x{b._shape[-1]})")


def mm(a, b):
    _check_ranks("mm", a, b, 2, "2-D tensors")
    return matmul(a, b)


def bmm(a, b):
    _check_ranks("bmm", a, b, 3, "3-D tensors with equal batch size")
    if a._shape[0] != b._shape[0]:
        raise ValueError(f"bmm: expected 3-D tensors with equal batch size, got shapes {tuple(a._shape)} and {tuple(b._shape)}")
    return matmul(a, b)


def dot(a, b):
    _check_ranks("dot", a, b, 1, "1-D tensors of equal size")
    if a._shape != b._shape:
        raise ValueError(f"dot: expected 1-D tensors of equal size, got shapes {tuple(a._shape)} and {tuple(b._shape)}")
    return matmul(a, b)


def outer(a, b):
    _check_ranks("outer", a, b, 1, "1-D tensors")
    return matmul(S.unsqueeze(a, 1), S.unsqueeze(b, 0))
