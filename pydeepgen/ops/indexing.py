"""Advanced indexing (integer arrays, boolean masks) with gradients, index_put, and the
gather/scatter family: index_select, gather, scatter, scatter_add, masked_fill,
masked_select, nonzero, take_along_dim, where. Kernels: csrc/cpu/index.cpp, where.cpp.

Every advanced index is reduced to one picture: the tensor is viewed (by basic indexing,
which is free) so that the advanced indices address m adjacent dims of an (O, S..., I)
block; the index tensors are broadcast to one shape B (K elements) and the kernel picks
K rows of the flattened middle axis. Boolean masks become integer indices via nonzero.

Semantics follow PyTorch: integer scalars in a key are basic indices (they remove a dim
before adjacency is decided), so ``x[0, :, [1, 2]]`` has shape (N, 2) as in PyTorch
(NumPy would give (2, N)). Advanced indices separated by a slice, None or Ellipsis put
the broadcast dims first.
"""

import math
import numbers

import numpy as np

from .. import _C
from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from .._tensor_methods import register_methods
from ..autograd.function import Function
from . import elementwise as ew
from . import shape as S

__all__ = ["index_select", "gather", "scatter", "scatter_add", "masked_fill", "masked_select",
           "nonzero", "take_along_dim", "where", "index_put"]


# -- key normalisation ---------------------------------------------------------------------

def _as_index_tensor(k):
    """A list / ndarray / Tensor used as an index -> an int64 or bool Tensor."""
    if isinstance(k, Tensor):
        t = k
    else:
        from .creation import tensor

        if isinstance(k, list) and len(k) == 0:
            return Tensor._make(_C.empty(0, D.int64.code), (0,), D.int64)
        try:
            t = tensor(k)
        except (TypeError, ValueError) as e:
            raise IndexError(f"index: invalid index {k!r}: {e}") from None
    if t._dtype is D.uint8:
        t = t.to(D.bool_)
    if t._dtype not in (D.int64, D.bool_):
        raise IndexError(f"index: tensors used as indices must be int64 or bool, got {t._dtype.name}")
    return t


def _nonzero_cols(mask):
    """The k index tensors (each (N,)) of a k-d bool mask's True elements."""
    nz = nonzero(mask)  # (N, k)
    return [S._contiguous_nograd(S._view(nz, (nz._shape[0],), (nz._strides[0],), nz._offset + j * nz._strides[1]))
            for j in range(mask.ndim)]


def _plan(t, key):
    """Split ``key`` into a basic key and advanced indices.

    Returns (basic_key, adv) where adv is a list of (view_dim, int64 index tensor,
    user_dim): view_dim is the dim of t[basic_key] the index addresses, user_dim the dim
    of ``t`` (for error messages).
    """
    keys = list(key) if isinstance(key, tuple) else [key]
    keys = [_as_index_tensor(k) if S._is_advanced(k) else k for k in keys]
    consumed = 0
    for k in keys:
        if k is None or k is Ellipsis:
            continue
        consumed += k.ndim if isinstance(k, Tensor) and k._dtype is D.bool_ else 1
    n_ell = sum(1 for k in keys if k is Ellipsis)
    if n_ell > 1:
        raise IndexError("index: an index can only have a single ellipsis ('...')")
    if consumed > t.ndim:
        raise IndexError(f"index: too many indices for tensor of dimension {t.ndim} (shape {t._shape})")
    if n_ell:
        i = keys.index(Ellipsis)
        keys[i:i + 1] = [slice(None)] * (t.ndim - consumed)
    basic, adv = [], []
    in_dim = 0   # dim of t the next key entry addresses
    out_dim = 0  # dim of t[basic] the next key entry produces
    for k in keys:
        if k is None:
            basic.append(None)
            out_dim += 1
        elif isinstance(k, Tensor) and k._dtype is D.bool_:
            if k.ndim == 0:
                raise IndexError("index: 0-d boolean tensor indices are not supported")
            want = t._shape[in_dim:in_dim + k.ndim]
            if k._shape != want:
                raise IndexError(
                    f"index: the shape of the mask {tuple(k._shape)} at index {in_dim} does not match "
                    f"the shape of the indexed tensor {tuple(t._shape)}")
            for j, col in enumerate(_nonzero_cols(k)):
                basic.append(slice(None))
                adv.append((out_dim, col, in_dim + j))
                out_dim += 1
            in_dim += k.ndim
        elif isinstance(k, Tensor):
            basic.append(slice(None))
            adv.append((out_dim, k, in_dim))
            out_dim += 1
            in_dim += 1
        elif isinstance(k, slice):
            basic.append(k)
            out_dim += 1
            in_dim += 1
        else:  # an integer
            basic.append(k)
            in_dim += 1
    return tuple(basic), adv


