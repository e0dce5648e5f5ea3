"""Property tests over random shapes: broadcasting binary ops, reductions, permutes and
reshapes against NumPy (float64). Small shapes and modest max_examples keep this fast."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pydeepgen as pdg

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


@st.composite
def broadcastable_pair(draw):
    """Two shapes that broadcast: each dim of one side is the other's or 1, plus extra leading dims."""
    base = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))
    a, b = [], []
    for n in base:
        choice = draw(st.integers(0, 2))
        a.append(1 if choice == 1 else n)
        b.append(1 if choice == 2 else n)
    cut_a = draw(st.integers(0, len(a)))
    cut_b = draw(st.integers(0, len(b)))
    return tuple(a[cut_a:]) if draw(st.booleans()) else tuple(a), tuple(b[cut_b:]) if draw(st.booleans()) else tuple(b)


@st.composite
def shape_and_dims(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
    dims = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1, max_size=len(shape)))
    neg = draw(st.booleans())
    return shape, tuple(d - len(shape) if neg else d for d in dims)


def _data(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


OPS = {
    "add": (lambda x, y: x + y, np.add),
    "sub": (lambda x, y: x - y, np.subtract),
    "mul": (lambda x, y: x * y, np.multiply),
    "maximum": (pdg.maximum, np.maximum),
    "gt": (lambda x, y: x > y, np.greater),
}


@SETTINGS
@given(broadcastable_pair(), st.sampled_from(sorted(OPS)), st.integers(0, 2 ** 31))
def test_binary_broadcasting(pair, op, seed):
    sa, sb = pair
    a, b = _data(sa, seed), _data(sb, seed + 1)
    f, nf = OPS[op]
    out = f(pdg.tensor(a), pdg.tensor(b))
    want = nf(a, b)
    assert out.shape == want.shape
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)


@SETTINGS
@given(broadcastable_pair(), st.integers(0, 2 ** 31))
def test_broadcast_grad_shapes(pair, seed):
    sa, sb = pair
    x = pdg.tensor(_data(sa, seed), requires_grad=True)
    y = pdg.tensor(_data(sb, seed + 1), requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.shape == sa and y.grad.shape == sb
    want = np.broadcast_to(_data(sb, seed + 1), np.broadcast_shapes(sa, sb))
    lead = len(want.shape) - len(sa)
    red = want.sum(tuple(range(lead)))
    red = red.sum(tuple(i for i, n in enumerate(sa) if n == 1 and red.shape[i] != 1), keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), red.reshape(sa), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(shape_and_dims(), st.sampled_from(["sum", "mean", "amax", "amin", "prod"]), st.booleans(),
       st.integers(0, 2 ** 31))
def test_reductions(sd, op, keepdim, seed):
    shape, dims = sd
    a = _data(shape, seed)
    out = getattr(pdg.tensor(a), op)(dims, keepdim=keepdim)
    want = getattr(np, op)(a, axis=dims, keepdims=keepdim)
    assert out.shape == want.shape
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)


@SETTINGS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=5).map(tuple), st.data())
def test_permute_then_reshape(shape, data):
    perm = data.draw(st.permutations(range(len(shape))))
    a = _data(shape, 0)
    t = pdg.tensor(a).permute(*perm)
    np.testing.assert_array_equal(t.numpy(), a.transpose(perm))
    n = math.prod(shape)
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    k = data.draw(st.sampled_from(divisors))
    r = t.reshape(k, -1)
    np.testing.assert_array_equal(r.numpy(), a.transpose(perm).reshape(k, -1))
    np.testing.assert_array_equal(t.contiguous().numpy(), a.transpose(perm))


@SETTINGS
@given(shapes, st.integers(0, 2 ** 31))
def test_sum_all_and_flatten_any_shape(shape, seed):
    a = _data(shape, seed)
    t = pdg.tensor(a)
    np.testing.assert_allclose(t.sum().item(), a.sum(), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(t.flatten().numpy(), a.ravel())


@SETTINGS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), st.integers(0, 2 ** 31), st.data())
def test_index_and_cumsum_random_dims(shape, seed, data):
    a = _data(shape, seed)
    d = data.draw(st.integers(0, len(shape) - 1))
    idx = data.draw(st.lists(st.integers(-shape[d], shape[d] - 1), min_size=0, max_size=5))
    key = (slice(None),) * d + (idx,)
    np.testing.assert_array_equal(pdg.tensor(a)[key].numpy(), a[key])
    np.testing.assert_allclose(pdg.tensor(a).cumsum(d).numpy(), np.cumsum(a, d), rtol=1e-10, atol=1e-12)
