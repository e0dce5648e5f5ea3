"""Advanced indexing, index_put and the gather/scatter family against NumPy (float64)."""

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()


def T(a, grad=False):
    return pdg.tensor(a, requires_grad=grad)


A_SHAPE = (4, 5, 6)

# Keys that index the same way in NumPy and PyTorch (no int separated from an array).
KEYS = [
    lambda a: [1, 2, 1],
    lambda a: ([0, 3],),
    lambda a: (slice(None), [1, -1]),
    lambda a: (Ellipsis, [0, 5, 2]),
    lambda a: ([0, 1], [2, 3]),
    lambda a: ([[0], [3]], [2, 4, 0]),                  # broadcast (2,1) with (3,)
    lambda a: ([[0], [1]], slice(None), [2, 3]),        # non-adjacent: broadcast dims first
    lambda a: (slice(None), [0, 1], [2, 3]),
    lambda a: (slice(1, 3), [4, 0]),
    lambda a: (slice(None, None, 2), slice(None), [-6, 5]),
    lambda a: (None, [1, 2]),
    lambda a: ([1, 2], None),
    lambda a: (1, [0, 2]),
    lambda a: ([1, 2], 0),
    lambda a: (a[:, :, 0] > 0,),
    lambda a: (a[:, 0, 0] > 0,),
    lambda a: (slice(None), a[0] > 0),
    lambda a: (a > 0,),
    lambda a: (np.array([3, 0]), Ellipsis, 2),
    lambda a: ([],),
    lambda a: (np.zeros(4, bool),),
]


@pytest.mark.parametrize("k", range(len(KEYS)))
def test_getitem_matches_numpy(k):
    a = rng.standard_normal(A_SHAPE)
    key = KEYS[k](a)
    expected = a[key]
    out = T(a)[key]
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("k", range(len(KEYS)))
def test_getitem_on_noncontiguous_view(k):
    base = rng.standard_normal((6, 4, 5)).transpose(1, 2, 0)  # (4, 5, 6), not contiguous
    t = T(np.ascontiguousarray(base.transpose(2, 0, 1))).permute(1, 2, 0)
    assert not t.is_contiguous()
    key = KEYS[k](base)
    np.testing.assert_array_equal(t[key].numpy(), base[key])


def test_index_tensor_and_ndarray_keys():
    a = rng.standard_normal((5, 3))
    idx = np.array([[4, 0], [1, 1]])
    np.testing.assert_array_equal(T(a)[pdg.tensor(idx)].numpy(), a[idx])
    np.testing.assert_array_equal(T(a)[idx].numpy(), a[idx])
    np.testing.assert_array_equal(T(a)[pdg.tensor(a > 0)].numpy(), a[a > 0])


def test_pytorch_rule_for_int_separated_from_array():
    # PyTorch: ints are basic indices, so x[0, :, [1, 2]] keeps the slice dim first.
    a = rng.standard_normal(A_SHAPE)
    out = T(a)[0, :, [1, 2]]
    assert out.shape == (5, 2)
    np.testing.assert_array_equal(out.numpy(), a[0][:, [1, 2]])
    torch = pytest.importorskip("torch")
    assert tuple(torch.tensor(a)[0, :, [1, 2]].shape) == (5, 2)


def test_getitem_int64_uint8_bool_dtypes():
    for dt in (np.int64, np.uint8, np.bool_, np.float32):
        a = (rng.standard_normal((4, 3)) * 5).astype(dt)
        np.testing.assert_array_equal(T(a)[[3, 0, 3]].numpy(), a[[3, 0, 3]])


@pytest.mark.parametrize("k", [0, 3, 5, 6, 7, 10, 13, 14, 16, 18])
def test_getitem_gradcheck(k):
    a = rng.standard_normal(A_SHAPE)
    key = KEYS[k](a)
    x = T(a, grad=True)
    assert gradcheck(lambda x: x[key], (x,))


def test_getitem_grad_accumulates_repeated_indices():
    x = T(np.zeros(4), grad=True)
    x[[1, 1, 3, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 3, 0, 1])


def test_getitem_out_of_range_names_index_and_size():
    t = T(rng.standard_normal((3, 4)))
    with pytest.raises(IndexError, match=r"index 3 is out of bounds for dimension 0 with size 3"):
        t[[0, 3]]
    with pytest.raises(IndexError, match=r"index -5 is out of bounds for dimension 1 with size 4"):
        t[:, [-5]]
    with pytest.raises(IndexError, match="mask"):
        t[pdg.tensor([True, False])]
    with pytest.raises(IndexError, match="broadcast"):
        t[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match="int64 or bool"):
        t[pdg.tensor([0.0, 1.0])]
    with pytest.raises(IndexError, match="too many indices"):
        t[[0], [0], [0]]


