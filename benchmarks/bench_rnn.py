"""Recurrent layers (issue 5): pdg.nn.LSTM / GRU / RNN beside torch.nn on the CPU, same run,
same thread count (2 by default).

Cases: the large LSTM i=32 h=128 T=50 B=64 forward+backward (and forward only, GRU, RNN,
and pdg's per-step "reference" kernels), the airline size i=1 h=4 T=3 B=1 forward+backward
(overhead-bound), and a full airline train step with Adam when pdg.optim exists.
Every case first checks pdg's output against torch with the same weights.

    python benchmarks/bench_rnn.py [--threads 2] [--reps 30] [--quick] [--filter lstm]
    python benchmarks/bench_rnn.py --cpu-time [rounds]

--cpu-time: the three large fwd+bwd cases on ONE thread each library, pdg and torch
alternating call by call, timed by the calling thread's CPU time (time.thread_time), min
over the rounds: far less sensitive to other processes on a loaded machine than wall time
(both libraries then do all their work on the calling thread).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Bench  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def copy_weights(pm, tm):
    for k, v in tm.state_dict().items():
        getattr(pm, k).data = pdg.tensor(v.detach().numpy())


def gemm_flops(kind, I, H, T, B):
    """Matrix-product FLOPs of one forward (input projection + recurrence)."""
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind]
    return 2.0 * T * B * G * H * (I + H)


def seq_case(bench, kind, I, H, T, B, backward=True, batch_first=False, variant=None, label=None):
    rng = np.random.default_rng(0)
    shape = (B, T, I) if batch_first else (T, B, I)
    x = rng.standard_normal(shape).astype(np.float32)
    pm = getattr(pdg.nn, kind)(I, H, batch_first=batch_first)
    xp = pdg.tensor(x)
    gy_np = rng.standard_normal((B, T, H) if batch_first else (T, B, H)).astype(np.float32)
    gyp = pdg.tensor(gy_np)
    pparams = list(pm.parameters())
    peers = {}
    tm = None
    if torch is not None:
        tm = getattr(torch.nn, kind)(I, H, batch_first=batch_first)
        copy_weights(pm, tm)
        xt = torch.tensor(x)
        gyt = torch.tensor(gy_np)
        tparams = list(tm.parameters())

        if backward:
            def torch_fn():
                for p in tparams:
                    p.grad = None
                y = tm(xt)[0]
                y.backward(gyt)
        else:
            def torch_fn():
                with torch.no_grad():
                    tm(xt)
        peers["torch"] = torch_fn

    def run_pdg():
        if backward:
            for p in pparams:
                p.grad = None
            y = pm(xp)[0]
            y.backward(gyp)
            return y
        with pdg.no_grad():
            return pm(xp)[0]

    if variant:
        def pdg_fn():
            prev = F.get_rnn_variant()
            F.set_rnn_variant(variant)
            try:
                run_pdg()
            finally:
                F.set_rnn_variant(prev)
    else:
        pdg_fn = run_pdg

    def check():
        prev = F.get_rnn_variant()
        F.set_rnn_variant(variant or prev)
        try:
            for p in pparams:
                p.grad = None
            y = pm(xp)[0]
            y.backward(gyp)
        finally:
            F.set_rnn_variant(prev)
        if tm is None:
            return y, y
        for p in tm.parameters():
            p.grad = None
        yt = tm(torch.tensor(x))[0]
        yt.backward(torch.tensor(gy_np))
        got = np.concatenate([y.detach().numpy().ravel(), pm.weight_hh_l0.grad.numpy().ravel()])
        ref = np.concatenate([yt.detach().numpy().ravel(), tm.weight_hh_l0.grad.numpy().ravel()])
        return got, ref

    flops = gemm_flops(kind, I, H, T, B) * (3 if backward else 1)
    name = label or f"{kind} i{I} h{H} T{T} B{B} {'fwd+bwd' if backward else 'fwd'}"
    bench.case(name, pdg_fn, peers=peers, check=check, flops=flops, rtol=2e-3, atol=2e-4)


def airline_train_case(bench):
    """LSTM(1, 4) many-to-one + Linear(4, 1) + MSE + Adam step, T=3, B=1 (the course model)."""
    have = hasattr(pdg, "optim") and hasattr(pdg.nn, "Linear") and hasattr(pdg.optim, "Adam")
    if not have:
        print("# airline train step with Adam: skipped "
              "(pdg.optim.Adam / nn.Linear not on this branch yet)")
        return
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 3, 1)).astype(np.float32)
    target = rng.standard_normal((1, 1)).astype(np.float32)

    class Net(pdg.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = pdg.nn.LSTM(1, 4, batch_first=True)
            self.head = pdg.nn.Linear(4, 1)

        def forward(self, x):
            y, _ = self.lstm(x)
            return self.head(y[:, -1])

    net = Net()
    opt = pdg.optim.Adam(net.parameters(), lr=1e-3)
    xp, tp = pdg.tensor(x), pdg.tensor(target)

    def pdg_step():
        opt.zero_grad()
        d = net(xp) - tp
        loss = (d * d).mean()
        loss.backward()
        opt.step()

    peers = {}
    if torch is not None:
        class TNet(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = torch.nn.LSTM(1, 4, batch_first=True)
                self.head = torch.nn.Linear(4, 1)

            def forward(self, x):
                y, _ = self.lstm(x)
                return self.head(y[:, -1])

        tnet = TNet()
        topt = torch.optim.Adam(tnet.parameters(), lr=1e-3)
        xt, tt = torch.tensor(x), torch.tensor(target)

        def torch_step():
            topt.zero_grad()
            loss = torch.nn.functional.mse_loss(tnet(xt), tt)
            loss.backward()
            topt.step()

        peers["torch"] = torch_step
    bench.case("airline train step (LSTM+Linear+MSE+Adam)", pdg_step, peers=peers)


def cpu_time_compare(rounds=30):
    import time
    pdg.set_num_threads(1)
    torch.set_num_threads(1)
    I, H, T, B = 32, 128, 50, 64
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    gy = rng.standard_normal((T, B, H)).astype(np.float32)
    print("# 1 thread each, min thread CPU time over", rounds, "alternating rounds")
    for kind in ("LSTM", "GRU", "RNN"):
        tm, pm = getattr(torch.nn, kind)(I, H), getattr(pdg.nn, kind)(I, H)
        copy_weights(pm, tm)
        xt, gyt, xp, gyp = torch.tensor(x), torch.tensor(gy), pdg.tensor(x), pdg.tensor(gy)

        def step(m, xi, gi):
            for p in m.parameters():
                p.grad = None
            m(xi)[0].backward(gi)

        best = {"pdg": float("inf"), "torch": float("inf")}
        for r in range(rounds + 2):  # 2 warm-up rounds
            for name, args in (("pdg", (pm, xp, gyp)), ("torch", (tm, xt, gyt))):
                t0 = time.thread_time()
                step(*args)
                if r >= 2:
                    best[name] = min(best[name], time.thread_time() - t0)
        print(f"{kind} i{I} h{H} T{T} B{B} fwd+bwd: pdg {best['pdg'] * 1e3:.2f} ms, "
              f"torch {best['torch'] * 1e3:.2f} ms, x torch {best['torch'] / best['pdg']:.2f}")


def main():
    if "--cpu-time" in sys.argv:
        i = sys.argv.index("--cpu-time")
        rounds = int(sys.argv[i + 1]) if len(sys.argv) > i + 1 else 30
        return cpu_time_compare(rounds)
    b = Bench("rnn", threads=2)
    print(f"# rnn kernels: variant={F.get_rnn_variant()}; gemm rung: "
          f"{pdg._C.get_gemm_variant() if hasattr(pdg._C, 'get_gemm_variant') else '?'}")
    seq_case(b, "LSTM", 32, 128, 50, 64)
    seq_case(b, "LSTM", 32, 128, 50, 64, backward=False)
    seq_case(b, "GRU", 32, 128, 50, 64)
    seq_case(b, "RNN", 32, 128, 50, 64)
    seq_case(b, "LSTM", 32, 128, 50, 64, variant="reference",
             label="LSTM i32 h128 T50 B64 fwd+bwd [reference]")
    seq_case(b, "LSTM", 1, 4, 3, 1, batch_first=True, label="LSTM airline i1 h4 T3 B1 fwd+bwd")
    seq_case(b, "LSTM", 1, 4, 3, 1, batch_first=True, backward=False,
             label="LSTM airline i1 h4 T3 B1 fwd")
    airline_train_case(b)
    b.run()


if __name__ == "__main__":
    main()
