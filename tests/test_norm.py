"""Normalization (csrc/cpu/norm.cpp): batch/layer/group norm forward and exact backward
against NumPy float64 formulas written here, running statistics, float64 gradchecks,
a torch cross-check (incl. running stats), errors, and the layers."""

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()


def _t(a, grad=False, dtype=pdg.float64):
    return pdg.tensor(a, dtype=dtype, requires_grad=grad)


def np_norm_vjp(x, axes, w_b_shape, w, b, eps, dy):
    """Normalise x over `axes`; w/b broadcast as w_b_shape. Returns out, dx, dw, db."""
    m = x.mean(axis=axes, keepdims=True)
    v = x.var(axis=axes, keepdims=True)
    rs = 1 / np.sqrt(v + eps)
    xh = (x - m) * rs
    W = w.reshape(w_b_shape) if w is not None else 1.0
    B = b.reshape(w_b_shape) if b is not None else 0.0
    out = xh * W + B
    dyw = dy * W
    n = np.prod([x.shape[a] for a in axes])
    dx = rs * (dyw - dyw.sum(axis=axes, keepdims=True) / n
               - xh * (dyw * xh).sum(axis=axes, keepdims=True) / n)
    red = tuple(i for i in range(x.ndim) if w_b_shape[i] == 1) if w is not None else None
    dw = (dy * xh).sum(axis=red).reshape(w.shape) if w is not None else None
    db = dy.sum(axis=red).reshape(w.shape) if w is not None else None
    return out, dx, dw, db


@pytest.mark.parametrize("shape", [(2, 1), (7, 3), (4, 3, 5), (2, 3, 5, 7), (3, 1, 1, 1), (1, 4, 3, 3)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_train_vs_numpy(shape, affine):
    x = rng.standard_normal(shape) * 3 + 1
    C = shape[1]
    w = rng.standard_normal(C) if affine else None
    b = rng.standard_normal(C) if affine else None
    dy = rng.standard_normal(shape)
    axes = tuple(i for i in range(len(shape)) if i != 1)
    wb = tuple(C if i == 1 else 1 for i in range(len(shape)))
    ref, dx, dw, db = np_norm_vjp(x, axes, wb, w, b, 1e-5, dy)
    rm0, rv0 = rng.standard_normal(C), rng.random(C) + 0.5
    rm, rv = _t(rm0), _t(rv0)
    tx = _t(x, True)
    tw = _t(w, True) if affine else None
    tb = _t(b, True) if affine else None
    y = F.batch_norm(tx, rm, rv, tw, tb, training=True, momentum=0.3, eps=1e-5)
    y.backward(pdg.tensor(dy))
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(tx.grad.numpy(), dx, rtol=1e-9, atol=1e-9)
    if affine:
        np.testing.assert_allclose(tw.grad.numpy(), dw, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(tb.grad.numpy(), db, rtol=1e-10, atol=1e-10)
    n = x.size // C
    np.testing.assert_allclose(rm.numpy(), 0.7 * rm0 + 0.3 * x.mean(axis=axes), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 0.7 * rv0 + 0.3 * x.var(axis=axes) * n / (n - 1), rtol=1e-12)


def test_batch_norm_eval_uses_running_stats():
    x = rng.standard_normal((4, 3, 5, 5))
    rm, rv = rng.standard_normal(3), rng.random(3) + 0.5
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    tx, tw, tb = _t(x, True), _t(w, True), _t(b, True)
    y = F.batch_norm(tx, _t(rm), _t(rv), tw, tb, training=False, eps=1e-3)
    s = (1, 3, 1, 1)
    ref = (x - rm.reshape(s)) / np.sqrt(rv.reshape(s) + 1e-3) * w.reshape(s) + b.reshape(s)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(x.shape)
    y.backward(pdg.tensor(dy))
    np.testing.assert_allclose(tx.grad.numpy(), dy * (w / np.sqrt(rv + 1e-3)).reshape(s), rtol=1e-12)
    np.testing.assert_allclose(tw.grad.numpy(),
                               (dy * (x - rm.reshape(s)) / np.sqrt(rv.reshape(s) + 1e-3)).sum((0, 2, 3)),
                               rtol=1e-10)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, _t(rm), _t(rv), w, b, False), (tx, tw, tb))


@pytest.mark.parametrize("shape,ns", [((3, 5), (5,)), ((2, 3, 7), (7,)), ((2, 3, 4, 5), (4, 5)),
                                      ((4, 1), (1,)), ((2, 70), (70,))])
def test_layer_norm_vs_numpy(shape, ns):
    x = rng.standard_normal(shape) * 2 - 1
    w, b = rng.standard_normal(ns), rng.standard_normal(ns)
    dy = rng.standard_normal(shape)
    axes = tuple(range(len(shape) - len(ns), len(shape)))
    wb = (1,) * (len(shape) - len(ns)) + ns
    ref, dx, dw, db = np_norm_vjp(x, axes, wb, w, b, 1e-5, dy)
    tx, tw, tb = _t(x, True), _t(w, True), _t(b, True)
    y = F.layer_norm(tx, ns, tw, tb)
    y.backward(pdg.tensor(dy))
    for a, e in ((y, ref), (tx.grad, dx), (tw.grad, dw), (tb.grad, db)):
        np.testing.assert_allclose(a.detach().numpy(), e, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("shape,G", [((2, 6, 5, 5), 3), ((3, 4, 7), 4), ((1, 8, 3, 3), 1),
                                     ((2, 5, 1, 1), 5), ((4, 6), 2)])
def test_group_norm_vs_numpy(shape, G):
    x = rng.standard_normal(shape) + 0.5
    N, C = shape[:2]
    w, b = rng.standard_normal(C), rng.standard_normal(C)
    dy = rng.standard_normal(shape)
    xg = x.reshape(N, G, -1)

    # per-channel affine applied after normalising (N, G, rest)
    m = xg.mean(2, keepdims=True)
    rs = 1 / np.sqrt(xg.var(2, keepdims=True) + 1e-5)
    xh = ((xg - m) * rs).reshape(shape)
    s = (1, C) + (1,) * (len(shape) - 2)
    ref = xh * w.reshape(s) + b.reshape(s)
    dyw = (dy * w.reshape(s)).reshape(N, G, -1)
    xhg = xh.reshape(N, G, -1)
    L = xhg.shape[2]
    dx = (rs * (dyw - dyw.sum(2, keepdims=True) / L - xhg * (dyw * xhg).sum(2, keepdims=True) / L)).reshape(shape)
    red = tuple(i for i in range(len(shape)) if i != 1)
    tx, tw, tb = _t(x, True), _t(w, True), _t(b, True)
    y = F.group_norm(tx, G, tw, tb)
    y.backward(pdg.tensor(dy))
    for a, e in ((y, ref), (tx.grad, dx), (tw.grad, (dy * xh).sum(red)), (tb.grad, dy.sum(red))):
        np.testing.assert_allclose(a.detach().numpy(), e, rtol=1e-9, atol=1e-9)


def test_norm_gradcheck_float64():
    x = _t(rng.standard_normal((3, 4, 2, 3)), True)
    w, b = _t(rng.standard_normal(4), True), _t(rng.standard_normal(4), True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (x, w, b))
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))
    w3, b3 = _t(rng.standard_normal((2, 3)), True), _t(rng.standard_normal((2, 3)), True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (2, 3), w, b), (x, w3, b3))
    assert gradcheck(lambda x: F.layer_norm(x, 3), (x,))