# -- __setitem__ / index_put ---------------------------------------------------------------

SET_KEYS = [
    lambda a: [0, 2],
    lambda a: (slice(None), [1, -1]),
    lambda a: ([0, 1], [2, 3]),
    lambda a: ([[0], [1]], slice(None), [2, 3]),
    lambda a: (a > 0,),
    lambda a: (a[:, :, 0] > 0,),
    lambda a: (slice(1, 3), [4, 0]),
    lambda a: (1, [0, 2]),
]


@pytest.mark.parametrize("k", range(len(SET_KEYS)))
@pytest.mark.parametrize("value", ["scalar", "broadcast", "full"])
def test_setitem_matches_numpy(k, value):
    a = rng.standard_normal(A_SHAPE)
    key = SET_KEYS[k](a)
    shape = a[key].shape
    if value == "scalar":
        v = 2.5
    elif value == "broadcast":
        v = rng.standard_normal(shape[-1:])
    else:
        v = rng.standard_normal(shape)
    t = T(a)
    ver = t._version
    t[key] = v if value == "scalar" else T(v)
    e = a.copy()
    e[key] = v
    np.testing.assert_array_equal(t.numpy(), e)
    assert t._version > ver


def test_setitem_into_noncontiguous_view_writes_through():
    a = rng.standard_normal((5, 4))
    base = T(a.copy())
    v = base.t()  # (4, 5) view
    v[[0, 3], [1, 1]] = T(np.array([10.0, 20.0]))
    e = a.copy()
    e.T[[0, 3], [1, 1]] = [10.0, 20.0]
    np.testing.assert_array_equal(base.numpy(), e)


def test_setitem_casts_and_rejects_bad_shape():
    t = pdg.zeros(3, 4, dtype=pdg.int64)
    t[[0, 2]] = T(np.array([1.7, 2.2, 3.9, 4.0]))
    np.testing.assert_array_equal(t.numpy()[[0, 2]], [[1, 2, 3, 4]] * 2)
    with pytest.raises(ValueError, match="__setitem__"):
        t[[0, 1]] = T(np.ones(3))
    with pytest.raises(IndexError, match="out of bounds"):
        t[[5]] = 1


def test_setitem_on_requires_grad_raises():
    x = T(np.ones(3), grad=True)
    with pytest.raises(RuntimeError):
        x[[0]] = 1.0


def test_index_put_accumulate():
    t = pdg.zeros(5)
    r = t.index_put((pdg.tensor([1, 1, 4]),), T(np.array([1.0, 2.0, 3.0])), accumulate=True)
    np.testing.assert_array_equal(r.numpy(), [0, 3, 0, 0, 3])
    np.testing.assert_array_equal(t.numpy(), np.zeros(5))
    t.index_put_((pdg.tensor([0]),), T(np.array([7.0])))
    assert t.numpy()[0] == 7


# -- index_select / gather / scatter ----------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(dim):
    a = rng.standard_normal((3, 4, 5))
    n = a.shape[dim]
    idx = rng.integers(0, n, size=7)
    out = T(a).index_select(dim, pdg.tensor(idx))
    np.testing.assert_array_equal(out.numpy(), np.take(a, idx, axis=dim))
    x = T(a, grad=True)
    assert gradcheck(lambda x: pdg.index_select(x, dim, pdg.tensor(idx)), (x,))


def test_index_select_errors():
    t = T(np.ones((2, 3)))
    with pytest.raises(IndexError, match="index_select"):
        t.index_select(0, pdg.tensor([[0]]))
    with pytest.raises(IndexError, match="out of bounds"):
        t.index_select(1, pdg.tensor([3]))
    # unlike t[idx], index_select does not wrap negative indices (PyTorch refuses them)
    with pytest.raises(IndexError, match="index_select: index -1 is out of bounds"):
        t.index_select(1, pdg.tensor([0, -1]))


def _np_gather(a, dim, idx):
    return np.take_along_axis(a, idx, axis=dim)


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_gather_matches_numpy_and_gradcheck(dim):
    a = rng.standard_normal((3, 4, 5))
    shape = list(a.shape)
    shape[dim] = 6
    idx = rng.integers(0, a.shape[dim], size=shape)
    np.testing.assert_array_equal(T(a).gather(dim, pdg.tensor(idx)).numpy(), _np_gather(a, dim, idx))
    x = T(a, grad=True)
    assert gradcheck(lambda x: x.gather(dim, pdg.tensor(idx)), (x,))


def test_gather_smaller_index_in_other_dims():
    a = rng.standard_normal((4, 5))
    idx = rng.integers(0, 5, size=(2, 3))
    out = T(a).gather(1, pdg.tensor(idx))
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(a[:2], idx, axis=1))
    x = T(a, grad=True)
    assert gradcheck(lambda x: x.gather(1, pdg.tensor(idx)), (x,))


