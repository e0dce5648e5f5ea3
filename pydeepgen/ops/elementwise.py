"""Broadcasting binary ops (+ - * / ** maximum minimum, comparisons, logical) and the
machinery in-place ops share. Kernels: csrc/cpu/binary.cpp."""

import math
import builtins
import numbers

from .. import _C
from .. import _dtype as D
from .._tensor import Tensor, contiguous_strides
from ..autograd.function import Function
from ..autograd import grad_mode

_state = grad_mode.state

ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM = range(7)
EQ, NE, LT, LE, GT, GE = range(7, 13)
LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR = range(13, 16)
FLOOR_DIVIDE, REMAINDER = 16, 17
_NAMES = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le",
          "gt", "ge", "logical_and", "logical_or", "logical_xor", "floor_divide", "remainder"]
_BOOL_RESULT = set(range(EQ, LOGICAL_XOR + 1))
_EXACT = 1 << 53  # ints this small are exact in a double


# -- broadcasting ------------------------------------------------------------------------

def broadcast_shapes(*shapes, op="broadcast"):
    if len(shapes) == 2 and shapes[0] == shapes[1]:
        return tuple(shapes[0])
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, ndim - len(s)):
            if n == out[i] or n == 1:
                continue
            if out[i] == 1:
                out[i] = n
            else:
                raise ValueError(
                    f"{op}: shapes {' and '.join(str(tuple(x)) for x in shapes)} cannot be broadcast together"
                )
    return tuple(out)


def broadcast_strides(t, shape):
    """t's element strides over the broadcast ``shape`` (0 on broadcast dims)."""
    lead = len(shape) - len(t._shape)
    st = [0] * lead
    for n_t, s_t in zip(t._shape, t._strides):
        st.append(s_t if n_t != 1 else 0)
    return st


def sum_to(g, shape):
    """Sum a broadcast gradient back down to ``shape``."""
    if g._shape == shape:
        return g
    lead = len(g._shape) - len(shape)
    dims = list(range(lead))
    for i, n in enumerate(shape):
        if n == 1 and g._shape[lead + i] != 1:
            dims.append(lead + i)
    from .reduce import sum as _sum

    r = _sum(g, dim=tuple(dims), keepdim=False) if dims else g
    return r.reshape(shape)


# -- scalars and dtypes ----------------------------------------------------------------

def scalar_tensor(value, dtype, op="scalar", operand=False):
    """A 0-d tensor holding ``value`` (checked for ``dtype``: see D.check_scalar)."""
    if dtype.category == 2 and (type(value) is float or type(value) is int and -_EXACT <= value <= _EXACT):
        return Tensor._make(_C.full(1, float(value), dtype.code), (), dtype)  # common: nothing to check
    v = D.check_scalar(op, value, dtype, operand)  # int dtypes: no NaN, no silent overflow
    if D.exact_in_double(v):
        return Tensor._make(_C.full(1, float(v), dtype.code), (), dtype)
    t = Tensor._empty((), dtype)
    t.numpy()[()] = v  # an int64 beyond 2**53 is not exact in the kernel's double
    return t


def fill_strided(t, value, op):
    """Write the constant ``value`` into every element of ``t`` (any strides)."""
    if not (t._dtype.category == 2 and type(value) is float):
        value = D.check_scalar(op, value, t._dtype)
    if not t.numel():
        return
    if D.exact_in_double(value):
        _C.fill_strided(t._buf, list(t._shape), list(t._strides), t._offset, float(value))
    else:  # an int64 beyond 2**53: the kernel's double would round it
        t.numpy(force=True)[...] = value


def _operands(a, b, op):
    """Both operands as tensors of one dtype; returns (a, b, result dtype)."""
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            if a._dtype is b._dtype:
                return a, b, a._dtype
            dt = _result_type_tt(a, b)
            return _cast(a, dt), _cast(b, dt), dt
        if not isinstance(a, (numbers.Number,)):
            raise TypeError(f"{op}: unsupported operand type {type(a).__name__}")
        dt = D.scalar_result(b._dtype, a)
        return scalar_tensor(a, dt, op, operand=True), _cast(b, dt), dt
    if not isinstance(b, numbers.Number) or isinstance(b, complex):
        raise TypeError(f"{op}: unsupported operand type {type(b).__name__} (expected a Tensor or a number)")
    dt = D.scalar_result(a._dtype, b)
    return _cast(a, dt), scalar_tensor(b, dt, op, operand=True), dt


def _result_type_tt(a, b):
    da, db = a._dtype, b._dtype
    za, zb = len(a._shape) == 0, len(b._shape) == 0
    if za != zb:  # a 0-d tensor only matters when its category is higher
        dim_t, zero_t = (b, a) if za else (a, b)
        if zero_t._dtype.category > dim_t._dtype.category:
            return zero_t._dtype
        return dim_t._dtype
    return D.promote_types(da, db)


