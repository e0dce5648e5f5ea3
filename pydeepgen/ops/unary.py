"""Unary math: neg abs sign square clamp exp log log1p expm1 sqrt rsqrt reciprocal sin cos.

Each op is one autograd ``Function`` whose forward calls ``_C.unary_forward`` and whose
backward calls ``_C.unary_backward`` with an op code (csrc/cpu/unary.cpp). Integer and
bool tensors are promoted to float32 for the transcendental ops, as in PyTorch; neg,
abs, sign, square and clamp keep integer dtypes. In-place variants (``exp_``,
``clamp_``, ...) are attached to ``Tensor``.

``set_math_variant('scalar'|'avx2'|'avx512'|'auto')`` selects the float32 exp/log/
tanh/sigmoid rung (csrc/cpu/vecmath.h) for benchmarks and tests.
"""

import math
import numbers

from .. import _C
from .. import _dtype as D
from .._tensor import Tensor
from .._tensor_methods import register_methods
from ..autograd.function import Function
from ..autograd import grad_mode
from . import elementwise as E

__all__ = ["neg", "negative", "abs", "absolute", "sign", "square", "clamp", "clip", "exp", "log",
           "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "sin", "cos",
           "neg_", "abs_", "exp_", "log_", "sqrt_", "clamp_"]

NEG, ABS, SIGN, SQUARE, CLAMP, EXP, LOG, LOG1P, EXPM1, SQRT, RSQRT, RECIPROCAL, SIN, COS = range(14)
_NAMES = ["neg", "abs", "sign", "square", "clamp", "exp", "log", "log1p", "expm1", "sqrt",
          "rsqrt", "reciprocal", "sin", "cos"]
_USES_RESULT = frozenset(op for op in range(14) if _C.unary_uses_result(op))
_INF = float("inf")


def set_math_variant(name):
    """Select the float32 transcendental rung: 'auto' (default), 'scalar', 'avx2', 'avx512'."""
    _C.set_math_variant(name)


def get_math_variant():
    """The rung in use now ('scalar', 'avx2' or 'avx512')."""
    return _C.get_math_variant()


def _contig(x):
    return x if x.is_contiguous() else x.contiguous()


class _Unary(Function):
    @staticmethod
    def forward(ctx, x, op, lo, hi):
        x = _contig(x)
        out = Tensor._empty(x._shape, x._dtype)
        n = math.prod(x._shape)
        _C.unary_forward(op, out._buf, x._kbuf(), n, lo, hi)
        ctx.op, ctx.lo, ctx.hi = op, lo, hi
        if op in (NEG, SIGN):
            ctx.save_for_backward()
        elif op in _USES_RESULT:
            ctx.save_for_backward(out)
        else:
            ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, g):
        saved = ctx.saved_tensors
        op = ctx.op
        g = _contig(g)
        dx = Tensor._empty(g._shape, g._dtype)
        v = saved[0]._kbuf() if saved else None
        inp, out = (None, v) if op in _USES_RESULT else (v, None)
        _C.unary_backward(op, dx._buf, g._kbuf(), inp, out, math.prod(g._shape), ctx.lo, ctx.hi)
        return dx, None, None, None


def _prep(x, op):
    name = _NAMES[op]
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if x._dtype is D.bool_:
        if op >= EXP:
            return x.to(D.float32)
        raise TypeError(f"{name}: not supported for bool tensors (shape {tuple(x._shape)}); "
                        "convert with .long() or .float() first")
    if op >= EXP and not x._dtype.is_floating_point:
        return x.to(D.float32)
    return x


def _unary(op, x, lo=0.0, hi=0.0):
    x = _prep(x, op)
    if not x._dtype.is_floating_point:
        # integer neg/abs/sign/square/clamp: no gradient, call the kernel directly
        x = _contig(x)
        out = Tensor._empty(x._shape, x._dtype)
        _C.unary_forward(op, out._buf, x._kbuf(), math.prod(x._shape), lo, hi)
        return out
    return _Unary.apply(x, op, lo, hi)


