"""The SIMD dispatch cap (PDG_SIMD, pdg.set_simd_level): every kernel family at every
level this CPU can run, against NumPy float64, and the errors a level the CPU lacks
gives. CI also runs the whole suite under PDG_SIMD=avx2 and PDG_SIMD=baseline; this file
checks in one process that switching the cap switches the code that runs."""

import os
import subprocess
import sys

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen import _C

CPU_LEVELS = pdg.simd_levels()  # what this CPU can run, lowest first
START = pdg.get_simd_level()  # lower than the CPU's best under PDG_SIMD
LEVELS = CPU_LEVELS[:CPU_LEVELS.index(START) + 1]  # the levels this run tests
# The rung each family's "auto" picks at each level.
GEMM_RUNG = {"baseline": "02_blocked", "avx2": "03_packed_avx2", "avx512": "04_packed_avx512"}
OPTIM_RUNG = {"baseline": "01_reference", "avx2": "02_avx2", "avx512": "03_avx512"}
MATH_RUNG = {"baseline": "scalar", "avx2": "avx2", "avx512": "avx512"}
CONV_RUNG = {"baseline": "03_im2col_batched", "avx2": "03_im2col_batched",
             "avx512": "04_im2col_avx512"}
NORM_RUNG = {"baseline": "01_plain", "avx2": "01_plain", "avx512": "02_avx512"}


@pytest.fixture(params=LEVELS)
def level(request):
    with pdg.set_simd_level(request.param):
        assert pdg.get_simd_level() == request.param
        yield request.param
    assert pdg.get_simd_level() == START


