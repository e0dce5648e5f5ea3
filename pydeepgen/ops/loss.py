"""Losses with PyTorch's names, arguments and reduction semantics: mse_loss, l1_loss,
smooth_l1_loss, huber_loss, binary_cross_entropy, binary_cross_entropy_with_logits,
cross_entropy (class indices or class probabilities), nll_loss.

Kernels: csrc/cpu/loss.cpp. cross_entropy is fused: its forward computes log-sum-exp
and the loss in one pass (no log-probabilities stored) and its backward writes the
input gradient in one pass from the saved log-sum-exp.
"""

import math
import warnings

from .. import _C
from .. import _dtype as D
from .._args import int_arg, real_arg
from .._tensor import Tensor
from ..autograd.function import Function
from . import shape as S

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss"]

MSE, L1, SMOOTH_L1, HUBER, BCE, BCE_LOGITS = range(6)
_NAMES = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
          "binary_cross_entropy_with_logits"]
_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _reduction(reduction, name):
    try:
        return _REDUCTIONS[reduction]
    except (KeyError, TypeError):
        raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}") from None


def _kb(t):
    return None if t is None else (t if t.is_contiguous() else t.contiguous())._kbuf()


def _out_shape(shape, red):
    return tuple(shape) if red == 0 else ()


# -- elementwise losses ----------------------------------------------------------------

class _Pointwise(Function):
    @staticmethod
    def forward(ctx, x, t, w, pw, op, red, beta):
        n = x.numel()
        out = Tensor._empty(_out_shape(x._shape, red), x._dtype)
        _C.pointwise_loss_forward(op, out._buf, x._kbuf(), t._kbuf(), _kb(w), _kb(pw), n, red, beta)
        ctx.args = (op, red, beta)
        ctx.save_for_backward(x, t, w, pw)
        return out

    @staticmethod
    def backward(ctx, g):
        x, t, w, pw = ctx.saved_tensors
        op, red, beta = ctx.args
        need_x, need_t = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        dx = Tensor._empty(x._shape, x._dtype) if need_x else None
        dt = Tensor._empty(t._shape, t._dtype) if need_t else None
        g = g if g.is_contiguous() else g.contiguous()
        _C.pointwise_loss_backward(op, dx._buf if dx is not None else None,
                                   dt._buf if dt is not None else None, g._kbuf(), x._kbuf(),
                                   t._kbuf(), _kb(w), _kb(pw), x.numel(), red, beta)
        return dx, dt, None, None, None, None, None


def _tensor_arg(v, name, what):
    if not isinstance(v, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(v).__name__}")
    return v


def _pointwise(op, input, target, reduction, beta=0.0, weight=None, pos_weight=None):
    name = _NAMES[op]
    red = _reduction(reduction, name)
    _tensor_arg(input, name, "input")
    _tensor_arg(target, name, "target")
    if not input._dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating point input, got {input._dtype.name} "
                        f"(shape {tuple(input.shape)})")
    if op in (BCE, BCE_LOGITS) and target._shape != input._shape:
        raise ValueError(f"{name}: target size {tuple(target.shape)} must be the same as "
                         f"input size {tuple(input.shape)}")
    if target._dtype is not input._dtype:
        target = target.to(input._dtype)
    if target._shape != input._shape:
        from .elementwise import broadcast_shapes

        shape = broadcast_shapes(input._shape, target._shape, op=name)
        warnings.warn(f"{name}: using a target size {tuple(target.shape)} that is different to the "
                      f"input size {tuple(input.shape)}; they will be broadcast to {shape}", stacklevel=3)
        input, target = S.broadcast_to(input, shape), S.broadcast_to(target, shape)
    input = input if input.is_contiguous() else input.contiguous()
    target = target if target.is_contiguous() else target.contiguous()
    w = _expand_to(weight, input, name, "weight")
    pw = _expand_to(pos_weight, input, name, "pos_weight")
    return _Pointwise.apply(input, target, w, pw, op, red, float(beta))


def _expand_to(w, x, name, what):
    if w is None:
        return None
    _tensor_arg(w, name, what)
    try:
        from .elementwise import broadcast_shapes

        if broadcast_shapes(x._shape, w._shape, op=name) != tuple(x._shape):
            raise ValueError
    except ValueError:
        raise ValueError(f"{name}: {what} of shape {tuple(w.shape)} cannot be broadcast to the "
                         f"input shape {tuple(x.shape)}") from None
    w = w.detach()
    if w._dtype is not x._dtype:
        w = w.to(x._dtype)
    return S.broadcast_to(w, x._shape).contiguous()


