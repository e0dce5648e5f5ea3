"""Dense layer: ``linear(x, weight, bias=None)`` = ``x @ weight.T + bias``.

PyTorch's layout: ``weight`` is ``(out_features, in_features)``, ``x`` is ``(..., in_features)``
(leading dimensions are flattened into one batch dimension for the kernel). The forward is
one call to ``_C.dense_forward`` (GEMM with the bias fused into its epilogue), the backward
one call to ``_C.dense_backward`` (dx, dweight and dbias together; see csrc/cpu/dense.h).
"""

import math

from .. import _C
from .._tensor import Tensor
from ..autograd.function import Function
from .shape import _contiguous_nograd

__all__ = ["linear"]


def _c(t):
    """t itself when contiguous, else a contiguous copy (no graph: this is kernel input)."""
    return t if t.is_contiguous() else _contiguous_nograd(t)


def _out(shape, dtype):
    """A fresh contiguous tensor and its Buffer (the buffer is the whole tensor, so the
    kernel gets it without a ``_kbuf`` round trip)."""
    buf = _C.empty(math.prod(shape), dtype.code)
    return Tensor._make(buf, shape, dtype), buf


# The Python work here runs once per layer call on tiny layers too (the airline LSTM's
# 4 -> 1 head), where it is most of the time: outputs are allocated as Buffers first
# (no _kbuf round trip), ctx gets one tuple, and no Buffer is kept in ctx (that would
# keep x alive after backward frees the saved tensors).
class _Linear(Function):
    @staticmethod
    def forward(ctx, x, weight, bias):
        OC, C = weight._shape
        x_shape = x._shape
        B = math.prod(x_shape[:-1])
        xc, wc = _c(x), _c(weight)
        xb, wb = xc._kbuf(), wc._kbuf()
        out, ob = _out(x_shape[:-1] + (OC,), x._dtype)
        _C.dense_forward(ob, xb, wb, _c(bias)._kbuf() if bias is not None else None, B, C, OC)
        ctx.save_for_backward(xc, wc)
        ctx.info = (B, C, OC, x_shape, bias is not None)
        return out

    @staticmethod
    def backward(ctx, g):
        xc, wc = ctx.saved_tensors
        B, C, OC, x_shape, has_bias = ctx.info
        need_x, need_w, need_b = ctx.needs_input_grad
        dtype = g._dtype
        dx = dw = db = dxb = dwb = dbb = None
        if need_x:
            dx, dxb = _out(x_shape, dtype)
        if need_w:
            dw, dwb = _out((OC, C), dtype)
        if need_b and has_bias:
            db, dbb = _out((OC,), dtype)
        if dx is not None or dw is not None or db is not None:
            _C.dense_backward(dxb, dwb, dbb, _c(g)._kbuf(), xc._kbuf(), wc._kbuf(), B, C, OC)
        return dx, dw, db


def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` with ``weight`` of shape ``(out_features, in_features)``.

    ``x`` has shape ``(..., in_features)``; the result ``(..., out_features)``.
    """
    if not (isinstance(x, Tensor) and isinstance(weight, Tensor)
            and (bias is None or isinstance(bias, Tensor))):
        for name, t in (("input", x), ("weight", weight), ("bias", bias)):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"linear: {name} must be a Tensor, got {type(t).__name__}")
    if not x._dtype.is_floating_point:
        raise TypeError(f"linear: expected a floating point input, got {x._dtype.name}")
    if weight._dtype is not x._dtype or (bias is not None and bias._dtype is not x._dtype):
        names = [x._dtype.name, weight._dtype.name] + ([bias._dtype.name] if bias is not None else [])
        raise TypeError(f"linear: input, weight and bias must share a dtype, got {', '.join(names)}")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {tuple(weight._shape)}")
    if x.ndim < 1 or x._shape[-1] != weight._shape[1]:
        raise ValueError(
            f"linear: input shape {tuple(x._shape)} and weight shape {tuple(weight._shape)} do not match "
            f"(input's last dimension must equal weight.shape[1] = {weight._shape[1]})"
        )
    if bias is not None and tuple(bias._shape) != (weight._shape[0],):
        raise ValueError(
            f"linear: bias shape {tuple(bias._shape)} does not match weight shape {tuple(weight._shape)} "
            f"(expected ({weight._shape[0]},))"
        )
    return _Linear.apply(x, weight, bias)
