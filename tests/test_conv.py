"""conv2d / conv_transpose2d (csrc/cpu/conv.cpp): every variant against a NumPy float64
reference written here (padded input + einsum per kernel tap), float64 gradchecks through
the compiled kernels, a torch cross-check, argument errors, and the Conv2d layers."""

import math

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen._C as C
import pydeepgen.nn.functional as F
from pydeepgen.ops import conv as conv_ops
from pydeepgen.testing import gradcheck

VARIANTS = [name for name, _, ok in C.conv_variants() if ok]
rng = np.random.default_rng()

# (N, C, H, W, OC, (KH, KW), stride, padding, dilation, groups)
CASES = [
    (1, 1, 1, 1, 1, (1, 1), 1, 0, 1, 1),          # all ones
    (2, 3, 7, 5, 4, (3, 3), 1, 1, 1, 1),
    (3, 4, 11, 13, 6, (3, 2), (2, 3), (1, 0), 1, 2),
    (2, 5, 9, 7, 5, (3, 3), 1, 1, 1, 5),          # depthwise
    (1, 6, 10, 10, 12, (3, 3), 2, 2, (2, 1), 3),  # dilation + groups
    (4, 3, 8, 8, 7, (1, 1), 1, 0, 1, 1),          # pointwise (no im2col)
    (2, 2, 13, 11, 3, (5, 5), 3, 2, 1, 1),        # primes, stride 3
    (5, 1, 28, 28, 6, (5, 5), 1, 0, 1, 1),        # LeNet c1 (small batch)
    (3, 8, 6, 6, 4, (1, 1), 2, 1, 1, 2),          # strided pointwise with padding
    (6, 3, 5, 5, 7, (5, 5), 1, 0, 1, 1),          # one output pixel: the batch is one GEMM
    (3, 2, 4, 5, 5, (3, 4), 2, 0, 1, 1),          # one output pixel, strided
]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def np_conv2d(x, w, b, stride, pads, dil, groups):
    """pads = (top, bottom, left, right). Returns out and a vjp(dy) -> (dx, dw, db)."""
    N, Cc, H, W = x.shape
    OC, Cg, KH, KW = w.shape
    sh, sw = stride
    dh, dw_ = dil
    pt, pb, pl, pr = pads
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    OH = (H + pt + pb - dh * (KH - 1) - 1) // sh + 1
    OW = (W + pl + pr - dw_ * (KW - 1) - 1) // sw + 1
    OCg = OC // groups

    def tap(kh, kw):
        return (slice(kh * dh, kh * dh + sh * (OH - 1) + 1, sh),
                slice(kw * dw_, kw * dw_ + sw * (OW - 1) + 1, sw))

    out = np.zeros((N, OC, OH, OW))
    for g in range(groups):
        xs = xp[:, g * Cg:(g + 1) * Cg]
        for kh in range(KH):
            for kw in range(KW):
                rs, cs = tap(kh, kw)
                out[:, g * OCg:(g + 1) * OCg] += np.einsum(
                    "nchw,oc->nohw", xs[:, :, rs, cs], w[g * OCg:(g + 1) * OCg, :, kh, kw])
    if b is not None:
        out += b[None, :, None, None]

    def vjp(dy):
        dxp = np.zeros_like(xp)
        dwt = np.zeros_like(w)
        for g in range(groups):
            dyg = dy[:, g * OCg:(g + 1) * OCg]
            for kh in range(KH):
                for kw in range(KW):
                    rs, cs = tap(kh, kw)
                    dwt[g * OCg:(g + 1) * OCg, :, kh, kw] = np.einsum(
                        "nohw,nchw->oc", dyg, xp[:, g * Cg:(g + 1) * Cg, rs, cs])
                    dxp[:, g * Cg:(g + 1) * Cg, rs, cs] += np.einsum(
                        "nohw,oc->nchw", dyg, w[g * OCg:(g + 1) * OCg, :, kh, kw])
        dx = dxp[:, :, pt:pt + H, pl:pl + W]
        return dx, dwt, dy.sum(axis=(0, 2, 3))

    return out, vjp


def _t(a, dtype=pdg.float64, grad=True):
    return pdg.tensor(a, dtype=dtype, requires_grad=grad)


