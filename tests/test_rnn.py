"""Recurrent layers (issue 5): LSTM, GRU, Elman RNN kernels, modules and cells.

Oracles: a NumPy float64 step-by-step forward written here, with gradients from central
differences of that NumPy forward (independent of pdg's autograd); gradcheck through the
compiled float64 kernels; the per-step "reference" kernel variant against the "fused"
one in float32; and, when PyTorch is installed, torch.nn.LSTM/GRU/RNN with copied weights.
"""

import math

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen import _C

MODES = ["lstm", "gru", "rnn_tanh", "rnn_relu"]
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
FUNCS = {"lstm": F.lstm, "gru": F.gru, "rnn_tanh": F.rnn_tanh, "rnn_relu": F.rnn_relu}


@pytest.fixture(params=["fused", "reference"])
def variant(request):
    prev = F.get_rnn_variant()
    F.set_rnn_variant(request.param)
    yield request.param
    F.set_rnn_variant(prev)


# -- NumPy float64 reference ---------------------------------------------------------------

def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def np_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """One layer, one direction, step by step. x (T, B, I). Returns y, h_n, c_n."""
    T = x.shape[0]
    H = w_hh.shape[1]
    h, c = h0.copy(), (c0.copy() if c0 is not None else None)
    y = np.zeros((T, x.shape[1], H))
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        gi = x[t] @ w_ih.T + b_ih
        gh = h @ w_hh.T + b_hh
        if mode == "lstm":
            i, f, g, o = np.split(gi + gh, 4, axis=1)
            c = _sig(f) * c + _sig(i) * np.tanh(g)
            h = _sig(o) * np.tanh(c)
        elif mode == "gru":
            xr, xz, xn = np.split(gi, 3, axis=1)
            hr, hz, hn = np.split(gh, 3, axis=1)
            r, z = _sig(xr + hr), _sig(xz + hz)
            n = np.tanh(xn + r * hn)
            h = (1 - z) * n + z * h
        elif mode == "rnn_tanh":
            h = np.tanh(gi + gh)
        else:
            h = np.maximum(gi + gh, 0.0)
        y[t] = h
    return y, h, c


def np_bidir(mode, x, h0, c0, params):
    """Single-layer bidirectional reference: output (T, B, 2H), h_n/c_n (2, B, H)."""
    outs, hs, cs = [], [], []
    for d in range(2):
        w = params[4 * d:4 * d + 4]
        y, h, c = np_layer(mode, x, h0[d], None if c0 is None else c0[d], *w, reverse=d == 1)
        outs.append(y)
        hs.append(h)
        cs.append(c)
    return np.concatenate(outs, -1), np.stack(hs), (np.stack(cs) if c0 is not None else None)


def make_case(mode, T, B, I, H, rng, bidir=True):
    G = GATES[mode]
    D = 2 if bidir else 1
    params = []
    for _ in range(D):
        params += [rng.uniform(-0.6, 0.6, (G * H, I)), rng.uniform(-0.6, 0.6, (G * H, H)),
                   rng.uniform(-0.5, 0.5, G * H), rng.uniform(-0.5, 0.5, G * H)]
    x = rng.standard_normal((T, B, I))
    h0 = rng.standard_normal((D, B, H)) * 0.5
    c0 = rng.standard_normal((D, B, H)) * 0.5 if mode == "lstm" else None
    return x, h0, c0, params


def _t(a, rg=True, dtype=pdg.float64):
    return pdg.tensor(a, dtype=dtype, requires_grad=rg)


def pdg_run(mode, x, h0, c0, params, dtype=pdg.float64, **kw):
    xt, h0t = _t(x, dtype=dtype), _t(h0, dtype=dtype)
    ps = [_t(p, dtype=dtype) for p in params]
    if mode == "lstm":
        c0t = _t(c0, dtype=dtype)
        out = FUNCS[mode](xt, (h0t, c0t), ps, bidirectional=True, **kw)
        leaves = [xt, h0t, c0t] + ps
    else:
        out = FUNCS[mode](xt, h0t, ps, bidirectional=True, **kw)
        leaves = [xt, h0t] + ps
    return out, leaves


