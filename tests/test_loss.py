"""Losses: forward vs NumPy float64 references, gradcheck for each variant, PyTorch
cross-check of every variant (weights, ignore_index, label smoothing, probability
targets, reductions), PyTorch's mean semantics, bad input."""

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()
REDS = ["mean", "sum", "none"]


def _reduce(l, red, denom=None):
    if red == "none":
        return l
    s = l.sum()
    return s / (l.size if denom is None else denom) if red == "mean" else s


def t64(a, grad=False):
    return pdg.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# -- elementwise losses ----------------------------------------------------------------

def np_pointwise(name, x, t, w=None, pw=None, beta=1.0):
    d = x - t
    if name == "mse_loss":
        return d * d
    if name == "l1_loss":
        return np.abs(d)
    if name == "smooth_l1_loss":
        return np.where(np.abs(d) < beta, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)
    if name == "huber_loss":
        return np.where(np.abs(d) < beta, 0.5 * d * d, beta * (np.abs(d) - 0.5 * beta))
    w = 1.0 if w is None else w
    if name == "binary_cross_entropy":
        return -w * (t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    lw = 1.0 if pw is None else (pw - 1) * t + 1
    return w * ((1 - t) * x + lw * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)))


def _inputs(name, shape):
    if name == "binary_cross_entropy":
        return rng.uniform(0.02, 0.98, shape), rng.uniform(0, 1, shape)
    if name == "binary_cross_entropy_with_logits":
        return rng.standard_normal(shape) * 3, rng.uniform(0, 1, shape)
    return rng.standard_normal(shape) * 2, rng.standard_normal(shape) * 2


def _call(name, x, t, red, extra):
    kw = dict(extra)
    if name in ("smooth_l1_loss",) and "beta" in kw:
        pass
    if name == "huber_loss" and "beta" in kw:
        kw["delta"] = kw.pop("beta")
    return getattr(F, name)(x, t, reduction=red, **kw)


POINTWISE = [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.7}),
             ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {"beta": 1.3}),
             ("binary_cross_entropy", {}), ("binary_cross_entropy", {"weight": True}),
             ("binary_cross_entropy_with_logits", {}),
             ("binary_cross_entropy_with_logits", {"weight": True, "pos_weight": True})]


def _materialize(extra, shape):
    out, np_kw = {}, {}
    for k, v in extra.items():
        if v is True:
            arr = rng.uniform(0.2, 2.0, shape[-1:])
            out[k], np_kw["pw" if k == "pos_weight" else "w"] = t64(arr), arr
        else:
            out[k] = v
            np_kw["beta"] = v
    return out, np_kw


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy reference: 0/0 on empty, beta=0
@pytest.mark.parametrize("name,extra", POINTWISE)
@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("shape", [(4, 5), (0, 3), (7,)])
def test_pointwise_forward(name, extra, red, shape):
    a, b = _inputs(name, shape)
    kw, np_kw = _materialize(extra, shape)
    out = _call(name, t64(a), t64(b), red, kw)
    ref = _reduce(np_pointwise(name, a, b, **np_kw), red)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)
    # float32 too
    out32 = _call(name, pdg.tensor(a.astype(np.float32)), pdg.tensor(b.astype(np.float32)), red,
                  {k: (v.float() if isinstance(v, pdg.Tensor) else v) for k, v in kw.items()})
    assert out32.dtype == pdg.float32
    np.testing.assert_allclose(out32.numpy(), ref, rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("name,extra", POINTWISE)
@pytest.mark.parametrize("red", REDS)
def test_pointwise_gradcheck(name, extra, red):
    a, b = _inputs(name, (3, 4))
    if name in ("l1_loss", "smooth_l1_loss", "huber_loss"):
        b = a + np.where(rng.uniform(size=a.shape) < 0.5, -1, 1) * rng.uniform(0.1, 3.0, a.shape)
        b[np.abs(np.abs(a - b) - extra.get("beta", 1.0)) < 0.05] += 0.2
    kw, _ = _materialize(extra, (3, 4))
    x, t = t64(a, True), t64(b, True)
    assert gradcheck(lambda x, t: _call(name, x, t, red, kw), (x, t))


def test_pointwise_non_contiguous_and_broadcast():
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 5))
    out = F.mse_loss(t64(a), t64(b).T)
    np.testing.assert_allclose(out.item(), ((a - b.T) ** 2).mean(), rtol=1e-12)
    with pytest.warns(UserWarning, match="broadcast"):
        out = F.l1_loss(t64(a), t64(b[:, 0]))
    np.testing.assert_allclose(out.item(), np.abs(a - b[:, 0]).mean(), rtol=1e-12)


