"""Dense layer: F.linear forward/backward (csrc/cpu/dense.cpp) against NumPy, a float64
gradcheck through the compiled kernels, a torch cross-check, and shape errors."""

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen._C as C
import pydeepgen.kernels as kernels
import pydeepgen.nn.functional as F
from pydeepgen.testing import gradcheck

VARIANTS = [name for name, _, ok in C.gemm_variants() if ok]
rng = np.random.default_rng()

# (leading shape of x, C, OC): ones, primes, the MLP shapes, an empty batch
CASES = [((1,), 1, 1), ((5,), 7, 3), ((2, 3), 13, 17), ((64,), 784, 256), ((31,), 100, 10),
         ((0,), 4, 3), ((), 6, 5)]


def _numpy_linear(x, w, b, g):
    y = x @ w.T + (b if b is not None else 0.0)
    g2 = g.reshape(-1, w.shape[0])
    dx = (g2 @ w).reshape(x.shape)
    dw = g2.T @ x.reshape(-1, w.shape[1])
    db = g2.sum(0)
    return y, dx, dw, db


@pytest.mark.parametrize("dtype", [pdg.float32, pdg.float64])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_forward_backward_vs_numpy(dtype, with_bias):
    tol = 2e-4 if dtype is pdg.float32 else 1e-11
    for lead, Cin, OC in CASES:
        x = rng.standard_normal(lead + (Cin,))
        w = rng.standard_normal((OC, Cin)) / np.sqrt(Cin)
        b = rng.standard_normal(OC) if with_bias else None
        g = rng.standard_normal(lead + (OC,))
        tx = pdg.tensor(x, dtype=dtype, requires_grad=True)
        tw = pdg.tensor(w, dtype=dtype, requires_grad=True)
        tb = pdg.tensor(b, dtype=dtype, requires_grad=True) if with_bias else None
        y = F.linear(tx, tw, tb)
        y.backward(pdg.tensor(g, dtype=dtype))
        ry, rdx, rdw, rdb = _numpy_linear(x, w, b, g)
        assert y.shape == ry.shape and y.dtype is dtype
        np.testing.assert_allclose(y.detach().numpy(), ry, atol=tol, rtol=tol)
        np.testing.assert_allclose(tx.grad.numpy(), rdx, atol=tol, rtol=tol)
        np.testing.assert_allclose(tw.grad.numpy(), rdw, atol=tol * 10, rtol=tol)
        if with_bias:
            np.testing.assert_allclose(tb.grad.numpy(), rdb, atol=tol * 10, rtol=tol)


@pytest.mark.parametrize("variant", VARIANTS)
def test_linear_on_each_rung(variant):
    x = rng.standard_normal((9, 33))
    w = rng.standard_normal((14, 33))
    b = rng.standard_normal(14)
    g = rng.standard_normal((9, 14))
    with kernels.use("gemm", variant):
        tx = pdg.tensor(x, dtype=pdg.float32, requires_grad=True)
        tw = pdg.tensor(w, dtype=pdg.float32, requires_grad=True)
        tb = pdg.tensor(b, dtype=pdg.float32, requires_grad=True)
        F.linear(tx, tw, tb).backward(pdg.tensor(g, dtype=pdg.float32))
    ry, rdx, rdw, rdb = _numpy_linear(x, w, b, g)
    for got, ref in ((tx.grad, rdx), (tw.grad, rdw), (tb.grad, rdb)):
        np.testing.assert_allclose(got.numpy(), ref, atol=1e-4, rtol=1e-4)


