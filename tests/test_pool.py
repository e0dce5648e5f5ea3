"""Pooling (csrc/cpu/pool.cpp): max/avg/adaptive pooling against NumPy float64 loops
written here, float64 gradchecks, a torch cross-check (values, indices, gradients),
argument errors, and the pooling layers."""

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()


def _out(L, k, s, p, d, ceil):
    o = (L + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= L + p:
        o -= 1
    return o


def np_max_pool(x, k, s, p, d, ceil):
    N, C, H, W = x.shape
    OH, OW = _out(H, k, s, p, d, ceil), _out(W, k, s, p, d, ceil)
    out = np.full((N, C, OH, OW), -np.inf)
    idx = np.zeros((N, C, OH, OW), dtype=np.int64)
    for oh in range(OH):
        for ow in range(OW):
            for kh in range(k):
                for kw in range(k):
                    ih, iw = oh * s - p + kh * d, ow * s - p + kw * d
                    if 0 <= ih < H and 0 <= iw < W:
                        v = x[:, :, ih, iw]
                        better = v > out[:, :, oh, ow]
                        out[:, :, oh, ow] = np.where(better, v, out[:, :, oh, ow])
                        idx[:, :, oh, ow] = np.where(better, ih * W + iw, idx[:, :, oh, ow])
    return out, idx


def np_avg_pool(x, k, s, p, ceil, include_pad, div_override):
    N, C, H, W = x.shape
    OH, OW = _out(H, k, s, p, 1, ceil), _out(W, k, s, p, 1, ceil)
    out = np.zeros((N, C, OH, OW))
    for oh in range(OH):
        for ow in range(OW):
            h0, w0 = oh * s - p, ow * s - p
            h1, w1 = min(h0 + k, H + p), min(w0 + k, W + p)
            area = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, H), min(w1, W)
            div = div_override or (area if include_pad else (h1 - h0) * (w1 - w0))
            out[:, :, oh, ow] = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3)) / div
    return out


def np_adaptive(x, OH, OW, fn):
    N, C, H, W = x.shape
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            h0, h1 = i * H // OH, -(-(i + 1) * H // OH)
            w0, w1 = j * W // OW, -(-(j + 1) * W // OW)
            out[:, :, i, j] = fn(x[:, :, h0:h1, w0:w1], axis=(2, 3))
    return out


def _t(a, grad=False, dtype=pdg.float64):
    return pdg.tensor(a, dtype=dtype, requires_grad=grad)


# (N, C, H, W, k, s, p, d, ceil)
MAX_CASES = [(1, 1, 1, 1, 1, 1, 0, 1, False), (2, 3, 8, 8, 2, 2, 0, 1, False),
             (2, 2, 7, 9, 3, 2, 1, 1, True), (1, 3, 11, 13, 3, 3, 1, 2, False),
             (3, 1, 6, 5, 2, 1, 1, 1, True), (2, 2, 5, 7, 4, 3, 2, 1, True)]


@pytest.mark.parametrize("case", MAX_CASES)
def test_max_pool2d_vs_numpy(case):
    N, C, H, W, k, s, p, d, ceil = case
    x = rng.standard_normal((N, C, H, W))
    ref, ridx = np_max_pool(x, k, s, p, d, ceil)
    tx = _t(x, True)
    y, idx = F.max_pool2d(tx, k, s, p, d, ceil, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), ref)
    np.testing.assert_array_equal(idx.numpy(), ridx)
    dy = rng.standard_normal(ref.shape)
    y.backward(pdg.tensor(dy))
    dx = np.zeros(N * C * H * W)
    flat = (ridx + (np.arange(N * C) * H * W).reshape(N, C, 1, 1)).ravel()
    np.add.at(dx, flat, dy.ravel())
    np.testing.assert_allclose(tx.grad.numpy(), dx.reshape(x.shape), rtol=1e-12, atol=1e-12)


# (N, C, H, W, k, s, p, ceil, include_pad, divisor_override)
AVG_CASES = [(1, 1, 1, 1, 1, 1, 0, False, True, None), (2, 3, 8, 8, 2, 2, 0, False, True, None),
             (2, 2, 7, 9, 3, 2, 1, True, True, None), (2, 2, 7, 9, 3, 2, 1, True, False, None),
             (1, 3, 11, 5, 4, 3, 2, False, False, None), (2, 1, 6, 6, 3, 2, 1, False, True, 5)]


@pytest.mark.parametrize("case", AVG_CASES)
def test_avg_pool2d_vs_numpy(case):
    N, C, H, W, k, s, p, ceil, inc, div = case
    x = rng.standard_normal((N, C, H, W))
    ref = np_avg_pool(x, k, s, p, ceil, inc, div)
    y = F.avg_pool2d(_t(x), k, s, p, ceil, inc, div)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 5), (7, 4), (5, 5)])
