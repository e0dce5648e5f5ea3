"""The GEMM ladder (csrc/cpu/gemm/): every rung against a NumPy float64 reference, driven
through the checked entry point ``_C.gemm`` on NumPy memory, plus the ``pdg.kernels``
switch and ``pdg.matmul`` on each rung."""

import math

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen._C as C
import pydeepgen.kernels as kernels

VARIANTS = [name for name, _, ok in C.gemm_variants() if ok]
FAST = [v for v in VARIANTS if v != "01_naive"]
rng = np.random.default_rng()

# (M, N, K): ones, primes, tall/skinny, non-multiples of every tile (6x16, 6x64), empties.
SHAPES = [(1, 1, 1), (1, 7, 1), (7, 1, 13), (2, 3, 5), (13, 17, 19), (6, 64, 8), (7, 65, 9),
          (31, 37, 41), (1, 129, 67), (97, 3, 61), (5, 100, 1), (0, 5, 3), (4, 0, 3), (4, 5, 0),
          # rung 04's transposed-C path (N <= 48, N % 16 != 0, M >= 16, K <= 1024): taken at
          # its edges, and just outside each edge
          (16, 47, 300), (40, 10, 1024), (15, 10, 30), (66, 49, 20), (50, 32, 20), (50, 8, 1025)]
TRANS = [(False, False), (False, True), (True, False), (True, True)]


def _mat(rows, cols, dtype, pad=0):
    """A rows x cols operand stored with row stride cols + pad (a view of a wider array)."""
    full = rng.uniform(-1, 1, size=(rows, cols + pad)).astype(dtype)
    return full[:, :cols] if pad else full


def _run(variant, M, N, K, ta, tb, alpha, beta, dtype, pad=0, entry=None, operands=None):
    """One product through ``entry`` (C.gemm by default); ``operands`` = (a, b, c) to reuse."""
    if operands is None:
        a = _mat(K, M, dtype, pad) if ta else _mat(M, K, dtype, pad)
        b = _mat(N, K, dtype, pad) if tb else _mat(K, N, dtype, pad)
        c = _mat(M, N, dtype, pad)
    else:
        a, b, c = operands
        c = c.base.copy()[:, :N] if c.base is not None else c.copy()  # keep C's row padding
    if beta == 0:
        c[...] = np.nan  # beta == 0 must not read C
    c0 = c.astype(np.float64)
    A = a.astype(np.float64).T if ta else a.astype(np.float64)
    B = b.astype(np.float64).T if tb else b.astype(np.float64)
    ref = alpha * (A @ B) + (beta * c0 if beta != 0 else 0.0)
    ab, a_st = C.from_numpy(a)
    bb, b_st = C.from_numpy(b)
    cb, c_st = C.from_numpy(c)
    ld = lambda st, cols: st[0] if len(st) and st[0] else max(cols, 1)  # noqa: E731
    (entry or C.gemm)(cb, ab, bb, M, N, K, ta, tb, alpha, beta,
                      ld(a_st, a.shape[1]), ld(b_st, b.shape[1]), ld(c_st, N), variant=variant)
    return c, ref


def _tol(dtype, K):
    return (1e-5 * math.sqrt(K + 1) + 1e-6, 1e-4) if dtype == np.float32 else (1e-12 * (K + 1), 1e-10)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", TRANS)
def test_rung_matches_numpy(variant, dtype, ta, tb):
    for M, N, K in SHAPES:
        for alpha, beta, pad in ((1.0, 0.0, 0), (0.5, -1.5, 3), (-2.0, 1.0, 1)):
            c, ref = _run(variant, M, N, K, ta, tb, alpha, beta, dtype, pad)
            atol, rtol = _tol(dtype, K)
            np.testing.assert_allclose(c, ref, atol=atol, rtol=rtol,
                                       err_msg=f"{variant} M={M} N={N} K={K} ta={ta} tb={tb} "
                                               f"alpha={alpha} beta={beta} pad={pad}")


