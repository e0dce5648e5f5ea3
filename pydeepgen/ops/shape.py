"""Views and shape ops (reshape, permute, expand, indexing by ints/slices/None/...),
copies (contiguous, clone, to(dtype)), and cat/stack/split/chunk.

Views share the Buffer and only change (shape, strides, offset); their backward maps the
gradient back to the input's shape. Data moves through one kernel: ``_C.copy_strided``.
"""

import math

import numpy as np

from .. import _C
from .. import _dtype as D
from .._args import int_arg
from .._tensor import Tensor, _size_tuple, _wrap_dim, contiguous_strides
from ..autograd.function import Function
from . import elementwise as ew


def _view(t, shape, strides, offset):
    return Tensor._make(t._buf, tuple(shape), t._dtype, tuple(strides), offset,
                        t._base if t._base is not None else t)


# -- reshape / view ----------------------------------------------------------------------

def _infer_shape(op, shape, numel):
    shape = list(_size_tuple(op, shape, allow_infer=True))
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise ValueError(f"{op}: only one dimension can be inferred (-1), got shape {tuple(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise ValueError(f"{op}: shape {tuple(shape)} is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise ValueError(f"{op}: shape {tuple(shape)} is invalid for input of size {numel}")
    return tuple(shape)


def _view_strides(old_shape, old_strides, new_shape):
    """Strides that view (old_shape, old_strides) as new_shape without a copy, or None."""
    if math.prod(old_shape) == 0 or not old_shape:
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_stride = old_strides[-1]
    tensor_numel = 1
    view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != tensor_numel * chunk_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_stride = old_strides[d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


class _Reshape(Function):
    @staticmethod
    def forward(ctx, t, shape):
        ctx.in_shape = t._shape
        st = t._strides if shape == t._shape else _view_strides(t._shape, t._strides, shape)
        if st is None:
            t = _contiguous_nograd(t)
            st = contiguous_strides(shape)
            return Tensor._make(t._buf, shape, t._dtype, st, t._offset)
        return _view(t, shape, st, t._offset)

    @staticmethod
    def backward(ctx, g):
        return reshape(g, ctx.in_shape), None


def reshape(t, *shape):
    shape = _infer_shape("reshape", shape, t.numel())
    if shape == t._shape and not t._requires_grad:
        return t
    return _Reshape.apply(t, shape)


def view(t, *shape):
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        raise TypeError("view(dtype) is not supported; use .to(dtype)")
    shape = _infer_shape("view", shape, t.numel())
    if _view_strides(t._shape, t._strides, shape) is None:
        raise RuntimeError(
            f"view: size {shape} is not compatible with input tensor's size and stride "
            f"({t._shape}, {t._strides}); use .reshape(...) instead"
        )
    return _Reshape.apply(t, shape)


def flatten(t, start_dim=0, end_dim=-1):
    if t.ndim == 0:
        return reshape(t, 1)
    s = _wrap_dim(start_dim, t.ndim, "flatten")
    e = _wrap_dim(end_dim, t.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = t._shape[:s] + (math.prod(t._shape[s:e + 1]),) + t._shape[e + 1:]
    return reshape(t, shape)


def unflatten(t, dim, sizes):
    d = _wrap_dim(dim, t.ndim, "unflatten")
    sizes = _infer_shape("unflatten", tuple(sizes), t._shape[d])
    return reshape(t, t._shape[:d] + sizes + t._shape[d + 1:])


def squeeze(t, dim=None):
    if dim is None:
        shape = tuple(s for s in t._shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {_wrap_dim(d, t.ndim, "squeeze") for d in dims}
        shape = tuple(s for i, s in enumerate(t._shape) if not (i in dims and s == 1))
    return _Reshape.apply(t, shape) if shape != t._shape or t._requires_grad else t


def unsqueeze(t, dim):
    d = _wrap_dim(dim, t.ndim + 1, "unsqueeze")
    return _Reshape.apply(t, t._shape[:d] + (1,) + t._shape[d:])


# -- permute / transpose --------------------------------------------------------------------

class _Permute(Function):
    @staticmethod
    def forward(ctx, t, dims):
        ctx.dims = dims
        return _view(t, [t._shape[d] for d in dims], [t._strides[d] for d in dims], t._offset)

    @staticmethod
    def backward(ctx, g):
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return permute(g, inv), None


def permute(t, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if len(dims) != t.ndim:
        raise ValueError(f"permute: got {len(dims)} dims {tuple(dims)} for a {t.ndim}-d tensor of shape {t._shape}")
    dims = tuple(_wrap_dim(d, t.ndim, "permute") for d in dims)
    if len(set(dims)) != len(dims):
        raise ValueError(f"permute: repeated dim in {dims}")
    return _Permute.apply(t, dims)


def transpose(t, dim0, dim1):
    n = t.ndim
    if n == 0:
        return t
    a, b = _wrap_dim(dim0, n, "transpose"), _wrap_dim(dim1, n, "transpose")
    dims = list(range(n))
    dims[a], dims[b] = dims[b], dims[a]
    return _Permute.apply(t, tuple(dims))


def t_(t):
    if t.ndim > 2:
        raise ValueError(f"t(): expects a tensor with <= 2 dimensions, got shape {t._shape}")
    return transpose(t, 0, 1) if t.ndim == 2 else t


def mT(t):
    if t.ndim < 2:
        raise ValueError(f"mT: expects at least 2 dimensions, got shape {t._shape}")
    return transpose(t, -2, -1)


# -- expand ----------------------------------------------------------------------------------

class _Expand(Function):
    @staticmethod
    def forward(ctx, t, shape):
        ctx.in_shape = t._shape
        return _view(t, shape, ew.broadcast_strides(t, shape), t._offset)

    @staticmethod
    def backward(ctx, g):
        return ew.sum_to(g, ctx.in_shape), None


def expand(t, *shape):
    shape = list(_size_tuple("expand", shape, allow_infer=True))
    if len(shape) < t.ndim:
        raise ValueError(f"expand: the number of sizes ({len(shape)}) must be >= the tensor's dims ({t.ndim}), shape {t._shape}")
    lead = len(shape) - t.ndim
    for i, s in enumerate(shape):
        if i >= lead and s == -1:
            shape[i] = t._shape[i - lead]
        elif s < 0:
            raise ValueError(f"expand: -1 is not allowed in a leading, non-existing dimension ({tuple(shape)})")
    for i in range(t.ndim):
        if t._shape[i] != 1 and t._shape[i] != shape[lead + i]:
            raise ValueError(f"expand: the expanded size {shape[lead + i]} must match the existing size {t._shape[i]} at dim {i} (shape {t._shape} -> {tuple(shape)})")
    shape = tuple(shape)
    if shape == t._shape:
        return t
    return _Expand.apply(t, shape)


def broadcast_to(t, shape):
    return expand(t, tuple(shape))


def expand_as(t, other):
    return expand(t, other._shape)


def broadcast_tensors(*tensors):
    shape = ew.broadcast_shapes(*(t._shape for t in tensors), op="broadcast_tensors")
    return tuple(expand(t, shape) for t in tensors)


# -- copies --------------------------------------------------------------------------------

def _copy_into(dst, src):
    _C.copy_strided(dst._buf, list(dst._shape), list(dst._strides), dst._offset,
                    src._buf, list(ew.broadcast_strides(src, dst._shape)) if src._shape != dst._shape
                    else list(src._strides), src._offset)


def _contiguous_nograd(t, dtype=None):
    out = Tensor._empty(t._shape, dtype or t._dtype)
    if out.numel():
        _C.copy_strided(out._buf, list(t._shape), list(out._strides), 0, t._buf, list(t._strides), t._offset)
    return out


class _Clone(Function):
    @staticmethod
    def forward(ctx, t):
        return _contiguous_nograd(t)

    @staticmethod
    def backward(ctx, g):
        return g


def clone(t, memory_format=None):
    return _Clone.apply(t)


def contiguous(t, memory_format=None):
    if t.is_contiguous():
        return t
    return _Clone.apply(t)


class _Cast(Function):
    @staticmethod
    def forward(ctx, t, dtype):
        ctx.in_dtype = t._dtype
        return _contiguous_nograd(t, dtype)

    @staticmethod
    def backward(ctx, g):
        return to_dtype(g, ctx.in_dtype), None


def to_dtype(t, dtype, copy=False):
    dtype = D.as_dtype(dtype)
    if dtype is t._dtype and not copy:
        return t
    if t._requires_grad and not dtype.is_floating_point:
        return _contiguous_nograd(t, dtype)  # leaves the graph, as in PyTorch
    return _Cast.apply(t, dtype)


def to(t, *args, **kwargs):
    """``t.to(dtype)``, ``t.to("cpu")``, ``t.to(other)``, ``t.to("cpu", dtype)``."""
    from .._tensor import _check_device, device as _device

    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype = a._dtype
        elif isinstance(a, (str, _device)):
            dev = a
        elif a is not None:
            dtype = a
    _check_device(dev)
    if dtype is None:
        return clone(t) if copy else t
    return to_dtype(t, dtype, copy)


def copy_(self, src):
    """Copy ``src`` (broadcast, cast) into self."""
    if not isinstance(src, Tensor):
        from .creation import tensor_for

        src = tensor_for("copy_", src, self._dtype)
    if src._shape != self._shape:
        ew.broadcast_shapes(self._shape, src._shape, op="copy_")
        if ew.broadcast_shapes(self._shape, src._shape) != self._shape:
            raise ValueError(f"copy_: source of shape {src._shape} cannot be broadcast to {self._shape}")
    if ew.check_inplace(self, "copy_") or (src._requires_grad and ew._state.enabled):
        return ew.assign_result(self, to_dtype(expand(src, self._shape), self._dtype), "copy_")
    if src._buf.same_storage(self._buf):
        src = _contiguous_nograd(src)
    if self.numel():
        _copy_into(self, src)
    self._buf.bump_version()
    return self


def fill_(self, value):
    if isinstance(value, Tensor):
        value = value.item()
    ew.check_inplace(self, "fill_", constant=True)
    ew.fill_strided(self, value, "fill_")
    self._buf.bump_version()
    return self


def zero_(self):
    return fill_(self, 0)


# -- cat / stack / split -----------------------------------------------------------------------

class _Cat(Function):
    @staticmethod
    def forward(ctx, dim, dtype, *tensors):
        ref = tensors[0]
        sizes = [t._shape[dim] for t in tensors]
        shape = list(ref._shape)
        shape[dim] = sum(sizes)
        out = Tensor._empty(tuple(shape), dtype)
        st = out._strides
        off = 0
        for t, n in zip(tensors, sizes):
            if n and t.numel():
                _C.copy_strided(out._buf, list(t._shape), list(st), off * st[dim],
                                t._buf, list(t._strides), t._offset)
            off += n
        ctx.dim, ctx.sizes = dim, sizes
        return out

    @staticmethod
    def backward(ctx, g):
        grads = []
        off = 0
        for n in ctx.sizes:
            grads.append(narrow(g, ctx.dim, off, n))
            off += n
        return (None, None, *grads)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"cat: expected Tensors, got {type(t).__name__}")
    # PyTorch skips legacy 1-d empty tensors of shape (0,)
    nonempty = [t for t in tensors if not (t.ndim == 1 and t._shape[0] == 0)] or tensors[:1]
    ref = nonempty[0]
    if ref.ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated")
    d = _wrap_dim(dim, ref.ndim, "cat")
    for t in nonempty[1:]:
        if t.ndim != ref.ndim or any(a != b for i, (a, b) in enumerate(zip(t._shape, ref._shape)) if i != d):
            raise ValueError(f"cat: sizes of tensors must match except in dimension {d}; got shapes {[tuple(x._shape) for x in nonempty]}")
    dtype = tensors[0]._dtype
    for t in tensors[1:]:  # the skipped empties still take part in type promotion
        dtype = D.promote_types(dtype, t._dtype)
    nonempty = [ew._cast(t, dtype) for t in nonempty]
    return _Cat.apply(d, dtype, *nonempty)


concat = cat
concatenate = cat


def _tensor_list(op, tensors):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a list of Tensors, got {type(t).__name__} in it")
    return tensors


def stack(tensors, dim=0):
    tensors = _tensor_list("stack", tensors)
    shape = tensors[0]._shape
    for t in tensors:
        if t._shape != shape:
            raise ValueError(f"stack: expects each tensor to be equal size, got {[tuple(x._shape) for x in tensors]}")
    d = _wrap_dim(dim, len(shape) + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


def hstack(tensors):
    tensors = _tensor_list("hstack", tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    tensors = _tensor_list("vstack", tensors)
    return cat([t.reshape(1, -1) if t.ndim == 1 else t for t in tensors], 0)


def narrow(t, dim, start, length):
    d = _wrap_dim(dim, t.ndim, "narrow")
    if isinstance(start, Tensor) and start.numel() == 1 and start._dtype.category == 1:
        start = int(start.item())
    start = int_arg("narrow()", "start", start, minimum=-(1 << 63))
    length = int_arg("narrow()", "length", length)
    if start < 0:
        start += t._shape[d]
    if start < 0 or length < 0 or start + length > t._shape[d]:
        raise IndexError(f"narrow: start {start} + length {length} exceeds dimension {d} of size {t._shape[d]}")
    key = [slice(None)] * d + [slice(start, start + length)]
    return getitem(t, tuple(key))


def split(t, split_size_or_sections, dim=0):
    d = _wrap_dim(dim, t.ndim, "split")
    n = t._shape[d]
    if not isinstance(split_size_or_sections, (tuple, list)):
        s = int_arg("split()", "split_size", split_size_or_sections)
        if s <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {s}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = [int_arg("split()", "split_sizes", v) for v in split_size_or_sections]
        if sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} don't sum to dimension {d} of size {n}")
    out, off = [], 0
    for s in sizes:
        out.append(narrow(t, d, off, s))
        off += s
    return tuple(out)


def chunk(t, chunks, dim=0):
    chunks = int_arg("chunk()", "chunks", chunks)
    if chunks <= 0:
        raise ValueError(f"chunk: number of chunks must be positive, got {chunks}")
    d = _wrap_dim(dim, t.ndim, "chunk")
    n = t._shape[d]
    size = -(-n // chunks) if n else 0
    return split(t, size, d) if size else tuple(narrow(t, d, 0, 0) for _ in range(chunks))


def unbind(t, dim=0):
    d = _wrap_dim(dim, t.ndim, "unbind")
    return tuple(select(t, d, i) for i in range(t._shape[d]))


def select(t, dim, index):
    d = _wrap_dim(dim, t.ndim, "select")
    if t.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor")
    i = int_arg("select()", "index", index, minimum=-(1 << 63))
    n = t._shape[d]
    if not -n <= i < n:
        raise IndexError(f"select(): index {i} out of range for tensor of size {tuple(t._shape)} at dimension {d}")
    return getitem(t, (slice(None),) * d + (i,))


# -- basic indexing ----------------------------------------------------------------------------

def _is_advanced(k):
    return isinstance(k, (Tensor, list, np.ndarray)) and not (isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu")


def _basic_view(shape, strides, offset, key):
    """Apply a basic index (ints, slices, None, Ellipsis) to (shape, strides, offset)."""
    if not isinstance(key, tuple):
        key = (key,)
    n_ell = sum(1 for k in key if k is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} (got {n_real})")
    if n_ell:
        i = key.index(Ellipsis)
        key = key[:i] + (slice(None),) * (len(shape) - n_real) + key[i + 1:]
    new_shape, new_strides = [], []
    d = 0
    for k in key:
        if k is None:
            new_shape.append(1)
            new_strides.append(0)
            continue
        if isinstance(k, slice):
            start, stop, step = k.indices(shape[d])
            if k.step is not None and k.step <= 0:
                raise ValueError(f"slice step must be positive, got {k.step}")
            n = max(0, -(-(stop - start) // step))
            offset += start * strides[d] if n else 0
            new_shape.append(n)
            new_strides.append(strides[d] * step)
            d += 1
            continue
        if isinstance(k, bool):
            raise IndexError("boolean scalar indices are not supported")
        try:
            i = int(k.__index__())
        except (AttributeError, TypeError):
            raise IndexError(f"only integers, slices, None, Ellipsis, and integer or boolean tensors are valid indices (got {type(k).__name__})") from None
        if i < -shape[d] or i >= shape[d]:
            raise IndexError(f"index {i} is out of bounds for dimension {d} with size {shape[d]}")
        offset += (i + shape[d] if i < 0 else i) * strides[d]
        d += 1
    new_shape.extend(shape[d:])
    new_strides.extend(strides[d:])
    return tuple(new_shape), tuple(new_strides), offset


class _BasicIndex(Function):
    @staticmethod
    def forward(ctx, t, key):
        ctx.in_shape, ctx.key = t._shape, key
        shape, strides, offset = _basic_view(t._shape, t._strides, t._offset, key)
        return _view(t, shape, strides, offset)

    @staticmethod
    def backward(ctx, g):
        grad = Tensor._empty(ctx.in_shape, g._dtype)
        cs = contiguous_strides(ctx.in_shape)
        _C.fill_strided(grad._buf, list(ctx.in_shape), list(cs), 0, 0.0)
        shape, strides, offset = _basic_view(ctx.in_shape, cs, 0, ctx.key)
        if math.prod(shape):
            _C.copy_strided(grad._buf, list(shape), list(strides), offset, g._buf, list(g._strides), g._offset)
        return grad, None


def getitem(t, key):
    keys = key if isinstance(key, tuple) else (key,)
    if any(_is_advanced(k) for k in keys):
        from . import indexing

        return indexing.advanced_getitem(t, key)
    if t.ndim == 0 and keys not in ((), (Ellipsis,), (None,)) and not all(k is None or k is Ellipsis for k in keys):
        raise IndexError("invalid index of a 0-dim tensor")
    return _BasicIndex.apply(t, key)


def setitem(t, key, value):
    keys = key if isinstance(key, tuple) else (key,)
    constant = not isinstance(value, Tensor) or value.numel() == 1
    if ew.check_inplace(t, "__setitem__", constant=True) or (isinstance(value, Tensor) and value._requires_grad and ew._state.enabled):
        raise RuntimeError("__setitem__: in-place assignment into a tensor that requires grad is not supported; use torch-style out-of-place ops (e.g. where) or pdg.no_grad()")
    if any(_is_advanced(k) for k in keys):
        from . import indexing

        if not constant:
            ew.check_internal_overlap(t, "__setitem__")
        return indexing.advanced_setitem(t, key, value)
    shape, strides, offset = _basic_view(t._shape, t._strides, t._offset, key)
    if not math.prod(shape):
        return
    if not constant:  # only the part written to must not overlap itself
        ew.check_internal_overlap(Tensor._make(t._buf, shape, t._dtype, strides, offset), "__setitem__")
    if isinstance(value, Tensor):
        if value._shape != shape:
            if ew.broadcast_shapes(shape, value._shape, op="__setitem__") != shape:
                raise ValueError(f"__setitem__: value of shape {value._shape} cannot be broadcast to {shape}")
        if value._buf.same_storage(t._buf):
            value = _contiguous_nograd(value)
        vs = list(value._strides) if value._shape == shape else ew.broadcast_strides(value, shape)
        _C.copy_strided(t._buf, list(shape), list(strides), offset, value._buf, vs, value._offset)
    elif isinstance(value, (int, float, bool, np.number)):
        ew.fill_strided(Tensor._make(t._buf, shape, t._dtype, strides, offset), value, "__setitem__")
    else:
        from .creation import tensor_for

        return setitem(t, key, tensor_for("__setitem__", value, t._dtype))
    t._buf.bump_version()