def test_take_along_dim():
    a = rng.standard_normal((3, 4))
    idx = np.argsort(a, axis=1)
    np.testing.assert_array_equal(pdg.take_along_dim(T(a), pdg.tensor(idx), 1).numpy(),
                                  np.take_along_axis(a, idx, 1))
    flat = np.array([0, 11, 5])
    np.testing.assert_array_equal(pdg.take_along_dim(T(a), pdg.tensor(flat)).numpy(), a.ravel()[flat])


def _np_scatter(a, dim, idx, src, add):
    out = a.copy()
    for pos in np.ndindex(*idx.shape):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        if add:
            out[tuple(tgt)] += src[pos]
        else:
            out[tuple(tgt)] = src[pos]
    return out


@pytest.mark.parametrize("add", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_matches_loop_and_gradcheck(add, dim):
    a = rng.standard_normal((4, 5))
    src = rng.standard_normal((3, 5))
    idx_shape = (3, 4) if dim == 1 else (3, 5)
    idx = rng.integers(0, a.shape[dim], size=idx_shape)  # repeats likely
    fn = pdg.scatter_add if add else pdg.scatter
    out = fn(T(a), dim, pdg.tensor(idx), T(src))
    np.testing.assert_allclose(out.numpy(), _np_scatter(a, dim, idx, src, add), rtol=1e-12)
    x, s = T(a, grad=True), T(src, grad=True)
    assert gradcheck(lambda x, s: fn(x, dim, pdg.tensor(idx), s), (x, s))


def test_scatter_value_and_inplace():
    t = pdg.zeros(2, 3)
    r = t.scatter(1, pdg.tensor([[2], [0]]), value=5.0)
    np.testing.assert_array_equal(r.numpy(), [[0, 0, 5], [5, 0, 0]])
    t.scatter_add_(0, pdg.tensor([[1, 1, 1]]), pdg.ones(1, 3))
    np.testing.assert_array_equal(t.numpy(), [[0, 0, 0], [1, 1, 1]])


def test_scatter_errors():
    t = pdg.zeros(2, 3)
    with pytest.raises(IndexError, match="scatter: index 3 is out of bounds"):
        t.scatter(1, pdg.tensor([[3]]), pdg.ones(1, 1))
    with pytest.raises(ValueError, match="scatter"):
        t.scatter(0, pdg.tensor([[0, 0, 0, 0]]), pdg.ones(1, 4))
    with pytest.raises(TypeError, match="gather"):
        t.gather(0, pdg.tensor([[0.0]]))


# -- masks, nonzero -----------------------------------------------------------------------------

def test_masked_fill_select_and_grad():
    a = rng.standard_normal((3, 4))
    m = rng.random((4,)) > 0.5
    np.testing.assert_array_equal(T(a).masked_fill(pdg.tensor(m), -1.0).numpy(), np.where(m, -1.0, a))
    np.testing.assert_array_equal(T(a).masked_select(pdg.tensor(m)).numpy(),
                                  a[np.broadcast_to(m, a.shape)])
    x = T(a, grad=True)
    assert gradcheck(lambda x: x.masked_fill(pdg.tensor(m), 2.0), (x,))
    assert gradcheck(lambda x: x.masked_select(pdg.tensor(m)), (x,))
    t = T(a)
    t.masked_fill_(pdg.tensor(m), 0.0)
    np.testing.assert_array_equal(t.numpy(), np.where(m, 0.0, a))
    with pytest.raises(TypeError, match="masked_fill"):
        T(a).masked_fill(pdg.tensor(m.astype(np.int64)), 0.0)
    with pytest.raises(ValueError, match="masked_fill"):
        T(a).masked_fill(pdg.tensor(np.ones((2, 3, 4), bool)), 0.0)


@pytest.mark.parametrize("shape", [(0,), (7,), (3, 4), (2, 1, 3), ()])
def test_nonzero(shape):
    a = (rng.random(shape) > 0.5) * rng.integers(1, 5, shape)
    out = pdg.nonzero(T(a))
    assert out.shape == np.argwhere(a).shape
    np.testing.assert_array_equal(out.numpy(), np.argwhere(a))
    tup = T(a).nonzero(as_tuple=True)
    for got, want in zip(tup, np.nonzero(np.atleast_1d(a))):
        np.testing.assert_array_equal(got.numpy(), want)


def test_torch_crosscheck_indexing():
    torch = pytest.importorskip("torch")
    a = rng.standard_normal(A_SHAPE)
    for key in [(0, slice(None), [1, 2]), ([1, 0], 2, [3, 4]), (slice(None), 1, [[0], [2]])]:
        np.testing.assert_array_equal(T(a)[key].numpy(), torch.tensor(a)[key].numpy())
