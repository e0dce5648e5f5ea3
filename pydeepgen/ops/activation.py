"""Activations with PyTorch's names and arguments: step, sigmoid, tanh, relu, relu6,
leaky_relu, elu, selu, celu, gelu, silu, softplus, hardtanh, logsigmoid.

Each is one autograd ``Function`` calling ``_C.activation_forward`` /
``_C.activation_backward`` with an op code (csrc/cpu/activation.cpp); the backward
formulas are PyTorch's, including the value at kinks (relu'(0) = 0). Integer inputs
are promoted to float32. ``inplace=True`` (where PyTorch offers it) writes the result
into the input, as do the ``relu_``-style Tensor methods.
"""

import math

from .. import _C
from .. import _dtype as D
from .._args import real_arg
from .._tensor import Tensor
from .._tensor_methods import register_methods
from ..autograd.function import Function
from . import elementwise as E

__all__ = ["step", "sigmoid", "tanh", "relu", "relu_", "relu6", "hardtanh", "hardtanh_",
           "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu", "silu",
           "softplus", "logsigmoid"]

(STEP, SIGMOID, TANH, RELU, HARDTANH, LEAKY_RELU, ELU, SELU, CELU, GELU, GELU_TANH, SILU,
 SOFTPLUS, LOGSIGMOID) = range(14)
_NAMES = ["step", "sigmoid", "tanh", "relu", "hardtanh", "leaky_relu", "elu", "selu", "celu",
          "gelu", "gelu", "silu", "softplus", "logsigmoid"]
_USES_RESULT = frozenset(op for op in range(14) if _C.activation_uses_result(op))


class _Act(Function):
    @staticmethod
    def forward(ctx, x, op, p0, p1):
        if not x.is_contiguous():
            x = x.contiguous()
        out = Tensor._empty(x._shape, x._dtype)
        _C.activation_forward(op, out._buf, x._kbuf(), math.prod(x._shape), p0, p1)
        ctx.op, ctx.p0, ctx.p1 = op, p0, p1
        ctx.save_for_backward(out if op in _USES_RESULT else x)
        return out

    @staticmethod
    def backward(ctx, g):
        (v,) = ctx.saved_tensors
        op = ctx.op
        if not g.is_contiguous():
            g = g.contiguous()
        dx = Tensor._empty(g._shape, g._dtype)
        inp, out = (None, v._kbuf()) if op in _USES_RESULT else (v._kbuf(), None)
        _C.activation_backward(op, dx._buf, g._kbuf(), inp, out, math.prod(g._shape), ctx.p0, ctx.p1)
        return dx, None, None, None


def _check(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{_NAMES[op]}: expected a Tensor, got {type(x).__name__}")
    if not x._dtype.is_floating_point:
        return x.to(D.float32)
    return x


def _act(op, x, p0=0.0, p1=0.0, inplace=False):
    x = _check(x, op)
    if type(p0) is not float or type(p1) is not float:  # slopes, alphas, bounds: numbers
        p0, p1 = real_arg(_NAMES[op], "parameter", p0), real_arg(_NAMES[op], "parameter", p1)
    if inplace:
        return _act_inplace(op, x, p0, p1)
    return _Act.apply(x, op, float(p0), float(p1))


def _act_inplace(op, self, p0, p1):
    name = _NAMES[op] + "_"
    if E.check_inplace(self, name):
        src = self if op in _USES_RESULT else self.clone()
        return E.assign_result(self, _Act.apply(src, op, float(p0), float(p1)), name)
    if self.is_contiguous():
        buf = self._kbuf()
        _C.activation_forward(op, buf, buf, math.prod(self._shape), float(p0), float(p1))
        self._buf.bump_version()
        return self
    r = _Act.apply(self.detach(), op, float(p0), float(p1))
    return E.assign_result(self, r, name)


def step(x, threshold=0.0):
    """1 where ``x >= threshold``, else 0 (same dtype as x). Not differentiable:
    the result never requires grad."""
    x = _check(x, STEP)
    if not x.is_contiguous():
        x = x.contiguous()
    out = Tensor._empty(x._shape, x._dtype)
    _C.activation_forward(STEP, out._buf, x._kbuf(), math.prod(x._shape), real_arg("step", "threshold", threshold), 0.0)
    return out


def sigmoid(x):
    return _act(SIGMOID, x)


def tanh(x):
    return _act(TANH, x)


def relu(x, inplace=False):
    return _act(RELU, x, inplace=inplace)


def relu_(x):
    return _act(RELU, x, inplace=True)


def hardtanh(x, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _act(HARDTANH, x, min_val, max_val, inplace)


def hardtanh_(x, min_val=-1.0, max_val=1.0):
    return hardtanh(x, min_val, max_val, inplace=True)


def relu6(x, inplace=False):
    return _act(HARDTANH, x, 0.0, 6.0, inplace)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    return _act(LEAKY_RELU, x, negative_slope, 0.0, inplace)


def leaky_relu_(x, negative_slope=0.01):
    return _act(LEAKY_RELU, x, negative_slope, 0.0, True)


def elu(x, alpha=1.0, inplace=False):
    return _act(ELU, x, alpha, 0.0, inplace)


def elu_(x, alpha=1.0):
    return _act(ELU, x, alpha, 0.0, True)


def selu(x, inplace=False):
    return _act(SELU, x, inplace=inplace)


def celu(x, alpha=1.0, inplace=False):
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (ZeroDivisionError in x / alpha)")
    return _act(CELU, x, alpha, 0.0, inplace)


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _act(GELU if approximate == "none" else GELU_TANH, x)


def silu(x, inplace=False):
    return _act(SILU, x, inplace=inplace)


def softplus(x, beta=1.0, threshold=20.0):
    if beta == 0:
        raise ValueError("softplus: beta must not be 0")
    return _act(SOFTPLUS, x, beta, threshold)


def logsigmoid(x):
    return _act(LOGSIGMOID, x)


register_methods(
    sigmoid=sigmoid, tanh=tanh, relu=relu, relu_=relu_,
    sigmoid_=lambda self: _act(SIGMOID, self, inplace=True),
    tanh_=lambda self: _act(TANH, self, inplace=True),
)
