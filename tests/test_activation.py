"""Activations: forward vs NumPy/SciPy float64, gradcheck, PyTorch cross-check of values
and gradients (including kinks), in-place variants, step, bad input."""

import math

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()
_erf = np.vectorize(math.erf, otypes=[float])
SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


REF = {
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (F.tanh, np.tanh),
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "relu6": (F.relu6, lambda x: np.clip(x, 0, 6)),
    "hardtanh": (lambda t: F.hardtanh(t, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0)),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "elu": (lambda t: F.elu(t, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x))),
    "selu": (F.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x))),
    "celu": (lambda t: F.celu(t, 0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x / 0.7))),
    "gelu": (F.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    "silu": (F.silu, lambda x: x / (1 + np.exp(-x))),
    "softplus": (lambda t: F.softplus(t, beta=2.0, threshold=3.0), lambda x: _softplus(x, 2.0, 3.0)),
    "logsigmoid": (F.logsigmoid, lambda x: -np.log1p(np.exp(-x))),
}


@pytest.mark.parametrize("name", sorted(REF))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5, 17), (), (0,), (40000,)])
def test_forward_vs_numpy(name, dtype, shape):
    fn, ref = REF[name]
    a = (rng.standard_normal(shape) * 4).astype(dtype)
    out = fn(pdg.tensor(a))
    assert out.shape == shape and out.dtype.numpy == dtype
    tol = dict(rtol=3e-6, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(out.numpy(), ref(a.astype(np.float64)), **tol)


@pytest.mark.parametrize("name", sorted(REF))
def test_non_contiguous_and_nan(name):
    fn, ref = REF[name]
    a = rng.standard_normal((6, 8))
    a[2, 3] = np.nan
    out = fn(pdg.tensor(a).T[1::2])
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(out.numpy(), ref(a.T[1::2]), rtol=1e-11, atol=1e-12)
    assert np.isnan(fn(pdg.tensor([np.nan])).item())


@pytest.mark.parametrize("name", sorted(REF))
def test_gradcheck(name):
    fn, _ = REF[name]
    a = rng.standard_normal(10) * 3
    a = a[np.min(np.abs(a[:, None] - np.array([0.0, -0.5, 2.0, 6.0, 1.5])), axis=1) > 0.05]  # off the kinks
    assert gradcheck(fn, (pdg.tensor(a, dtype=pdg.float64, requires_grad=True),))


def test_step():
    a = np.array([-1.0, 0.0, 0.3, 0.5, np.nan])
    x = pdg.tensor(a, requires_grad=True)
    s = F.step(x, threshold=0.3)
    assert s.tolist() == [0, 0, 1, 1, 0] and not s.requires_grad
    assert pdg.step(pdg.tensor([1.0, -1.0])).tolist() == [1.0, 0.0]


def test_inplace():
    a = rng.standard_normal((4, 6))
    t = pdg.tensor(a)
    assert F.relu(t, inplace=True) is t
    np.testing.assert_array_equal(t.numpy(), np.maximum(a, 0))
    u = pdg.tensor(a).T
    F.leaky_relu_(u, 0.1)
    np.testing.assert_allclose(u.numpy(), np.where(a.T > 0, a.T, 0.1 * a.T))
    x = pdg.tensor(a, requires_grad=True)
    y = x + 0.0
    y.relu_()
    y.sigmoid_()
    y.sum().backward()
    s = 1 / (1 + np.exp(-np.maximum(a, 0)))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s) * (a > 0), rtol=1e-6)
    with pytest.raises(RuntimeError, match="leaf"):
        F.relu(x, inplace=True)


def test_kinks_match_pytorch_rules():
    x = pdg.tensor([0.0, 0.0, 6.0, -1.0, 21.0], dtype=pdg.float64, requires_grad=True)

    def grad(fn):
        x.grad = None
        fn(x).sum().backward()
        return x.grad.numpy()

    assert grad(F.relu)[0] == 0.0
    assert grad(lambda t: F.leaky_relu(t, 0.3))[0] == 0.3
    assert grad(lambda t: F.elu(t, 2.0))[0] == 2.0
    np.testing.assert_array_equal(grad(F.relu6)[:3], [0, 0, 0])
    np.testing.assert_array_equal(grad(F.hardtanh)[3], 0.0)
    assert grad(F.softplus)[4] == 1.0  # above the threshold: identity


def test_bad_input():
    with pytest.raises(TypeError, match="relu"):
        F.relu(np.ones(3))
    with pytest.raises(ValueError, match="gelu"):
        F.gelu(pdg.ones(2), approximate="fast")
    with pytest.raises(ValueError, match="hardtanh"):
        F.hardtanh(pdg.ones(2), 1.0, -1.0)
    assert F.relu(pdg.tensor([1, -2])).dtype == pdg.float32


TORCH = {
    "sigmoid": ("sigmoid", {}), "tanh": ("tanh", {}), "relu": ("relu", {}), "relu6": ("relu6", {}),
    "hardtanh": ("hardtanh", {"min_val": -0.5, "max_val": 2.0}), "leaky_relu": ("leaky_relu", {"negative_slope": 0.2}),
    "elu": ("elu", {"alpha": 1.5}), "selu": ("selu", {}), "celu": ("celu", {"alpha": 0.7}),
    "gelu": ("gelu", {}), "gelu_tanh": ("gelu", {"approximate": "tanh"}), "silu": ("silu", {}),
    "softplus": ("softplus", {"beta": 2.0, "threshold": 3.0}), "logsigmoid": ("logsigmoid", {}),
}


@pytest.mark.parametrize("name", sorted(TORCH))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vs_torch(name, dtype):
    torch = pytest.importorskip("torch")
    fname, kw = TORCH[name]
    a = (rng.standard_normal(300) * 4).astype(dtype)
    a[:8] = [0.0, -0.5, 2.0, 6.0, 1.5, -0.0, 30.0, -30.0]  # kinks and saturation
    x = pdg.tensor(a, requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    y = getattr(F, fname)(x, **kw)
    yt = getattr(torch.nn.functional, fname)(xt, **kw)
    g = rng.standard_normal(300).astype(dtype)
    y.backward(pdg.tensor(g))
    yt.backward(torch.tensor(g))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    if name == "celu" and dtype == "float64":
        tol = dict(rtol=1e-6, atol=1e-12)  # torch rounds 1/alpha to float32; we match NumPy float64
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), **tol)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **tol)


@pytest.mark.parametrize("n", [1, 1023, 1025, 70001])
def test_silu_float32_backward_vs_float64_formula(n):
    # float32 SiLU backward runs the vector sigmoid in blocks of 1024 inside the thread
    # chunks: sizes around a block and above the elementwise grain (70001 at 2 threads).
    a = (rng.standard_normal(n) * 5).astype(np.float32)
    a[: min(n, 4)] = [0.0, 30.0, -30.0, -0.7][: min(n, 4)]
    g = rng.standard_normal(n).astype(np.float32)
    x = pdg.tensor(a, requires_grad=True)
    F.silu(x).backward(pdg.tensor(g))
    a64 = a.astype(np.float64)
    s = 1.0 / (1.0 + np.exp(-a64))
    expected = g * s * (1.0 + a64 * (1.0 - s))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=2e-6, atol=2e-6)