def _layout(v, adv, op="index"):
    """Permute v if the advanced dims are not adjacent; return the kernel plan.

    Returns (v, idx buffers, d0, B, sizes, user dims) with the advanced dims of v at
    d0..d0+m-1 and B the broadcast index shape.
    """
    try:
        B = ew.broadcast_shapes(*(ix._shape for _, ix, _ in adv), op=op)
    except ValueError:
        raise IndexError(
            f"{op}: shape mismatch: indexing tensors could not be broadcast together with shapes "
            f"{', '.join(str(tuple(ix._shape)) for _, ix, _ in adv)}") from None
    vdims = [d for d, _, _ in adv]
    m = len(vdims)
    if vdims != list(range(vdims[0], vdims[0] + m)):
        rest = [d for d in range(v.ndim) if d not in vdims]
        v = S.permute(v, vdims + rest) if v._requires_grad else S._view(
            v, [v._shape[d] for d in vdims + rest], [v._strides[d] for d in vdims + rest], v._offset)
        vdims = list(range(m))
    d0 = vdims[0]
    idx = []
    for _, ix, _ in adv:
        if ix._shape != B:
            ix = S._view(ix, B, ew.broadcast_strides(ix, B), ix._offset)
        if not ix.is_contiguous():
            ix = S._contiguous_nograd(ix)
        idx.append(ix)
    sizes = list(v._shape[d0:d0 + m])
    return v, idx, d0, B, sizes, [u for _, _, u in adv]


class _IndexGather(Function):
    """out = v[..., idx_0, ..., idx_{m-1}, ...] over m adjacent dims starting at d0."""

    @staticmethod
    def forward(ctx, v, idx, d0, B, sizes, dims):
        m = len(sizes)
        O = math.prod(v._shape[:d0])
        I = math.prod(v._shape[d0 + m:])
        K = math.prod(B)
        x = v if v.is_contiguous() else S._contiguous_nograd(v)
        out = Tensor._empty(v._shape[:d0] + tuple(B) + v._shape[d0 + m:], v._dtype)
        _C.index_gather_forward(out._buf, x._kbuf(), [i._kbuf() for i in idx], O, sizes, I, K, dims)
        ctx.plan = (v._shape, [i._kbuf() for i in idx], O, sizes, I, K, dims)
        return out

    @staticmethod
    def backward(ctx, g):
        shape, idx, O, sizes, I, K, dims = ctx.plan
        dx = Tensor._empty(shape, g._dtype)
        g = g.contiguous()
        _C.index_gather_backward(dx._buf, g._kbuf(), idx, O, sizes, I, K, dims)
        return dx, None, None, None, None, None


def advanced_getitem(t, key):
    basic, adv = _plan(t, key)
    v = S.getitem(t, basic) if basic else t
    v, idx, d0, B, sizes, dims = _layout(v, adv)
    return _IndexGather.apply(v, idx, d0, tuple(B), sizes, dims)


def _put(t, key, value, accumulate, op):
    """In place: t[key] = value (or += with accumulate), no autograd."""
    basic, adv = _plan(t, key)
    shape, strides, offset = S._basic_view(t._shape, t._strides, t._offset, basic)
    v = S._view(t, shape, strides, offset)
    v, idx, d0, B, sizes, dims = _layout(v, adv, op)
    m = len(sizes)
    rshape = v._shape[:d0] + tuple(B) + v._shape[d0 + m:]
    if not isinstance(value, Tensor):
        if isinstance(value, (numbers.Number, np.number)) and not isinstance(value, complex):
            value = ew.scalar_tensor(value, t._dtype, op)
        else:
            from .creation import tensor

            value = tensor(value, dtype=t._dtype)
    if value._shape != rshape and ew.broadcast_shapes(rshape, value._shape, op=op) != rshape:
        raise ValueError(f"{op}: shape mismatch: value tensor of shape {tuple(value._shape)} cannot be "
                         f"broadcast to indexing result of shape {rshape}")
    vals = Tensor._empty(rshape, t._dtype)  # fresh: never aliases t
    if vals.numel():
        S._copy_into(vals, value)
    O, I, K = math.prod(v._shape[:d0]), math.prod(v._shape[d0 + m:]), math.prod(B)
    target = v if v.is_contiguous() else S._contiguous_nograd(v)
    _C.index_put(target._kbuf(), vals._kbuf(), [i._kbuf() for i in idx], O, sizes, I, K, dims,
                 accumulate)
    if target is not v and v.numel():
        S._copy_into(v, target)
    t._buf.bump_version()
    return t


