"""Dropout, embedding, nearest interpolation and constant padding (csrc/cpu/dropout.cpp,
embedding.cpp, resample.cpp) against NumPy, gradchecks, torch cross-checks, errors, and
the Dropout/Embedding/Upsample layers."""

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()


def _t(a, grad=False, dtype=pdg.float64):
    return pdg.tensor(a, dtype=dtype, requires_grad=grad)


# -- dropout --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [pdg.float32, pdg.float64])
def test_dropout_mask_scale_and_backward(dtype):
    p = 0.3
    x = rng.standard_normal((50, 41)) + 2.0
    tx = _t(x, True, dtype)
    y = F.dropout(tx, p, training=True)
    yn = y.detach().numpy()
    kept = yn != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(yn[kept], (x / (1 - p))[kept], rtol=1e-6)
    dy = rng.standard_normal(x.shape)
    y.backward(pdg.tensor(dy, dtype=dtype))
    np.testing.assert_allclose(tx.grad.numpy(), np.where(kept, dy / (1 - p), 0), rtol=1e-6)


def test_dropout_seeded_and_modes():
    x = pdg.randn(1000)
    pdg.manual_seed(7)
    a = F.dropout(x, 0.5).numpy()
    pdg.manual_seed(7)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    c = F.dropout(x, 0.5).numpy()
    assert not np.array_equal(a, c)
    g = pdg.Generator().manual_seed(3)
    d = F.dropout(x, 0.5, generator=g).numpy()
    assert np.array_equal(d, F.dropout(x, 0.5, generator=pdg.Generator().manual_seed(3)).numpy())
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert (F.dropout(x, 1.0).numpy() == 0).all()
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout: dropout probability has to be between 0 and 1"):
            F.dropout(x, p)
    with pytest.raises(ValueError, match="Dropout: dropout probability"):
        pdg.nn.Dropout(2.0)


def test_dropout2d_and_modules():
    x = pdg.ones(8, 16, 3, 3)
    y = F.dropout2d(x, 0.5).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert ((per_channel == 0).all(2) | (per_channel == 2).all(2)).all()
    m = pdg.nn.Dropout(0.5)
    assert (m(x).numpy() == 0).any()
    m.eval()
    assert m(x) is x
    assert pdg.nn.Dropout2d(0.2).eval()(x) is x


def test_dropout_gradcheck():
    x = _t(rng.standard_normal((4, 5)), True)

    def f(x):
        pdg.manual_seed(11)  # the same mask on every evaluation
        return F.dropout(x, 0.4)

    assert gradcheck(f, (x,))


# -- embedding ------------------------------------------------------------------------

@pytest.mark.parametrize("idx_shape", [(5,), (3, 4), (2, 1, 3), (0,)])
def test_embedding_vs_numpy(idx_shape):
    V, D = 11, 7
    w = rng.standard_normal((V, D))
    idx = rng.integers(0, V, size=idx_shape)
    tw = _t(w, True)
    y = F.embedding(pdg.tensor(idx), tw)
    np.testing.assert_array_equal(y.detach().numpy(), w[idx])
    dy = rng.standard_normal(idx_shape + (D,))
    y.backward(pdg.tensor(dy))
    dw = np.zeros_like(w)
    np.add.at(dw, idx.ravel(), dy.reshape(-1, D))
    np.testing.assert_allclose(tw.grad.numpy(), dw, rtol=1e-12, atol=1e-12)


def test_embedding_padding_idx_and_errors():
    w = _t(rng.standard_normal((6, 3)), True)
    idx = pdg.tensor([[0, 2, 2], [5, 0, 1]])
    F.embedding(idx, w, padding_idx=-1).sum().backward()  # row 5
    g = w.grad.numpy()
    np.testing.assert_array_equal(g[:, 0], [2, 1, 2, 0, 0, 0])
    with pytest.raises(IndexError, match="embedding: index 6 out of range .* 6 rows"):
        F.embedding(pdg.tensor([1, 6]), w)
    with pytest.raises(IndexError, match="embedding: index -1 out of range"):
        F.embedding(pdg.tensor([-1]), w)
    with pytest.raises(TypeError, match="embedding: indices must be an int64"):
        F.embedding(pdg.tensor([1.0]), w)
    with pytest.raises(ValueError, match="embedding: weight must be 2-d"):
        F.embedding(pdg.tensor([1]), pdg.randn(3))
    assert gradcheck(lambda w: F.embedding(pdg.tensor([[1, 1], [0, 3]]), w),
                     (_t(rng.standard_normal((4, 2)), True),))


