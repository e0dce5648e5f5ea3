"""Unary math ops and the vecmath SIMD rungs: forward vs NumPy float64, gradcheck,
NaN/inf, empty/0-d/non-contiguous inputs, in-place variants, bad input."""

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.ops import unary as U
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()

# name -> (pdg fn, numpy reference, domain sampler)
_pos = lambda s: rng.uniform(0.1, 5.0, s)  # noqa: E731
_any = lambda s: rng.standard_normal(s) * 3  # noqa: E731
OPS = {
    "neg": (pdg.neg, np.negative, _any),
    "abs": (pdg.abs, np.abs, _any),
    "sign": (pdg.sign, np.sign, _any),
    "square": (pdg.square, np.square, _any),
    "exp": (pdg.exp, np.exp, _any),
    "log": (pdg.log, np.log, _pos),
    "log1p": (pdg.log1p, np.log1p, _pos),
    "expm1": (pdg.expm1, np.expm1, _any),
    "sqrt": (pdg.sqrt, np.sqrt, _pos),
    "rsqrt": (pdg.rsqrt, lambda a: 1 / np.sqrt(a), _pos),
    "reciprocal": (pdg.reciprocal, np.reciprocal, _pos),
    "sin": (pdg.sin, np.sin, _any),
    "cos": (pdg.cos, np.cos, _any),
    "clamp": (lambda t: pdg.clamp(t, -1.0, 0.5), lambda a: np.clip(a, -1.0, 0.5), _any),
}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7, 13), (1,), (), (0, 3), (100003,)])
def test_forward_vs_numpy(name, dtype, shape):
    fn, ref, sample = OPS[name]
    a = sample(shape).astype(dtype)
    out = fn(pdg.tensor(a))
    assert out.dtype.numpy == dtype and out.shape == shape
    tol = dict(rtol=2e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.numpy(), ref(a.astype(np.float64)), **tol)


@pytest.mark.parametrize("name", sorted(OPS))
def test_non_contiguous(name):
    fn, ref, sample = OPS[name]
    a = sample((6, 10))
    t = pdg.tensor(a).T[::2]
    np.testing.assert_allclose(fn(t).numpy(), ref(a.T[::2]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(set(OPS) - {"sign"}))
def test_gradcheck(name):
    fn, _, sample = OPS[name]
    a = sample((3, 4))
    if name == "clamp":  # keep away from the kinks, where finite differences are wrong
        a = a[np.abs(np.abs(a + 0.25) - 0.75) > 0.05][:6]
    elif name == "abs":
        a = a[np.abs(a) > 0.05]
    assert gradcheck(fn, (pdg.tensor(a, requires_grad=True, dtype=pdg.float64),))


def test_backward_rules_at_kinks():
    x = pdg.tensor([-1.0, 0.0, 0.5, 2.0, float("nan")], dtype=pdg.float64, requires_grad=True)
    pdg.clamp(x, -1.0, 0.5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 1, 0, 0])  # bounds included, NaN -> 0
    x.grad = None
    pdg.abs(x).sum().backward()
    g = x.grad.numpy()
    np.testing.assert_array_equal(g[:4], [-1, 0, 1, 1])
    x.grad = None
    pdg.sign(x).sum().backward()
    assert np.all(x.grad.numpy() == 0)


def test_nan_inf_propagation():
    a = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, -1.0], dtype=np.float32)
    with np.errstate(all="ignore"):
        for name in ("exp", "log", "sqrt", "expm1", "log1p", "abs", "neg", "sign"):
            fn, ref, _ = OPS[name]
            np.testing.assert_allclose(fn(pdg.tensor(a)).numpy(), ref(a), rtol=3e-7, err_msg=name)
        np.testing.assert_array_equal(pdg.clamp(pdg.tensor(a), -1, 1).numpy(), np.clip(a, -1, 1))