def advanced_setitem(t, key, value):
    """``t[key] = value`` with integer-array / boolean-mask indices (index_put, no grad)."""
    _put(t, key, value, False, "__setitem__")


def index_put(t, indices, values, accumulate=False):
    """Out of place ``t.index_put(indices, values, accumulate)`` (no autograd)."""
    out = S._contiguous_nograd(t)
    return _put(out, tuple(indices), values, accumulate, "index_put")


def index_put_(t, indices, values, accumulate=False):
    ew.check_inplace(t, "index_put_")
    return _put(t, tuple(indices), values, accumulate, "index_put_")


# -- index_select ---------------------------------------------------------------------

def _check_tensor(op, t, name="input"):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")


def index_select(t, dim, index):
    _check_tensor("index_select", t)
    try:
        index = _as_index_tensor(index)
    except IndexError as e:
        raise IndexError(f"index_select: {str(e).split(': ', 1)[-1]}") from None
    if index._dtype is not D.int64 or index.ndim > 1:
        raise IndexError(f"index_select: index must be a 0-d or 1-d int64 tensor, got {index._dtype.name} "
                         f"of shape {tuple(index._shape)}")
    d = _wrap_dim(dim, t.ndim, "index_select")
    if t.ndim == 0:
        t = S.reshape(t, 1)
    index = S._contiguous_nograd(index) if not index.is_contiguous() else index
    flat = index if index.ndim == 1 else S.reshape(index, 1)
    if flat.numel():  # x[idx] wraps negative indices; index_select (like PyTorch's) does not
        lo, hi = int(flat.min().item()), int(flat.max().item())
        if lo < 0 or hi >= t._shape[d]:
            bad = lo if lo < 0 else hi
            raise IndexError(f"index_select: index {bad} is out of bounds for dimension {d} "
                             f"of size {t._shape[d]} (input shape {tuple(t._shape)})")
    out = _IndexGather.apply(t, [flat], d, (flat._shape[0],), [t._shape[d]], [d])
    return out


# -- gather / scatter ---------------------------------------------------------------------

def _check_index_shape(op, t, dim, index, src=None):
    if index._dtype is not D.int64:
        raise TypeError(f"{op}: index must be an int64 tensor, got {index._dtype.name}")
    if index.ndim != max(t.ndim, 1) and not (t.ndim == 0 and index.ndim == 0):
        raise ValueError(f"{op}: index {tuple(index._shape)} must have as many dims as the input {tuple(t._shape)}")
    for k in range(index.ndim):
        if k != dim and index._shape[k] > t._shape[k]:
            raise ValueError(f"{op}: index {tuple(index._shape)} is larger than input {tuple(t._shape)} "
                             f"in dimension {k} (only dim {dim} may differ)")
        if src is not None and index._shape[k] > src._shape[k]:
            raise ValueError(f"{op}: index {tuple(index._shape)} is larger than src {tuple(src._shape)} in dimension {k}")


def _narrow_to(t, shape, skip=None):
    """Basic-index view of t restricted to the leading ``shape`` (dim ``skip`` kept whole)."""
    if t._shape == tuple(shape) or all(i == skip or a == b for i, (a, b) in enumerate(zip(t._shape, shape))):
        return t
    key = tuple(slice(None) if i == skip else slice(0, n) for i, n in enumerate(shape))
    return S.getitem(t, key)


def _block(shape, d):
    return math.prod(shape[:d]), shape[d], math.prod(shape[d + 1:])