def test_norm_float32():
    x = rng.standard_normal((16, 8, 12, 12)).astype(np.float32) * 5 + 3
    y = F.batch_norm(pdg.tensor(x), None, None, training=True).numpy()
    ref = (x - x.mean((0, 2, 3), keepdims=True)) / np.sqrt(x.var((0, 2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
    y = F.group_norm(pdg.tensor(x), 4).numpy()
    assert y.dtype == np.float32 and abs(y.reshape(16, 4, -1).mean(2)).max() < 1e-4


def test_norm_vs_torch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    x = rng.standard_normal((5, 6, 4, 3))
    w, b = rng.standard_normal(6), rng.standard_normal(6)
    rm, rv = rng.standard_normal(6), rng.random(6) + 0.1
    dy = rng.standard_normal(x.shape)
    cases = [
        ("bn_train", lambda x, w, b, r: F.batch_norm(x, *r, w, b, True, 0.2, 1e-4),
         lambda x, w, b, r: tF.batch_norm(x, *r, w, b, True, 0.2, 1e-4)),
        ("bn_eval", lambda x, w, b, r: F.batch_norm(x, *r, w, b, False),
         lambda x, w, b, r: tF.batch_norm(x, *r, w, b, False)),
        ("gn", lambda x, w, b, r: F.group_norm(x, 3, w, b, 1e-3),
         lambda x, w, b, r: tF.group_norm(x, 3, w, b, 1e-3)),
        ("ln", lambda x, w, b, r: F.layer_norm(x, (3,), w[:3], b[:3]),
         lambda x, w, b, r: tF.layer_norm(x, (3,), w[:3], b[:3])),
    ]
    for name, pf, tf in cases:
        px, pw, pb = _t(x, True), _t(w, True), _t(b, True)
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        pr, tr = (_t(rm), _t(rv)), (torch.tensor(rm), torch.tensor(rv))
        py, ty = pf(px, pw, pb, pr), tf(tx, tw, tb, tr)
        py.backward(pdg.tensor(dy))
        ty.backward(torch.tensor(dy))
        for a, e in ((py, ty), (px.grad, tx.grad), (pw.grad, tw.grad), (pb.grad, tb.grad),
                     (pr[0], tr[0]), (pr[1], tr[1])):
            np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), rtol=1e-9, atol=1e-9,
                                       err_msg=name)


def test_norm_errors():
    x = pdg.randn(2, 6, 3, 3)
    with pytest.raises(ValueError, match="batch_norm: expected weight of shape"):
        F.batch_norm(x, None, None, pdg.ones(5), training=True)
    with pytest.raises(ValueError, match="batch_norm: running_mean and running_var are required"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match="batch_norm: expected more than 1 value per channel"):
        F.batch_norm(pdg.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="group_norm: channels 6 .* divisible by num_groups 4"):
        F.group_norm(x, 4)
    with pytest.raises(ValueError, match="layer_norm: normalized_shape"):
        F.layer_norm(x, (4,))
    with pytest.raises(ValueError, match="layer_norm: expected weight of shape"):
        F.layer_norm(x, (3,), pdg.ones(4))
    with pytest.raises(ValueError, match="batch_norm: expected an input of at least 2 dims"):
        F.batch_norm(pdg.randn(4), None, None, training=True)


def test_batchnorm_module():
    m = pdg.nn.BatchNorm2d(3, momentum=None)
    x1, x2 = pdg.randn(4, 3, 5, 5) * 2 + 1, pdg.randn(4, 3, 5, 5)
    m(x1)
    m(x2)
    mean = (x1.numpy().mean((0, 2, 3)) + x2.numpy().mean((0, 2, 3))) / 2  # cumulative average
    np.testing.assert_allclose(m.running_mean.numpy(), mean, rtol=1e-5, atol=1e-6)
    assert int(m.num_batches_tracked.item()) == 2
    m.eval()
    y = m(x1).detach().numpy()
    ref = (x1.numpy() - m.running_mean.numpy().reshape(1, 3, 1, 1)) / np.sqrt(
        m.running_var.numpy().reshape(1, 3, 1, 1) + 1e-5)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="BatchNorm2d: expected a 4-d input"):
        m(pdg.randn(4, 3))
    m1 = pdg.nn.BatchNorm1d(5)
    assert m1(pdg.randn(8, 5)).shape == (8, 5) and m1(pdg.randn(8, 5, 3)).shape == (8, 5, 3)
    assert sorted(dict(m1.named_parameters())) == ["bias", "weight"]
    assert "running_var" in m1.state_dict()
    ln = pdg.nn.LayerNorm((4, 5))
    assert ln.weight.shape == (4, 5) and ln(pdg.randn(2, 4, 5)).shape == (2, 4, 5)
    gn = pdg.nn.GroupNorm(2, 6)
    y = gn(pdg.randn(3, 6, 4, 4, requires_grad=True))
    y.sum().backward()
    assert gn.weight.grad.shape == (6,)
    assert np.allclose(gn.bias.grad.numpy(), 3 * 16)