def _ulp_err(got, ref64):
    ref32 = ref64.astype(np.float32)
    spacing = np.spacing(np.abs(ref32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - ref64) / spacing


@pytest.mark.parametrize("variant", ["scalar", "avx2", "avx512"])
def test_vecmath_accuracy_and_specials(variant):
    """Every rung within 1 ulp (exp, log) or 3 ulp (tanh, sigmoid) of float64 (glibc tanhf
    measures 2.2, the sigmoid formula 2.6 on every rung),
    with NaN/inf/0/subnormal handling equal to the C library's."""
    xs = np.concatenate([rng.uniform(-100, 100, 20000), rng.uniform(-3, 3, 20000),
                         rng.uniform(-1e-3, 1e-3, 2000)]).astype(np.float32)
    pos = np.exp(rng.uniform(-87, 88, 20000)).astype(np.float32)
    pos = np.concatenate([pos, np.float32([1e-45, 1e-40, 1.17549435e-38, 3.4e38, 1.0])])
    prev = U.get_math_variant()
    U.set_math_variant(variant)
    try:
        x64 = xs.astype(np.float64)
        cases = [
            ("exp", pdg.exp(pdg.tensor(xs)).numpy(), np.exp(x64)),
            ("tanh", pdg.tanh(pdg.tensor(xs)).numpy(), np.tanh(x64)),
            ("sigmoid", pdg.sigmoid(pdg.tensor(xs)).numpy(), 1 / (1 + np.exp(-x64))),
            ("log", pdg.log(pdg.tensor(pos)).numpy(), np.log(pos.astype(np.float64))),
        ]
        for name, got, ref in cases:
            # ulp measure is meaningless for subnormal or overflowing results
            ok = (np.abs(ref) > 1.2e-38) & (np.abs(ref) < 3.4e38)
            err = _ulp_err(got[ok], ref[ok])
            assert np.all(np.isinf(got[ref >= 3.41e38])), (variant, name)
            assert err.max() <= (1.0 if name in ("exp", "log") else 3.0), (variant, name, err.max())
        sp = np.float32([np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0, 89.0, -104.0, 1e-45])
        with np.errstate(all="ignore"):
            for f, r in ((pdg.exp, np.exp), (pdg.log, np.log), (pdg.tanh, np.tanh)):
                np.testing.assert_allclose(f(pdg.tensor(sp)).numpy(), r(sp), rtol=3e-7, atol=0)
            np.testing.assert_array_equal(pdg.sigmoid(pdg.tensor(sp[:5])).numpy(), [np.nan, 1, 0, 0.5, 0.5])
    finally:
        U.set_math_variant("auto")
    assert U.get_math_variant() == prev


def test_int_promotion_and_dtypes():
    t = pdg.tensor([1, -2, 3])
    assert pdg.exp(t).dtype == pdg.float32
    assert pdg.sqrt(pdg.tensor([True, False])).dtype == pdg.float32
    assert pdg.abs(t).dtype == pdg.int64 and pdg.abs(t).tolist() == [1, 2, 3]
    assert (-t).tolist() == [-1, 2, -3]
    assert pdg.clamp(t, 0, 2).tolist() == [1, 0, 2] and pdg.clamp(t, 0, 2).dtype == pdg.int64
    assert pdg.clamp(t, max=0).tolist() == [0, -2, 0]
    assert pdg.clamp(t, 0.5).dtype == pdg.float32
    assert pdg.sign(t).tolist() == [1, -1, 1] and pdg.square(t).tolist() == [1, 4, 9]


def test_methods_and_inplace():
    a = rng.standard_normal((4, 5))
    t = pdg.tensor(a)
    np.testing.assert_allclose(t.exp().numpy(), np.exp(a))
    np.testing.assert_allclose(abs(t).numpy(), np.abs(a))
    np.testing.assert_allclose(t.clip(-0.1, 0.1).numpy(), np.clip(a, -0.1, 0.1))
    u = pdg.tensor(a)
    assert u.exp_() is u
    np.testing.assert_allclose(u.numpy(), np.exp(a))
    v = pdg.tensor(a).T  # non-contiguous in-place
    v.clamp_(min=0.0)
    np.testing.assert_allclose(v.numpy(), np.clip(a.T, 0, None))
    w = pdg.tensor(a)
    w[1].abs_()
    np.testing.assert_allclose(w.numpy()[1], np.abs(a[1]))
    np.testing.assert_allclose(w.numpy()[0], a[0])


def test_inplace_autograd():
    a = rng.uniform(0.5, 2.0, (3, 4))
    x = pdg.tensor(a, requires_grad=True)
    y = x + 0.0  # (mul would save its result, which the in-place ops then modify)
    y.sin_()  # needs its input: the op must save a copy
    y.exp_()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(np.sin(a)) * np.cos(a), rtol=1e-6)
    with pytest.raises(RuntimeError, match="leaf"):
        x.exp_()
    z = x + 0.0
    e = z.exp()
    z.log_()  # modifies an input saved by... nothing: exp saved its result
    e.sum().backward()


def test_bad_input():
    with pytest.raises(TypeError, match="exp"):
        pdg.exp([1.0, 2.0])
    with pytest.raises(ValueError, match="clamp"):
        pdg.clamp(pdg.tensor([1.0]))
    with pytest.raises(TypeError, match="neg"):
        -pdg.tensor([True])
    with pytest.raises(RuntimeError, match="exp_"):
        pdg.tensor([1, 2]).exp_()
    with pytest.raises(TypeError, match="clamp"):
        pdg.clamp(pdg.tensor([1.0]), "a")
    with pytest.raises(ValueError, match="set_math_variant"):
        U.set_math_variant("sse9")
