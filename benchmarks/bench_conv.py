"""Benchmark: conv2d, conv_transpose2d, pooling and normalization (fwd+bwd) beside PyTorch CPU.

Each case is validated against torch first (forward output and, for fwd+bwd cases, the
input gradient), then timed with the shared harness (median of alternating repetitions).
Run for 1 and 2 threads. PyTorch's CPU conv timings depend on glibc malloc: by default
large temporaries are mmap'ed and unmapped on every call (page faults); with
MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ = 1 GiB they are reused. The script therefore
re-runs itself in a subprocess with those variables set ("torch helped"); pdg uses its own
caching allocator, so only the peer is affected.

    python benchmarks/bench_conv.py              # threads 1 and 2, default + helped
    python benchmarks/bench_conv.py --quick      # smoke run
"""

import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Bench  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402

HELP_ENV = {"MALLOC_MMAP_THRESHOLD_": "1073741824", "MALLOC_TRIM_THRESHOLD_": "1073741824"}
HELPED = all(os.environ.get(k) == v for k, v in HELP_ENV.items())

# name, input shape, weight shape, kwargs   (conv2d; batch 64, the course networks)
CONVS = [
    ("lenet c1 1->6 5x5 28x28", (64, 1, 28, 28), (6, 1, 5, 5), {}),
    ("lenet c2 6->16 5x5 12x12", (64, 6, 12, 12), (16, 6, 5, 5), {}),
    ("dcgan d1 1->32 3x3 p1 28x28", (64, 1, 28, 28), (32, 1, 3, 3), dict(padding=1)),
    ("dcgan d2 32->64 3x3 s2 p1 28x28", (64, 32, 28, 28), (64, 32, 3, 3), dict(stride=2, padding=1)),
]
# conv_transpose2d: the MNIST DCGAN generator (z 100 -> 7x7x128 -> 14x14x64 -> 28x28x1)
CONVT = [
    ("convT g1 100->128 7x7 1x1", (64, 100, 1, 1), (100, 128, 7, 7), dict(stride=1, padding=0)),
    ("convT g2 128->64 4x4 s2 7x7", (64, 128, 7, 7), (128, 64, 4, 4), dict(stride=2, padding=1)),
    ("convT g3 64->1 4x4 s2 14x14", (64, 64, 14, 14), (64, 1, 4, 4), dict(stride=2, padding=1)),
]