def _run_conv(case, dtype, variant, bias=True):
    N, Cc, H, W, OC, (KH, KW), stride, padding, dil, G = case
    x = rng.standard_normal((N, Cc, H, W))
    w = rng.standard_normal((OC, Cc // G, KH, KW))
    b = rng.standard_normal(OC) if bias else None
    ph, pw = _pair(padding)
    ref, vjp = np_conv2d(x, w, b, _pair(stride), (ph, ph, pw, pw), _pair(dil), G)
    dy = rng.standard_normal(ref.shape)
    tx, tw = _t(x, dtype), _t(w, dtype)
    tb = _t(b, dtype) if bias else None
    with pdg.kernels.use("conv", variant) if hasattr(pdg, "kernels") else _use(variant):
        y = F.conv2d(tx, tw, tb, stride, padding, dil, G)
        y.backward(pdg.tensor(dy, dtype=dtype))
    dx, dw, db = vjp(dy)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype is pdg.float32 else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(y.detach().numpy(), ref, **tol)
    np.testing.assert_allclose(tx.grad.numpy(), dx, **tol)
    np.testing.assert_allclose(tw.grad.numpy(), dw, **tol)
    if bias:
        np.testing.assert_allclose(tb.grad.numpy(), db, **tol)


class _use:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.prev = conv_ops.get_conv_variant()
        conv_ops.set_conv_variant(self.name)

    def __exit__(self, *a):
        conv_ops.set_conv_variant("auto")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", CASES)
def test_conv2d_vs_numpy_float64(case, variant):
    _run_conv(case, pdg.float64, variant)


@pytest.mark.parametrize("case", CASES[1:5])
def test_conv2d_vs_numpy_float32_nobias(case):
    _run_conv(case, pdg.float32, "02_im2col", bias=False)


# Shapes for the float32 AVX-512 paths of 04_im2col_avx512 (im2col/col2im rows and the
# implicit-GEMM forward, taken when K >= 16): stride 1 and 2 (vector rows), 3 (scalar
# fallback), rows of 1, of exactly 16 and of more than 16 outputs, padding wider than the
# window overlap, dilation with stride 2, odd sizes, panels spanning several images.
F32_CASES = CASES + [
    (3, 5, 17, 17, 4, (3, 3), 2, 1, 1, 1),        # DCGAN d2 shape, odd input
    (2, 3, 12, 12, 5, (5, 5), 1, 0, 1, 1),        # LeNet c2 shape (OW = 8)
    (2, 2, 9, 37, 3, (3, 3), 1, 1, 1, 1),         # OW = 37: three 16-lane blocks
    (2, 2, 7, 70, 3, (3, 5), 2, 2, 1, 1),         # stride 2, OW = 35
    (1, 3, 11, 33, 2, (3, 3), 2, (0, 1), 1, 1),   # stride 2, OW = 17, W odd
    (2, 4, 10, 31, 4, (3, 3), 2, 2, (1, 2), 2),   # stride 2 + dilation + groups
    (2, 2, 6, 16, 3, (3, 3), 1, 1, 1, 1),         # OW = 16 exactly
    (2, 2, 5, 1, 3, (3, 1), 1, 1, 1, 1),          # one column
    (1, 2, 4, 4, 2, (2, 2), 2, 3, 1, 1),          # padding bigger than the window
    (2, 3, 13, 40, 2, (3, 4), 2, 1, (2, 1), 1),   # even kernel width, dilated rows
    (2, 2, 9, 23, 3, (5, 5), (1, 2), 2, 1, 1),    # sh != sw
    (3, 40, 6, 7, 13, (3, 3), 1, 1, 1, 1),        # K = 360, 13 out channels (partial 6-row tile)
    (7, 3, 5, 6, 8, (3, 3), (2, 1), 1, 1, 1),     # P = 18: 64-column panels span 4 images
    (2, 3, 9, 30, 4, (3, 4), 2, 1, 1, 1),         # one 32-float span per tap set: 2*14 + 3 = 31
]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", F32_CASES)
def test_conv2d_float32_vs_numpy(case, variant):
    """float32 runs the AVX-512 row kernels of 04 (float64 always takes the scalar loops)."""
    _run_conv(case, pdg.float32, variant)


@pytest.mark.parametrize("threads", [1, 2])
def test_conv2d_threads_batch_split(threads):
    prev = pdg.get_num_threads()
    pdg.set_num_threads(threads)
    try:
        for v in VARIANTS[1:]:
            _run_conv((5, 4, 9, 9, 6, (3, 3), 1, 1, 1, 2), pdg.float64, v)
            _run_conv((1, 4, 9, 9, 6, (3, 3), 2, 1, 1, 1), pdg.float64, v)  # N < threads
            # P = 256 output pixels: 03 puts 2 images per GEMM, so N = 5 ends with a
            # partial (single-image) batch in each thread's chunk
            _run_conv((5, 3, 16, 16, 4, (3, 3), 1, 1, 1, 1), pdg.float64, v)
            _run_conv((5, 3, 16, 16, 4, (3, 3), 2, 1, 1, 1), pdg.float32, v)
    finally:
        pdg.set_num_threads(prev)


@pytest.mark.parametrize("k,dil", [((3, 3), 1), ((4, 2), 1), ((2, 3), (2, 3))])
def test_conv2d_padding_same_valid(k, dil):
    x = rng.standard_normal((2, 3, 9, 8))
    w = rng.standard_normal((4, 3) + k)
    dh, dw = _pair(dil)
    th, tw = dh * (k[0] - 1), dw * (k[1] - 1)
    ref, _ = np_conv2d(x, w, None, (1, 1), (th // 2, th - th // 2, tw // 2, tw - tw // 2), (dh, dw), 1)
    y = F.conv2d(_t(x, grad=False), _t(w, grad=False), padding="same", dilation=dil)
    assert y.shape == (2, 4, 9, 8)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-10)
    ref, _ = np_conv2d(x, w, None, (1, 1), (0, 0, 0, 0), (dh, dw), 1)
    y = F.conv2d(_t(x, grad=False), _t(w, grad=False), padding="valid", dilation=dil)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-10)


def test_conv2d_unbatched_input():
    x = rng.standard_normal((3, 6, 6))
    w = rng.standard_normal((2, 3, 3, 3))
    ref, _ = np_conv2d(x[None], w, None, (1, 1), (1, 1, 1, 1), (1, 1), 1)
    y = F.conv2d(_t(x, grad=False), _t(w, grad=False), padding=1)
    np.testing.assert_allclose(y.numpy(), ref[0], rtol=1e-10, atol=1e-10)


# (N, Cin, H, W, Cout, k, stride, padding, output_padding, groups, dilation)
T_CASES = [
    (2, 4, 3, 3, 3, 4, 2, 1, 0, 1, 1),   # DCGAN generator block
    (1, 2, 5, 4, 2, 3, 1, 0, 0, 1, 1),
    (2, 6, 4, 5, 4, 3, 2, 1, 1, 2, 1),   # output_padding + groups
    (3, 3, 1, 1, 5, 4, 1, 0, 0, 1, 1),   # 1x1 -> 4x4 (DCGAN first layer)
    (5, 6, 1, 1, 4, 7, 1, 0, 0, 1, 1),   # 1x1 -> 7x7, batch > threads
    (1, 4, 5, 5, 4, 3, 3, 2, 2, 4, 2),   # depthwise, dilation, stride 3
]


def _np_conv_transpose(x, w, b, s, p, op, g, d):
    """Transposed conv as the vjp (w.r.t. input) of the reference conv2d."""
    N, Cin, H, W = x.shape
    KH, KW = w.shape[2:]
    Cout = w.shape[1] * g
    OH = (H - 1) * s - 2 * p + d * (KH - 1) + op + 1
    OW = (W - 1) * s - 2 * p + d * (KW - 1) + op + 1
    z = np.zeros((N, Cout, OH, OW))
    # conv from (OH, OW) back to (H, W): pad p on top/left, whatever on the bottom keeps H rows
    pb_h = (H - 1) * s + d * (KH - 1) + 1 - OH - p
    pb_w = (W - 1) * s + d * (KW - 1) + 1 - OW - p
    _, vjp = np_conv2d(z, w, None, (s, s), (p, max(pb_h, 0), p, max(pb_w, 0)), (d, d), g)
    out = vjp(x)[0]
    return out + (b[None, :, None, None] if b is not None else 0)


@pytest.mark.parametrize("dtype,tol", [(pdg.float64, 1e-10), (pdg.float32, 1e-4)],
                         ids=["float64", "float32"])
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", T_CASES)
def test_conv_transpose2d_vs_numpy(case, variant, dtype, tol):
    N, Cin, H, W, Cout, k, s, p, op, g, d = case
    x = rng.standard_normal((N, Cin, H, W))
    w = rng.standard_normal((Cin, Cout // g, k, k))
    b = rng.standard_normal(Cout)
    ref = _np_conv_transpose(x, w, b, s, p, op, g, d)
    ctx = pdg.kernels.use("conv", variant) if hasattr(pdg, "kernels") else _use(variant)
    with ctx:
        y = F.conv_transpose2d(_t(x, dtype, grad=False), _t(w, dtype, grad=False),
                               _t(b, dtype, grad=False), s, p, op, g, d)
    np.testing.assert_allclose(y.numpy(), ref, rtol=tol, atol=tol)


def test_conv2d_gradcheck_float64():
    x = _t(rng.standard_normal((2, 4, 5, 4)))
    w = _t(rng.standard_normal((6, 2, 3, 2)))
    b = _t(rng.standard_normal(6))
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, (2, 1), 1, (1, 2), 2), (x, w, b))


def test_conv_transpose2d_gradcheck_float64():
    x = _t(rng.standard_normal((2, 4, 3, 2)))
    w = _t(rng.standard_normal((4, 3, 3, 3)))
    b = _t(rng.standard_normal(6))
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 2), (x, w, b))


