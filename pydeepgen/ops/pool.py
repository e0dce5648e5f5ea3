"""2-D pooling: ``F.max_pool2d``, ``F.avg_pool2d``, ``F.adaptive_avg_pool2d``,
``F.adaptive_max_pool2d``. Kernels: csrc/cpu/pool.cpp (one forward and one backward per op;
max pooling's forward returns the argmax indices its backward routes the gradient through).
"""

import numbers

from .. import _C
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from .conv import _batched, _check_tensor, _pair

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"]


def _out_size(op, L, k, s, p, d, ceil_mode):
    """PyTorch's pooling output length (with ceil_mode's last-window rule)."""
    eff = d * (k - 1) + 1
    num = L + 2 * p - eff
    if num < 0:
        raise ValueError(f"{op}: kernel {k} (dilation {d}, effective {eff}) is larger than the padded "
                         f"input {L + 2 * p}")
    o = (num + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= L + p:
        o -= 1
    return o


def _pool_args(op, x, kernel_size, stride, padding, dilation):
    kh, kw = _pair(kernel_size, "kernel_size", op)
    sh, sw = (kh, kw) if stride is None or stride == () or stride == [] else _pair(stride, "stride", op)
    ph, pw = _pair(padding, "padding", op)
    dh, dw = _pair(dilation, "dilation", op)
    if min(kh, kw) < 1 or min(sh, sw) < 1 or min(dh, dw) < 1:
        raise ValueError(f"{op}: kernel_size {(kh, kw)}, stride {(sh, sw)} and dilation {(dh, dw)} "
                         "must be positive")
    if ph < 0 or pw < 0 or 2 * ph > kh or 2 * pw > kw:
        raise ValueError(f"{op}: padding {(ph, pw)} must be non-negative and at most half the "
                         f"kernel size {(kh, kw)}; input shape {tuple(x.shape)}")
    return kh, kw, sh, sw, ph, pw, dh, dw


class _MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, args, out_shape):
        x = x.contiguous()
        N, C, H, W = x.shape
        OH, OW = out_shape[2], out_shape[3]
        out = Tensor._empty(out_shape, x.dtype)
        idx = Tensor._empty(out_shape, D.int64)
        if args is None:  # adaptive
            _C.adaptive_maxpool2d_forward(out._kbuf(), idx._kbuf(), x._kbuf(), N * C, H, W, OH, OW)
        else:
            _C.maxpool2d_forward(out._kbuf(), idx._kbuf(), x._kbuf(), N * C, H, W, OH, OW, *args)
        ctx.in_shape = x.shape
        ctx.idx = idx
        ctx.mark_non_differentiable(idx)
        return out, idx

    @staticmethod
    def backward(ctx, g, g_idx):
        N, C, H, W = ctx.in_shape
        OH, OW = g.shape[2], g.shape[3]
        dx = Tensor._empty(ctx.in_shape, g.dtype)
        _C.maxpool2d_backward(dx._kbuf(), g.contiguous()._kbuf(), ctx.idx._kbuf(), N * C, H, W, OH, OW)
        return dx, None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max pooling over (N, C, H, W) or (C, H, W); ``return_indices`` also returns the
    argmax as flat indices into each H*W plane (int64), as PyTorch does."""
    op = "max_pool2d"
    _check_tensor(input, "input", op)
    x, unbatched = _batched(input, op)
    kh, kw, sh, sw, ph, pw, dh, dw = _pool_args(op, x, kernel_size, stride, padding, dilation)
    N, C, H, W = x.shape
    OH = _out_size(op, H, kh, sh, ph, dh, ceil_mode)
    OW = _out_size(op, W, kw, sw, pw, dw, ceil_mode)
    out, idx = _MaxPool2d.apply(x, (kh, kw, sh, sw, ph, pw, dh, dw), (N, C, OH, OW))
    if unbatched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return (out, idx) if return_indices else out


class _AvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, args, out_shape):
        x = x.contiguous()
        N, C, H, W = x.shape
        out = Tensor._empty(out_shape, x.dtype)
        _C.avgpool2d_forward(out._kbuf(), x._kbuf(), N * C, H, W, out_shape[2], out_shape[3], *args)
        ctx.in_shape, ctx.args = x.shape, args
        return out

    @staticmethod
    def backward(ctx, g):
        N, C, H, W = ctx.in_shape
        dx = Tensor._empty(ctx.in_shape, g.dtype)
        _C.avgpool2d_backward(dx._kbuf(), g.contiguous()._kbuf(), N * C, H, W, g.shape[2],
                              g.shape[3], *ctx.args)
        return dx, None, None


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average pooling, PyTorch semantics (``count_include_pad`` divides by the window area
    clipped to the padded input, otherwise to the input; ``divisor_override`` replaces it)."""
    op = "avg_pool2d"
    _check_tensor(input, "input", op)
    x, unbatched = _batched(input, op)
    kh, kw, sh, sw, ph, pw, _, _ = _pool_args(op, x, kernel_size, stride, padding, 1)
    if divisor_override is not None and (not isinstance(divisor_override, numbers.Integral)
                                         or divisor_override <= 0):
        raise ValueError(f"{op}: divisor_override must be a positive int, got {divisor_override!r}")
    N, C, H, W = x.shape
    OH = _out_size(op, H, kh, sh, ph, 1, ceil_mode)
    OW = _out_size(op, W, kw, sw, pw, 1, ceil_mode)
    args = (kh, kw, sh, sw, ph, pw, bool(count_include_pad), int(divisor_override or 0))
    out = _AvgPool2d.apply(x, args, (N, C, OH, OW))
    return out.squeeze(0) if unbatched else out