SHAPES = [(1, 1, 1, 1), (3, 2, 3, 4), (4, 1, 2, 1), (2, 3, 1, 5), (5, 2, 4, 3)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", SHAPES)
def test_against_numpy_forward_and_gradients(mode, shape, variant):
    T, B, I, H = shape
    rng = np.random.default_rng(hash((mode, shape)) % 2**32)
    x, h0, c0, params = make_case(mode, T, B, I, H, rng)
    out, leaves = pdg_run(mode, x, h0, c0, params)
    ref = np_bidir(mode, x, h0, c0, params)
    for got, exp in zip(out, ref):
        np.testing.assert_allclose(got.detach().numpy(), exp, rtol=1e-10, atol=1e-12)

    # Loss = sum of every output times a fixed random weight; gradients vs central
    # differences of the NumPy forward.
    ws = [rng.standard_normal(o.shape) for o in ref if o is not None]
    loss = None
    for o, w in zip(out, ws):
        term = (o * pdg.tensor(w, dtype=pdg.float64)).sum()
        loss = term if loss is None else loss + term
    loss.backward()

    arrays = [x, h0] + ([c0] if mode == "lstm" else []) + params

    def np_loss():
        r = np_bidir(mode, arrays[0], arrays[1], arrays[2] if mode == "lstm" else None,
                     arrays[3:] if mode == "lstm" else arrays[2:])
        return sum(float((o * w).sum()) for o, w in zip([o for o in r if o is not None], ws))

    eps = 1e-6
    for a, leaf in zip(arrays, leaves):
        num = np.zeros(a.shape)
        for idx in np.ndindex(*a.shape):
            old = a[idx]
            a[idx] = old + eps
            lp = np_loss()
            a[idx] = old - eps
            lm = np_loss()
            a[idx] = old
            num[idx] = (lp - lm) / (2 * eps)
        if mode == "rnn_relu":  # kinks: compare only where the finite difference is smooth
            np.testing.assert_allclose(leaf.grad.numpy(), num, rtol=1e-4, atol=1e-5)
        else:
            np.testing.assert_allclose(leaf.grad.numpy(), num, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("mode", MODES)
def test_gradcheck_float64(mode, variant):
    rng = np.random.default_rng(7)
    T, B, I, H = 3, 2, 2, 2
    x, h0, c0, params = make_case(mode, T, B, I, H, rng, bidir=False)
    xt, h0t = _t(x), _t(h0)
    ps = [_t(p) for p in params]
    if mode == "lstm":
        c0t = _t(c0)

        def fn(x, h0, c0, *ps):
            y, hn, cn = F.lstm(x, (h0, c0), list(ps))
            return y, cn

        inputs = (xt, h0t, c0t, *ps)
    else:
        def fn(x, h0, *ps):
            return FUNCS[mode](x, h0, list(ps))

        inputs = (xt, h0t, *ps)
    assert pdg.testing.gradcheck(fn, inputs, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(6, 24, 5, 33), (3, 40, 7, 17), (2, 1, 3, 70)])
def test_fused_matches_reference_float32(mode, shape):
    """Fused float32 (fast exp, AVX-512 gates, threaded rows) against the per-step reference."""
    T, B, I, H = shape
    rng = np.random.default_rng(3)
    x, h0, c0, params = make_case(mode, T, B, I, H, rng)
    results = {}
    for v in ("reference", "fused"):
        F.set_rnn_variant(v)
        try:
            out, leaves = pdg_run(mode, x, h0, c0, params, dtype=pdg.float32)
            loss = out[0].sum() + 0.5 * out[1].sum()
            loss.backward()
            results[v] = ([o.detach().numpy() for o in out if o is not None]
                          + [t.grad.numpy() for t in leaves])
        finally:
            F.set_rnn_variant("fused")
    for a, b in zip(results["fused"], results["reference"]):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)
    # and the float32 result is close to the float64 NumPy forward
    ref = np_bidir(mode, x, h0, c0, params)
    np.testing.assert_allclose(results["fused"][0], ref[0], rtol=1e-4, atol=1e-5)


