"""softmax / log_softmax: forward vs NumPy float64 along every dim, stability,
NaN/inf rows, gradcheck, PyTorch cross-check, bad input."""

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()


def np_log_softmax(a, dim):
    m = a.max(axis=dim, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis=dim, keepdims=True))


@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), 1),
                                       ((2, 3, 4), -1), ((4, 1, 3), 1), ((2, 0, 3), 2), ((1, 1031), 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_vs_numpy(shape, dim, dtype):
    a = (rng.standard_normal(shape) * 5).astype(dtype)
    ls = np_log_softmax(a.astype(np.float64), dim)
    tol = dict(rtol=2e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(F.softmax(pdg.tensor(a), dim).numpy(), np.exp(ls), **tol)
    np.testing.assert_allclose(pdg.log_softmax(pdg.tensor(a), dim=dim).numpy(), ls, **tol)


def test_stable_and_special_rows():
    a = np.array([[1000.0, 1001.0, 999.0], [-1e4, -1e4, -1e4], [np.nan, 0.0, 1.0],
                  [-np.inf, 0.0, -np.inf], [-np.inf, -np.inf, -np.inf]], dtype=np.float32)
    s = F.softmax(pdg.tensor(a), 1).numpy()
    ls = F.log_softmax(pdg.tensor(a), 1).numpy()
    np.testing.assert_allclose(s[0], np.exp(np_log_softmax(a[:1].astype(np.float64), 1))[0], rtol=1e-6)
    np.testing.assert_allclose(s[1], [1 / 3] * 3, rtol=1e-6)
    assert np.all(np.isnan(s[2])) and np.all(np.isnan(ls[2]))
    np.testing.assert_array_equal(s[3], [0, 1, 0])
    np.testing.assert_array_equal(ls[3], [-np.inf, 0, -np.inf])
    assert np.all(np.isnan(s[4])) and np.all(np.isnan(ls[4]))


def test_non_contiguous_and_methods():
    a = rng.standard_normal((5, 6))
    t = pdg.tensor(a).T[::2]
    np.testing.assert_allclose(t.softmax(0).numpy(), np.exp(np_log_softmax(a.T[::2], 0)), rtol=1e-12)
    np.testing.assert_allclose(t.log_softmax(-1).numpy(), np_log_softmax(a.T[::2], 1), rtol=1e-12)
    assert pdg.softmax(pdg.tensor(3.0), 0).item() == 1.0
    assert F.softmax(pdg.tensor([1, 2]), 0, dtype=pdg.float64).dtype == pdg.float64


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("shape,dim", [((4,), 0), ((3, 4), 1), ((2, 3, 2), 1), ((2, 3, 2), 0)])
def test_gradcheck(fn, shape, dim):
    x = pdg.tensor(rng.standard_normal(shape), requires_grad=True)
    w = pdg.tensor(rng.standard_normal(shape))
    assert gradcheck(lambda t: fn(t, dim) * w, (x,))


def test_bad_input():
    with pytest.raises(IndexError):
        F.softmax(pdg.ones(2, 3), 2)
    with pytest.raises(TypeError, match="softmax"):
        F.softmax(pdg.tensor([1, 2]), 0)
    with pytest.raises(TypeError, match="log_softmax"):
        F.log_softmax([1.0, 2.0], 0)
    with pytest.warns(UserWarning, match="Implicit"):
        F.softmax(pdg.ones(2, 3))


@pytest.mark.parametrize("log", [False, True])
def test_vs_torch(log):
    torch = pytest.importorskip("torch")
    a = rng.standard_normal((3, 7, 5)).astype(np.float32)
    g = rng.standard_normal((3, 7, 5)).astype(np.float32)
    for dim in (0, 1, 2):
        x, xt = pdg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y = (F.log_softmax if log else F.softmax)(x, dim)
        yt = (torch.log_softmax if log else torch.softmax)(xt, dim)
        y.backward(pdg.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
