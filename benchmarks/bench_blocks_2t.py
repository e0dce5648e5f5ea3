"""Two-thread GEMM, LSTM and conv timings with each library measured in its own block.

On a 2-core machine, alternating repetitions of libraries whose worker threads spin
between calls (OpenBLAS, PyTorch's OpenMP, pdg with OMP_WAIT_POLICY=active) makes every
library's threads compete with the previous library's still-spinning ones, so per-rep
alternation (harness.py) measures that contention rather than the kernels. Here each library
runs all its repetitions back to back after a warm-up; results are validated first.

Run: OMP_WAIT_POLICY=active python benchmarks/bench_blocks_2t.py
"""

import json
import os
import sys
import time

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "active")
import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402

try:
    import torch
except ImportError:  # optional peer
    torch = None

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
pdg.set_num_threads(THREADS)
if torch is not None:
    torch.set_num_threads(THREADS)


def block(fn, reps=15, warm=3):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), float(min(ts))


def main():
    rows = []
    rng = np.random.default_rng(0)
    for (m, k, n) in [(1024, 1024, 1024), (2048, 2048, 2048), (64, 784, 256), (256, 784, 512),
                      (64, 256, 10), (128, 100, 400)]:
        A = rng.standard_normal((m, k), dtype=np.float32)
        B = rng.standard_normal((k, n), dtype=np.float32)
        a, b = pdg.from_numpy(A), pdg.from_numpy(B)
        np.testing.assert_allclose((a @ b).numpy(), A @ B, rtol=1e-3, atol=1e-3)
        flops = 2 * m * n * k
        res = {"case": f"gemm {m}x{k}@{k}x{n}", "pdg": block(lambda: a @ b),
               "numpy": block(lambda: A @ B)}
        if torch is not None:
            ta, tb = torch.from_numpy(A), torch.from_numpy(B)
            res["torch"] = block(lambda: ta @ tb)
        res["gflops"] = {k2: flops / v[1] / 1e9 for k2, v in res.items() if k2 != "case"}
        rows.append(res)
    if torch is not None:
        # LSTM i=32 h=128 T=50 B=64 forward+backward
        T, B, I, H = 50, 64, 32, 128
        tl = torch.nn.LSTM(I, H)
        pl = pdg.nn.LSTM(I, H)
        with pdg.no_grad():
            for name, p in pl.named_parameters():
                p.copy_(pdg.from_numpy(getattr(tl, name).detach().numpy().copy()))
        X = rng.standard_normal((T, B, I), dtype=np.float32)

        def run_pdg():
            x = pdg.from_numpy(X).requires_grad_(True)
            out, _ = pl(x)
            out.sum().backward()

        def run_torch():
            x = torch.from_numpy(X).requires_grad_(True)
            out, _ = tl(x)
            out.sum().backward()

        rows.append({"case": "lstm i32 h128 T50 B64 fwd+bwd", "pdg": block(run_pdg, 10),
                     "torch": block(run_torch, 10)})
        # conv 32->64 3x3 stride 2 pad 1 on 64x32x28x28, forward+backward
        X = rng.standard_normal((64, 32, 28, 28), dtype=np.float32)
        W = rng.standard_normal((64, 32, 3, 3), dtype=np.float32) * 0.1

        def conv_pdg():
            x = pdg.from_numpy(X).requires_grad_(True)
            w = pdg.from_numpy(W).requires_grad_(True)
            F.conv2d(x, w, stride=2, padding=1).sum().backward()

        def conv_torch():
            x = torch.from_numpy(X).requires_grad_(True)
            w = torch.from_numpy(W).requires_grad_(True)
            torch.nn.functional.conv2d(x, w, stride=2, padding=1).sum().backward()

        rows.append({"case": "conv 32->64 3x3 s2 p1 64x28x28 fwd+bwd", "pdg": block(conv_pdg, 10),
                     "torch": block(conv_torch, 10)})
    print(f"# {THREADS} threads, each library in its own block (median / min ms; ratio = peer min / pdg min)")
    for r in rows:
        line = f"{r['case']:<42} pdg {r['pdg'][0]*1e3:8.3f} / {r['pdg'][1]*1e3:8.3f}"
        for peer in ("numpy", "torch"):
            if peer in r:
                line += f" | {peer} {r[peer][0]*1e3:8.3f} / {r[peer][1]*1e3:8.3f} x{r[peer][1]/r['pdg'][1]:5.2f}"
        if "gflops" in r:
            line += f" | pdg {r['gflops']['pdg']:.0f} GFLOP/s"
        print(line)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", f"blocks_{THREADS}t.json")
    with open(path, "w") as f:
        json.dump({"threads": THREADS, "argv": sys.argv, "env": {k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "OPENBLAS_CORETYPE")}, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