def test_variants_listed_and_selectable():
    names = [n for n, _ in F.rnn_variants()]
    assert names == ["reference", "fused"]
    assert F.get_rnn_variant() == "fused"
    with pytest.raises(ValueError, match="unknown variant"):
        F.set_rnn_variant("fastest")
    assert [v.name for v in pdg.kernels.list("rnn")] == ["reference", "fused"]
    with pdg.kernels.use("rnn", "reference"):
        assert F.get_rnn_variant() == "reference"
    assert F.get_rnn_variant() == "fused"


# -- modules against torch ------------------------------------------------------------------

def _copy_from_torch(pm, tm):
    for k, v in tm.state_dict().items():
        getattr(pm, k).data = pdg.tensor(v.detach().numpy())


TORCH_CASES = [
    dict(num_layers=1),
    dict(num_layers=2, bidirectional=True),
    dict(num_layers=3, batch_first=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(num_layers=1, bias=False, batch_first=True),
]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN", "RNN-relu"])
@pytest.mark.parametrize("cfg", range(len(TORCH_CASES)))
@pytest.mark.parametrize("unbatched", [False, True])
def test_modules_match_torch(kind, cfg, unbatched):
    torch = pytest.importorskip("torch")
    kw = dict(TORCH_CASES[cfg])
    cls = kind.split("-")[0]
    if kind == "RNN-relu":
        kw["nonlinearity"] = "relu"
    I, H, T, B = 3, 5, 4, 3
    torch.manual_seed(cfg)
    tm = getattr(torch.nn, cls)(I, H, **kw).double()
    pm = getattr(pdg.nn, cls)(I, H, dtype=pdg.float64, **kw)
    assert list(pm.state_dict().keys()) == list(tm.state_dict().keys())
    _copy_from_torch(pm, tm)
    D = 2 if kw.get("bidirectional") else 1
    L = kw["num_layers"]
    rng = np.random.default_rng(cfg)
    xs = (T, I) if unbatched else ((B, T, I) if kw.get("batch_first") else (T, B, I))
    hs = (L * D, H) if unbatched else (L * D, B, H)
    x = rng.standard_normal(xs)
    h0, c0 = rng.standard_normal(hs), rng.standard_normal(hs)
    xt, xp = torch.tensor(x, requires_grad=True), _t(x)
    h0t, h0p = torch.tensor(h0, requires_grad=True), _t(h0)
    c0t, c0p = torch.tensor(c0, requires_grad=True), _t(c0)
    if cls == "LSTM":
        yt, (hnt, cnt) = tm(xt, (h0t, c0t))
        yp, (hnp, cnp) = pm(xp, (h0p, c0p))
        pairs = [(yt, yp), (hnt, hnp), (cnt, cnp)]
        leaves = [(xt, xp), (h0t, h0p), (c0t, c0p)]
    else:
        yt, hnt = tm(xt, h0t)
        yp, hnp = pm(xp, h0p)
        pairs = [(yt, yp), (hnt, hnp)]
        leaves = [(xt, xp), (h0t, h0p)]
    lt, lp = 0, None
    for a, b in pairs:
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-10, atol=1e-12)
        w = rng.standard_normal(tuple(a.shape))
        lt = lt + (a * torch.tensor(w)).sum()
        term = (b * pdg.tensor(w, dtype=pdg.float64)).sum()
        lp = term if lp is None else lp + term
    lt.backward()
    lp.backward()
    for a, b in leaves:
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-9, atol=1e-11)
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(getattr(pm, name).grad.numpy(), p.grad.numpy(), rtol=1e-9,
                                   atol=1e-11, err_msg=name)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_float32_module_matches_torch_without_state(kind):
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    tm = getattr(torch.nn, kind)(6, 40, batch_first=True)
    pm = getattr(pdg.nn, kind)(6, 40, batch_first=True)
    _copy_from_torch(pm, tm)
    x = np.random.default_rng(2).standard_normal((32, 9, 6)).astype(np.float32)
    xt, xp = torch.tensor(x, requires_grad=True), pdg.tensor(x, requires_grad=True)
    yt = tm(xt)[0]
    yp = pm(xp)[0]
    np.testing.assert_allclose(yp.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=2e-6)
    yt.pow(2).sum().backward()
    (yp * yp).sum().backward()
    np.testing.assert_allclose(xp.grad.numpy(), xt.grad.numpy(), rtol=1e-3, atol=1e-5)
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(getattr(pm, name).grad.numpy(), p.grad.numpy(), rtol=1e-3,
                                   atol=1e-4, err_msg=name)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell", "RNNCell-relu"])