def mse_loss(input, target, reduction="mean"):
    return _pointwise(MSE, input, target, reduction)


def l1_loss(input, target, reduction="mean"):
    return _pointwise(L1, input, target, reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    return _pointwise(SMOOTH_L1, input, target, reduction, beta)


def huber_loss(input, target, reduction="mean", delta=1.0):
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    return _pointwise(HUBER, input, target, reduction, delta)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-w [t log x + (1 - t) log(1 - x)], logs clamped at -100. Inputs and targets
    must lie in [0, 1] (ValueError otherwise)."""
    return _pointwise(BCE, input, target, reduction, weight=weight)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """Sigmoid + BCE in one stable formula; ``pos_weight`` broadcasts along the last dim."""
    return _pointwise(BCE_LOGITS, input, target, reduction, weight=weight, pos_weight=pos_weight)


# -- class losses ----------------------------------------------------------------------

def _class_layout(input, target, name, prob):
    """(N, C, D, input (N, C, ...) contiguous, target contiguous, output shape for 'none')."""
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have at least 1 dimension (got shape ())")
    if not input._dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating point input, got {input._dtype.name}")
    if input.ndim == 1:  # unbatched (C,)
        C = input._shape[0]
        N, Dd, none_shape = 1, 1, ()
        if prob:
            if target._shape != input._shape:
                raise ValueError(f"{name}: expected target of shape {tuple(input.shape)} for probability "
                                 f"targets, got {tuple(target.shape)}")
        elif target.ndim != 0:
            raise ValueError(f"{name}: for unbatched input of shape {tuple(input.shape)} the target must "
                             f"be 0-d, got shape {tuple(target.shape)}")
    else:
        N, C = input._shape[0], input._shape[1]
        Dd = math.prod(input._shape[2:])
        none_shape = (N,) + tuple(input._shape[2:])
        want = tuple(input._shape) if prob else none_shape
        if tuple(target._shape) != want:
            raise ValueError(f"{name}: expected target of shape {want} for input of shape "
                             f"{tuple(input.shape)}, got {tuple(target.shape)}")
    x = input if input.is_contiguous() else input.contiguous()
    t = target if target.is_contiguous() else target.contiguous()
    return N, C, Dd, x, t, none_shape


def _class_weight(weight, C, x, name):
    if weight is None:
        return None
    _tensor_arg(weight, name, "weight")
    if tuple(weight._shape) != (C,):
        raise ValueError(f"{name}: weight must have shape ({C},) for {C} classes, got {tuple(weight.shape)}")
    w = weight.detach()
    return w.to(x._dtype) if w._dtype is not x._dtype else w.contiguous()


class _CrossEntropy(Function):
    @staticmethod
    def forward(ctx, x, t, w, dims, ignore_index, eps, red, none_shape):
        N, C, Dd = dims
        out = Tensor._empty(none_shape if red == 0 else (), x._dtype)
        lse = Tensor._empty((N * Dd,), x._dtype)
        W = _C.cross_entropy_forward(out._buf, lse._buf, x._kbuf(), t._kbuf(), _kb(w), N, C, Dd,
                                     ignore_index, eps, red)
        ctx.args = (dims, ignore_index, eps, red, W)
        ctx.save_for_backward(x, lse, t, w)
        return out

    @staticmethod
    def backward(ctx, g):
        x, lse, t, w = ctx.saved_tensors
        (N, C, Dd), ignore_index, eps, red, W = ctx.args
        g = g if g.is_contiguous() else g.contiguous()
        dx = Tensor._empty(x._shape, x._dtype)
        _C.cross_entropy_backward(dx._buf, g._kbuf(), x._kbuf(), lse._kbuf(), t._kbuf(), _kb(w),
                                  N, C, Dd, ignore_index, eps, red, W)
        return dx, None, None, None, None, None, None, None


class _CrossEntropyProb(Function):
    @staticmethod
    def forward(ctx, x, t, w, dims, eps, red, none_shape):
        N, C, Dd = dims
        out = Tensor._empty(none_shape if red == 0 else (), x._dtype)
        lse = Tensor._empty((N * Dd,), x._dtype)
        _C.cross_entropy_prob_forward(out._buf, lse._buf, x._kbuf(), t._kbuf(), _kb(w), N, C, Dd, eps, red)
        ctx.args = (dims, eps, red)
        ctx.save_for_backward(x, lse, t, w)
        return out

    @staticmethod
    def backward(ctx, g):
        x, lse, t, w = ctx.saved_tensors
        (N, C, Dd), eps, red = ctx.args
        g = g if g.is_contiguous() else g.contiguous()
        dx = Tensor._empty(x._shape, x._dtype) if ctx.needs_input_grad[0] else None
        dt = Tensor._empty(t._shape, t._dtype) if ctx.needs_input_grad[1] else None
        _C.cross_entropy_prob_backward(dx._buf if dx is not None else None,
                                       dt._buf if dt is not None else None, g._kbuf(), x._kbuf(),
                                       lse._kbuf(), t._kbuf(), _kb(w), N, C, Dd, eps, red)
        return dx, dt, None, None, None, None, None


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over dim 1 (dim 0 for unbatched input) + nll, fused.

    ``target``: int64 class indices of shape (N, d1, ...) (``ignore_index`` entries skipped;
    'mean' divides by the summed weights of the counted targets), or float class
    probabilities of the input's shape ('mean' divides by N * d1 * ...).
    """
    name = "cross_entropy"
    if size_average is not None or reduce is not None:
        raise ValueError(f"{name}: size_average and reduce are deprecated and not supported; use reduction=")
    red = _reduction(reduction, name)
    _tensor_arg(input, name, "input")
    _tensor_arg(target, name, "target")
    label_smoothing = real_arg(name, "label_smoothing", label_smoothing)
    ignore_index = int_arg(name, "ignore_index", ignore_index, minimum=-(1 << 63))
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    prob = target._dtype.is_floating_point
    if not prob and target._dtype is not D.int64:
        raise TypeError(f"{name}: expected int64 class indices or float class probabilities as target, "
                        f"got {target._dtype.name}")
    N, C, Dd, x, t, none_shape = _class_layout(input, target, name, prob)
    w = _class_weight(weight, C, x, name)
    if prob:
        if t._dtype is not x._dtype:
            t = t.to(x._dtype)
        return _CrossEntropyProb.apply(x, t, w, (N, C, Dd), float(label_smoothing), red, none_shape)
    return _CrossEntropy.apply(x, t, w, (N, C, Dd), ignore_index, label_smoothing, red,
                               none_shape)


class _Nll(Function):
    @staticmethod
    def forward(ctx, x, t, w, dims, ignore_index, red, none_shape):
        N, C, Dd = dims
        out = Tensor._empty(none_shape if red == 0 else (), x._dtype)
        W = _C.nll_loss_forward(out._buf, x._kbuf(), t._kbuf(), _kb(w), N, C, Dd, ignore_index, red)
        ctx.args = (dims, ignore_index, red, W, x._shape, x._dtype)
        ctx.save_for_backward(t, w)
        return out

    @staticmethod
    def backward(ctx, g):
        t, w = ctx.saved_tensors
        (N, C, Dd), ignore_index, red, W, shape, dtype = ctx.args
        g = g if g.is_contiguous() else g.contiguous()
        dx = Tensor._empty(shape, dtype)
        _C.nll_loss_backward(dx._buf, g._kbuf(), t._kbuf(), _kb(w), N, C, Dd, ignore_index, red, W)
        return dx, None, None, None, None, None, None


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[n, target[n], ...] (input holds log-probabilities); int64 class targets."""
    name = "nll_loss"
    if size_average is not None or reduce is not None:
        raise ValueError(f"{name}: size_average and reduce are deprecated and not supported; use reduction=")
    red = _reduction(reduction, name)
    _tensor_arg(input, name, "input")
    _tensor_arg(target, name, "target")
    if target._dtype is not D.int64:
        raise TypeError(f"{name}: expected int64 class indices as target, got {target._dtype.name}")
    N, C, Dd, x, t, none_shape = _class_layout(input, target, name, False)
    w = _class_weight(weight, C, x, name)
    ignore_index = int_arg(name, "ignore_index", ignore_index, minimum=-(1 << 63))
    return _Nll.apply(x, t, w, (N, C, Dd), ignore_index, red, none_shape)