def _cast(t, dt):
    return t if t._dtype is dt else t.to(dt)


# -- the op ------------------------------------------------------------------------------

def _forward(op, a, b, out_dtype):
    if a._shape == b._shape:
        shape = a._shape
        sa, sb = list(a._strides), list(b._strides)
    else:
        shape = broadcast_shapes(a._shape, b._shape, op=_NAMES[op])
        sa, sb = broadcast_strides(a, shape), broadcast_strides(b, shape)
    out = Tensor._make(_C.empty(math.prod(shape), out_dtype.code), shape, out_dtype)
    _C.binary_forward(op, out._buf, a._buf, b._buf, list(shape), sa, a._offset, sb, b._offset)
    return out


class Binary(Function):
    @staticmethod
    def forward(ctx, a, b, op):
        out = _forward(op, a, b, a._dtype)
        ctx.op = op
        if op in (ADD, SUB):
            ctx.shapes = (a._shape, b._shape)
        elif op == POW:
            ctx.save_for_backward(a, b, out)
        else:  # only pow's gradient reads the output; saving it would block in-place use
            ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, g):
        op = ctx.op
        need_a, need_b = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        if op in (ADD, SUB):
            sa, sb = ctx.shapes
            da = sum_to(g, sa) if need_a else None
            db = None
            if need_b:
                db = sum_to(g, sb)
                if op == SUB:
                    db = db * -1.0
            return da, db, None
        saved = ctx.saved_tensors
        a, b = saved[0], saved[1]
        g = g.contiguous()
        out = saved[2] if op == POW else g  # the kernel reads `out` for pow only
        shape = g._shape
        da = Tensor._empty(shape, a._dtype) if need_a else None
        db = Tensor._empty(shape, a._dtype) if need_b else None
        _C.binary_backward(op, da._buf if da is not None else None, db._buf if db is not None else None,
                           g._kbuf(), a._buf, b._buf, out._kbuf(), list(shape),
                           broadcast_strides(a, shape), a._offset, broadcast_strides(b, shape), b._offset)
        return (sum_to(da, a._shape) if need_a else None,
                sum_to(db, b._shape) if need_b else None, None)


def binary(op, a, b):
    """a (op) b for tensors and Python numbers, with broadcasting and type promotion."""
    if (type(a) is Tensor and type(b) is Tensor and a._dtype is b._dtype
            and not (_state.enabled and (a._requires_grad or b._requires_grad))
            and op not in _BOOL_RESULT and op != DIV and a._dtype is not D.bool_):
        # fast path: no promotion, no graph; one C++ call when both are contiguous
        shape = a._shape
        if shape == b._shape and a._strides == b._strides == contiguous_strides(shape):
            return Tensor._make(_C.binary_contiguous(op, a._buf, a._offset, b._buf, b._offset,
                                                     math.prod(shape)), shape, a._dtype)
        return _forward(op, a, b, a._dtype)
    if not isinstance(a, Tensor):
        a, b, dt = _operands(b, a, _NAMES[op])
        a, b = b, a
    else:
        a, b, dt = _operands(a, b, _NAMES[op])
    if op in _BOOL_RESULT:
        return _forward(op, a, b, D.bool_)
    if op == DIV and dt.category < 2:
        a, b = a.to(D.float32), b.to(D.float32)
    if op in (FLOOR_DIVIDE, REMAINDER):
        return _forward(op, a, b, a._dtype)
    if dt is D.bool_ and op in (ADD, MUL, MAXIMUM, MINIMUM):  # PyTorch: + and max are or; * and min are and
        return _forward(LOGICAL_OR if op in (ADD, MAXIMUM) else LOGICAL_AND, a, b, D.bool_)
    if dt is D.bool_ and op == SUB:
        raise TypeError("sub: subtraction of two bool tensors is not supported; use ^ or logical_xor() instead")
    if dt is D.bool_ and op == POW:
        raise TypeError("pow: not implemented for bool tensors; convert with .long() or .float()")
    return Binary.apply(a, b, op)


def add(a, b, alpha=1):
    return binary(ADD, a, b if alpha == 1 else b * alpha)


def sub(a, b, alpha=1):
    return binary(SUB, a, b if alpha == 1 else b * alpha)


def mul(a, b):
    return binary(MUL, a, b)


def div(a, b, rounding_mode=None):
    if rounding_mode == "floor":
        return binary(FLOOR_DIVIDE, a, b)
    if rounding_mode is not None:
        raise ValueError(f"div(): rounding_mode must be None or 'floor', got {rounding_mode!r}")
    return binary(DIV, a, b)


def pow(a, b):  # noqa: A001
    return binary(POW, a, b)


def maximum(a, b):
    return binary(MAXIMUM, a, b)


def minimum(a, b):
    return binary(MINIMUM, a, b)


