"""Data types and PyTorch's type-promotion rules for the cases pydeepgen supports.

The integer ``code`` of each dtype is the C++ ``pdg::DType`` value (csrc/core/dtype.h).
"""

import builtins

import numpy as np


class dtype:
    """A tensor element type (``pdg.float32`` ...)."""

    __slots__ = ("name", "code", "itemsize", "numpy", "is_floating_point", "category")

    def __init__(self, name, code, itemsize, np_type, category):
        self.name = name
        self.code = code
        self.itemsize = itemsize
        self.numpy = np.dtype(np_type)
        self.is_floating_point = category == 2
        self.category = category  # 0 bool, 1 integer, 2 floating

    def __repr__(self):
        return f"pydeepgen.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float32 = dtype("float32", 0, 4, np.float32, 2)
float64 = dtype("float64", 1, 8, np.float64, 2)
int64 = dtype("int64", 2, 8, np.int64, 1)
uint8 = dtype("uint8", 3, 1, np.uint8, 1)
bool_ = dtype("bool", 4, 1, np.bool_, 0)

float = float32  # noqa: A001  (torch.float)
double = float64
long = int64

ALL = (float32, float64, int64, uint8, bool_)
BY_CODE = {d.code: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"float": float32, "double": float64, "long": int64, "bool_": bool_})


def _by_name(name):
    return _BY_NAME[name]


def _default_float():
    return float32


def from_numpy_dtype(np_dtype):
    """The pdg dtype of a NumPy dtype, or None when there is no equivalent."""
    np_dtype = np.dtype(np_dtype)
    for d in ALL:
        if d.numpy == np_dtype:
            return d
    return None


def as_dtype(x, op=None):
    """Accepts a pdg dtype, a NumPy dtype/type, or a name such as 'float32'; ``op`` names
    the caller in the error."""
    if isinstance(x, dtype):
        return x
    who = f"{op}: " if op else ""
    if isinstance(x, str):
        if x in _BY_NAME:
            return _BY_NAME[x]
        raise TypeError(f"{who}unknown dtype {x!r} (supported: float32, float64, int64, uint8, bool)")
    if x is bool:
        return bool_
    if x is int:
        return int64
    if x is builtins.float:
        return float32
    try:
        d = from_numpy_dtype(x)
    except TypeError:
        d = None
    if d is None:
        raise TypeError(f"{who}unsupported dtype {x!r} (supported: float32, float64, int64, uint8, bool)")
    return d


_PROMOTE = {}
for _a in ALL:
    for _b in ALL:
        if _a is _b:
            r = _a
        elif _a.category != _b.category:
            r = _a if _a.category > _b.category else _b
        elif _a.category == 2:
            r = float64
        else:  # uint8 with int64
            r = int64
        _PROMOTE[(_a, _b)] = r


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` convert to safely (PyTorch's table)."""
    return _PROMOTE[(a, b)]


def scalar_result(t_dtype, value):
    """dtype of (tensor of t_dtype) op (Python scalar ``value``), as PyTorch does it."""
    if isinstance(value, bool):
        return t_dtype
    if isinstance(value, int):
        return int64 if t_dtype is bool_ else t_dtype
    # Python float
    return t_dtype if t_dtype.category == 2 else _default_float()


# The values an integer dtype accepts as a fill, as PyTorch's c10::overflows checks
# them: uint8 takes -255..255, a negative value wrapping (-1 -> 255).
_INT_RANGE = {"int64": (-(1 << 63), (1 << 63) - 1), "uint8": (-255, 255)}
# Integers up to 2**53 are exact in the double the C++ fill kernels take.
_EXACT_IN_DOUBLE = 1 << 53


def check_scalar(op, value, dt, operand=False):
    """``value`` checked as a fill of dtype ``dt`` (``operand``: as the Python-number
    operand of a binary op); returns it as an int or float.

    A non-number is a TypeError. For an integer dtype, NaN or infinity is a RuntimeError;
    so is a fill out of the dtype's range (PyTorch: "value cannot be converted ... without
    overflow"), and an operand that does not fit int64 is an OverflowError, where a uint8
    operand wraps modulo 256 as in PyTorch. Nothing is silently saturated."""
    import numbers

    if isinstance(value, (bool, np.bool_)):
        return builtins.bool(value)
    if not isinstance(value, numbers.Number) or isinstance(value, complex):
        raise TypeError(f"{op}: expected a real number, got {type(value).__name__} ({value!r})")
    if dt.name in _INT_RANGE:
        if isinstance(value, numbers.Integral):
            v = int(value)
        else:
            f = builtins.float(value)
            if f != f or f in (builtins.float("inf"), builtins.float("-inf")):
                raise RuntimeError(f"{op}: value {f} cannot be converted to type {dt.name} without overflow")
            v = int(f)  # truncation toward zero, as a C++ cast (and PyTorch) does
        lo, hi = _INT_RANGE["int64" if operand else dt.name]
        if not lo <= v <= hi:
            if operand:
                raise OverflowError(f"{op}: the Python int {value!r:.40} does not fit int64")
            raise RuntimeError(f"{op}: value {value!r:.40} cannot be converted to type {dt.name} without overflow")
        return v % 256 if dt is uint8 else v
    if isinstance(value, numbers.Integral):
        try:
            return builtins.float(value)
        except OverflowError:
            raise OverflowError(f"{op}: the Python int {value!r:.40} is too large for {dt.name}") from None
    return builtins.float(value)


def exact_in_double(v):
    """True when the C++ double fill reproduces ``v`` exactly (floats, small ints)."""
    return not isinstance(v, int) or -_EXACT_IN_DOUBLE <= v <= _EXACT_IN_DOUBLE