class _Gather(Function):
    @staticmethod
    def forward(ctx, x, index, d):
        xc = x if x.is_contiguous() else S._contiguous_nograd(x)
        O, R, I = _block(x._shape, d)
        K = index._shape[d]
        out = Tensor._empty(index._shape, x._dtype)
        _C.gather_forward(out._buf, xc._kbuf(), index._kbuf(), O, R, I, K)
        ctx.plan = (x._shape, index, O, R, I, K)
        return out

    @staticmethod
    def backward(ctx, g):
        shape, index, O, R, I, K = ctx.plan
        dx = Tensor._empty(shape, g._dtype)
        _C.gather_backward(dx._buf, g.contiguous()._kbuf(), index._kbuf(), O, R, I, K)
        return dx, None, None


def _prep(t, dim, index, op):
    _check_tensor(op, t)
    _check_tensor(op, index, "index")
    if t.ndim == 0:
        t = S.reshape(t, 1)
        index = S.reshape(index, 1) if index.ndim == 0 else index
    d = _wrap_dim(dim, t.ndim, op)
    return t, d, index


def gather(t, dim, index, sparse_grad=False):
    """out[i][j][k] = t[index[i][j][k]][j][k] (dim=0), as torch.gather."""
    orig_0d = t.ndim == 0
    t, d, index = _prep(t, dim, index, "gather")
    _check_index_shape("gather", t, d, index)
    index = index if index.is_contiguous() else S._contiguous_nograd(index)
    out = _Gather.apply(_narrow_to(t, index._shape, skip=d), index, d)
    return S.reshape(out, ()) if orig_0d else out


def take_along_dim(t, indices, dim=None):
    """torch.take_along_dim: gather with broadcasting (dim=None: on the flattened tensor)."""
    if dim is None:
        _check_tensor("take_along_dim", t)
        _check_tensor("take_along_dim", indices, "indices")
        try:
            return gather(S.reshape(t, -1), 0, S.reshape(indices, -1))
        except IndexError as e:
            raise IndexError(str(e).replace("gather", "take_along_dim", 1)) from None
    d = _wrap_dim(dim, t.ndim, "take_along_dim")
    _check_tensor("take_along_dim", indices, "indices")
    if indices.ndim != t.ndim:
        raise ValueError(f"take_along_dim: input {tuple(t._shape)} and indices {tuple(indices._shape)} "
                         "must have the same number of dims")
    ts = list(t._shape); ts[d] = 1
    ins = list(indices._shape); ins[d] = 1
    b = list(ew.broadcast_shapes(tuple(ts), tuple(ins), op="take_along_dim"))
    bt, bi = list(b), list(b)
    bt[d], bi[d] = t._shape[d], indices._shape[d]
    try:
        return gather(S.expand(t, tuple(bt)), d, S.expand(indices, tuple(bi)))
    except IndexError as e:  # name the op the user called
        raise IndexError(str(e).replace("gather", "take_along_dim", 1)) from None


class _Scatter(Function):
    @staticmethod
    def forward(ctx, t, index, src, d, accumulate):
        out = S._contiguous_nograd(t)
        idx_shape = index._shape
        view = _narrow_to(out, idx_shape, skip=d)
        target = view if view.is_contiguous() else S._contiguous_nograd(view)
        srcv = _narrow_to(src, idx_shape)
        srcc = srcv if srcv.is_contiguous() else S._contiguous_nograd(srcv)
        O, R, I = _block(view._shape, d)
        K = idx_shape[d]
        _C.scatter_forward(target._kbuf(), srcc._kbuf(), index._kbuf(), O, R, I, K, accumulate)
        if target is not view:
            S._copy_into(view, target)
        ctx.plan = (t._shape, src._shape, index, d, accumulate)
        return out

    @staticmethod
    def backward(ctx, g):
        in_shape, src_shape, index, d, accumulate = ctx.plan
        need_t, need_src = ctx.needs_input_grad[0], ctx.needs_input_grad[2]
        g = S._contiguous_nograd(g)
        gv = _narrow_to(g, index._shape, skip=d)
        gvc = gv if gv.is_contiguous() else S._contiguous_nograd(gv)
        O, R, I = _block(gv._shape, d)
        K = index._shape[d]
        dinp = Tensor._empty(gv._shape, g._dtype) if need_t and not accumulate else None
        dsrc = Tensor._empty(index._shape, g._dtype) if need_src else None
        _C.scatter_backward(dinp._buf if dinp is not None else None,
                            dsrc._buf if dsrc is not None else None,
                            gvc._kbuf(), index._kbuf(), O, R, I, K, accumulate)
        dt = None
        if need_t:
            if accumulate:
                dt = g
            else:
                dt = g  # fresh contiguous copy of the incoming gradient
                S._copy_into(gv, dinp)
        ds = None
        if need_src:
            if tuple(src_shape) == index._shape:
                ds = dsrc
            else:
                from .creation import zeros

                ds = zeros(src_shape, dtype=g._dtype)
                S._copy_into(_narrow_to(ds, index._shape), dsrc)
        return dt, None, ds, None, None