def test_conv_vs_torch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    for (N, Cc, H, W, OC, k, s, p, d, g) in [(3, 4, 10, 9, 6, (3, 3), 2, 1, 1, 2),
                                             (2, 6, 8, 8, 6, (3, 3), 1, 1, 2, 6)]:
        x = rng.standard_normal((N, Cc, H, W))
        w = rng.standard_normal((OC, Cc // g) + k)
        b = rng.standard_normal(OC)
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        px, pw, pb = _t(x), _t(w), _t(b)
        ty = tF.conv2d(tx, tw, tb, s, p, d, g)
        py = F.conv2d(px, pw, pb, s, p, d, g)
        dy = rng.standard_normal(tuple(ty.shape))
        ty.backward(torch.tensor(dy))
        py.backward(pdg.tensor(dy))
        for a, e in ((py, ty), (px.grad, tx.grad), (pw.grad, tw.grad), (pb.grad, tb.grad)):
            np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), rtol=1e-10, atol=1e-10)
    # transposed, with output_padding and dilation >= stride
    for (N, Cin, H, W, Cout, k, s, p, op, g, d) in T_CASES + [(2, 2, 4, 4, 2, 3, 1, 1, 1, 1, 2)]:
        x = rng.standard_normal((N, Cin, H, W))
        w = rng.standard_normal((Cin, Cout // g, k, k))
        b = rng.standard_normal(Cout)
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        px, pw, pb = _t(x), _t(w), _t(b)
        ty = tF.conv_transpose2d(tx, tw, tb, s, p, op, g, d)
        py = F.conv_transpose2d(px, pw, pb, s, p, op, g, d)
        assert py.shape == tuple(ty.shape)
        dy = rng.standard_normal(tuple(ty.shape))
        ty.backward(torch.tensor(dy))
        py.backward(pdg.tensor(dy))
        for a, e in ((py, ty), (px.grad, tx.grad), (pw.grad, tw.grad), (pb.grad, tb.grad)):
            np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), rtol=1e-10, atol=1e-10)



