"""Per-op overhead and bandwidth-bound elementwise ops, beside NumPy and PyTorch.

Targets (issue 2, 2-core Zen 5): per-op overhead <= 2 us (PyTorch 1.05 us for a
1-element add, 5.1 us for Linear(4,4)); 1M-element add/exp/sum within 10% of NumPy.

Run: python benchmarks/bench_overhead.py [--threads 2] [--quick]
"""

import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Bench  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from pydeepgen import _C  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional
    torch = None


def breakdown():
    """Where the time of a 1-element add goes (ns per call)."""
    a = pdg.randn(1)
    b = pdg.randn(1)
    from pydeepgen._tensor import Tensor

    buf = a._buf
    out = _C.empty(1, 0)
    n = 200000

    def ns(stmt):
        return min(timeit.repeat(stmt, number=n, repeat=5)) / n * 1e9

    rows = [
        ("python: empty function call", ns(lambda: None)),
        ("pybind11: _C.get_num_threads()", ns(_C.get_num_threads)),
        ("allocator: _C.empty(1, float32)", ns(lambda: _C.empty(1, 0))),
        ("kernel call: _C.binary_forward (1 elem)", ns(lambda: _C.binary_forward(0, out, buf, buf, [1], [1], 0, [1], 0))),
        ("Tensor._make", ns(lambda: Tensor._make(buf, (1,), pdg.float32))),
        ("total: a + b", ns(lambda: a + b)),
    ]
    if torch is not None:
        ta, tb = torch.randn(1), torch.randn(1)
        rows.append(("torch: a + b", ns(lambda: ta + tb)))
    na, nb = np.random.randn(1).astype(np.float32), np.random.randn(1).astype(np.float32)
    rows.append(("numpy: a + b", ns(lambda: na + nb)))
    print("# overhead breakdown of a 1-element add (min of 5 x 200k calls)")
    for name, v in rows:
        print(f"  {name:<44} {v:8.0f} ns")
    return rows


def main():
    bench = Bench("overhead")
    rng = np.random.default_rng(0)

    # 1-element add
    a1, b1 = pdg.randn(1), pdg.randn(1)
    na1, nb1 = a1.numpy(), b1.numpy()
    peers = {"numpy": lambda: na1 + nb1}
    if torch is not None:
        ta1, tb1 = torch.from_numpy(na1.copy()), torch.from_numpy(nb1.copy())
        peers["torch"] = lambda: ta1 + tb1
    bench.case("add 1 element", lambda: a1 + b1, peers, check=lambda: (a1 + b1, na1 + nb1))

    # 4x4 matmul
    a4, b4 = pdg.randn(4, 4), pdg.randn(4, 4)
    na4, nb4 = a4.numpy(), b4.numpy()
    peers = {"numpy": lambda: na4 @ nb4}
    if torch is not None:
        ta4, tb4 = torch.from_numpy(na4.copy()), torch.from_numpy(nb4.copy())
        peers["torch"] = lambda: ta4 @ tb4
    bench.case("matmul 4x4", lambda: a4 @ b4, peers, check=lambda: (a4 @ b4, na4 @ nb4))

    # Linear(4, 4) forward
    x4 = pdg.randn(4, 4)
    if hasattr(pdg.nn, "Linear"):
        lin = pdg.nn.Linear(4, 4)
        w, bias = lin.weight.detach().numpy(), lin.bias.detach().numpy()
        xn = x4.numpy()
        peers = {"numpy": lambda: xn @ w.T + bias}
        if torch is not None:
            tl = torch.nn.Linear(4, 4)
            with torch.no_grad():
                tl.weight.copy_(torch.from_numpy(w))
                tl.bias.copy_(torch.from_numpy(bias))
            tx = torch.from_numpy(xn.copy())
            peers["torch"] = lambda: tl(tx)
        with pdg.no_grad():
            pass
        bench.case("Linear(4,4) forward", lambda: lin(x4), peers, check=lambda: (lin(x4).detach(), xn @ w.T + bias))

    # 1M-element bandwidth-bound ops
    n = 1 << 20
    a, b = pdg.randn(n), pdg.randn(n)
    na, nb = a.numpy(), b.numpy()
    ta = tb = None
    if torch is not None:
        ta, tb = torch.from_numpy(na.copy()), torch.from_numpy(nb.copy())
    peers = {"numpy": lambda: na + nb}
    if ta is not None:
        peers["torch"] = lambda: ta + tb
    bench.case("add 1M float32", lambda: a + b, peers, check=lambda: (a + b, na + nb), bytes=12 * n, flops=n)

    if hasattr(pdg, "exp"):
        peers = {"numpy": lambda: np.exp(na)}
        if ta is not None:
            peers["torch"] = lambda: torch.exp(ta)
        bench.case("exp 1M float32", lambda: pdg.exp(a), peers, check=lambda: (pdg.exp(a), np.exp(na)), bytes=8 * n, rtol=1e-5)

    peers = {"numpy": lambda: na.sum()}
    if ta is not None:
        peers["torch"] = lambda: ta.sum()
    bench.case("sum 1M float32", lambda: a.sum(), peers, check=lambda: (a.sum(), na.astype(np.float64).sum()), bytes=4 * n, rtol=1e-5, atol=1e-3)
    bench.run()
    breakdown()


if __name__ == "__main__":
    main()