NORM_VARIANTS = [name for name, _, ok in pdg._C.norm_variants() if ok]


@pytest.mark.parametrize("variant", NORM_VARIANTS)
@pytest.mark.parametrize("shape", [(3, 4, 9, 9), (2, 6, 5, 7), (5, 8, 1, 1), (2, 2, 13, 11)])
def test_norm_variants_float32_vs_float64(variant, shape):
    """Each norm rung in float32 (the avx512 rung only runs for float32, with 16-lane row
    loops, unrolled by 64 and masked tails: rows of 1, 35, 81, 143) against the float64
    kernels, which the NumPy tests above check."""
    x = rng.standard_normal(shape) * 3 + 2
    dy = rng.standard_normal(shape)
    C = shape[1]
    w, b = rng.standard_normal(C), rng.standard_normal(C)
    lw, lb = rng.standard_normal(shape[2:]), rng.standard_normal(shape[2:])
    fns = [lambda x, w, b, lw, lb: F.batch_norm(x, None, None, w, b, True),
           lambda x, w, b, lw, lb: F.group_norm(x, 2, w, b),
           lambda x, w, b, lw, lb: F.layer_norm(x, shape[2:], lw, lb)]
    prev = pdg._C.get_norm_variant()
    try:
        for fn in fns:
            res = {}
            for dtype in (pdg.float64, pdg.float32):
                pdg._C.set_norm_variant("01_plain" if dtype is pdg.float64 else variant)
                ts = [_t(a, True, dtype) for a in (x, w, b, lw, lb)]
                y = fn(*ts)
                y.backward(pdg.tensor(dy, dtype=dtype))
                res[dtype] = [y.detach().numpy()] + [t.grad.numpy() for t in ts if t.grad is not None]
            assert len(res[pdg.float32]) == len(res[pdg.float64]) == 4  # y, dx and two param grads
            for got, ref in zip(res[pdg.float32], res[pdg.float64]):
                np.testing.assert_allclose(got, ref, rtol=2e-4, atol=2e-4)
    finally:
        pdg._C.set_norm_variant(prev)


def test_norm_variant_errors():
    with pytest.raises(ValueError, match="norm: unknown variant"):
        pdg._C.set_norm_variant("nope")