@pytest.mark.parametrize("variant", VARIANTS)
def test_conv_float32_vs_torch(variant):
    """float32 (the AVX-512 rows of 04) against torch on DCGAN/LeNet/UNet-like shapes."""
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    for (N, Cc, H, W, OC, k, s, p) in [(4, 8, 14, 14, 16, (3, 3), 2, 1),
                                       (3, 6, 12, 12, 16, (5, 5), 1, 0),
                                       (2, 8, 15, 15, 8, (3, 3), 1, 1)]:
        x, w, b = (rng.standard_normal(sh).astype(np.float32) for sh in ((N, Cc, H, W), (OC, Cc) + k, (OC,)))
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        px, pw, pb = (_t(a, pdg.float32) for a in (x, w, b))
        ty = tF.conv2d(tx, tw, tb, s, p)
        with pdg.kernels.use("conv", variant) if hasattr(pdg, "kernels") else _use(variant):
            py = F.conv2d(px, pw, pb, s, p)
            dy = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
            py.backward(pdg.tensor(dy))
        ty.backward(torch.tensor(dy))
        for a, e in ((py, ty), (px.grad, tx.grad), (pw.grad, tw.grad), (pb.grad, tb.grad)):
            np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), rtol=1e-4, atol=1e-3)

def test_conv_errors():
    x = pdg.randn(2, 4, 5, 5)
    with pytest.raises(ValueError, match="conv2d.*larger than the padded input"):
        F.conv2d(x, pdg.randn(3, 4, 7, 7))
    with pytest.raises(ValueError, match="conv2d.*divisible by groups"):
        F.conv2d(x, pdg.randn(3, 2, 3, 3), groups=3)
    with pytest.raises(ValueError, match="conv2d.*divisible by groups"):
        F.conv2d(x, pdg.randn(3, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match="conv2d: negative padding"):
        F.conv2d(x, pdg.randn(3, 4, 3, 3), padding=-1)
    with pytest.raises(ValueError, match=r"conv2d: weight shape \(3, 2, 3, 3\)"):
        F.conv2d(x, pdg.randn(3, 2, 3, 3))
    with pytest.raises(ValueError, match="conv2d: expected a 4-d weight"):
        F.conv2d(x, pdg.randn(3, 4, 3))
    with pytest.raises(ValueError, match="conv2d: expected a 3-d .* or 4-d"):
        F.conv2d(pdg.randn(4, 5), pdg.randn(3, 4, 3, 3))
    with pytest.raises(ValueError, match="conv2d: expected bias of shape"):
        F.conv2d(x, pdg.randn(3, 4, 3, 3), pdg.randn(4))
    with pytest.raises(ValueError, match="padding='same'"):
        F.conv2d(x, pdg.randn(3, 4, 3, 3), stride=2, padding="same")
    with pytest.raises(TypeError, match="conv2d: weight dtype"):
        F.conv2d(x, pdg.randn(3, 4, 3, 3, dtype=pdg.float64))
    with pytest.raises(ValueError, match="conv_transpose2d: output_padding"):
        F.conv_transpose2d(x, pdg.randn(4, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="conv_transpose2d: weight shape"):
        F.conv_transpose2d(x, pdg.randn(3, 2, 3, 3))
    with pytest.raises(ValueError, match="conv: unknown variant"):
        C.set_conv_variant("nope")
    # the C++ geometry check itself
    with pytest.raises(ValueError, match="conv2d: channels .* divisible by groups"):
        C.ConvGeom("conv2d", 1, 3, 4, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 2)
    with pytest.raises(ValueError, match="conv2d: padding must be non-negative"):
        C.ConvGeom("conv2d", 1, 4, 4, 4, 4, 3, 3, 2, 2, 1, 1, -1, 0, 1, 1, 1)
    g = C.ConvGeom("conv2d", 1, 4, 4, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1)
    small = C.empty(3, 0)
    with pytest.raises(ValueError, match="conv2d"):
        C.conv2d_forward(small, small, small, None, g)


def test_conv2d_module_init_and_forward():
    pdg.manual_seed(0)
    m = pdg.nn.Conv2d(6, 8, 5, stride=2, padding=1, groups=2)
    assert m.weight.shape == (8, 3, 5, 5) and m.bias.shape == (8,)
    bound = 1 / math.sqrt(3 * 25)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    x = pdg.randn(2, 6, 11, 11)
    np.testing.assert_allclose(m(x).detach().numpy(),
                               F.conv2d(x, m.weight, m.bias, 2, 1, 1, 2).detach().numpy())
    m(x).sum().backward()
    assert m.weight.grad.shape == m.weight.shape and m.bias.grad.shape == (8,)
    assert len(list(m.parameters())) == 2
    assert pdg.nn.Conv2d(3, 4, 3, bias=False).bias is None


def test_conv_transpose2d_module():
    pdg.manual_seed(1)
    m = pdg.nn.ConvTranspose2d(8, 4, 4, 2, 1)
    assert m.weight.shape == (8, 4, 4, 4)
    bound = 1 / math.sqrt(4 * 16)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    y = m(pdg.randn(3, 8, 7, 7))
    assert y.shape == (3, 4, 14, 14)


def test_kernel_registry():
    if not hasattr(pdg, "kernels"):
        pytest.skip("pydeepgen.kernels not merged yet")
    names = [v.name for v in pdg.kernels.list("conv")]
    assert names == ["01_reference", "02_im2col", "03_im2col_batched", "04_im2col_avx512"]
    best = "04_im2col_avx512" if "04_im2col_avx512" in VARIANTS else "03_im2col_batched"
    assert pdg.kernels.current("conv") == best
    with pdg.kernels.use("conv", "01_reference"):
        assert pdg.kernels.current("conv") == "01_reference"
    assert pdg.kernels.current("conv") == best


def test_avx512_variant_unsupported_raises():
    if "04_im2col_avx512" in VARIANTS:
        pytest.skip("this CPU has AVX-512")
    with pytest.raises(ValueError, match="not supported: the SIMD level in use is"):
        C.set_conv_variant("04_im2col_avx512")
