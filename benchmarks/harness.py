"""The benchmark harness every pydeepgen benchmark uses.

Rules it enforces (style.md rule 8):
  1. validate before timing: each case's pdg result is compared with the peer's;
  2. warm up, then alternate pdg and peer repetitions in the same run, so both see the
     same machine state (other load, frequency, caches);
  3. report median / min / max over many repetitions, the ratio peer/pdg (> 1 means
     pdg is faster), optional FLOP and byte counts as GFLOP/s and GB/s;
  4. print a table and write JSON (benchmarks/results/<name>.json by default).

Usage::

    from harness import Bench
    b = Bench("elementwise", threads=2)
    b.case("add 1M", pdg_fn, peers={"numpy": np_fn, "torch": torch_fn},
           check=lambda: (pdg_result(), np_result()), flops=1e6, bytes=12e6)
    b.run()
"""

import argparse
import json
import os

# The peers (OpenBLAS, PyTorch/OpenMP) keep their worker threads spinning between calls;
# pydeepgen's default is to sleep (robust on shared machines, see docs/architecture.md).
# For a like-for-like comparison on a dedicated machine the benchmarks let pdg spin too,
# unless the caller chose a policy. This must happen before pydeepgen is imported.
if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "active"
import platform
import statistics
import sys
import time

import numpy as np


def _now():
    return time.perf_counter()


def time_fn(fn, reps, inner=1):
    """Seconds per call for ``reps`` repetitions of ``inner`` calls each."""
    out = []
    for _ in range(reps):
        t0 = _now()
        for _ in range(inner):
            fn()
        out.append((_now() - t0) / inner)
    return out


def choose_inner(fn, target=2e-3):
    """Calls per repetition so that one repetition takes about ``target`` seconds."""
    t0 = _now()
    fn()
    dt = max(_now() - t0, 1e-7)
    return max(1, min(100000, int(target / dt)))


def to_numpy(x):
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def machine_info():
    info = {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
    try:
        import pydeepgen as pdg

        info["pydeepgen"] = pdg.config()
    except Exception as e:  # pragma: no cover
        info["pydeepgen"] = repr(e)
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = None
    info["numpy"] = np.__version__
    return info


def set_threads(n):
    """Same thread count for pdg, torch and (best effort) NumPy's BLAS."""
    import pydeepgen as pdg

    pdg.set_num_threads(n)
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n)
    except ImportError:
        pass


class Case:
    def __init__(self, name, fn, peers, check, flops, bytes_, rtol, atol):
        self.name, self.fn, self.peers, self.check = name, fn, peers, check
        self.flops, self.bytes, self.rtol, self.atol = flops, bytes_, rtol, atol


class Bench:
    def __init__(self, name, threads=None, reps=30, warmup=3, out=None, argv=None):
        p = argparse.ArgumentParser(description=f"pydeepgen benchmark: {name}")
        p.add_argument("--threads", type=int, default=threads)
        p.add_argument("--reps", type=int, default=reps)
        p.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
        p.add_argument("--json", default=out)
        p.add_argument("--filter", default=None, help="only cases whose name contains this")
        self.args, _ = p.parse_known_args(argv)
        self.name = name
        self.reps = 3 if self.args.quick else self.args.reps
        self.warmup = 1 if self.args.quick else warmup
        self.cases = []
        self.results = []
        if self.args.threads:
            set_threads(self.args.threads)

    def case(self, name, fn, peers=None, check=None, flops=None, bytes=None, rtol=1e-4, atol=1e-5):
        """Register a case. ``check()`` returns (pdg_result, reference_result) to compare."""
        if self.args.filter and self.args.filter not in name:
            return
        self.cases.append(Case(name, fn, peers or {}, check, flops, bytes, rtol, atol))

    def _validate(self, c):
        if c.check is None:
            return "unchecked"
        got, ref = c.check()
        got, ref = to_numpy(got), to_numpy(ref)
        if got.shape != ref.shape:
            raise AssertionError(f"{c.name}: shape {got.shape} != reference {ref.shape}")
        np.testing.assert_allclose(got.astype(np.float64), ref.astype(np.float64), rtol=c.rtol,
                                   atol=c.atol, err_msg=f"benchmark case {c.name!r} disagrees with its reference")
        return "ok"

    def run(self):
        import pydeepgen as pdg

        print(f"# {self.name}: pdg threads={pdg.get_num_threads()}, reps={self.reps} "
              f"(median per call; ratio = peer time / pdg time, > 1 means pdg is faster)")
        header = f"{'case':<40} {'pdg':>10}"
        peer_names = sorted({p for c in self.cases for p in c.peers})
        for pn in peer_names:
            header += f" {pn:>10} {'x' + pn:>8}"
        header += f" {'GFLOP/s':>8} {'GB/s':>7}  check"
        print(header)
        for c in self.cases:
            status = self._validate(c)
            fns = {"pdg": c.fn, **c.peers}
            inner = {k: choose_inner(f) for k, f in fns.items()}
            for _ in range(self.warmup):
                for f in fns.values():
                    f()
            samples = {k: [] for k in fns}
            for _ in range(self.reps):  # alternate pdg and peers
                for k, f in fns.items():
                    samples[k].extend(time_fn(f, 1, inner[k]))
            stats = {k: {"median": statistics.median(v), "min": min(v), "max": max(v)} for k, v in samples.items()}
            t = stats["pdg"]["median"]
            row = {"case": c.name, "check": status, "times": stats, "flops": c.flops, "bytes": c.bytes}
            line = f"{c.name:<40} {_fmt(t):>10}"
            for pn in peer_names:
                if pn in stats:
                    tp = stats[pn]["median"]
                    row.setdefault("ratio", {})[pn] = tp / t
                    line += f" {_fmt(tp):>10} {tp / t:>8.2f}"
                else:
                    line += f" {'-':>10} {'-':>8}"
            gf = c.flops / t / 1e9 if c.flops else None
            gb = c.bytes / t / 1e9 if c.bytes else None
            row["gflops"], row["gbps"] = gf, gb
            line += f" {gf:>8.1f}" if gf else f" {'':>8}"
            line += f" {gb:>7.1f}" if gb else f" {'':>7}"
            line += f"  {status}"
            print(line, flush=True)
            self.results.append(row)
        path = self.args.json or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", f"{self.name}.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump({"benchmark": self.name, "argv": sys.argv, "machine": machine_info(),
                       "threads": pdg.get_num_threads(), "results": self.results}, f, indent=1, default=str)
        print(f"# wrote {path}")
        return self.results


def _fmt(t):
    if t < 1e-6:
        return f"{t * 1e9:.0f} ns"
    if t < 1e-3:
        return f"{t * 1e6:.2f} us"
    if t < 1:
        return f"{t * 1e3:.3f} ms"
    return f"{t:.3f} s"
