"""cumsum / cumprod against NumPy (float64) and their gradients."""

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()


@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 5), 0), ((3, 5), 1), ((2, 3, 4), 1),
                                       ((2, 3, 4), -1), ((4, 1, 3), 1), ((0, 3), 1), ((), 0)])
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_scan_matches_numpy(shape, dim, op):
    a = rng.uniform(0.5, 1.5, size=shape)
    out = getattr(pdg.tensor(a), op)(dim)
    expected = getattr(np, op)(a.reshape(a.shape or (1,)), axis=dim).reshape(a.shape)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    f32 = getattr(pdg, op)(pdg.tensor(a.astype(np.float32)), dim)
    assert f32.dtype is pdg.float32
    np.testing.assert_allclose(f32.numpy(), expected, rtol=1e-5)


def test_scan_noncontiguous_and_int_dtypes():
    a = rng.standard_normal((4, 5))
    t = pdg.tensor(a).t()
    np.testing.assert_allclose(t.cumsum(0).numpy(), np.cumsum(a.T, 0), rtol=1e-12)
    b = np.array([[True, False, True], [True, True, False]])
    r = pdg.tensor(b).cumsum(1)
    assert r.dtype is pdg.int64
    np.testing.assert_array_equal(r.numpy(), np.cumsum(b, 1))
    u = pdg.tensor(np.array([200, 100], np.uint8)).cumsum(0)
    np.testing.assert_array_equal(u.numpy(), [200, 300])
    i = pdg.tensor(np.array([3, -2, 4])).cumprod(0)
    np.testing.assert_array_equal(i.numpy(), [3, -6, -24])
    assert pdg.cumsum(pdg.tensor([1, 2]), 0, dtype=pdg.float64).dtype is pdg.float64


@pytest.mark.parametrize("shape,dim", [((6,), 0), ((3, 4), 1), ((2, 3, 4), 1), ((2, 3, 4), 0)])
def test_cumsum_gradcheck(shape, dim):
    x = pdg.tensor(rng.standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda x: x.cumsum(dim), (x,))


@pytest.mark.parametrize("zeros", [[], [2], [0, 3], [1, 2, 5]])
def test_cumprod_gradcheck_with_zeros(zeros):
    a = rng.uniform(0.5, 2.0, size=(2, 6)) * rng.choice([-1, 1], size=(2, 6))
    a[:, zeros] = 0.0
    x = pdg.tensor(a, requires_grad=True)
    assert gradcheck(lambda x: x.cumprod(1), (x,))
    b = pdg.tensor(a.T.copy(), requires_grad=True)
    assert gradcheck(lambda x: pdg.cumprod(x, 0), (b,))


def test_cumprod_grad_single_zero_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([2.0, 0.0, 3.0, 4.0])
    g = rng.standard_normal(4)
    x = pdg.tensor(a, requires_grad=True)
    x.cumprod(0).backward(pdg.tensor(g))
    tx = torch.tensor(a, requires_grad=True)
    tx.cumprod(0).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_scan_errors():
    t = pdg.ones(2, 3)
    with pytest.raises(IndexError, match="cumsum"):
        t.cumsum(2)
    with pytest.raises(TypeError, match="cumprod"):
        pdg.cumprod(t)
