"""Tensor creation: from Python data and NumPy, constant fills, ranges and random draws."""

import math
import numbers

import numpy as np

from .. import _C
from .. import _dtype as D
from .._args import int_arg
from .._tensor import Tensor, _check_device, _size_tuple
from .elementwise import fill_strided

_NP_TO_PDG_COPY = {"f": D.float32, "i": D.int64, "u": D.int64, "b": D.bool_}


def _shape_arg(op, size):
    shape = _size_tuple(op, size)
    n = math.prod(shape)
    if n > (1 << 50):
        raise MemoryError(f"{op}(): size {shape} needs {n} elements, more than this machine can hold")
    return shape


def _finish(t, requires_grad, device=None, op=None):
    _check_device(device)
    if requires_grad:
        if not t._dtype.is_floating_point:
            raise RuntimeError(f"{op or 'creation'}(): only tensors of floating point dtype can require "
                               f"gradients, got {t._dtype.name}")
        t.requires_grad_(True)
    return t


def _dtype_arg(op, dtype, default=D.float32):
    return default if dtype is None else D.as_dtype(dtype, op + "()")


def from_numpy(a):
    """A tensor sharing memory with the NumPy array ``a`` (no copy)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"from_numpy(): expected a numpy.ndarray, got {type(a).__name__}")
    dt = D.from_numpy_dtype(a.dtype)
    if dt is None:
        raise TypeError(
            f"from_numpy(): NumPy dtype {a.dtype} is not supported (float32, float64, int64, uint8, bool)"
        )
    if any(s < 0 or s % a.itemsize for s in a.strides):
        a = np.ascontiguousarray(a)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    buf, strides = _C.from_numpy(a)
    return Tensor._make(buf, tuple(a.shape), dt, tuple(strides), 0)


def _to_array(data, op):
    if isinstance(data, Tensor):
        return data.detach().numpy()
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        data = [x.detach().numpy() if isinstance(x, Tensor) else x for x in data]
    try:
        a = np.asarray(data)
    except ValueError as e:
        raise ValueError(f"{op}(): ragged nested sequence, every sub-list must have the same length ({e})") from None
    if a.dtype == object:
        raise ValueError(f"{op}(): could not build a tensor from {type(data).__name__}: ragged or mixed data")
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{op}: cannot make a tensor from data of type {a.dtype} (expected numbers or bools)")
    return a


def tensor_for(op, data, dtype):
    """``data`` (a number, nested list or array) as a tensor of ``dtype`` for ``op``
    (copy_, __setitem__): a string or other non-number is a TypeError naming ``op``."""
    a = _to_array(data, op)
    out = Tensor._empty(tuple(a.shape), dtype)
    if out.numel():
        if a.dtype.kind == "f" and dtype.category < 2 and not np.all(np.isfinite(a)):
            raise RuntimeError(f"{op}: cannot convert NaN or infinity to {dtype.name}")
        out.numpy()[...] = a
    return out


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (nested lists, scalars, NumPy arrays)."""
    _check_device(device)
    a = _to_array(data, "tensor()")
    if dtype is not None:
        dt = D.as_dtype(dtype, "tensor()")
    elif isinstance(data, np.ndarray) or isinstance(data, np.generic) or isinstance(data, Tensor):
        dt = D.from_numpy_dtype(a.dtype) or _NP_TO_PDG_COPY[a.dtype.kind]
        if a.dtype.kind == "f" and a.dtype.itemsize < 4:
            dt = D.float32
    else:
        dt = _NP_TO_PDG_COPY[a.dtype.kind]
    if a.dtype.kind == "f" and dt.category < 2 and not np.all(np.isfinite(a)):
        raise ValueError("tensor(): cannot convert NaN or infinity to an integer dtype")
    out = Tensor._empty(tuple(a.shape), dt)
    if out.numel():
        out.numpy()[...] = a
    return _finish(out, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array / Tensor when it can."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and D.from_numpy_dtype(data.dtype) is not None:
        t = from_numpy(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    shape = _shape_arg("empty", size)
    return _finish(Tensor._empty(shape, _dtype_arg("empty", dtype)), requires_grad, device, "empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False, _op=None):
    shape = _shape_arg("full", (size,) if isinstance(size, (list, tuple)) else (size,))
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = D.bool_
        elif isinstance(fill_value, numbers.Integral):
            dtype = D.int64
        else:
            dtype = D.float32
    dt = D.as_dtype(dtype, (_op or "full") + "()")
    value = D.check_scalar("full()", fill_value, dt)
    t = Tensor._empty(shape, dt, "full")
    fill_strided(t, value, "full()")
    return _finish(t, requires_grad, device, _op or "full")


def zeros(*size, dtype=None, device=None, requires_grad=False):
    shape = _shape_arg("zeros", size)
    return full(shape, 0, dtype=dtype or D.float32, device=device, requires_grad=requires_grad, _op="zeros")


def ones(*size, dtype=None, device=None, requires_grad=False):
    shape = _shape_arg("ones", size)
    return full(shape, 1, dtype=dtype or D.float32, device=device, requires_grad=requires_grad, _op="ones")


def _like_dtype(t, dtype, op="like"):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(t).__name__}")
    return D.as_dtype(dtype, op + "()") if dtype is not None else t.dtype


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    dt = _like_dtype(t, dtype, "zeros_like")
    return full(t.shape, 0, dtype=dt, device=device, requires_grad=requires_grad, _op="zeros_like")


def ones_like(t, dtype=None, device=None, requires_grad=False):
    dt = _like_dtype(t, dtype, "ones_like")
    return full(t.shape, 1, dtype=dt, device=device, requires_grad=requires_grad, _op="ones_like")


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    dt = _like_dtype(t, dtype, "full_like")
    return full(t.shape, fill_value, dtype=dt, device=device, requires_grad=requires_grad, _op="full_like")


def empty_like(t, dtype=None, device=None, requires_grad=False):
    dt = _like_dtype(t, dtype, "empty_like")
    return _finish(Tensor._empty(t.shape, dt), requires_grad, device, "empty_like")


def _real(op, name, v):
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise ValueError(f"{op}(): {name} must be a number or a one-element tensor, got shape {v.shape}")
        v = v.item()
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
        raise TypeError(f"{op}(): {name} must be a real number, got {type(v).__name__} ({v!r})")
    return v


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [_real("arange", k, v) for k, v in zip(("start", "end", "step"), (start, end, step))]
    start, end, step = vals
    if not all(math.isfinite(v) for v in vals):
        raise ValueError(f"arange(): start, end and step must be finite, got {start}, {end}, {step}")
    if step == 0:
        raise ValueError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange(): upper bound and step have inconsistent signs (start={start}, end={end}, step={step})")
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, (int, np.integer)) for v in vals) else D.float32
    dt = D.as_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    _shape_arg("arange", (n,))
    if dt.category < 2:  # the ends must fit the integer dtype
        D.check_scalar("arange()", start, dt)
        D.check_scalar("arange()", start + (n - 1) * step if n else start, dt)
    a = start + np.arange(n, dtype=np.float64) * step if dt.category == 2 else start + np.arange(n, dtype=np.int64) * step
    return _finish(tensor(a, dtype=dt), requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    steps = int_arg("linspace()", "steps", steps, 0)
    _shape_arg("linspace", (steps,))
    start, end = _real("linspace", "start", start), _real("linspace", "end", end)
    a = np.linspace(start, end, steps, dtype=np.float64)
    return _finish(tensor(a, dtype=dtype or D.float32), requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    n = int_arg("eye()", "n", n)
    m = n if m is None else int_arg("eye()", "m", m)
    t = full(_shape_arg("eye", (n, m)), 0, dtype=dtype or D.float32)
    k = min(n, m)
    if k:
        _C.fill_strided(t._buf, [k], [m + 1], 0, 1.0)
    return _finish(t, requires_grad, device)


# -- random ---------------------------------------------------------------------------

def _gen(generator):
    from ..random import default_generator

    g = generator if generator is not None else default_generator
    return g._c


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    shape = _shape_arg("rand", size)
    t = Tensor._empty(shape, _float_dtype("rand", dtype))
    _C.uniform_fill(t._buf, 0.0, 1.0, _gen(generator))
    return _finish(t, requires_grad, device, "rand")


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    shape = _shape_arg("randn", size)
    t = Tensor._empty(shape, _float_dtype("randn", dtype))
    _C.normal_fill(t._buf, 0.0, 1.0, _gen(generator))
    return _finish(t, requires_grad, device, "randn")


def _float_dtype(op, dtype):
    dt = _dtype_arg(op, dtype)
    if not dt.is_floating_point:
        raise TypeError(f"{op}(): random floats need a floating point dtype, got {dt.name}")
    return dt


def rand_like(t, dtype=None, generator=None):
    return rand(t.shape, dtype=_like_dtype(t, dtype, "rand_like"), generator=generator)


def randn_like(t, dtype=None, generator=None):
    return randn(t.shape, dtype=_like_dtype(t, dtype, "randn_like"), generator=generator)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None):
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint(): missing required argument 'size'")
    shape = _shape_arg("randint", (size,) if isinstance(size, (list, tuple)) else (size,))
    low = int_arg("randint()", "low", low, minimum=-(1 << 63))
    high = int_arg("randint()", "high", high, minimum=-(1 << 63))
    if high > (1 << 63) - 1:
        raise OverflowError(f"randint(): high {high} does not fit int64")
    if low >= high:
        raise ValueError(f"randint(): expects low < high, got low={low}, high={high}")
    t = Tensor._empty(shape, _dtype_arg("randint", dtype, D.int64))
    if t.numel():
        _C.randint_fill(t._buf, low, high, _gen(generator))
    _check_device(device)
    return t


def randperm(n, generator=None, dtype=None, device=None):
    n = int_arg("randperm()", "n", n)
    t = Tensor._empty(_shape_arg("randperm", (n,)), D.int64, "randperm")
    _C.randperm_fill(t._buf, _gen(generator))
    return t if dtype is None else t.to(dtype)


def normal(mean=0.0, std=1.0, size=None, generator=None, dtype=None):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean if isinstance(mean, Tensor) else None
        s = std if isinstance(std, Tensor) else None
        shape = (m if m is not None else s).shape
        z = randn(shape, generator=generator, dtype=(m if m is not None else s).dtype)
        return z * std + mean
    if size is None:
        raise TypeError("normal(): give a size when mean and std are numbers")
    shape = _shape_arg("normal", (size,) if isinstance(size, (list, tuple)) else (size,))
    t = Tensor._empty(shape, D.as_dtype(dtype) if dtype else D.float32)
    _C.normal_fill(t._buf, float(mean), float(std), _gen(generator))
    return t


def bernoulli_mask(shape, p, dtype, generator=None):
    """Tensor of 1 (probability p) and 0; used by dropout."""
    t = Tensor._empty(tuple(shape), dtype)
    _C.bernoulli_fill(t._buf, float(p), _gen(generator))
    return t