@pytest.mark.parametrize("unbatched", [False, True])
def test_cells_match_torch(kind, unbatched):
    torch = pytest.importorskip("torch")
    cls = kind.split("-")[0]
    kw = {"nonlinearity": "relu"} if kind.endswith("relu") else {}
    torch.manual_seed(4)
    tm = getattr(torch.nn, cls)(3, 4, **kw).double()
    pm = getattr(pdg.nn, cls)(3, 4, dtype=pdg.float64, **kw)
    assert list(pm.state_dict().keys()) == list(tm.state_dict().keys())
    _copy_from_torch(pm, tm)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3,) if unbatched else (2, 3))
    h = rng.standard_normal((4,) if unbatched else (2, 4))
    c = rng.standard_normal(h.shape)
    xt, xp = torch.tensor(x, requires_grad=True), _t(x)
    ht, hp = torch.tensor(h, requires_grad=True), _t(h)
    ct, cp = torch.tensor(c, requires_grad=True), _t(c)
    if cls == "LSTMCell":
        (h1t, c1t), (h1p, c1p) = tm(xt, (ht, ct)), pm(xp, (hp, cp))
        lt, lp = (h1t * 2 + c1t).sum(), (h1p * 2 + c1p).sum()
        outs = [(h1t, h1p), (c1t, c1p)]
    else:
        h1t, h1p = tm(xt, ht), pm(xp, hp)
        lt, lp = (h1t * h1t).sum(), (h1p * h1p).sum()
        outs = [(h1t, h1p)]
    for a, b in outs:
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-10, atol=1e-12)
    lt.backward()
    lp.backward()
    np.testing.assert_allclose(xp.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(hp.grad.numpy(), ht.grad.numpy(), rtol=1e-9, atol=1e-11)
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(getattr(pm, name).grad.numpy(), p.grad.numpy(), rtol=1e-9,
                                   atol=1e-11)
    # no state: zeros, like torch
    out = pm(xp)
    ref = tm(xt)
    a = out[0] if isinstance(out, tuple) else out
    b = ref[0] if isinstance(ref, tuple) else ref
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


# -- modules: init, dropout, modes ----------------------------------------------------------

def test_init_range_and_names():
    pdg.manual_seed(0)
    m = pdg.nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    names = [n for n, _ in m.named_parameters()]
    assert names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert "weight_ih_l1_reverse" in names and len(names) == 16
    assert tuple(m.weight_ih_l1.shape) == (64, 32)
    bound = 1 / math.sqrt(16)
    allv = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert np.abs(allv).max() <= bound and np.abs(allv).max() > 0.9 * bound
    assert abs(allv.mean()) < 0.02
    assert "LSTM(3, 16, num_layers=2, bidirectional=True)" in repr(m)


def test_dropout_between_layers_seeded():
    m = pdg.nn.GRU(3, 8, num_layers=2, dropout=0.5)
    x = pdg.randn(5, 2, 3)
    pdg.manual_seed(1)
    a = m(x)[0].detach().numpy()
    pdg.manual_seed(1)
    b = m(x)[0].detach().numpy()
    np.testing.assert_array_equal(a, b)
    m.eval()
    c = m(x)[0].detach().numpy()
    m.dropout = 0.0
    m.train()
    d = m(x)[0].detach().numpy()
    np.testing.assert_allclose(c, d)
    assert not np.allclose(a, c)
    with pytest.warns(UserWarning, match="dropout"):
        pdg.nn.LSTM(2, 3, dropout=0.2)


def test_no_grad_and_dtype_and_defaults():
    m = pdg.nn.LSTM(2, 3)
    x = pdg.randn(4, 2, 2)
    with pdg.no_grad():
        y, (h, c) = m(x)
    assert not y.requires_grad and tuple(h.shape) == (1, 2, 3) and y.dtype is pdg.float32
    np.testing.assert_allclose(h.numpy()[0], y.numpy()[-1])
    md = pdg.nn.GRU(2, 3, dtype=pdg.float64)
    assert md(pdg.randn(4, 2, 2, dtype=pdg.float64))[0].dtype is pdg.float64
    with pytest.raises(TypeError, match="dtype"):
        md(pdg.randn(4, 2, 2))


def test_hidden_state_carries_over():
    """Running two halves with the state handed over equals running the whole."""
    m = pdg.nn.LSTM(2, 4, num_layers=2, batch_first=True)
    x = pdg.randn(3, 6, 2)
    with pdg.no_grad():
        y, (h, c) = m(x)
        y1, s1 = m(x[:, :3])
        y2, (h2, c2) = m(x[:, 3:], s1)
    np.testing.assert_allclose(y2.numpy(), y.numpy()[:, 3:], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h2.numpy(), h.numpy(), rtol=1e-5, atol=1e-6)


def test_gradients_accumulate_across_calls():
    m = pdg.nn.RNN(2, 3)
    x = pdg.randn(3, 1, 2)
    m(x)[0].sum().backward()
    g1 = m.weight_hh_l0.grad.numpy().copy()
    m(x)[0].sum().backward()
    np.testing.assert_allclose(m.weight_hh_l0.grad.numpy(), 2 * g1, rtol=1e-6)


# -- errors -------------------------------------------------------------------------------

def test_bad_shapes_raise_value_error():
    m = pdg.nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"rank.*\(2, 3, 4, 3\)"):
        m(pdg.randn(2, 3, 4, 3))
    with pytest.raises(ValueError, match=r"input_size.*3.*\(5, 2, 7\)"):
        m(pdg.randn(5, 2, 7))
    with pytest.raises(ValueError, match=r"\(2, 2, 4\).*\(1, 2, 4\)"):
        m(pdg.randn(5, 2, 3), (pdg.zeros(1, 2, 4), pdg.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"c0.*\(2, 2, 4\).*\(2, 3, 4\)"):
        m(pdg.randn(5, 2, 3), (pdg.zeros(2, 2, 4), pdg.zeros(2, 3, 4)))
    g = pdg.nn.GRU(3, 4, batch_first=True)
    with pytest.raises(ValueError, match=r"h0.*\(1, 5, 4\).*\(1, 2, 4\)"):
        g(pdg.randn(5, 2, 3), pdg.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"unbatched|\(1, 4\)"):
        g(pdg.randn(2, 3), pdg.zeros(1, 2, 4))
    cell = pdg.nn.GRUCell(3, 4)
    with pytest.raises(ValueError, match=r"\(2, 5\)"):
        cell(pdg.randn(2, 5))
    with pytest.raises(ValueError, match=r"hx.*\(2, 4\).*\(3, 4\)"):
        cell(pdg.randn(2, 3), pdg.zeros(3, 4))
    with pytest.raises(ValueError):
        pdg.nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError):
        pdg.nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(TypeError):
        m("not a tensor")


def test_kernel_checks_buffers():
    f32 = 0
    T, B, I, H = 2, 3, 4, 5
    e = lambda n: _C.empty(n, f32)  # noqa: E731
    args = [e(T * B * H), e(B * H), e(B * H), e(4 * T * B * H), e(T * B * H), e(T * B * I),
            None, None, e(4 * H * I), e(4 * H * H), None, None]
    _C.lstm_forward(*args, T, B, I, H)  # fine
    bad = list(args)
    bad[8] = e(4 * H * I - 1)
    with pytest.raises(ValueError, match="lstm_forward.*w_ih"):
        _C.lstm_forward(*bad, T, B, I, H)
    with pytest.raises(ValueError, match="lstm_forward.*sizes"):
        _C.lstm_forward(*args, 0, B, I, H)
    with pytest.raises(ValueError, match="nonlinearity"):
        _C.rnn_forward(e(T * B * H), e(B * H), e(T * B * I), None, e(H * I), e(H * H), None, None,
                       T, B, I, H, "gelu")
    with pytest.raises(TypeError):
        _C.gru_forward(e(T * B * H), e(B * H), e(4 * T * B * H), _C.empty(T * B * I, 2), None,
                       e(3 * H * I), e(3 * H * H), None, None, T, B, I, H)