def _scatter(t, dim, index, src, accumulate, op):
    orig_0d = t.ndim == 0
    t, d, index = _prep(t, dim, index, op)
    if not isinstance(src, Tensor):
        if accumulate:
            raise TypeError(f"{op}: src must be a Tensor, got {type(src).__name__}")
        src = S.expand(ew.scalar_tensor(src, t._dtype, op), index._shape)
    elif src.ndim == 0 and index.ndim == 1 and orig_0d:
        src = S.reshape(src, 1)
    if src._dtype is not t._dtype:
        raise TypeError(f"{op}: expected self and src to have the same dtype, got {t._dtype.name} and {src._dtype.name}")
    _check_index_shape(op, t, d, index, src)
    if src.ndim != index.ndim:
        raise ValueError(f"{op}: src {tuple(src._shape)} and index {tuple(index._shape)} must have the same number of dims")
    index = index if index.is_contiguous() else S._contiguous_nograd(index)
    out = _Scatter.apply(t, index, src, d, accumulate)
    return S.reshape(out, ()) if orig_0d else out


def scatter(t, dim, index, src=None, value=None, reduce=None):
    """out = t with out[index[i][j]][j] = src[i][j] (dim=0), as torch.scatter."""
    if reduce is not None:
        if reduce != "add":
            raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")
        return scatter_add(t, dim, index, src)
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: expected src or value")
    return _scatter(t, dim, index, src, False, "scatter")


def scatter_add(t, dim, index, src):
    return _scatter(t, dim, index, src, True, "scatter_add")


def _inplace_from(t, result, op):
    if ew.check_inplace(t, op) or (result._requires_grad and ew._state.enabled):
        return ew.assign_result(t, result, op)
    S._copy_into(t, result)
    t._buf.bump_version()
    return t


def scatter_(t, dim, index, src=None, value=None, reduce=None):
    return _inplace_from(t, scatter(t, dim, index, src, value, reduce), "scatter_")


def scatter_add_(t, dim, index, src):
    return _inplace_from(t, scatter_add(t, dim, index, src), "scatter_add_")


# -- masks ----------------------------------------------------------------------------------

def nonzero(t, as_tuple=False):
    """Indices of the nonzero elements: (N, ndim) int64, or a tuple of ndim (N,) tensors."""
    _check_tensor("nonzero", t)
    x = t if t.is_contiguous() else S._contiguous_nograd(t)
    kb = x._kbuf()
    n = _C.nonzero_count(kb)
    out = Tensor._empty((n, t.ndim), D.int64)
    _C.nonzero_forward(out._buf, kb, list(t._shape))
    if not as_tuple:
        return out
    if t.ndim == 0:  # PyTorch treats a 0-d input as 1-d here
        return (Tensor._make(_C.full(n, 0.0, D.int64.code), (n,), D.int64),)
    return tuple(S._contiguous_nograd(S._view(out, (n,), (t.ndim,), j)) for j in range(t.ndim))


def _as_bool_mask(mask, op):
    if not isinstance(mask, Tensor):
        from .creation import tensor

        mask = tensor(mask)
    if mask._dtype is not D.bool_:
        raise TypeError(f"{op}: expected a bool mask, got {mask._dtype.name}")
    return mask


