"""Every SIMD level this CPU runs, in one run: the FMA peak of the level, GEMM (the rung
"auto" picks at that level) as GFLOP/s and % of that peak, an Adam step and an MLP
training step, each beside NumPy/OpenBLAS (and PyTorch when installed) in the same run.

The level is capped in-process with ``pdg.set_simd_level`` (what ``PDG_SIMD`` does), so
on an AVX-512 machine this measures the code an AVX2-only or baseline CPU would run, on
this machine's cores (an AVX2 CPU's own peak may differ: compare % of peak, not GFLOP/s).

    python benchmarks/bench_simd_levels.py            # 1 thread
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_simd_levels.py
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Bench, machine_info, set_threads  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from pydeepgen import _C  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional
    torch = None

SHAPES = [(512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048), (64, 256, 784),
          (256, 512, 784)]  # M, N, K


def gemm_cases(bench, level, rng):
    for M, N, K in SHAPES:
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

        def run(cb=cb, ab=ab, bb=bb, M=M, N=N, K=K):
            _C.gemm(cb, ab, bb, M, N, K, False, False, 1.0, 0.0, K, N, N, "")

        def check(run=run, c=c, ref=ref):
            run()
            return c, ref

        bench.case(f"{level} gemm {M}x{K}@{K}x{N}", run, peers, check=check,
                   flops=2.0 * M * N * K, rtol=1e-3, atol=1e-3 * np.sqrt(K))


def adam_case(bench, level, rng, n=1 << 20):
    p0 = rng.standard_normal(n).astype(np.float32)
    g = rng.standard_normal(n).astype(np.float32)
    p = pdg.tensor(p0.copy(), requires_grad=True)
    p.grad = pdg.tensor(g)
    opt = pdg.optim.Adam([p], lr=1e-3)
    m, v = np.zeros(n, np.float32), np.zeros(n, np.float32)
    pn = p0.copy()

    def numpy_adam():  # the same update, one step, in NumPy float32
        np.multiply(m, 0.9, out=m)
        m.__iadd__(0.1 * g)
        np.multiply(v, 0.999, out=v)
        v.__iadd__(0.001 * g * g)
        pn.__isub__(1e-3 * m / (np.sqrt(v) + 1e-8))

    peers = {"numpy": numpy_adam}
    if torch is not None:
        tp = torch.tensor(p0.copy(), requires_grad=True)
        tp.grad = torch.tensor(g)
        topt = torch.optim.Adam([tp], lr=1e-3)
        peers["torch"] = topt.step
    bench.case(f"{level} adam step 1M", opt.step, peers, bytes=n * 4 * 7.0)


def mlp_case(bench, level, rng):
    x = pdg.tensor(rng.standard_normal((64, 784)).astype(np.float32))
    y = pdg.tensor(rng.integers(0, 10, 64))
    pdg.manual_seed(0)
    net = pdg.nn.Sequential(pdg.nn.Linear(784, 256), pdg.nn.ReLU(), pdg.nn.Linear(256, 10))
    opt = pdg.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        pdg.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    peers = {}
    if torch is not None:
        torch.manual_seed(0)
        tnet = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                   torch.nn.Linear(256, 10))
        topt = torch.optim.Adam(tnet.parameters(), lr=1e-3)
        tx, ty = torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())

        def tstep():
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tnet(tx), ty).backward()
            topt.step()

        peers["torch"] = tstep
    bench.case(f"{level} mlp 784-256-10 train step b64", step, peers,
               flops=3 * 2.0 * 64 * (784 * 256 + 256 * 10))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    args, rest = p.parse_known_args()
    set_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"machine: {machine_info()}")
    peaks = {}
    results = []
    for level in pdg.simd_levels()[::-1]:
        with pdg.set_simd_level(level):
            peaks[level] = max(_C.fma_peak_gflops(5_000_000) for _ in range(5))
            bench = Bench(f"simd_{level}_t{args.threads}", threads=args.threads, reps=10,
                          argv=rest)
            gemm_cases(bench, level, rng)
            adam_case(bench, level, rng)
            mlp_case(bench, level, rng)
            print(f"\n## level {level}: gemm rung {_C.get_gemm_variant()}, optim rung "
                  f"{pdg.optim.get_kernel_variant()}, FMA peak {peaks[level]:.1f} GFLOP/s")
            results += bench.run()
    print(f"\n# summary, {args.threads} thread(s); % of the peak measured at the same level")
    print(f"{'case':<44} {'GF/s best':>9} {'%peak':>6} {'ms best':>9} {'x numpy':>8} "
          f"{'x torch':>8}")
    for r in results:
        level = r["case"].split()[0]
        t = r["times"]
        best = t["pdg"]["min"]
        f = r.get("flops")
        gf = f / best / 1e9 if f else None
        row = f"{r['case']:<44} " + (f"{gf:9.1f} {100 * gf / peaks[level]:6.1f}" if gf and
                                     "gemm" in r["case"] else f"{'':>9} {'':>6}")
        row += f" {best * 1e3:9.3f}"
        for peer in ("numpy", "torch"):
            row += f" {t[peer]['min'] / best:8.2f}" if peer in t else f" {'-':>8}"
        print(row)
    print("peaks: " + ", ".join(f"{k} {v:.1f}" for k, v in peaks.items()))


if __name__ == "__main__":
    main()