def test_linear_noncontiguous_inputs_and_partial_grads():
    x = rng.standard_normal((7, 5))
    w = rng.standard_normal((5, 4))  # used as w.T: a non-contiguous (4, 5) weight
    tx = pdg.tensor(x, dtype=pdg.float64).transpose(0, 1)  # (5, 7) view
    tw = pdg.tensor(w, dtype=pdg.float64, requires_grad=True)
    y = F.linear(tx.transpose(0, 1), tw.transpose(0, 1))  # (7, 5) @ (5, 4)
    np.testing.assert_allclose(y.detach().numpy(), x @ w, atol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(tw.grad.numpy(), x.T @ np.ones((7, 4)), atol=1e-12)


def test_linear_gradcheck_float64():
    x = pdg.tensor(rng.standard_normal((2, 3, 5)), dtype=pdg.float64, requires_grad=True)
    w = pdg.tensor(rng.standard_normal((4, 5)), dtype=pdg.float64, requires_grad=True)
    b = pdg.tensor(rng.standard_normal(4), dtype=pdg.float64, requires_grad=True)
    assert gradcheck(F.linear, (x, w, b))
    assert gradcheck(lambda x, w: F.linear(x, w), (x, w))


def test_dense_kernels_direct_and_optional_outputs():
    B, Cin, OC = 6, 11, 7
    x = rng.standard_normal((B, Cin)).astype(np.float32)
    w = rng.standard_normal((OC, Cin)).astype(np.float32)
    g = rng.standard_normal((B, OC)).astype(np.float32)
    out = np.full((B, OC), np.nan, np.float32)
    db = np.full(OC, np.nan, np.float32)
    buf = lambda a: C.from_numpy(a)[0]  # noqa: E731
    C.dense_forward(buf(out), buf(x), buf(w), None, B, Cin, OC)
    np.testing.assert_allclose(out, x @ w.T, atol=1e-5, rtol=1e-5)
    C.dense_backward(None, None, buf(db), buf(g), buf(x), buf(w), B, Cin, OC)
    np.testing.assert_allclose(db, g.sum(0), atol=1e-5, rtol=1e-5)


def test_linear_shape_errors():
    x = pdg.randn(4, 5)
    with pytest.raises(ValueError, match=r"linear: input shape \(4, 5\) and weight shape \(3, 6\)"):
        F.linear(x, pdg.randn(3, 6))
    with pytest.raises(ValueError, match=r"weight must be 2-D.*\(3,\)"):
        F.linear(x, pdg.randn(3))
    with pytest.raises(ValueError, match=r"bias shape \(4,\) does not match weight shape \(3, 5\)"):
        F.linear(x, pdg.randn(3, 5), pdg.randn(4))
    with pytest.raises(TypeError, match="share a dtype"):
        F.linear(x, pdg.randn(3, 5, dtype=pdg.float64))
    with pytest.raises(TypeError, match="must be a Tensor"):
        F.linear(x, np.zeros((3, 5), np.float32))
    small = C.empty(3, 0)
    with pytest.raises(ValueError, match=r"dense_forward: .*weight \(OC, C\)"):
        C.dense_forward(C.empty(8, 0), C.empty(20, 0), small, None, 4, 5, 2)


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4, 19)).astype(np.float32)
    w = rng.standard_normal((23, 19)).astype(np.float32)
    b = rng.standard_normal(23).astype(np.float32)
    g = rng.standard_normal((3, 4, 23)).astype(np.float32)
    px, pw, pb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    torch.nn.functional.linear(px, pw, pb).backward(torch.tensor(g))
    tx, tw, tb = (pdg.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.linear(tx, tw, tb)
    y.backward(pdg.tensor(g))
    ty = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b))
    np.testing.assert_allclose(y.detach().numpy(), ty.numpy(), atol=1e-4, rtol=1e-4)
    for ours, theirs in ((tx, px), (tw, pw), (tb, pb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("shape", [(64, 256, 10), (8, 300, 700)])
def test_linear_backward_same_on_1_and_2_threads(shape):
    """Small layers run dx and dweight side by side on 2 threads, larger ones split each
    GEMM: both must agree with the 1-thread result (and with NumPy)."""
    B, Cin, OC = shape
    x = rng.standard_normal((B, Cin)).astype(np.float32)
    w = rng.standard_normal((OC, Cin)).astype(np.float32)
    b = rng.standard_normal(OC).astype(np.float32)
    g = rng.standard_normal((B, OC)).astype(np.float32)
    old = pdg.get_num_threads()
    grads = []
    try:
        for nt in (1, 2):
            pdg.set_num_threads(nt)
            tx, tw, tb = (pdg.tensor(a, requires_grad=True) for a in (x, w, b))
            F.linear(tx, tw, tb).backward(pdg.tensor(g))
            grads.append([t.grad.numpy() for t in (tx, tw, tb)])
    finally:
        pdg.set_num_threads(old)
    _, rdx, rdw, rdb = _numpy_linear(x, w, b, g)
    for one, two, ref in zip(grads[0], grads[1], (rdx, rdw, rdb)):
        np.testing.assert_allclose(two, one, rtol=1e-6, atol=1e-5)
        np.testing.assert_allclose(one, ref, rtol=1e-3, atol=1e-3)