def masked_fill(t, mask, value):
    """t with the elements where ``mask`` is True set to ``value`` (mask broadcasts to t)."""
    _check_tensor("masked_fill", t)
    mask = _as_bool_mask(mask, "masked_fill")
    if ew.broadcast_shapes(t._shape, mask._shape, op="masked_fill") != t._shape:
        raise ValueError(f"masked_fill: mask of shape {tuple(mask._shape)} cannot be broadcast to input {tuple(t._shape)}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"masked_fill: value must be a 0-d tensor or a number, got shape {tuple(value._shape)}")
        value = ew._cast(value, t._dtype)
    elif isinstance(value, numbers.Number):
        if t._dtype.category < 2 and isinstance(value, float) and not float(value).is_integer():
            raise TypeError(f"masked_fill: cannot fill a {t._dtype.name} tensor with the float {value}")
        value = ew.scalar_tensor(value, t._dtype, "masked_fill")
    else:
        raise TypeError(f"masked_fill: value must be a number or a 0-d Tensor, got {type(value).__name__}")
    return _Where.apply(mask, value, t)


def masked_fill_(t, mask, value):
    return _inplace_from(t, masked_fill(t, mask, value), "masked_fill_")


def masked_select(t, mask):
    """1-d tensor of t's elements where mask (broadcast with t) is True."""
    _check_tensor("masked_select", t)
    mask = _as_bool_mask(mask, "masked_select")
    shape = ew.broadcast_shapes(t._shape, mask._shape, op="masked_select")
    tb = S.expand(t, shape) if t._shape != shape else t
    mb = S._view(mask, shape, ew.broadcast_strides(mask, shape), mask._offset) if mask._shape != shape else mask
    if not shape:
        tb, mb = S.reshape(tb, 1), S._view(mb, (1,), (0,), mb._offset)
    return advanced_getitem(tb, mb)


# -- where ------------------------------------------------------------------------------------

class _Where(Function):
    @staticmethod
    def forward(ctx, cond, a, b):
        shape = ew.broadcast_shapes(cond._shape, a._shape, b._shape, op="where")
        out = Tensor._empty(shape, a._dtype)
        cs = ew.broadcast_strides(cond, shape) if cond._shape != shape else list(cond._strides)
        as_ = ew.broadcast_strides(a, shape) if a._shape != shape else list(a._strides)
        bs = ew.broadcast_strides(b, shape) if b._shape != shape else list(b._strides)
        _C.where_forward(out._buf, cond._buf, a._buf, b._buf, list(shape), cs, cond._offset,
                         as_, a._offset, bs, b._offset)
        ctx.plan = (cond, cs, shape, a._shape, b._shape)
        return out

    @staticmethod
    def backward(ctx, g):
        cond, cs, shape, sa, sb = ctx.plan
        need_a, need_b = ctx.needs_input_grad[1], ctx.needs_input_grad[2]
        g = g.contiguous()
        da = Tensor._empty(shape, g._dtype) if need_a else None
        db = Tensor._empty(shape, g._dtype) if need_b else None
        _C.where_backward(da._buf if need_a else None, db._buf if need_b else None, g._kbuf(),
                          cond._buf, list(shape), cs, cond._offset)
        return (None, ew.sum_to(da, sa) if need_a else None, ew.sum_to(db, sb) if need_b else None)


def _where_dtype(a, b):
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        return ew._result_type_tt(a, b)
    if ta:
        return D.scalar_result(a._dtype, b)
    if tb:
        return D.scalar_result(b._dtype, a)
    if isinstance(a, bool) and isinstance(b, bool):
        return D.bool_
    if isinstance(a, float) or isinstance(b, float):
        return D.float32
    return D.int64


def where(condition, input=None, other=None):  # noqa: A002
    """``where(cond, a, b)``: elementwise cond ? a : b with broadcasting (a, b may be numbers);
    ``where(cond)``: ``nonzero(cond, as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: expected where(condition) or where(condition, input, other)")
    cond = _as_bool_mask(condition, "where")
    for x in (input, other):
        if not isinstance(x, (Tensor, numbers.Number)) or isinstance(x, complex):
            raise TypeError(f"where: expected Tensors or numbers, got {type(x).__name__}")
    dt = _where_dtype(input, other)
    a = ew._cast(input, dt) if isinstance(input, Tensor) else ew.scalar_tensor(input, dt, "where", operand=True)
    b = ew._cast(other, dt) if isinstance(other, Tensor) else ew.scalar_tensor(other, dt, "where", operand=True)
    return _Where.apply(cond, a, b)


register_methods(
    index_select=index_select, gather=gather, scatter=scatter, scatter_add=scatter_add,
    scatter_=scatter_, scatter_add_=scatter_add_, masked_fill=masked_fill,
    masked_fill_=masked_fill_, masked_select=masked_select, nonzero=nonzero,
    take_along_dim=take_along_dim, index_put=index_put, index_put_=index_put_,
    where=lambda self, condition, other: where(condition, self, other),
)
