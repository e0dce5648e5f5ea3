"""``F.interpolate`` (mode='nearest', 4-d) and ``F.pad`` (mode='constant').
Kernels: csrc/cpu/resample.cpp."""

import math

from .. import _C
from .._args import int_arg, real_arg
from .._tensor import Tensor, _size_tuple
from ..autograd.function import Function
from .conv import _check_tensor

__all__ = ["interpolate", "pad", "upsample"]


class _UpsampleNearest(Function):
    @staticmethod
    def forward(ctx, x, out_hw, scales):
        x = x.contiguous()
        N, C, H, W = x.shape
        out = Tensor._empty((N, C) + out_hw, x.dtype)
        _C.upsample_nearest2d_forward(out._kbuf(), x._kbuf(), N * C, H, W, *out_hw, *scales)
        ctx.in_shape, ctx.out_hw, ctx.scales = x.shape, out_hw, scales
        return out

    @staticmethod
    def backward(ctx, g):
        N, C, H, W = ctx.in_shape
        dx = Tensor._empty(ctx.in_shape, g.dtype)
        _C.upsample_nearest2d_backward(dx._kbuf(), g.contiguous()._kbuf(), N * C, H, W,
                                       *ctx.out_hw, *ctx.scales)
        return dx, None, None


def _spatial_pair(op, name, value):
    """``size`` / ``scale_factor`` of a 4-d input: one value for both spatial dims, or a
    sequence of exactly two (each entry is checked by the caller)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{op}: {name} must be one value or a pair for the 2 spatial dims of "
                             f"a 4-d input, got {len(value)} values {tuple(value)}")
        return tuple(value)
    return value, value


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Nearest-neighbour resize of an (N, C, H, W) input, by ``size`` or ``scale_factor``
    (PyTorch's 'nearest': source index floor(dst * scale), scale = 1/scale_factor when a
    scale factor is given, else in/out)."""
    op = "interpolate"
    _check_tensor(input, "input", op)
    if mode != "nearest":
        raise NotImplementedError(f"{op}: only mode='nearest' is implemented, got {mode!r}")
    if input.ndim != 4:
        raise ValueError(f"{op}: expected a 4-d (N, C, H, W) input, got shape {tuple(input.shape)}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    H, W = input.shape[2], input.shape[3]
    if size is not None:
        oh, ow = _spatial_pair(op, "size", size)
        oh, ow = int_arg(op, "size", oh), int_arg(op, "size", ow)
        if oh < 1 or ow < 1:
            raise ValueError(f"{op}: size must be positive, got {(oh, ow)}")
        _size_tuple(op, (input.shape[0], input.shape[1], oh, ow))
        scales = (H / oh, W / ow)
    else:
        fh, fw = _spatial_pair(op, "scale_factor", scale_factor)
        fh, fw = real_arg(op, "scale_factor", fh), real_arg(op, "scale_factor", fw)
        if not (0 < fh < math.inf and 0 < fw < math.inf):
            raise ValueError(f"{op}: scale_factor must be positive and finite, got {(fh, fw)}")
        oh, ow = int(math.floor(H * fh)), int(math.floor(W * fw))
        _size_tuple(op, (input.shape[0], input.shape[1], oh, ow))
        if oh < 1 or ow < 1:
            raise ValueError(f"{op}: scale_factor {(fh, fw)} gives an empty output from {(H, W)}")
        scales = (H / oh, W / ow) if recompute_scale_factor else (1.0 / fh, 1.0 / fw)
    return _UpsampleNearest.apply(input, (oh, ow), scales)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


class _PadConstant(Function):
    @staticmethod
    def forward(ctx, x, geo, out_shape, value):
        x = x.contiguous()
        out = Tensor._empty(out_shape, x.dtype)
        B, dims, lo, hi = geo
        _C.pad_constant_forward(out._kbuf(), x._kbuf(), B, dims, lo, hi, value)
        ctx.geo, ctx.in_shape = geo, x.shape
        return out

    @staticmethod
    def backward(ctx, g):
        dx = Tensor._empty(ctx.in_shape, g.dtype)
        B, dims, lo, hi = ctx.geo
        _C.pad_constant_backward(dx._kbuf(), g.contiguous()._kbuf(), B, dims, lo, hi)
        return dx, None, None, None


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative amounts, crop) the last ``len(pad)//2`` dims (at most 3):
    ``pad = (left, right, top, bottom, front, back)`` from the last dim backwards."""
    op = "pad"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if mode != "constant":
        raise NotImplementedError(f"{op}: only mode='constant' is implemented, got {mode!r}")
    if isinstance(pad, (str, bytes)) or not hasattr(pad, "__iter__"):
        raise TypeError(f"{op}: pad must be a tuple of ints, got {type(pad).__name__} ({pad!r})")
    pad = tuple(int_arg(op, "pad", p, minimum=-(1 << 63)) for p in pad)
    k = len(pad) // 2
    if len(pad) % 2 or k == 0 or k > input.ndim or k > 3:
        raise ValueError(f"{op}: pad {pad} must have an even length 2..6 and at most 2 * ndim "
                         f"entries for an input of shape {tuple(input.shape)}")
    shape = tuple(input.shape)
    lo = [0, 0, 0]
    hi = [0, 0, 0]
    for i in range(k):  # pad[2i], pad[2i+1] act on dim -1-i
        lo[2 - i], hi[2 - i] = pad[2 * i], pad[2 * i + 1]
    dims = [1, 1, 1]
    for i in range(k):
        dims[2 - i] = shape[-1 - i]
    out_tail = []
    for i in range(3 - k, 3):
        o = dims[i] + lo[i] + hi[i]
        if o < 0:
            raise ValueError(f"{op}: pad {pad} gives a negative output size for input shape {shape}")
        out_tail.append(o)
    B = math.prod(shape[:-k])
    out_shape = shape[:-k] + tuple(out_tail)
    v = 0.0 if value is None else real_arg(op, "value", value)
    return _PadConstant.apply(input, (B, dims, lo, hi), out_shape, v)
