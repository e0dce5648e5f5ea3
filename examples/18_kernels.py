"""Lab 18: the kernels lab, naive against fast on the same inputs.

The course's layers run on kernels this project wrote; each family keeps a plain reference
variant beside its fast one, selectable at run time. For four layer types the lab runs both
on the same inputs, checks that they agree (forward output and input/weight gradients),
and prints time, GFLOP/s and the percentage of the machine's peak:

- dense (F.linear = one GEMM): every GEMM rung, ``pdg.kernels.use("gemm", ...)``:
  01_naive (triple loop) ... 04_packed_avx512 (packed panels + AVX-512 micro-kernel)
- conv2d (F.conv2d): ``conv`` 01_reference (direct loops) vs 02_im2col (im2col + GEMM)
- LSTM (nn.LSTM, whole sequence in one call): ``reference`` (per-step loops, naive GEMM)
  vs ``fused`` (one input-projection GEMM, fused vectorised gates)
- max-pool (F.max_pool2d): one kernel only (pooling does O(1) work per byte, so there is
  no faster rung); it is checked against a NumPy reference and reported in GB/s, since
  memory, not arithmetic, bounds it

Peak. The nominal fp32 peak of one Zen 5 core is 2 FMA pipes x 16 fp32 lanes (512-bit)
x 2 FLOP per FMA x 3.8 GHz = 243.2 GFLOP/s. The lab also measures what an FMA-only loop
reaches on this (virtual, shared) machine with ``_C.fma_peak_gflops()`` and prints the
percentage of both. Timings use one thread by default (``--threads``), so the per-core
peak applies; with n threads the peak is n times larger.

    python examples/18_kernels.py [--quick] [--threads N]
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn as nn  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402
from pydeepgen import _C  # noqa: E402
from _common import heading, parse_args, say  # noqa: E402

LAB = "18_kernels"
NOMINAL_PEAK_PER_CORE = 2 * 16 * 2 * 3.8  # FMA pipes x fp32 lanes x FLOP/FMA x GHz = 243.2


def add_options(p):
    p.add_argument("--reps", type=int, default=None, help="timed repetitions, best kept (quick 2, full 10)")
    p.set_defaults(threads=1)


def timeit(fn, reps):
    """Best (minimum) seconds of ``reps`` calls after one warm-up call: on a machine shared
    with other jobs the minimum is the run that other work disturbed least."""
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.min(times))


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def forward_backward(fn, inputs):
    """fn(*inputs) and the gradients of sum(out * probe) w.r.t. every input."""
    ins = [t.detach().requires_grad_() for t in inputs]
    out = fn(*ins)
    probe = pdg.tensor(np.random.default_rng(1).standard_normal(out.shape).astype(np.float32))
    (out * probe).sum().backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in ins]


class Report:
    def __init__(self, peak_nominal, peak_measured, threads):
        self.peak_nominal = peak_nominal * threads
        self.peak_measured = peak_measured * threads
        self.rows = []

    def add(self, family, variant, seconds, flops, err):
        gflops = flops / seconds / 1e9
        row = {"family": family, "variant": variant, "ms": seconds * 1e3, "gflops": gflops,
               "pct_nominal": 100 * gflops / self.peak_nominal,
               "pct_measured": 100 * gflops / self.peak_measured if self.peak_measured else None,
               "rel_err": err}
        self.rows.append(row)
        pm = f"{row['pct_measured']:5.1f}%" if row["pct_measured"] is not None else "   n/a"
        say(f"  {variant:<34} {seconds * 1e3:9.2f} ms {gflops:8.2f} GFLOP/s "
            f"{row['pct_nominal']:5.1f}% of nominal {pm} of measured   max rel. diff {err:.1e}")
        return row


def compare(report, family, flops, fn, inputs, variants, reps):
    """Run ``fn`` under each (label, context manager factory); the first is the reference."""
    ref = None
    for label, ctx in variants:
        with ctx():
            outs = forward_backward(fn, inputs)
            with pdg.no_grad():
                secs = timeit(lambda: fn(*inputs), reps)
        if ref is None:
            ref = outs
        err = max(rel_err(o, r) for o, r in zip(outs, ref))
        report.add(family, label, secs, flops, err)


def rnn_variant(name):
    class _Ctx:
        def __enter__(self):
            self.prev = F.get_rnn_variant()
            F.set_rnn_variant(name)

        def __exit__(self, *exc):
            F.set_rnn_variant(self.prev)
            return False

    return _Ctx()


class _Both:
    """Enter several context managers as one."""

    def __init__(self, *ctxs):
        self.ctxs = ctxs

    def __enter__(self):
        for c in self.ctxs:
            c.__enter__()

    def __exit__(self, *exc):
        for c in reversed(self.ctxs):
            c.__exit__(*exc)
        return False


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    q = args.quick
    reps = args.reps or (2 if q else 10)
    threads = pdg.get_num_threads()
    rng = np.random.default_rng(args.seed)

    def randn(*shape):
        return pdg.tensor(rng.standard_normal(shape).astype(np.float32))

    heading("Lab 18: kernels, naive vs fast")
    measured = 0.0
    if hasattr(_C, "fma_peak_gflops"):  # an FMA-only loop: what one core reaches right now
        measured = max(_C.fma_peak_gflops() for _ in range(5))
    say(f"threads: {threads}; nominal fp32 peak per core = 2 FMA pipes x 16 lanes x 2 FLOP x "
        f"3.8 GHz = {NOMINAL_PEAK_PER_CORE:.1f} GFLOP/s; measured FMA loop on this machine: "
        f"{measured:.1f} GFLOP/s per core")
    report = Report(NOMINAL_PEAK_PER_CORE, measured, threads)
    gemm_rungs = [v.name for v in pdg.kernels.list("gemm") if v.supported]
    if q:
        gemm_rungs = [gemm_rungs[0], gemm_rungs[-1]]

    # Dense: y = x W^T + b, the first layer of the MNIST MLP at batch M.
    M, K, N = (64, 256, 128) if q else (256, 784, 512)
    heading(f"dense  F.linear: x ({M}, {K}) @ W^T ({K}, {N}) + b  "
            f"[{2 * M * N * K / 1e6:.0f} MFLOP]")
    compare(report, "dense", 2 * M * N * K, F.linear, [randn(M, K), randn(N, K), randn(N)],
            [(f"gemm {r}", lambda r=r: pdg.kernels.use("gemm", r)) for r in gemm_rungs], reps)

    # conv2d: a 3x3 layer of a small CNN.
    Nb, C, Hh, OC = (4, 8, 16, 16) if q else (32, 16, 28, 32)
    conv_flops = 2 * Nb * OC * Hh * Hh * C * 9
    heading(f"conv2d F.conv2d: x ({Nb}, {C}, {Hh}, {Hh}) * w ({OC}, {C}, 3, 3), padding 1  "
            f"[{conv_flops / 1e6:.0f} MFLOP]")
    conv_rungs = [v.name for v in pdg.kernels.list("conv") if v.supported]
    compare(report, "conv2d", conv_flops,
            lambda x, w, b: F.conv2d(x, w, b, padding=1),
            [randn(Nb, C, Hh, Hh), randn(OC, C, 3, 3), randn(OC)],
            [(f"conv {r}", lambda r=r: pdg.kernels.use("conv", r)) for r in conv_rungs], reps)

    # LSTM over a whole sequence (one kernel call forward).
    T, B, I, Hd = (8, 16, 32, 32) if q else (16, 64, 128, 128)
    lstm_flops = 2 * T * B * 4 * Hd * (I + Hd)
    heading(f"LSTM   nn.LSTM({I}, {Hd}) on x ({T}, {B}, {I})  [{lstm_flops / 1e6:.0f} MFLOP in "
            "the GEMMs; gate math not counted]")
    pdg.manual_seed(args.seed)
    lstm = nn.LSTM(I, Hd)
    w = [p.detach() for p in lstm.parameters()]

    def run_lstm(x, w_ih, w_hh, b_ih, b_hh):
        y, _, _ = F.lstm(x, None, [w_ih, w_hh, b_ih, b_hh])  # (output, h_n, c_n)
        return y

    naive_gemm = pdg.kernels.list("gemm")[0].name
    compare(report, "lstm", lstm_flops, run_lstm, [randn(T, B, I), *w],
            [(f"rnn reference + gemm {naive_gemm}",
              lambda: _Both(rnn_variant("reference"), pdg.kernels.use("gemm", naive_gemm))),
             ("rnn fused + gemm auto", lambda: rnn_variant("fused"))], reps)

    # Max-pool: memory-bound; compare with NumPy.
    Np, Cp, Hp = (8, 16, 32) if q else (32, 32, 56)
    heading(f"maxpool F.max_pool2d(2): x ({Np}, {Cp}, {Hp}, {Hp})  (one kernel; NumPy as the peer)")
    xp = randn(Np, Cp, Hp, Hp)
    xn = xp.numpy()

    def np_pool():
        return xn.reshape(Np, Cp, Hp // 2, 2, Hp // 2, 2).max(axis=(3, 5))

    with pdg.no_grad():
        ours = F.max_pool2d(xp, 2).numpy()
        t_ours = timeit(lambda: F.max_pool2d(xp, 2), reps * 3)
    t_np = timeit(np_pool, reps * 3)
    pool_err = rel_err(ours, np_pool())
    nbytes = 4 * xn.size * 1.25  # read the input, write a quarter of it
    say(f"  pydeepgen maxpool2d_forward  {t_ours * 1e3:8.2f} ms  "
        f"{nbytes / t_ours / 1e9:6.2f} GB/s   "
        f"max rel. diff vs NumPy {pool_err:.1e}")
    say(f"  NumPy reshape + max          {t_np * 1e3:8.2f} ms  {nbytes / t_np / 1e9:6.2f} GB/s")
    say("  (GB/s = (input read + output written) / time; pooling does 3 comparisons per 4 "
        "elements read, so its 'GFLOP/s' would say nothing about the kernel)")

    heading("Summary")
    fams = {}
    for r in report.rows:
        fams.setdefault(r["family"], []).append(r)
    speedups = {}
    for fam, rows in fams.items():
        speedups[fam] = rows[-1]["gflops"] / rows[0]["gflops"]
        say(f"  {fam:<7} {rows[0]['variant']} -> {rows[-1]['variant']}: "
            f"{speedups[fam]:.1f}x faster, {rows[-1]['pct_nominal']:.0f}% of the nominal peak")
    say(f"  maxpool pydeepgen vs NumPy: {t_np / t_ours:.1f}x")

    best = max(r["gflops"] for r in report.rows)
    if measured and best > measured:
        say(f"  note: a kernel ran at {best:.1f} GFLOP/s, above the {measured:.1f} GFLOP/s the FMA "
            "probe measured: the core was shared with other work while the probe ran, so the "
            "'% of measured' column overstates; the nominal peak is the firmer yardstick")
    results = {"rows": report.rows, "speedups": speedups, "measured_peak": measured,
               "pool": {"ms": t_ours * 1e3, "numpy_ms": t_np * 1e3, "rel_err": pool_err}}
    for r in report.rows:
        assert r["rel_err"] < 1e-3, r
    assert pool_err == 0.0
    say("Result: every naive/fast pair agrees; the fast variants are "
        + ", ".join(f"{fam} {s:.0f}x" for fam, s in speedups.items()) + " faster.")
    return results


if __name__ == "__main__":
    main()