@pytest.mark.parametrize("variant", FAST)
@pytest.mark.parametrize("threads", [1, 2])
def test_rung_blocks_and_threads(variant, threads):
    """Shapes that cross the cache blocks (MC, KC = 512, NC) and split across threads by
    rows (large M) and by columns (small M, the skinny training shapes)."""
    old = pdg.get_num_threads()
    pdg.set_num_threads(threads)
    try:
        for (M, N, K), (ta, tb) in zip([(101, 1100, 530), (8, 700, 300), (300, 70, 129),
                                        (64, 256, 784)], TRANS):
            c, ref = _run(variant, M, N, K, ta, tb, 1.0, 0.5, np.float32, pad=2)
            atol, rtol = _tol(np.float32, K)
            np.testing.assert_allclose(c, ref, atol=atol, rtol=rtol, err_msg=f"{M}x{N}x{K}")
    finally:
        pdg.set_num_threads(old)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", TRANS)
def test_prepacked_matches_naive_rung(variant, dtype, ta, tb):
    """pack_b + gemm_prepacked (csrc/cpu/gemm/prepacked.h): packed on rungs 03/04 float32,
    the plain fallback elsewhere; same answer as rung 01 on the same operands."""
    for M, N, K in SHAPES + [(64, 10, 256), (28, 16, 5), (29, 17, 3)]:
        for alpha, beta, pad in ((1.0, 0.0, 0), (0.5, -1.5, 3), (-2.0, 1.0, 1)):
            a = _mat(K, M, dtype, pad) if ta else _mat(M, K, dtype, pad)
            b = _mat(N, K, dtype, pad) if tb else _mat(K, N, dtype, pad)
            c = _mat(M, N, dtype, pad)
            got, ref = _run(variant, M, N, K, ta, tb, alpha, beta, dtype,
                            entry=C.gemm_prepacked, operands=(a, b, c))
            naive, _ = _run("01_naive", M, N, K, ta, tb, alpha, beta, dtype, operands=(a, b, c))
            atol, rtol = _tol(dtype, K)
            msg = f"{variant} M={M} N={N} K={K} ta={ta} tb={tb} alpha={alpha} beta={beta} pad={pad}"
            np.testing.assert_allclose(got, naive, atol=atol, rtol=rtol, err_msg=msg)
            np.testing.assert_allclose(got, ref, atol=atol, rtol=rtol, err_msg=msg)


@pytest.mark.parametrize("variant", FAST)
@pytest.mark.parametrize("threads", [1, 2])
def test_prepacked_blocks_threads_and_reuse(variant, threads):
    """K past one KC block (512), M split across threads, and one packed B reused by
    several products (repeat) with beta = 0."""
    old = pdg.get_num_threads()
    pdg.set_num_threads(threads)
    try:
        for (M, N, K), (ta, tb) in zip([(301, 130, 530), (8, 700, 300), (300, 70, 1029),
                                        (64, 512, 128)], TRANS):
            a = _mat(K, M, np.float32, 2) if ta else _mat(M, K, np.float32, 2)
            b = _mat(N, K, np.float32, 2) if tb else _mat(K, N, np.float32, 2)
            c = _mat(M, N, np.float32, 2)
            ref = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
            ab, a_st = C.from_numpy(a)
            bb, b_st = C.from_numpy(b)
            cb, c_st = C.from_numpy(c)
            C.gemm_prepacked(cb, ab, bb, M, N, K, ta, tb, 1.0, 0.0, a_st[0], b_st[0], c_st[0],
                             repeat=3, variant=variant)
            atol, rtol = _tol(np.float32, K)
            np.testing.assert_allclose(c, ref, atol=atol, rtol=rtol, err_msg=f"{M}x{N}x{K}")
    finally:
        pdg.set_num_threads(old)


def test_prepacked_argument_errors():
    a, _ = C.from_numpy(np.zeros((4, 5), np.float32))
    b, _ = C.from_numpy(np.zeros((5, 6), np.float32))
    c, _ = C.from_numpy(np.zeros((4, 6), np.float32))
    d, _ = C.from_numpy(np.zeros((4, 6), np.float64))
    with pytest.raises(ValueError, match=r"gemm_prepacked: b \(5 x 7"):
        C.gemm_prepacked(c, a, b, 4, 7, 5)
    with pytest.raises(ValueError, match="gemm_prepacked: leading dimension of a"):
        C.gemm_prepacked(c, a, b, 4, 6, 5, lda=3)
    with pytest.raises(TypeError, match="gemm_prepacked"):
        C.gemm_prepacked(d, a, b, 4, 6, 5)
    with pytest.raises(ValueError, match="repeat"):
        C.gemm_prepacked(c, a, b, 4, 6, 5, repeat=0)
    with pytest.raises(ValueError, match="unknown variant"):
        C.gemm_prepacked(c, a, b, 4, 6, 5, variant="nope")