def test_embedding_module():
    pdg.manual_seed(0)
    m = pdg.nn.Embedding(100, 16, padding_idx=3)
    w = m.weight.detach().numpy()
    assert (w[3] == 0).all() and 0.8 < w.std() < 1.2
    y = m(pdg.tensor([[3, 4]]))
    assert y.shape == (1, 2, 16)
    y.sum().backward()
    assert (m.weight.grad.numpy()[3] == 0).all() and (m.weight.grad.numpy()[4] == 1).all()


# -- interpolate / pad ------------------------------------------------------------------

@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(scale_factor=3), dict(size=(5, 7)),
                                dict(size=4), dict(scale_factor=(1, 2))])
def test_interpolate_nearest_vs_torch_and_numpy(kw):
    x = rng.standard_normal((2, 3, 4, 3))
    tx = _t(x, True)
    y = F.interpolate(tx, **kw)
    if "scale_factor" in kw and isinstance(kw["scale_factor"], int):
        s = kw["scale_factor"]
        np.testing.assert_array_equal(y.detach().numpy(), x.repeat(s, 2).repeat(s, 3))
    dy = rng.standard_normal(y.shape)
    y.backward(pdg.tensor(dy))
    torch = pytest.importorskip("torch")
    ttx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.interpolate(ttx, mode="nearest", **kw)
    ty.backward(torch.tensor(dy))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_allclose(tx.grad.numpy(), ttx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape,pad", [((2, 3, 4, 5), (1, 2)), ((2, 3, 4, 5), (1, 0, 2, 3)),
                                       ((3, 4, 5), (0, 1, 2, 0, 1, 1)), ((2, 3, 6, 6), (-1, 2, 1, -2)),
                                       ((4, 5), (2, 2))])
def test_pad_vs_numpy(shape, pad):
    x = rng.standard_normal(shape)
    tx = _t(x, True)
    y = F.pad(tx, pad, value=1.5)
    width = [(0, 0)] * len(shape)
    for i in range(len(pad) // 2):
        width[-1 - i] = (max(pad[2 * i], 0), max(pad[2 * i + 1], 0))
    ref = np.pad(x, width, constant_values=1.5)
    crop = [slice(None)] * len(shape)
    for i in range(len(pad) // 2):
        lo, hi = pad[2 * i], pad[2 * i + 1]
        crop[-1 - i] = slice(-lo if lo < 0 else 0, hi if hi < 0 else None)
    ref = ref[tuple(crop)]
    np.testing.assert_array_equal(y.detach().numpy(), ref)
    assert gradcheck(lambda t: F.pad(t, pad), (_t(rng.standard_normal(shape), True),))


def test_resample_errors_and_upsample_module():
    x = pdg.randn(1, 2, 3, 3)
    with pytest.raises(NotImplementedError, match="interpolate: only mode='nearest'"):
        F.interpolate(x, scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="interpolate: expected a 4-d"):
        F.interpolate(pdg.randn(2, 3), scale_factor=2)
    with pytest.raises(ValueError, match="interpolate: give exactly one"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="pad: pad"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="pad: pad .* negative output size"):
        F.pad(x, (-2, -2))
    assert F.pad(pdg.ones(2, 2, dtype=pdg.int64), (1, 1)).numpy().tolist() == [[0, 1, 1, 0]] * 2
    m = pdg.nn.Upsample(scale_factor=2)
    assert m(x).shape == (1, 2, 6, 6)
    assert pdg.nn.Upsample(size=(4, 5))(x).shape == (1, 2, 4, 5)
