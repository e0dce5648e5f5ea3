"""Build configuration, threads, the caching allocator, CUDA status and the RNG's
thread-count independence."""

import numpy as np
import pytest

import pydeepgen as pdg


def test_show_config_prints_the_build(capsys):
    pdg.show_config()
    out = capsys.readouterr().out
    for word in ("pydeepgen", "compiler", "simd", "openmp", "cuda"):
        assert word in out
    cfg = pdg.config()
    assert cfg["simd"] in ("avx512", "avx2", "baseline")


def test_num_threads_round_trip():
    old = pdg.get_num_threads()
    try:
        pdg.set_num_threads(1)
        assert pdg.get_num_threads() == 1
        with pytest.raises(ValueError, match="set_num_threads"):
            pdg.set_num_threads(0)
    finally:
        pdg.set_num_threads(old)


def test_allocator_reuses_freed_blocks():
    x = pdg.empty(123457)
    del x
    before = pdg.memory_stats()
    for _ in range(5):
        y = pdg.empty(123457)
        del y
    after = pdg.memory_stats()
    assert after["num_cache_hits"] - before["num_cache_hits"] >= 5
    assert after["peak_allocated_bytes"] >= 123457 * 4


def test_allocated_buffers_are_64_byte_aligned():
    for n in (1, 3, 17, 1000, 12345):
        t = pdg.empty(n)
        assert t.data_ptr() % 64 == 0


def test_cuda_status_explains_itself():
    info = pdg.cuda.build_info()
    assert set(info) >= {"compiled", "available", "reason", "device_count"}
    if not info["available"]:
        assert pdg.cuda.is_available() is False
        assert info["reason"]  # says why: not compiled / no driver / no device
        with pytest.raises(RuntimeError, match="CUDA"):
            pdg.zeros(3, device="cuda")
    else:  # pragma: no cover - only on a GPU machine
        a = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
        b = np.random.default_rng(1).standard_normal(1000).astype(np.float32)
        np.testing.assert_allclose(pdg._C.cuda_add_selftest(a, b), a + b, rtol=1e-6)


def test_random_streams_do_not_depend_on_thread_count():
    old = pdg.get_num_threads()
    try:
        out = []
        for nt in (1, 2):
            pdg.set_num_threads(nt)
            g = pdg.Generator().manual_seed(1234)
            out.append((pdg.randn(200003, generator=g).numpy().copy(),
                        pdg.rand(70001, generator=g, dtype=pdg.float64).numpy().copy()))
        np.testing.assert_array_equal(out[0][0], out[1][0])
        np.testing.assert_array_equal(out[0][1], out[1][1])
    finally:
        pdg.set_num_threads(old)


def test_generator_state_resumes_bit_for_bit():
    g = pdg.Generator().manual_seed(7)
    pdg.randn(10, generator=g)
    state = g.get_state()
    a = pdg.randn(1000, generator=g).numpy().copy()
    g.set_state(state)
    b = pdg.randn(1000, generator=g).numpy().copy()
    np.testing.assert_array_equal(a, b)
    pdg.manual_seed(3)
    s = pdg.get_rng_state()
    x = pdg.rand(5).numpy().copy()
    pdg.set_rng_state(s)
    np.testing.assert_array_equal(x, pdg.rand(5).numpy())


def test_random_moments():
    pdg.manual_seed(0)
    z = pdg.randn(400000).numpy().astype(np.float64)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    u = pdg.rand(400000).numpy().astype(np.float64)
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    r = pdg.randint(3, 9, (100000,)).numpy()
    assert r.min() == 3 and r.max() == 8
    counts = np.bincount(r - 3)
    assert counts.min() > 15000
