"""Attach the core ops to ``Tensor`` as methods and operators.

Each ops module owns its functions; this file only wires the Tensor API for the core
families (elementwise binary, shape, reduce, linalg, creation). Other op families
(unary/activations, losses, indexing, ...) attach their methods in their own module
with ``register_methods``.
"""

from ._tensor import Tensor
from .ops import creation as C
from .ops import elementwise as E
from .ops import linalg as L
from .ops import reduce as R
from .ops import shape as S


def register_methods(**methods):
    for name, fn in methods.items():
        setattr(Tensor, name, fn)


def _r(op):
    return lambda self, other: E.binary(op, other, self)


register_methods(
    # arithmetic operators
    __add__=lambda self, other: E.binary(E.ADD, self, other),
    __radd__=_r(E.ADD),
    __sub__=lambda self, other: E.binary(E.SUB, self, other),
    __rsub__=_r(E.SUB),
    __mul__=lambda self, other: E.binary(E.MUL, self, other),
    __rmul__=_r(E.MUL),
    __truediv__=lambda self, other: E.binary(E.DIV, self, other),
    __rtruediv__=_r(E.DIV),
    __floordiv__=lambda self, other: E.binary(E.FLOOR_DIVIDE, self, other),
    __rfloordiv__=_r(E.FLOOR_DIVIDE),
    __mod__=lambda self, other: E.binary(E.REMAINDER, self, other),
    __rmod__=_r(E.REMAINDER),
    __rand__=_r(E.LOGICAL_AND),
    __ror__=_r(E.LOGICAL_OR),
    __rxor__=_r(E.LOGICAL_XOR),
    __pos__=lambda self: self,
    __pow__=lambda self, other: E.binary(E.POW, self, other),
    __rpow__=_r(E.POW),
    __matmul__=lambda self, other: L.matmul(self, other),
    __rmatmul__=lambda self, other: L.matmul(other, self),
    __eq__=lambda self, other: E.binary(E.EQ, self, other) if isinstance(other, (Tensor, int, float, bool)) else NotImplemented,
    __ne__=lambda self, other: E.binary(E.NE, self, other) if isinstance(other, (Tensor, int, float, bool)) else NotImplemented,
    __lt__=lambda self, other: E.binary(E.LT, self, other),
    __le__=lambda self, other: E.binary(E.LE, self, other),
    __gt__=lambda self, other: E.binary(E.GT, self, other),
    __ge__=lambda self, other: E.binary(E.GE, self, other),
    __and__=lambda self, other: E.binary(E.LOGICAL_AND, self, other),
    __or__=lambda self, other: E.binary(E.LOGICAL_OR, self, other),
    __xor__=lambda self, other: E.binary(E.LOGICAL_XOR, self, other),
    __invert__=lambda self: E.logical_not(self),
    __iadd__=lambda self, other: E.binary_(E.ADD, self, other),
    __isub__=lambda self, other: E.binary_(E.SUB, self, other),
    __imul__=lambda self, other: E.binary_(E.MUL, self, other),
    __itruediv__=lambda self, other: E.binary_(E.DIV, self, other),
    __getitem__=S.getitem,
    __setitem__=S.setitem,
    # named arithmetic
    add=E.add, sub=E.sub, mul=E.mul, div=E.div, pow=E.pow, maximum=E.maximum, minimum=E.minimum,
    eq=E.eq, ne=E.ne, lt=E.lt, le=E.le, gt=E.gt, ge=E.ge, floor_divide=E.floor_divide,
    remainder=E.remainder, logical_and=E.logical_and, logical_or=E.logical_or,
    logical_xor=E.logical_xor, logical_not=E.logical_not,
    true_divide=E.div, multiply=E.mul, subtract=E.sub, divide=E.div,
    add_=lambda self, other, alpha=1: E.binary_(E.ADD, self, other if alpha == 1 else other * alpha),
    sub_=lambda self, other, alpha=1: E.binary_(E.SUB, self, other if alpha == 1 else other * alpha),
    mul_=lambda self, other: E.binary_(E.MUL, self, other),
    div_=lambda self, other: E.binary_(E.DIV, self, other),
    pow_=lambda self, other: E.binary_(E.POW, self, other),
    # shape and copies
    reshape=S.reshape, view=S.view, flatten=S.flatten, unflatten=S.unflatten, squeeze=S.squeeze,
    unsqueeze=S.unsqueeze, permute=S.permute, transpose=S.transpose, t=S.t_, expand=S.expand,
    expand_as=S.expand_as, broadcast_to=S.broadcast_to, contiguous=S.contiguous, clone=S.clone,
    to=S.to, copy_=S.copy_, fill_=S.fill_, zero_=S.zero_, split=S.split, chunk=S.chunk,
    unbind=S.unbind, narrow=S.narrow, select=S.select,
    view_as=lambda self, other: S.view(self, other.shape),
    reshape_as=lambda self, other: S.reshape(self, other.shape),
    float=lambda self: S.to_dtype(self, "float32"),
    double=lambda self: S.to_dtype(self, "float64"),
    long=lambda self: S.to_dtype(self, "int64"),
    int=lambda self: S.to_dtype(self, "int64"),
    bool=lambda self: S.to_dtype(self, "bool"),
    byte=lambda self: S.to_dtype(self, "uint8"),
    type_as=lambda self, other: S.to_dtype(self, other.dtype),
    cpu=lambda self: self,
    # reductions
    sum=R.sum, mean=R.mean, prod=R.prod, max=R.max, min=R.min, amax=R.amax, amin=R.amin,
    argmax=R.argmax, argmin=R.argmin, logsumexp=R.logsumexp, var=R.var, std=R.std,
    all=R.all, any=R.any, count_nonzero=R.count_nonzero,
    # linear algebra
    matmul=L.matmul, mm=L.mm, bmm=L.bmm, dot=L.dot, outer=L.outer,
    # random in-place fills
    normal_=lambda self, mean=0.0, std=1.0, generator=None: _fill_random(self, "normal", mean, std, generator),
    uniform_=lambda self, a=0.0, b=1.0, generator=None: _fill_random(self, "uniform", a, b, generator),
    new_zeros=lambda self, *size, dtype=None: C.zeros(*size, dtype=dtype or self.dtype),
    new_ones=lambda self, *size, dtype=None: C.ones(*size, dtype=dtype or self.dtype),
    new_full=lambda self, size, value, dtype=None: C.full(size, value, dtype=dtype or self.dtype),
    new_empty=lambda self, *size, dtype=None: C.empty(*size, dtype=dtype or self.dtype),
    new_tensor=lambda self, data, dtype=None: C.tensor(data, dtype=dtype or self.dtype),
)
Tensor.T = property(lambda self: S.permute(self, tuple(reversed(range(self.ndim)))))
Tensor.mT = property(S.mT)
Tensor.data = property(lambda self: self.detach(), lambda self, v: _set_data(self, v))


def _set_data(self, value):
    self._buf, self._shape, self._strides, self._offset, self._dtype = (
        value._buf, value._shape, value._strides, value._offset, value._dtype)


def _fill_random(self, kind, a, b, generator):
    from . import _C
    from .ops.creation import _gen

    E.check_inplace(self, kind + "_")
    target = self if self.is_contiguous() else C.empty(self.shape, dtype=self.dtype)
    if kind == "normal":
        _C.normal_fill(target._kbuf(), float(a), float(b), _gen(generator))
    else:
        _C.uniform_fill(target._kbuf(), float(a), float(b), _gen(generator))
    if target is not self:
        S._copy_into(self, target)
    self._buf.bump_version()
    return self
