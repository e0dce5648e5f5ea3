"""GEMM ladder benchmark: each rung beside NumPy (OpenBLAS) and PyTorch.

Times the kernel alone through ``_C.gemm`` on preallocated buffers (peers write into
preallocated outputs too), validates every case against NumPy float64 first, and prints
GFLOP/s, % of the measured FMA peak and the ratios. Shapes: square 256..2048 and the
skinny training shapes of issue 3 (M x K @ K x N).

Run (both OpenBLAS settings, as issue 3 asks; OpenBLAS picks its AVX-512 kernel only
when OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset):

    python benchmarks/bench_gemm.py --threads 1
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_gemm.py --threads 1

Without ``--threads`` it runs 1 and then 2 threads. ``--variants 04_packed_avx512,...``
picks rungs (default: every supported rung from 02 up; 02 only on shapes <= 512).
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Bench, set_threads  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from pydeepgen import _C  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional
    torch = None

SQUARE = [256, 512, 1024, 1536, 2048]
# (M, N, K): the MLP training shapes of issue 3, written as M x K @ K x N
SKINNY = [(64, 256, 784), (256, 512, 784), (64, 10, 256), (128, 400, 100)]


def blas_info():
    try:
        from threadpoolctl import threadpool_info

        return ", ".join(f"{d['internal_api']} {d.get('architecture')}" for d in threadpool_info()
                         if d["user_api"] == "blas")
    except ImportError:
        return "unknown"


def add_cases(bench, variants, rng):
    shapes = [(n, n, n) for n in SQUARE] + SKINNY
    for M, N, K in shapes:
        a = rng.uniform(-1, 1, (M, K)).astype(np.float32)
        b = rng.uniform(-1, 1, (K, N)).astype(np.float32)
        c = np.empty((M, N), np.float32)
        ref = a.astype(np.float64) @ b.astype(np.float64)
        ab, bb, cb = (_C.from_numpy(x)[0] for x in (a, b, c))
        cn = np.empty((M, N), np.float32)
        peers = {"numpy": lambda a=a, b=b, cn=cn: np.matmul(a, b, out=cn)}
        if torch is not None:
            ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.empty(M, N)
            peers["torch"] = lambda ta=ta, tb=tb, tc=tc: torch.mm(ta, tb, out=tc)
        for v in variants:
            if v == "02_blocked" and M * N * K > 512**3:
                continue

            def run(v=v, cb=cb, ab=ab, bb=bb, M=M, N=N, K=K):
                _C.gemm(cb, ab, bb, M, N, K, False, False, 1.0, 0.0, K, N, N, v)

            def check(run=run, c=c, ref=ref):
                run()
                return c, ref

            bench.case(f"{v} {M}x{K}@{K}x{N}", run, peers, check=check, flops=2.0 * M * N * K,
                       rtol=1e-3, atol=1e-3 * np.sqrt(K))


def summary(results, threads, peak):
    """GFLOP/s and % of peak from the median and from the best repetition."""
    print(f"\n# summary, {threads} thread(s), measured FMA peak {peak:.0f} GFLOP/s "
          f"(BLAS: {blas_info()})")
    print(f"{'case':<40} {'med GF/s':>8} {'%peak':>6} {'best GF/s':>9} {'%peak':>6} "
          f"{'numpy best':>10} {'torch best':>10} {'x numpy':>8} {'x torch':>8}")
    for r in results:
        f = r["flops"]
        t = r["times"]
        g_med, g_best = f / t["pdg"]["median"] / 1e9, f / t["pdg"]["min"] / 1e9
        row = f"{r['case']:<40} {g_med:8.1f} {100 * g_med / peak:6.1f} {g_best:9.1f} {100 * g_best / peak:6.1f}"
        for p in ("numpy", "torch"):
            row += f" {f / t[p]['min'] / 1e9:10.1f}" if p in t else f" {'-':>10}"
        for p in ("numpy", "torch"):
            row += f" {t[p]['min'] / t['pdg']['min']:8.2f}" if p in t else f" {'-':>8}"
        print(row)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--variants", default=None)
    p.add_argument("--peak-per-core", type=float, default=None,
                   help="fp32 FMA GFLOP/s of one core for %% of peak (default: measured now, "
                        "the best of 5 probes; pass 116 on a loaded Zen 4 test machine)")
    args, rest = p.parse_known_args()
    supported = [n for n, _, ok in _C.gemm_variants() if ok]
    variants = args.variants.split(",") if args.variants else [v for v in supported if v != "01_naive"]
    tag = "" if os.environ.get("OPENBLAS_CORETYPE") else "_openblas_auto"
    for nt in [args.threads] if args.threads else [1, 2]:
        set_threads(nt)
        if args.peak_per_core:
            peak = args.peak_per_core * nt
        else:
            peak = max(_C.fma_peak_gflops() for _ in range(5))
        bench = Bench(f"gemm_t{nt}{tag}", threads=nt, reps=10, argv=rest)
        add_cases(bench, variants, np.random.default_rng(0))
        results = bench.run()
        summary(results, nt, peak)


if __name__ == "__main__":
    main()
