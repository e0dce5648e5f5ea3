"""Unary math, activations, softmax and cross-entropy beside NumPy and PyTorch.

Target (issue 2): bandwidth-bound 1M-element ops within 10% of NumPy. The float32
exp/sigmoid/tanh run the SIMD rung chosen at run time (csrc/cpu/vecmath.h); the
"[scalar]" rows run the std:: reference rung of the same kernels for comparison.

Run: python benchmarks/bench_elementwise.py [--threads 2] [--quick] [--filter exp]
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Bench  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402
from pydeepgen.ops import unary as U  # noqa: E402

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # torch is optional
    torch = None


def with_variant(name, fn):
    def run():
        U.set_math_variant(name)
        try:
            return fn()
        finally:
            U.set_math_variant("auto")
    return run


def np_softmax(a):
    m = a.max(axis=1, keepdims=True)
    e = np.exp(a - m)
    return e / e.sum(axis=1, keepdims=True)


def np_cross_entropy(a, t):
    m = a.max(axis=1, keepdims=True)
    lse = np.log(np.exp(a - m).sum(axis=1)) + m[:, 0]
    return (lse - a[np.arange(a.shape[0]), t]).mean()


def main():
    b = Bench("elementwise")
    rng = np.random.default_rng(0)
    n = 1 << 20
    a = rng.standard_normal(n).astype(np.float32) * 4
    x = pdg.tensor(a)
    xt = torch.from_numpy(a) if torch is not None else None

    def peers(np_fn, torch_fn):
        p = {"numpy": np_fn}
        if torch is not None:
            p["torch"] = torch_fn
        return p

    nbytes = 8 * n  # read + write float32
    b.case("exp 1M f32", lambda: pdg.exp(x), peers(lambda: np.exp(a), lambda: torch.exp(xt)),
           check=lambda: (pdg.exp(x), np.exp(a.astype(np.float64))), bytes=nbytes, rtol=1e-6)
    b.case("exp 1M f32 [scalar]", with_variant("scalar", lambda: pdg.exp(x)),
           peers(lambda: np.exp(a), lambda: torch.exp(xt)),
           check=lambda: (with_variant("scalar", lambda: pdg.exp(x))(), np.exp(a.astype(np.float64))),
           bytes=nbytes, rtol=1e-6)
    apos = np.abs(a) + 0.1
    xpos = pdg.tensor(apos)
    xpos_t = torch.from_numpy(apos) if torch is not None else None
    b.case("log 1M f32", lambda: pdg.log(xpos), peers(lambda: np.log(apos), lambda: torch.log(xpos_t)),
           check=lambda: (pdg.log(xpos), np.log(apos.astype(np.float64))), bytes=nbytes, rtol=1e-6)
    sig_np = lambda: 1.0 / (1.0 + np.exp(-a))  # noqa: E731
    b.case("sigmoid 1M f32", lambda: pdg.sigmoid(x), peers(sig_np, lambda: torch.sigmoid(xt)),
           check=lambda: (pdg.sigmoid(x), 1 / (1 + np.exp(-a.astype(np.float64)))), bytes=nbytes, rtol=1e-6)
    b.case("sigmoid 1M f32 [scalar]", with_variant("scalar", lambda: pdg.sigmoid(x)),
           peers(sig_np, lambda: torch.sigmoid(xt)), bytes=nbytes)
    b.case("tanh 1M f32", lambda: pdg.tanh(x), peers(lambda: np.tanh(a), lambda: torch.tanh(xt)),
           check=lambda: (pdg.tanh(x), np.tanh(a.astype(np.float64))), bytes=nbytes, rtol=1e-6)
    b.case("tanh 1M f32 [scalar]", with_variant("scalar", lambda: pdg.tanh(x)),
           peers(lambda: np.tanh(a), lambda: torch.tanh(xt)), bytes=nbytes)
    b.case("relu 1M f32", lambda: F.relu(x), peers(lambda: np.maximum(a, 0), lambda: torch.relu(xt)),
           check=lambda: (F.relu(x), np.maximum(a, 0)), bytes=nbytes)
    # SiLU forward + backward (the UNet's activation; the float32 backward runs the vector
    # sigmoid a block at a time)
    g = rng.standard_normal(n).astype(np.float32)
    gx = pdg.tensor(g)
    xg = pdg.tensor(a).requires_grad_(True)
    xg_t = torch.from_numpy(a.copy()).requires_grad_(True) if torch is not None else None
    gt = torch.from_numpy(g) if torch is not None else None

    def silu_np():
        sg = 1.0 / (1.0 + np.exp(-a))
        return a * sg, g * sg * (1.0 + a * (1.0 - sg))

    def silu_pdg():
        F.silu(xg).backward(gx)
        return xg.grad

    def silu_torch():
        torch.nn.functional.silu(xg_t).backward(gt)

    a64 = a.astype(np.float64)
    sg64 = 1 / (1 + np.exp(-a64))
    b.case("silu 1M f32 fwd+bwd", lambda: (setattr(xg, "grad", None), silu_pdg()),
           peers(silu_np, silu_torch),
           check=lambda: ((setattr(xg, "grad", None), silu_pdg())[1],
                          g * sg64 * (1 + a64 * (1 - sg64))), bytes=4 * 4 * n, rtol=1e-5)

    s = rng.standard_normal((1024, 1024)).astype(np.float32)
    sx = pdg.tensor(s)
    st = torch.from_numpy(s) if torch is not None else None
    b.case("softmax 1024x1024 dim=1", lambda: F.softmax(sx, 1),
           peers(lambda: np_softmax(s), lambda: torch.softmax(st, 1)),
           check=lambda: (F.softmax(sx, 1), np_softmax(s.astype(np.float64))), bytes=8 * s.size, rtol=1e-5)

    for N, C in ((64, 10), (4096, 1000)):
        lg = rng.standard_normal((N, C)).astype(np.float32)
        tg = rng.integers(0, C, N)
        lx, tx = pdg.tensor(lg), pdg.tensor(tg)
        lt, tt = (torch.from_numpy(lg), torch.from_numpy(tg)) if torch is not None else (None, None)
        b.case(f"cross_entropy {N}x{C} fwd", lambda lx=lx, tx=tx: F.cross_entropy(lx, tx),
               peers(lambda lg=lg, tg=tg: np_cross_entropy(lg, tg), lambda lt=lt, tt=tt: TF.cross_entropy(lt, tt)),
               check=lambda lx=lx, tx=tx, lg=lg, tg=tg: (F.cross_entropy(lx, tx),
                                                         np_cross_entropy(lg.astype(np.float64), tg)),
               bytes=4 * lg.size, rtol=1e-5)
        lr = pdg.tensor(lg, requires_grad=True)
        if torch is not None:
            ltr = torch.from_numpy(lg.copy()).requires_grad_(True)
            tpeer = {"torch": lambda ltr=ltr, tt=tt: TF.cross_entropy(ltr, tt).backward()}
        else:
            tpeer = {}
        b.case(f"cross_entropy {N}x{C} fwd+bwd", lambda lr=lr, tx=tx: F.cross_entropy(lr, tx).backward(),
               tpeer, bytes=12 * lg.size)
    b.run()


if __name__ == "__main__":
    main()