def _rel_err(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


def test_levels_are_ordered_and_reported():
    assert LEVELS[0] == "baseline"
    cfg = pdg.config()
    assert cfg["simd"] == START and cfg["simd_detected"] == CPU_LEVELS[-1]
    env = os.environ.get("PDG_SIMD", "").strip().lower()
    assert ("PDG_SIMD" in cfg["simd_reason"]) == bool(env)
    with pdg.set_simd_level("baseline"):
        cfg = pdg.config()
        assert cfg["simd"] == "baseline" and cfg["simd_detected"] == CPU_LEVELS[-1]
        assert "set_simd_level" in cfg["simd_reason"]
        assert cfg["avx2"] is False and cfg["avx512"] is False


def test_each_level_dispatches_its_rungs(level):
    assert pdg.kernels.current("gemm") == GEMM_RUNG[level]
    assert pdg.optim.get_kernel_variant() == OPTIM_RUNG[level]
    assert _C.get_math_variant() == MATH_RUNG[level]
    assert pdg.kernels.current("conv") == CONV_RUNG[level]
    assert _C.get_norm_variant() == NORM_RUNG[level]
    supported = {v.name for v in pdg.kernels.list("gemm") if v.supported}
    assert GEMM_RUNG[level] in supported
    assert all(GEMM_RUNG[lv] not in supported for lv in LEVELS[LEVELS.index(level) + 1:])


def test_kernels_registry_lists_and_switches_every_family(level):
    assert {"gemm", "conv", "rnn", "norm", "optim", "math"} <= set(pdg.kernels.families())
    for fam in ("norm", "optim", "math"):
        variants = pdg.kernels.list(fam)
        assert [v for v in variants if v.current], fam
        reference = variants[0].name
        with pdg.kernels.use(fam, reference):
            assert pdg.kernels.current(fam) == reference
        for v in variants:
            if not v.supported and fam != "math":  # math falls back instead of raising
                with pytest.raises(ValueError):
                    pdg.kernels.use(fam, v.name)
    assert pdg.kernels.current("optim") == OPTIM_RUNG[level]
    assert pdg.kernels.current("norm") == NORM_RUNG[level]
    assert pdg.kernels.current("math") == MATH_RUNG[level]


@pytest.mark.parametrize("m,n,k", [(1, 1, 1), (7, 10, 33), (64, 65, 129), (130, 48, 300)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_matches_numpy(level, m, n, k, dtype):
    rng = np.random.default_rng(m * 1000 + n + k)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    got = (pdg.tensor(a) @ pdg.tensor(b)).numpy()
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert _rel_err(got, want) < (1e-5 if dtype == np.float32 else 1e-12)
    # The pre-packed path (the RNN recurrences' W_hh), B stored transposed.
    c = np.zeros((m, n), dtype)
    ab, _ = _C.from_numpy(a)
    bb, _ = _C.from_numpy(np.ascontiguousarray(b.T))
    cb, _ = _C.from_numpy(c)
    _C.gemm_prepacked(cb, ab, bb, m, n, k, False, True)
    assert _rel_err(c, want) < (1e-5 if dtype == np.float32 else 1e-12)


def _conv_ref(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    oc, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, oc, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out + b[None, :, None, None]


@pytest.mark.parametrize("stride,pad", [(1, 1), (2, 0)])
def test_conv2d_forward_backward_matches_numpy(level, stride, pad):
    rng = np.random.default_rng(7 + stride)
    x = rng.standard_normal((3, 4, 9, 11)).astype(np.float32)
    w = rng.standard_normal((6, 4, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    xt, wt, bt = (pdg.tensor(v, requires_grad=True) for v in (x, w, b))
    y = F.conv2d(xt, wt, bt, stride=stride, padding=pad)
    want = _conv_ref(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), stride,
                     pad)
    assert _rel_err(y.detach().numpy(), want) < 1e-5
    g = rng.standard_normal(want.shape).astype(np.float32)
    (y * pdg.tensor(g)).sum().backward()
    assert _rel_err(bt.grad.numpy(), g.sum(axis=(0, 2, 3))) < 1e-5
    # dW[o, c, i, j] = sum over n, oh, ow of g * the input patch.
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = want.shape[2:]
    dw = np.zeros(w.shape)
    for i in range(3):
        for j in range(3):
            patch = xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            dw[:, :, i, j] = np.einsum("nchw,nohw->oc", patch, g)
    assert _rel_err(wt.grad.numpy(), dw) < 1e-5
    # dX against the float64 reference rung of the same op.
    with pdg.kernels.use("conv", "01_reference"):
        x64 = pdg.tensor(x.astype(np.float64), requires_grad=True)
        y64 = F.conv2d(x64, pdg.tensor(w.astype(np.float64)), pdg.tensor(b.astype(np.float64)),
                       stride=stride, padding=pad)
        (y64 * pdg.tensor(g.astype(np.float64))).sum().backward()
    assert _rel_err(xt.grad.numpy(), x64.grad.numpy()) < 1e-5


def test_layer_and_batch_norm_match_numpy(level):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 37)).astype(np.float32) * 3 + 1
    g = rng.standard_normal(37).astype(np.float32)
    b = rng.standard_normal(37).astype(np.float32)
    xt = pdg.tensor(x, requires_grad=True)
    y = F.layer_norm(xt, (37,), pdg.tensor(g), pdg.tensor(b), eps=1e-5)
    x64 = x.astype(np.float64)
    mu, var = x64.mean(1, keepdims=True), x64.var(1, keepdims=True)
    xhat = (x64 - mu) / np.sqrt(var + 1e-5)
    assert _rel_err(y.detach().numpy(), xhat * g + b) < 1e-5
    dy = rng.standard_normal(x.shape)
    (y * pdg.tensor(dy.astype(np.float32))).sum().backward()
    dxhat = dy * g
    dx = (dxhat - dxhat.mean(1, keepdims=True) - xhat * (dxhat * xhat).mean(1, keepdims=True)) \
        / np.sqrt(var + 1e-5)
    assert _rel_err(xt.grad.numpy(), dx) < 1e-4

    xb = rng.standard_normal((6, 3, 5, 4)).astype(np.float32)
    yb = F.batch_norm(pdg.tensor(xb), None, None, training=True, eps=1e-5)
    xb64 = xb.astype(np.float64)
    m, v = xb64.mean((0, 2, 3), keepdims=True), xb64.var((0, 2, 3), keepdims=True)
    assert _rel_err(yb.numpy(), (xb64 - m) / np.sqrt(v + 1e-5)) < 1e-5


class _optim_variant:
    """Force an optimizer rung inside a ``with`` block."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        pdg.optim.set_kernel_variant(self.name)

    def __exit__(self, *exc):
        pdg.optim.set_kernel_variant("auto")


def _adam_ref(p, grads, lr, b1, b2, eps):
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return p


@pytest.mark.parametrize("n", [1, 17, 70000])  # tails, one vector, several thread chunks
def test_optimizers_match_numpy(level, n):
    rng = np.random.default_rng(n)
    p0 = rng.standard_normal(n)
    grads = [rng.standard_normal(n) for _ in range(4)]
    for dtype, tol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        p = pdg.tensor(p0.astype(dtype), requires_grad=True)
        opt = pdg.optim.Adam([p], lr=0.01)
        for gr in grads:
            p.grad = pdg.tensor(gr.astype(dtype))
            opt.step()
        assert _rel_err(p.detach().numpy(), _adam_ref(p0, grads, 0.01, 0.9, 0.999, 1e-8)) < tol
        q = pdg.tensor(p0.astype(dtype), requires_grad=True)
        sgd = pdg.optim.SGD([q], lr=0.1, momentum=0.9)
        want, buf = p0.copy(), None
        for gr in grads:
            q.grad = pdg.tensor(gr.astype(dtype))
            sgd.step()
            buf = gr.copy() if buf is None else 0.9 * buf + gr
            want = want - 0.1 * buf
        assert _rel_err(q.detach().numpy(), want) < tol
    for cls in (pdg.optim.RMSprop, pdg.optim.Adagrad, pdg.optim.AdamW):
        r = pdg.tensor(p0.astype(np.float32), requires_grad=True)
        o = cls([r], lr=0.01)
        r.grad = pdg.tensor(grads[0].astype(np.float32))
        o.step()
        with _optim_variant("01_reference"):
            s = pdg.tensor(p0.astype(np.float32), requires_grad=True)
            o2 = cls([s], lr=0.01)
            s.grad = pdg.tensor(grads[0].astype(np.float32))
            o2.step()
        assert _rel_err(r.detach().numpy(), s.detach().numpy()) < 1e-6


def test_lstm_gru_match_reference_variant(level):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5, 3, 4)).astype(np.float32)
    for cls in (pdg.nn.LSTM, pdg.nn.GRU, pdg.nn.RNN):
        pdg.manual_seed(0)
        net = cls(4, 19)
        outs = {}
        for variant in ("fused", "reference"):
            with pdg.kernels.use("rnn", variant):
                xt = pdg.tensor(x, requires_grad=True)
                y = net(xt)[0]
                (y * y).sum().backward()
                outs[variant] = (y.detach().numpy(), xt.grad.numpy())
                net.zero_grad()
        assert _rel_err(outs["fused"][0], outs["reference"][0]) < 1e-5
        assert _rel_err(outs["fused"][1], outs["reference"][1]) < 1e-4


def test_vector_math_and_binary_rows_match_numpy(level):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(1003) * 4).astype(np.float32)
    xt = pdg.tensor(x)
    x64 = x.astype(np.float64)
    for f, ref in ((pdg.exp, np.exp), (pdg.tanh, np.tanh),
                   (pdg.sigmoid, lambda v: 1 / (1 + np.exp(-v)))):
        assert _rel_err(f(xt).numpy(), ref(x64)) < 1e-6
    z = np.abs(x) + np.float32(0.1)
    assert _rel_err(pdg.log(pdg.tensor(z)).numpy(), np.log(z.astype(np.float64))) < 1e-6
    y = rng.standard_normal(1003).astype(np.float32)
    yt = pdg.tensor(y)
    np.testing.assert_array_equal((xt + yt).numpy(), x + y)
    np.testing.assert_array_equal((xt * yt).numpy(), x * y)
    np.testing.assert_array_equal(pdg.maximum(xt, yt).numpy(), np.maximum(x, y))
    np.testing.assert_array_equal((xt / 3.0).numpy(), x / np.float32(3.0))


def test_a_training_step_gives_the_same_loss_at_every_level():
    rng = np.random.default_rng(2)
    x = pdg.tensor(rng.standard_normal((32, 20)).astype(np.float32))
    y = pdg.tensor(rng.integers(0, 5, 32))
    losses = {}
    for lv in LEVELS:
        with pdg.set_simd_level(lv):
            pdg.manual_seed(1)
            net = pdg.nn.Sequential(pdg.nn.Linear(20, 64), pdg.nn.ReLU(), pdg.nn.LayerNorm(64),
                                    pdg.nn.Linear(64, 5))
            opt = pdg.optim.Adam(net.parameters(), lr=1e-2)
            for _ in range(5):
                opt.zero_grad()
                loss = F.cross_entropy(net(x), y)
                loss.backward()
                opt.step()
            losses[lv] = loss.item()
    vals = list(losses.values())
    assert max(vals) - min(vals) < 1e-4 * max(1.0, abs(vals[0])), losses


# -- bad input ------------------------------------------------------------------------
def test_unknown_level_names_raise():
    with pytest.raises(ValueError, match="unknown level 'avx1024'"):
        pdg.set_simd_level("avx1024")
    with pytest.raises(TypeError, match="set_simd_level"):
        pdg.set_simd_level(2)
    assert pdg.get_simd_level() == START


def test_level_above_the_cpu_raises():
    if CPU_LEVELS[-1] == "avx512":
        pytest.skip("this CPU runs every level (the emulated-CPU smoke run checks this)")
    above = ("avx2", "avx512")[CPU_LEVELS.index(CPU_LEVELS[-1]):]
    for lv in above:
        with pytest.raises(ValueError, match="this CPU cannot run"):
            pdg.set_simd_level(lv)


def test_forced_rung_above_the_cap_raises_not_crashes():
    if "avx2" not in LEVELS:
        pytest.skip("no AVX2 on this CPU")
    pdg.optim.set_kernel_variant("02_avx2")
    try:
        p = pdg.tensor(np.ones(5, np.float32), requires_grad=True)
        p.grad = pdg.tensor(np.full(5, 0.5, np.float32))
        with pdg.set_simd_level("baseline"):
            with pytest.raises(ValueError, match="02_avx2' is not supported: the SIMD level"):
                pdg.optim.SGD([p], lr=0.1).step()
            with pytest.raises(ValueError, match="not supported"):
                pdg.kernels.use("gemm", "03_packed_avx2")
    finally:
        pdg.optim.set_kernel_variant("auto")


def _run_with_env(code, **env):
    e = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e,
                          timeout=120)


def test_pdg_simd_environment_variable():
    r = _run_with_env("import pydeepgen as pdg; print(pdg.get_simd_level(), "
                      "pdg.config()['simd_reason'])", PDG_SIMD="baseline")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == "baseline" and "PDG_SIMD=baseline" in r.stdout
    r = _run_with_env("import pydeepgen", PDG_SIMD="sse9")
    assert r.returncode != 0
    assert "PDG_SIMD=sse9" in r.stderr and "unknown level" in r.stderr
    if CPU_LEVELS[-1] != "avx512":
        r = _run_with_env("import pydeepgen", PDG_SIMD="avx512")
        assert r.returncode != 0 and "this CPU cannot run avx512" in r.stderr


def test_no_wide_instruction_outside_its_isa_namespace():
    """tools/check_isa_leaks.py on the installed module (x86-64, unstripped)."""
    import importlib.util
    import shutil
    from pathlib import Path

    tool = Path(__file__).resolve().parents[1] / "tools" / "check_isa_leaks.py"
    if not tool.exists() or shutil.which("objdump") is None or shutil.which("readelf") is None:
        pytest.skip("needs tools/check_isa_leaks.py and binutils")
    so = importlib.util.find_spec("pydeepgen._C").origin
    r = subprocess.run([sys.executable, str(tool), so], capture_output=True, text=True,
                       timeout=300)
    if r.returncode == 2:
        pytest.skip(r.stdout.strip())
    assert r.returncode == 0, r.stdout + r.stderr