def main():
    import torch
    import torch.nn.functional as TF

    tag = "torch_helped" if HELPED else "torch"
    b = Bench("conv")  # parses --threads and sets them
    b.name = f"conv_t{pdg.get_num_threads()}{'_helped' if HELPED else ''}"
    rng = np.random.default_rng(0)

    def pair(shape_x, shape_w, pfn, tfn, name, flops):
        x = rng.standard_normal(shape_x).astype(np.float32)
        w = (rng.standard_normal(shape_w) / np.sqrt(np.prod(shape_w[1:]))).astype(np.float32)
        px, pw = pdg.tensor(x, requires_grad=True), pdg.tensor(w, requires_grad=True)
        tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        out_shape = tuple(tfn(tx, tw).shape)
        g = rng.standard_normal(out_shape).astype(np.float32)
        pg, tg = pdg.tensor(g), torch.tensor(g)

        def p_fwd():
            with pdg.no_grad():
                return pfn(px, pw)

        def t_fwd():
            with torch.no_grad():
                return tfn(tx, tw)

        def p_fb():
            px.grad = pw.grad = None
            pfn(px, pw).backward(pg)
            return px.grad

        def t_fb():
            tx.grad = tw.grad = None
            tfn(tx, tw).backward(tg)
            return tx.grad

        b.case(f"{name} fwd", p_fwd, {tag: t_fwd}, check=lambda: (p_fwd(), t_fwd()),
               flops=flops(out_shape), rtol=1e-3, atol=1e-4)
        b.case(f"{name} fwd+bwd", p_fb, {tag: t_fb}, check=lambda: (p_fb(), t_fb()),
               flops=3 * flops(out_shape), rtol=1e-3, atol=1e-4)

    for name, xs, ws, kw in CONVS:
        pair(xs, ws, lambda x, w, kw=kw: F.conv2d(x, w, **kw), lambda x, w, kw=kw: TF.conv2d(x, w, **kw),
             name, lambda o, xs=xs, ws=ws: 2.0 * np.prod(o) * np.prod(ws[1:]))
    for name, xs, ws, kw in CONVT:
        pair(xs, ws, lambda x, w, kw=kw: F.conv_transpose2d(x, w, **kw),
             lambda x, w, kw=kw: TF.conv_transpose2d(x, w, **kw),
             name, lambda o, xs=xs, ws=ws: 2.0 * np.prod(xs) * np.prod(ws[1:]))

    # pooling and normalization: weight-free ops, "w" is a dummy for the pair() helper
    def unary(name, shape, pfn, tfn, bytes_per_call):
        x = rng.standard_normal(shape).astype(np.float32)
        px, tx = pdg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out_shape = tuple(tfn(tx).shape)
        g = rng.standard_normal(out_shape).astype(np.float32)
        pg, tg = pdg.tensor(g), torch.tensor(g)

        def p_fwd():
            with pdg.no_grad():
                return pfn(px)

        def t_fwd():
            with torch.no_grad():
                return tfn(tx)

        def p_fb():
            px.grad = None
            pfn(px).backward(pg)
            return px.grad

        def t_fb():
            tx.grad = None
            tfn(tx).backward(tg)
            return tx.grad

        b.case(f"{name} fwd", p_fwd, {tag: t_fwd}, check=lambda: (p_fwd(), t_fwd()),
               bytes=bytes_per_call, rtol=1e-3, atol=1e-4)
        b.case(f"{name} fwd+bwd", p_fb, {tag: t_fb}, check=lambda: (p_fb(), t_fb()),
               rtol=1e-3, atol=1e-3)

    s = (64, 6, 24, 24)
    unary("maxpool 2x2 64x6x24x24", s, lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2),
          4 * np.prod(s) * 1.25)
    s = (64, 16, 8, 8)
    unary("maxpool 2x2 64x16x8x8", s, lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2),
          4 * np.prod(s) * 1.25)
    s = (64, 6, 24, 24)
    unary("avgpool 2x2 64x6x24x24", s, lambda x: F.avg_pool2d(x, 2), lambda x: TF.avg_pool2d(x, 2),
          4 * np.prod(s) * 1.25)
    for s in [(64, 64, 14, 14), (64, 32, 28, 28)]:
        C = s[1]
        pw_, pb_ = pdg.ones(C, requires_grad=True), pdg.zeros(C, requires_grad=True)
        tw_, tb_ = torch.ones(C, requires_grad=True), torch.zeros(C, requires_grad=True)
        unary(f"batchnorm train {'x'.join(map(str, s))}", s,
              lambda x, pw_=pw_, pb_=pb_: F.batch_norm(x, None, None, pw_, pb_, True),
              lambda x, tw_=tw_, tb_=tb_: TF.batch_norm(x, None, None, tw_, tb_, True),
              8 * np.prod(s))
        unary(f"groupnorm G=8 {'x'.join(map(str, s))}", s,
              lambda x, pw_=pw_, pb_=pb_: F.group_norm(x, 8, pw_, pb_),
              lambda x, tw_=tw_, tb_=tb_: TF.group_norm(x, 8, tw_, tb_),
              8 * np.prod(s))
    b.run()


if __name__ == "__main__":
    if "--threads" in sys.argv:
        main()
    else:
        # threads 1 and 2, torch default then torch helped (each in its own process)
        extra = sys.argv[1:]
        for env_extra in ({}, HELP_ENV):
            for t in (1, 2):
                env = dict(os.environ, **env_extra)
                subprocess.run([sys.executable, os.path.abspath(__file__), "--threads", str(t), *extra],
                               env=env, check=True)
