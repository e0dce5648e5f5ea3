"""F.linear forward + backward for the MLP layer shapes, beside PyTorch and NumPy.

One step = ``y = F.linear(x, w, b); y.backward(g)`` with fresh gradients (``.grad = None``)
each time, for pydeepgen and torch alike; NumPy does the same four products by hand.
Validates the forward and every gradient against NumPy first.

    python benchmarks/bench_dense.py            # 1 and 2 threads
    python benchmarks/bench_dense.py --threads 1
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Bench, set_threads  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

# (batch, in_features, out_features): the MLP / GAN layers of the course models
SHAPES = [(64, 784, 256), (64, 256, 256), (64, 256, 10), (256, 784, 512), (128, 100, 400),
          (64, 256, 784)]


def add_cases(bench, rng):
    for B, Cin, OC in SHAPES:
        x = rng.standard_normal((B, Cin)).astype(np.float32)
        w = (rng.standard_normal((OC, Cin)) / np.sqrt(Cin)).astype(np.float32)
        b = rng.standard_normal(OC).astype(np.float32)
        g = rng.standard_normal((B, OC)).astype(np.float32)
        px, pw, pb = (pdg.tensor(a, requires_grad=True) for a in (x, w, b))
        pg = pdg.tensor(g)

        def step(px=px, pw=pw, pb=pb, pg=pg):
            px.grad = pw.grad = pb.grad = None
            y = F.linear(px, pw, pb)
            y.backward(pg)
            return y

        def numpy_step(x=x, w=w, b=b, g=g):
            y = x @ w.T + b
            return y, g @ w, g.T @ x, g.sum(0)

        peers = {"numpy": numpy_step}
        if torch is not None:
            tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
            tg = torch.from_numpy(g)

            def torch_step(tx=tx, tw=tw, tb=tb, tg=tg):
                tx.grad = tw.grad = tb.grad = None
                y = torch.nn.functional.linear(tx, tw, tb)
                y.backward(tg)
                return y

            peers["torch"] = torch_step

        def check(step=step, numpy_step=numpy_step, px=px, pw=pw, pb=pb):
            y = step()
            ry, rdx, rdw, rdb = numpy_step()
            got = np.concatenate([a.detach().numpy().ravel() for a in (y, px.grad, pw.grad, pb.grad)])
            ref = np.concatenate([a.ravel() for a in (ry, rdx, rdw, rdb)])
            return got, ref

        flops = 3 * 2.0 * B * Cin * OC  # forward + dx + dweight
        bench.case(f"linear fwd+bwd {B}x{Cin}->{OC}", step, peers, check=check, flops=flops,
                   rtol=1e-3, atol=1e-3 * np.sqrt(max(Cin, B)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=None)
    args, rest = p.parse_known_args()
    for nt in [args.threads] if args.threads else [1, 2]:
        set_threads(nt)
        bench = Bench(f"dense_t{nt}", threads=nt, reps=30, argv=rest)
        add_cases(bench, np.random.default_rng(0))
        bench.run()


if __name__ == "__main__":
    main()