def eq(a, b): return binary(EQ, a, b)
def ne(a, b): return binary(NE, a, b)
def lt(a, b): return binary(LT, a, b)
def le(a, b): return binary(LE, a, b)
def gt(a, b): return binary(GT, a, b)
def ge(a, b): return binary(GE, a, b)
def logical_and(a, b): return binary(LOGICAL_AND, a, b)
def logical_or(a, b): return binary(LOGICAL_OR, a, b)
def logical_xor(a, b): return binary(LOGICAL_XOR, a, b)
def floor_divide(a, b): return binary(FLOOR_DIVIDE, a, b)
def remainder(a, b): return binary(REMAINDER, a, b)


def logical_not(a):
    return binary(EQ, a, scalar_tensor(0, a._dtype)) if a._dtype is not D.bool_ else binary(EQ, a, False)


# -- in-place machinery -----------------------------------------------------------------

def check_internal_overlap(self, op):
    """Refuse writes into a tensor whose elements share memory (a stride-0 dim, as left by
    expand): each memory location would be written several times, one write winning."""
    if 0 in self._strides and builtins.any(n > 1 and st == 0 for n, st in zip(self._shape, self._strides)):
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor "
            f"(shape {tuple(self._shape)}, strides {tuple(self._strides)}) refers to a single memory "
            "location; clone() the tensor before writing to it"
        )


def check_inplace(self, op, constant=False):
    """Raise for in-place writes that would be wrong or that autograd cannot handle; True if
    a graph must be recorded. ``constant``: every element gets the same value (fill_), which
    is well defined even when elements share memory."""
    if not constant:
        check_internal_overlap(self, op)
    if not _state.enabled:
        return False
    if self._requires_grad and self._grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad is being used in an in-place operation; "
            "wrap it in pdg.no_grad() (e.g. for parameter updates)"
        )
    if self._base is not None and (self._base._requires_grad or self._requires_grad):
        raise RuntimeError(f"{op}: in-place operations on views of tensors that require grad are not supported")
    return self._requires_grad


def assign_result(self, result, op):
    """Write ``result`` into self's memory (an in-place op), rebasing self's graph node."""
    if result._shape != self._shape:
        raise RuntimeError(
            f"{op}: the result of shape {tuple(result._shape)} doesn't match the in-place tensor's shape {tuple(self._shape)}"
        )
    if result._dtype is not self._dtype and D.promote_types(result._dtype, self._dtype) is not self._dtype:
        raise RuntimeError(f"{op}: result type {result._dtype.name} can't be cast to the desired output type {self._dtype.name}")
    _C.copy_strided(self._buf, list(self._shape), list(self._strides), self._offset,
                    result._buf, list(result._strides), result._offset)
    self._buf.bump_version()
    if result._grad_fn is not None:
        self._grad_fn = result._grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = True
    return self


def binary_(op, self, other):
    """self (op)= other."""
    name = _NAMES[op] + "_"
    record = check_inplace(self, name)
    if not record and isinstance(other, Tensor) and other._requires_grad and _state.enabled:
        record = True
    if record:
        return assign_result(self, binary(op, self, other), name)
    if isinstance(other, Tensor):
        rd = _result_type_tt(self, other)
        if D.promote_types(rd, self._dtype) is not self._dtype and rd is not self._dtype:
            raise RuntimeError(f"{name}: result type {rd.name} can't be cast to the desired output type {self._dtype.name}")
        b = _cast(other, self._dtype)
    else:
        if not isinstance(other, numbers.Number):
            raise TypeError(f"{name}: unsupported operand type {type(other).__name__}")
        rd = D.scalar_result(self._dtype, other)
        if rd is not self._dtype:
            raise RuntimeError(f"{name}: result type {rd.name} can't be cast to the desired output type {self._dtype.name}")
        b = scalar_tensor(other, self._dtype, name, operand=True)
    if op == DIV and self._dtype.category < 2:
        raise RuntimeError(f"{name}: result type float can't be cast to the desired output type {self._dtype.name}")
    shape = self._shape
    if b._shape != shape and broadcast_shapes(shape, b._shape, op=name) != shape:
        raise RuntimeError(f"{name}: output with shape {tuple(shape)} doesn't match the broadcast shape {broadcast_shapes(shape, b._shape)}")
    sb = list(b._strides) if b._shape == shape else broadcast_strides(b, shape)
    # a shifted view of self's own memory must not be read while self is written
    overlap = b._buf.same_storage(self._buf) and not (
        b._offset == self._offset and tuple(sb) == tuple(self._strides))
    if self.is_contiguous() and not overlap:
        _C.binary_forward(op, self._kbuf(), self._buf, b._buf, list(shape), list(self._strides),
                          self._offset, sb, b._offset)
    else:
        r = _forward(op, self, b, self._dtype)
        _C.copy_strided(self._buf, list(shape), list(self._strides), self._offset, r._buf, list(r._strides), 0)
    self._buf.bump_version()
    return self