def test_adaptive_pools_vs_numpy(size):
    x = rng.standard_normal((2, 3, 10, 7))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(_t(x), size).numpy(),
                               np_adaptive(x, *size, np.mean), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(F.adaptive_max_pool2d(_t(x), size).numpy(),
                                  np_adaptive(x, *size, np.max))


def test_pool_gradcheck_float64():
    x = _t(rng.standard_normal((2, 2, 6, 5)), True)
    assert gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (x,))
    assert gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), (x,))
    assert gradcheck(lambda x: F.avg_pool2d(x, 2, 1, 1, divisor_override=3), (x,))
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (4, 3)), (x,))
    assert gradcheck(lambda x: F.adaptive_max_pool2d(x, (2, 4)), (x,))


def test_pool_vs_torch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    x = rng.standard_normal((3, 4, 13, 10))
    dyfn = {}
    for name, pf, tf in [
        ("max", lambda a: F.max_pool2d(a, 3, 2, 1, 2, True), lambda a: tF.max_pool2d(a, 3, 2, 1, 2, True)),
        ("avg", lambda a: F.avg_pool2d(a, 3, 2, 1, True, False), lambda a: tF.avg_pool2d(a, 3, 2, 1, True, False)),
        ("avg_div", lambda a: F.avg_pool2d(a, 2, 3, 1, False, True, 7), lambda a: tF.avg_pool2d(a, 2, 3, 1, False, True, 7)),
        ("aavg", lambda a: F.adaptive_avg_pool2d(a, (5, 3)), lambda a: tF.adaptive_avg_pool2d(a, (5, 3))),
        ("amax", lambda a: F.adaptive_max_pool2d(a, (4, 6)), lambda a: tF.adaptive_max_pool2d(a, (4, 6))),
    ]:
        px, tx = _t(x, True), torch.tensor(x, requires_grad=True)
        py, ty = pf(px), tf(tx)
        dy = rng.standard_normal(tuple(ty.shape))
        dyfn[name] = dy
        py.backward(pdg.tensor(dy))
        ty.backward(torch.tensor(dy))
        np.testing.assert_allclose(py.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(px.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12, err_msg=name)
    _, pi = F.max_pool2d(_t(x), 2, return_indices=True)
    _, ti = tF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(pi.numpy(), ti.numpy())


def test_pool_float32_and_unbatched():
    x = rng.standard_normal((3, 9, 8)).astype(np.float32)
    y = F.max_pool2d(pdg.tensor(x), 2)
    assert y.shape == (3, 4, 4) and y.dtype is pdg.float32
    np.testing.assert_array_equal(y.numpy(), np_max_pool(x[None].astype(np.float64), 2, 2, 0, 1, False)[0][0])


def test_pool_errors():
    x = pdg.randn(2, 3, 4, 4)
    with pytest.raises(ValueError, match="max_pool2d: kernel .* larger than the padded input"):
        F.max_pool2d(x, 7)
    with pytest.raises(ValueError, match="max_pool2d: padding .* at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="avg_pool2d: padding"):
        F.avg_pool2d(x, 3, padding=-1)
    with pytest.raises(ValueError, match="max_pool2d: expected a 3-d"):
        F.max_pool2d(pdg.randn(4, 4), 2)
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: output_size must be positive"):
        F.adaptive_avg_pool2d(x, 0)
    with pytest.raises(TypeError, match="max_pool2d: input must be float"):
        F.max_pool2d(pdg.zeros(1, 1, 4, 4, dtype=pdg.int64), 2)
    with pytest.raises(ValueError, match="max_pool2d: kernel_size .* must be positive"):
        F.max_pool2d(x, 0)


def test_pool_modules():
    x = pdg.randn(2, 3, 9, 9, requires_grad=True)
    m = pdg.nn.MaxPool2d(3, 2, 1)
    np.testing.assert_array_equal(m(x).detach().numpy(), F.max_pool2d(x, 3, 2, 1).detach().numpy())
    assert pdg.nn.AvgPool2d(2)(x).shape == (2, 3, 4, 4)
    assert pdg.nn.AdaptiveAvgPool2d(1)(x).shape == (2, 3, 1, 1)
    assert pdg.nn.AdaptiveAvgPool2d((None, 3))(x).shape == (2, 3, 9, 3)
    y, idx = pdg.nn.MaxPool2d(2, return_indices=True)(x)
    assert idx.dtype is pdg.int64 and y.shape == (2, 3, 4, 4)
    pdg.nn.AdaptiveMaxPool2d(2)(x).sum().backward()
    g = x.grad.numpy()
    # 9 -> 2 adaptive windows overlap (rows/cols 0..4 and 4..8): the centre may win 4 windows
    assert g.sum() == pytest.approx(2 * 3 * 4) and g.max() <= 4.0