def _adaptive_size(op, x, output_size):
    H, W = x.shape[2], x.shape[3]
    if isinstance(output_size, numbers.Integral):
        oh = ow = int(output_size)
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        oh = H if output_size[0] is None else int(output_size[0])
        ow = W if output_size[1] is None else int(output_size[1])
    else:
        raise TypeError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: output_size must be positive, got {(oh, ow)}")
    if H < 1 or W < 1:
        raise ValueError(f"{op}: empty spatial input, shape {tuple(x.shape)}")
    return oh, ow


class _AdaptiveAvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, out_shape):
        x = x.contiguous()
        N, C, H, W = x.shape
        out = Tensor._empty(out_shape, x.dtype)
        _C.adaptive_avgpool2d_forward(out._kbuf(), x._kbuf(), N * C, H, W, out_shape[2], out_shape[3])
        ctx.in_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, g):
        N, C, H, W = ctx.in_shape
        dx = Tensor._empty(ctx.in_shape, g.dtype)
        _C.adaptive_avgpool2d_backward(dx._kbuf(), g.contiguous()._kbuf(), N * C, H, W, g.shape[2],
                                       g.shape[3])
        return dx, None


def adaptive_avg_pool2d(input, output_size):
    """Adaptive average pooling: output cell (i, j) averages rows
    [floor(i*H/OH), ceil((i+1)*H/OH)) and likewise columns (PyTorch's windows)."""
    op = "adaptive_avg_pool2d"
    _check_tensor(input, "input", op)
    x, unbatched = _batched(input, op)
    oh, ow = _adaptive_size(op, x, output_size)
    out = _AdaptiveAvgPool2d.apply(x, (x.shape[0], x.shape[1], oh, ow))
    return out.squeeze(0) if unbatched else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive max pooling (same windows as adaptive_avg_pool2d)."""
    op = "adaptive_max_pool2d"
    _check_tensor(input, "input", op)
    x, unbatched = _batched(input, op)
    oh, ow = _adaptive_size(op, x, output_size)
    out, idx = _MaxPool2d.apply(x, None, (x.shape[0], x.shape[1], oh, ow))
    if unbatched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return (out, idx) if return_indices else out