def test_pointwise_nan_and_empty():
    out = F.mse_loss(t64([1.0, np.nan]), t64([0.0, 0.0]), reduction="none").numpy()
    assert out[0] == 1.0 and np.isnan(out[1])
    assert np.isnan(F.mse_loss(t64([]), t64([])).item())
    assert F.mse_loss(t64([]), t64([]), reduction="sum").item() == 0.0


def test_bce_clamp_and_bad_values():
    out = F.binary_cross_entropy(t64([0.0, 1.0]), t64([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(out.numpy(), [100.0, 100.0])
    with pytest.raises(ValueError, match="input should be between 0 and 1"):
        F.binary_cross_entropy(t64([1.5]), t64([1.0]))
    with pytest.raises(ValueError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(t64([0.5]), t64([-0.1]))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy(t64([0.5, 0.5]), t64([1.0]))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(t64([1.0]), t64([1.0]), reduction="avg")
    with pytest.raises(ValueError, match="weight of shape"):
        F.binary_cross_entropy_with_logits(t64([[0.5, 0.5]]), t64([[1.0, 0.0]]), weight=t64([1.0, 2.0, 3.0]))
    x = F.binary_cross_entropy_with_logits(t64([800.0, -800.0]), t64([0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(x.numpy(), [800.0, 800.0])


# -- class losses ----------------------------------------------------------------------

def np_ce(x, t, w=None, ignore=-100, eps=0.0, red="mean"):
    """x (N, C, ...) logits; t int (N, ...) or float (N, C, ...)."""
    ls = x - x.max(1, keepdims=True)
    ls = ls - np.log(np.exp(ls).sum(1, keepdims=True))
    C = x.shape[1]
    wv = np.ones(C) if w is None else w
    wb = wv.reshape((1, C) + (1,) * (x.ndim - 2))
    if t.dtype.kind == "f":
        tt = t * (1 - eps) + eps / C
        l = -(ls * tt * wb).sum(1)
        return _reduce(l, red, l.size)
    valid = t != ignore
    tc = np.where(valid, t, 0)
    logp_t = np.take_along_axis(ls, tc[:, None], 1)[:, 0]
    wt = wv[tc] * valid
    l = -(1 - eps) * wt * logp_t - eps / C * (ls * wb).sum(1) * valid
    return _reduce(l, red, wt.sum())


CE_CASES = [dict(), dict(w=True), dict(ignore=True), dict(w=True, ignore=True, eps=0.1), dict(eps=0.25)]


@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2, 3)])
def test_cross_entropy_forward_and_grad(case, red, shape):
    x = rng.standard_normal(shape) * 3
    C = shape[1]
    t = rng.integers(0, C, (shape[0],) + shape[2:])
    if case.get("ignore"):
        t.flat[::3] = 7
    w = rng.uniform(0.5, 2, C) if case.get("w") else None
    kw = dict(weight=None if w is None else t64(w), ignore_index=7 if case.get("ignore") else -100,
              label_smoothing=case.get("eps", 0.0), reduction=red)
    out = F.cross_entropy(t64(x), pdg.tensor(t), **kw)
    ref = np_ce(x, t, w, 7 if case.get("ignore") else -100, case.get("eps", 0.0), red)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)
    xs = x[:2, :, ...][..., :1] if len(shape) > 2 else x[:3]
    ts = (t[:2, ..., :1] if len(shape) > 2 else t[:3]).copy()
    ts.flat[-1] = 0  # at least one counted target, or 'mean' is 0/0
    assert gradcheck(lambda v: F.cross_entropy(v, pdg.tensor(ts), **kw), (t64(xs, True),))
    # nll_loss on log_softmax gives the same loss without smoothing
    if not case.get("eps"):
        nl = F.nll_loss(F.log_softmax(t64(x), 1), pdg.tensor(t), weight=kw["weight"],
                        ignore_index=kw["ignore_index"], reduction=red)
        np.testing.assert_allclose(nl.numpy(), ref, rtol=1e-12, atol=1e-12)
        assert gradcheck(lambda v: F.nll_loss(v, pdg.tensor(ts), weight=kw["weight"],
                                              ignore_index=kw["ignore_index"], reduction=red), (t64(xs, True),))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_prob_targets(red, eps, weighted):
    x = rng.standard_normal((4, 5, 2))
    p = rng.uniform(size=(4, 5, 2))
    p /= p.sum(1, keepdims=True)
    w = rng.uniform(0.5, 2, 5) if weighted else None
    kw = dict(weight=None if w is None else t64(w), label_smoothing=eps, reduction=red)
    out = F.cross_entropy(t64(x), t64(p), **kw)
    np.testing.assert_allclose(out.numpy(), np_ce(x, p, w, eps=eps, red=red), rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, **kw), (t64(x[:2], True), t64(p[:2], True)))


def test_cross_entropy_unbatched_float32_and_special():
    x = rng.standard_normal(6).astype(np.float32)
    out = F.cross_entropy(pdg.tensor(x), pdg.tensor(2))
    assert out.shape == () and out.dtype == pdg.float32
    np.testing.assert_allclose(out.item(), np_ce(x[None].astype(np.float64), np.array([2])), rtol=1e-6)
    big = pdg.tensor([[1e4, 0.0, -1e4]])
    assert np.isfinite(F.cross_entropy(big, pdg.tensor([2])).item())
    allign = F.cross_entropy(pdg.randn(3, 4), pdg.tensor([-100, -100, -100]))
    assert np.isnan(allign.item())  # 0 / 0 like PyTorch
    x = pdg.randn(3, 4, requires_grad=True)
    F.cross_entropy(x, pdg.tensor([-100, -100, -100]), reduction="sum").backward()
    assert np.all(x.grad.numpy() == 0)


def test_class_loss_bad_input():
    x = pdg.randn(4, 3)
    with pytest.raises(IndexError, match=r"target 3 is out of bounds for 3 classes"):
        F.cross_entropy(x, pdg.tensor([0, 1, 3, 0]))
    with pytest.raises(IndexError, match=r"target -1 is out of bounds"):
        F.nll_loss(x, pdg.tensor([0, -1, 2, 0]))
    with pytest.raises(ValueError, match=r"expected target of shape \(4,\)"):
        F.cross_entropy(x, pdg.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        F.cross_entropy(x, pdg.randn(4, 2))
    with pytest.raises(TypeError, match="int64"):
        F.cross_entropy(x, pdg.tensor([0, 1, 2, 0], dtype=pdg.uint8))
    with pytest.raises(ValueError, match="weight must have shape"):
        F.cross_entropy(x, pdg.tensor([0, 1, 2, 0]), weight=pdg.ones(4))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, pdg.tensor([0, 1, 2, 0]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        F.cross_entropy(pdg.tensor(1.0), pdg.tensor(0))
    with pytest.raises(TypeError, match="nll_loss"):
        F.nll_loss(x, pdg.randn(4, 3))


# -- PyTorch cross-check ---------------------------------------------------------------

@pytest.mark.parametrize("name,extra", POINTWISE)
@pytest.mark.parametrize("red", REDS)
def test_pointwise_vs_torch(name, extra, red):
    torch = pytest.importorskip("torch")
    a, b = _inputs(name, (5, 3))
    kw, _ = _materialize(extra, (5, 3))
    tkw = {k: (torch.tensor(v.numpy()) if isinstance(v, pdg.Tensor) else v) for k, v in kw.items()}
    if name == "huber_loss" and "beta" in tkw:
        tkw["delta"] = tkw.pop("beta")
    x, t = t64(a, True), t64(b, True)
    xt, tt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out = _call(name, x, t, red, kw)
    ref = getattr(torch.nn.functional, name)(xt, tt, reduction=red, **tkw)
    g = rng.standard_normal(ref.shape)
    out.backward(t64(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CE_CASES + [dict(prob=True), dict(prob=True, w=True, eps=0.3)])
@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_nll_vs_torch(case, red, dtype):
    torch = pytest.importorskip("torch")
    shape = (5, 4, 3)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    if case.get("prob"):
        t = rng.uniform(size=shape).astype(dtype)
        t /= t.sum(1, keepdims=True)
    else:
        t = rng.integers(0, 4, (5, 3))
        if case.get("ignore"):
            t.flat[::4] = 1
    w = rng.uniform(0.5, 2, 4).astype(dtype) if case.get("w") else None
    kw = dict(label_smoothing=case.get("eps", 0.0), reduction=red)
    if case.get("ignore"):
        kw["ignore_index"] = 1
    xp, xt = pdg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = F.cross_entropy(xp, pdg.tensor(t), weight=None if w is None else pdg.tensor(w), **kw)
    ref = torch.nn.functional.cross_entropy(xt, torch.tensor(t), weight=None if w is None else torch.tensor(w), **kw)
    g = rng.standard_normal(ref.shape).astype(dtype)
    out.backward(pdg.tensor(g))
    ref.backward(torch.tensor(g))
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == "float32" else dict(rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    np.testing.assert_allclose(xp.grad.numpy(), xt.grad.numpy(), **tol)
    if not case.get("prob") and not case.get("eps"):
        kw.pop("label_smoothing")
        lp = (xt.detach().log_softmax(1)).numpy()
        a, at = pdg.tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
        out = F.nll_loss(a, pdg.tensor(t), weight=None if w is None else pdg.tensor(w), **kw)
        ref = torch.nn.functional.nll_loss(at, torch.tensor(t), weight=None if w is None else torch.tensor(w), **kw)
        out.backward(pdg.tensor(g))
        ref.backward(torch.tensor(g))
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
        np.testing.assert_allclose(a.grad.numpy(), at.grad.numpy(), **tol)