def test_beta_zero_ignores_nan_and_k_zero_scales():
    for v in VARIANTS:
        c, ref = _run(v, 9, 11, 0, False, False, 1.0, 0.0, np.float32)
        assert np.all(c == 0), v
        c, ref = _run(v, 9, 11, 0, False, True, 1.0, 2.0, np.float64)
        np.testing.assert_allclose(c, ref, err_msg=v)


def test_gemm_argument_errors():
    a = np.zeros((3, 4), np.float32)
    b = np.zeros((4, 5), np.float32)
    c = np.zeros((3, 5), np.float32)
    ab, bb, cb = (C.from_numpy(x)[0] for x in (a, b, c))
    with pytest.raises(ValueError, match=r"gemm: b \(4 x 6"):
        C.gemm(cb, ab, bb, 3, 6, 4)
    with pytest.raises(ValueError, match="leading dimension of a"):
        C.gemm(cb, ab, bb, 3, 5, 4, lda=2)
    with pytest.raises(ValueError, match="unknown variant 'nope'"):
        C.gemm(cb, ab, bb, 3, 5, 4, variant="nope")
    with pytest.raises(TypeError):
        C.gemm(cb, ab, C.from_numpy(b.astype(np.float64))[0], 3, 5, 4)


def test_kernels_switch():
    names = [v.name for v in kernels.list("gemm")]
    assert names == [n for n, _, _ in C.gemm_variants()]
    assert "gemm" in kernels.families()
    best = kernels.current("gemm")
    assert best == VARIANTS[-1]  # "auto" = the fastest supported rung
    with kernels.use("gemm", "01_naive"):
        assert kernels.current("gemm") == "01_naive"
        assert [v.name for v in kernels.list("gemm") if v.current] == ["01_naive"]
        with kernels.use("gemm", "02_blocked"):
            assert kernels.current("gemm") == "02_blocked"
        assert kernels.current("gemm") == "01_naive"
    assert kernels.current("gemm") == best
    kernels.use("gemm", "02_blocked")
    assert C.get_gemm_variant() == "02_blocked"
    kernels.use("gemm", "auto")
    assert kernels.current("gemm") == best
    with pytest.raises(ValueError, match="unknown variant"):
        kernels.use("gemm", "05_magic")
    with pytest.raises(ValueError, match="unknown family"):
        kernels.use("nofamily", "x")
    unsupported = [n for n, _, ok in C.gemm_variants() if not ok]
    for n in unsupported:
        with pytest.raises(ValueError, match="not supported"):
            kernels.use("gemm", n)


@pytest.mark.parametrize("variant", VARIANTS)
def test_matmul_uses_each_rung(variant):
    a = rng.standard_normal((3, 17, 29))
    b = rng.standard_normal((29, 23))
    with kernels.use("gemm", variant):
        for dt in (pdg.float32, pdg.float64):
            ta, tb = pdg.tensor(a, dtype=dt), pdg.tensor(b, dtype=dt)
            out = (ta @ tb).numpy()
            tol = 1e-4 if dt is pdg.float32 else 1e-12
            np.testing.assert_allclose(out, a @ b, atol=tol, rtol=tol)
            # a transposed view goes in as a transpose flag
            out = pdg.matmul(tb.transpose(0, 1), ta.transpose(1, 2)).numpy()
            np.testing.assert_allclose(out, b.T @ a.transpose(0, 2, 1), atol=tol, rtol=tol)


def test_bmm_many_small_matrices_threads():
    """batch parallelism (small M*N*K) gives the same result on 1 and 2 threads."""
    a = rng.standard_normal((64, 5, 7)).astype(np.float32)
    b = rng.standard_normal((64, 7, 3)).astype(np.float32)
    old = pdg.get_num_threads()
    try:
        outs = []
        for nt in (1, 2):
            pdg.set_num_threads(nt)
            outs.append((pdg.tensor(a) @ pdg.tensor(b)).numpy())
    finally:
        pdg.set_num_threads(old)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_allclose(outs[0], a @ b, atol=1e-5, rtol=1e-5)