def neg(x): return _unary(NEG, x)
def abs(x): return _unary(ABS, x)  # noqa: A001
def sign(x): return _unary(SIGN, x)
def square(x): return _unary(SQUARE, x)
def exp(x): return _unary(EXP, x)
def log(x): return _unary(LOG, x)
def log1p(x): return _unary(LOG1P, x)
def expm1(x): return _unary(EXPM1, x)
def sqrt(x): return _unary(SQRT, x)
def rsqrt(x): return _unary(RSQRT, x)
def reciprocal(x): return _unary(RECIPROCAL, x)
def sin(x): return _unary(SIN, x)
def cos(x): return _unary(COS, x)


negative = neg
absolute = abs


def _bound(v, name, which):
    if v is None:
        return None
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise TypeError(f"{name}: tensor {which} bounds of shape {tuple(v.shape)} are not supported; "
                            "use pdg.minimum/pdg.maximum")
        return v.item()
    if not isinstance(v, numbers.Number) or isinstance(v, complex):
        raise TypeError(f"{name}: {which} must be a number, got {type(v).__name__}")
    return v


def _clamp_args(x, min, max, name):
    lo, hi = _bound(min, name, "min"), _bound(max, name, "max")
    if lo is None and hi is None:
        raise ValueError(f"{name}: at least one of 'min' or 'max' must not be None")
    if isinstance(x, Tensor) and not x._dtype.is_floating_point and (
            isinstance(lo, float) or isinstance(hi, float)):
        x = x.to(D.float32)  # int tensor with float bounds -> float result (PyTorch)
    return x, (-_INF if lo is None else float(lo)), (_INF if hi is None else float(hi))


def clamp(x, min=None, max=None):  # noqa: A002
    x, lo, hi = _clamp_args(x, min, max, "clamp")
    return _unary(CLAMP, x, lo, hi)


clip = clamp


# -- in-place variants ---------------------------------------------------------------

def _inplace(op, self, lo=0.0, hi=0.0):
    name = _NAMES[op] + "_"
    if not isinstance(self, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(self).__name__}")
    if op >= EXP and not self._dtype.is_floating_point:
        raise RuntimeError(f"{name}: result type float can't be cast to the desired output type {self._dtype.name}")
    if self._dtype is D.bool_:
        raise TypeError(f"{name}: not supported for bool tensors")
    if E.check_inplace(self, name):
        src = self if (op in _USES_RESULT or op in (NEG, SIGN)) else self.clone()
        return E.assign_result(self, _Unary.apply(src, op, lo, hi), name)
    if self.is_contiguous():
        buf = self._kbuf()
        _C.unary_forward(op, buf, buf, math.prod(self._shape), lo, hi)
        self._buf.bump_version()
        return self
    with grad_mode.no_grad():
        r = _unary(op, self, lo, hi)
    return E.assign_result(self, r, name)


def neg_(x): return _inplace(NEG, x)
def abs_(x): return _inplace(ABS, x)
def exp_(x): return _inplace(EXP, x)
def log_(x): return _inplace(LOG, x)
def sqrt_(x): return _inplace(SQRT, x)


def clamp_(x, min=None, max=None):  # noqa: A002
    _, lo, hi = _clamp_args(x, min, max, "clamp_")
    if not x._dtype.is_floating_point and not (math.isinf(lo) or lo == int(lo)) or (
            not x._dtype.is_floating_point and not (math.isinf(hi) or hi == int(hi))):
        raise RuntimeError(f"clamp_: result type float can't be cast to the desired output type {x._dtype.name}")
    return _inplace(CLAMP, x, lo, hi)


register_methods(
    __neg__=neg, __abs__=abs, neg=neg, negative=neg, abs=abs, absolute=abs, sign=sign,
    square=square, exp=exp, log=log, log1p=log1p, expm1=expm1, sqrt=sqrt, rsqrt=rsqrt,
    reciprocal=reciprocal, sin=sin, cos=cos, clamp=clamp, clip=clamp,
    neg_=neg_, abs_=abs_, exp_=exp_, log_=log_, sqrt_=sqrt_, clamp_=clamp_, clip_=clamp_,
    sign_=lambda self: _inplace(SIGN, self), square_=lambda self: _inplace(SQUARE, self),
    log1p_=lambda self: _inplace(LOG1P, self), expm1_=lambda self: _inplace(EXPM1, self),
    rsqrt_=lambda self: _inplace(RSQRT, self), reciprocal_=lambda self: _inplace(RECIPROCAL, self),
    sin_=lambda self: _inplace(SIN, self), cos_=lambda self: _inplace(COS, self),
)
