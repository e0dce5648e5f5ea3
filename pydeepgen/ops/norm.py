"""Normalization: ``F.batch_norm``, ``F.layer_norm``, ``F.group_norm``.

Kernels: csrc/cpu/norm.cpp. Each forward kernel returns the statistics (mean and inverse
standard deviation) that its backward needs; the backward computes the exact input, weight
and bias gradients in one call. ``batch_norm`` in training mode also updates the running
statistics in place (momentum rule, unbiased variance), as PyTorch does.
"""

import math
import numbers

from .. import _C
from .._args import int_arg, real_arg
from .._tensor import Tensor
from ..autograd.function import Function
from .conv import _check_same_dtype, _check_tensor, _kb

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _check_vec(op, name, t, n, x):
    if t is None:
        return
    _check_tensor(t, name, op)
    if tuple(t.shape) != (n,):
        raise ValueError(f"{op}: expected {name} of shape ({n},), got {tuple(t.shape)} for input "
                         f"of shape {tuple(x.shape)}")
    _check_same_dtype(op, x, (name, t))


class _BatchNorm(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        x = x.contiguous()
        N, C = x.shape[0], x.shape[1]
        HW = math.prod(x.shape[2:])
        out = Tensor._empty(x.shape, x.dtype)
        mean = Tensor._empty((C,), x.dtype)
        invstd = Tensor._empty((C,), x.dtype)
        rm = running_mean._kbuf() if running_mean is not None else None
        rv = running_var._kbuf() if running_var is not None else None
        _C.batchnorm_forward(out._kbuf(), mean._kbuf(), invstd._kbuf(), rm, rv, x._kbuf(),
                             _kb(weight), _kb(bias), N, C, HW, training, momentum, eps)
        if training:
            for t in (running_mean, running_var):
                if t is not None:
                    t._buf.bump_version()
        ctx.sizes, ctx.training = (N, C, HW), training
        ctx.save_for_backward(x, weight, mean, invstd)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, invstd = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        N, C, HW = ctx.sizes
        dx = Tensor._empty(x.shape, x.dtype) if need_x else None
        dw = Tensor._empty((C,), x.dtype) if need_w else None
        db = Tensor._empty((C,), x.dtype) if need_b else None
        _C.batchnorm_backward(_kb(dx), _kb(dw), _kb(db), g.contiguous()._kbuf(), x._kbuf(),
                              _kb(weight), mean._kbuf(), invstd._kbuf(), N, C, HW, ctx.training)
        return dx, dw, db, None, None, None, None, None


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization over (N, C, *) per channel. Training: batch statistics, and
    ``running_* = (1 - momentum) * running_* + momentum * batch_stat`` in place (the variance
    unbiased). Eval: the running statistics (which must then be given)."""
    op = "batch_norm"
    _check_tensor(input, "input", op)
    if input.ndim < 2:
        raise ValueError(f"{op}: expected an input of at least 2 dims (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    C = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_vec(op, name, t, C, input)
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and not t.is_contiguous():
            raise ValueError(f"{op}: {name} must be contiguous (it is updated in place)")
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{op}: running_mean and running_var are required when training=False")
    if training and input.numel() // max(C, 1) <= 1:
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got input "
                         f"of shape {tuple(input.shape)}")
    momentum = 0.0 if momentum is None else real_arg(op, "momentum", momentum)
    eps = real_arg(op, "eps", eps)
    return _BatchNorm.apply(input, weight, bias, running_mean, running_var, bool(training),
                            momentum, eps)


class _LayerNorm(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, D, eps):
        x = x.contiguous()
        M = x.numel() // D if D else 0
        out = Tensor._empty(x.shape, x.dtype)
        mean = Tensor._empty((M,), x.dtype)
        rstd = Tensor._empty((M,), x.dtype)
        _C.layernorm_forward(out._kbuf(), mean._kbuf(), rstd._kbuf(), x._kbuf(), _kb(weight),
                             _kb(bias), M, D, eps)
        ctx.MD = (M, D)
        ctx.wshape = None if weight is None else weight.shape
        ctx.save_for_backward(x, weight, mean, rstd)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, rstd = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        M, D = ctx.MD
        dx = Tensor._empty(x.shape, x.dtype) if need_x else None
        dw = Tensor._empty(ctx.wshape, x.dtype) if need_w else None
        db = Tensor._empty(ctx.wshape, x.dtype) if need_b else None
        _C.layernorm_backward(_kb(dx), _kb(dw), _kb(db), g.contiguous()._kbuf(), x._kbuf(),
                              _kb(weight), mean._kbuf(), rstd._kbuf(), M, D)
        return dx, dw, db, None, None


def _normalized_shape(op, normalized_shape):
    """An int or a sequence of ints -> a tuple of ints; a float, None or a string is a
    TypeError naming ``op`` (``op`` is the function or the layer)."""
    if hasattr(type(normalized_shape), "__index__") and not isinstance(normalized_shape, Tensor):
        return (int_arg(op, "normalized_shape", normalized_shape),)
    if isinstance(normalized_shape, (str, bytes)) or not hasattr(normalized_shape, "__iter__"):
        raise TypeError(f"{op}: normalized_shape must be an int or a sequence of ints, got "
                        f"{type(normalized_shape).__name__} ({normalized_shape!r})")
    return tuple(int_arg(op, "normalized_shape", s) for s in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the trailing ``normalized_shape`` dims."""
    op = "layer_norm"
    _check_tensor(input, "input", op)
    ns = _normalized_shape(op, normalized_shape)
    if not ns or tuple(input.shape[input.ndim - len(ns):]) != ns or len(ns) > input.ndim:
        raise ValueError(f"{op}: normalized_shape {ns} does not match the trailing dims of input "
                         f"shape {tuple(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            _check_tensor(t, name, op)
            if tuple(t.shape) != ns:
                raise ValueError(f"{op}: expected {name} of shape {ns}, got {tuple(t.shape)}")
            _check_same_dtype(op, input, (name, t))
    D = math.prod(ns)
    if D == 0:
        raise ValueError(f"{op}: normalized_shape {ns} has no elements")
    return _LayerNorm.apply(input, weight, bias, D, real_arg(op, "eps", eps))


class _GroupNorm(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, G, eps):
        x = x.contiguous()
        N, C = x.shape[0], x.shape[1]
        HW = math.prod(x.shape[2:])
        out = Tensor._empty(x.shape, x.dtype)
        mean = Tensor._empty((N, G), x.dtype)
        rstd = Tensor._empty((N, G), x.dtype)
        _C.groupnorm_forward(out._kbuf(), mean._kbuf(), rstd._kbuf(), x._kbuf(), _kb(weight),
                             _kb(bias), N, C, HW, G, eps)
        ctx.sizes = (N, C, HW, G)
        ctx.save_for_backward(x, weight, mean, rstd)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, rstd = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        N, C, HW, G = ctx.sizes
        dx = Tensor._empty(x.shape, x.dtype) if need_x else None
        dw = Tensor._empty((C,), x.dtype) if need_w else None
        db = Tensor._empty((C,), x.dtype) if need_b else None
        _C.groupnorm_backward(_kb(dx), _kb(dw), _kb(db), g.contiguous()._kbuf(), x._kbuf(),
                              _kb(weight), mean._kbuf(), rstd._kbuf(), N, C, HW, G)
        return dx, dw, db, None, None


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization: channels of (N, C, *) split into ``num_groups`` groups, each
    (sample, group) normalised; per-channel affine ``weight``/``bias``."""
    op = "group_norm"
    _check_tensor(input, "input", op)
    if input.ndim < 2:
        raise ValueError(f"{op}: expected an input of at least 2 dims (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    C = input.shape[1]
    if not isinstance(num_groups, numbers.Integral) or num_groups < 1 or C % num_groups:
        raise ValueError(f"{op}: channels {C} (input shape {tuple(input.shape)}) must be divisible "
                         f"by num_groups {num_groups!r}")
    _check_vec(op, "weight", weight, C, input)
    _check_vec(op, "bias", bias, C, input)
    return _GroupNorm.apply(input, weight, bias, int(num_groups), real_arg(op, "eps", eps))
