"""Data-parallel cost on this machine: MPI all-reduce latency and bandwidth, and the time
of one training step vs the number of processes (issue 21).

Napkin math. A ring all-reduce of B bytes over N processes moves 2 (N - 1) / N * B bytes
through each process; its time is about alpha * log2(N)-ish latency terms + 2 (N-1)/N * B
/ bandwidth. One data-parallel step all-reduces every gradient once: the MLP 784-512-256-10
has 535,818 parameters = 2.14 MB of float32 per step, LeNet-5 61,706 = 0.25 MB. Strong
scaling here: the global batch is fixed (256) and split over N ranks, one thread each, so
the compute per rank falls as 1/N while the bytes per rank stay the same: communication
takes a growing share as N grows.

Run:  python benchmarks/bench_distributed.py [--quick] [--max-n 4]
It launches ``mpiexec -n N`` for each N itself (N = 1, 2, 4; more ranks than cores are
oversubscribed and say so), and writes benchmarks/results/distributed.json.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = [2**k for k in range(10, 27, 2)]  # 1 KiB .. 64 MiB


def worker(args):
    import pydeepgen as pdg
    import pydeepgen.distributed as dist
    from pydeepgen import nn, optim
    from pydeepgen.distributed import comm

    rank, world = dist.init()
    pdg.set_num_threads(1)
    out = {"world": world, "allreduce": [], "steps": {}}
    reps = 5 if args.quick else 20
    for nbytes in SIZES if not args.quick else SIZES[::2]:
        t = pdg.ones(nbytes // 4)
        for _ in range(2):
            dist.all_reduce(t)
        times = []
        for _ in range(reps if nbytes < 2**24 else max(3, reps // 4)):
            dist.barrier()
            t0 = time.perf_counter()
            dist.all_reduce(t)
            times.append(time.perf_counter() - t0)
        out["allreduce"].append({"bytes": nbytes, "median_s": float(np.median(times)),
                                 "min_s": float(np.min(times))})

    def mlp():
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                             nn.Linear(256, 10)), (784,)

    def lenet():
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                             nn.Linear(84, 10)), (1, 28, 28)

    global_batch = 256
    for name, make in (("mlp 784-512-256-10", mlp), ("lenet-5", lenet)):
        pdg.manual_seed(0)
        model, shape = make()
        ddp = dist.DistributedDataParallel(model)
        opt = optim.Adam(model.parameters(), lr=1e-3)
        local = global_batch // world
        x = pdg.randn(local, *shape)
        y = pdg.randint(0, 10, (local,))
        wait = [0.0]
        finish = ddp._finish

        def timed_finish():
            t0 = time.perf_counter()
            finish()
            wait[0] += time.perf_counter() - t0

        ddp._finish = timed_finish

        def step():
            opt.zero_grad()
            nn.functional.cross_entropy(ddp(x), y).backward()
            opt.step()

        for _ in range(3):
            step()
        n = 5 if args.quick else 20
        times = []
        wait[0] = 0.0
        for _ in range(n):
            dist.barrier()
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        nparam = sum(p.numel() for p in model.parameters())
        out["steps"][name] = {"median_s": float(np.median(times)), "min_s": float(np.min(times)),
                              "reduce_wait_share": wait[0] / sum(times), "params": nparam,
                              "bytes_per_step": 4 * nparam, "local_batch": local}
    if rank == 0:
        with open(args.worker, "w") as f:
            json.dump(out, f)


def exchange_worker(args):
    """Grid.exchange of one Lipizzaner MNIST cell (G 64-256-256-784 + D 784-256-256-1 +
    2 learning rates = 551,428 float32 = 2.2 MB) with its four neighbours."""
    from pydeepgen.coevolution import Grid
    from pydeepgen.coevolution.cell import _vector
    from pydeepgen.models.gan import GAN

    rows, cols = (int(v) for v in args.exchange.split("x"))
    g = Grid(rows, cols)
    vec = _vector(GAN(), 2e-4, 2e-4)
    for _ in range(3):
        g.exchange(vec)
    g.exchange_seconds.clear()
    t_pack = []
    gan = GAN()
    for _ in range(10 if args.quick else 50):
        t0 = time.perf_counter()
        vec = _vector(gan, 2e-4, 2e-4)  # packing the networks is part of the per-iteration cost
        t_pack.append(time.perf_counter() - t0)
        g.exchange(vec)
    med = float(np.median(g.exchange_seconds))
    allmed = g.gather_to_root({"exchange_ms": 1e3 * med, "pack_ms": 1e3 * float(np.median(t_pack))})
    if g.rank == 0:
        with open(args.worker, "w") as f:
            json.dump({"grid": args.exchange, "bytes_per_cell": int(vec.nbytes), "cells": allmed}, f)


def fit_alpha_beta(rows, world):
    """Least squares t = alpha + (2 (N-1) / N) * bytes / bandwidth over the sizes up to 4 MiB
    (beyond, the buffers leave the caches and the time grows faster than the bytes)."""
    if world == 1:
        return None
    rows = [r for r in rows if r["bytes"] <= 4 << 20]
    b = np.array([r["bytes"] for r in rows], float) * 2 * (world - 1) / world
    t = np.array([r["median_s"] for r in rows], float)
    A = np.stack([np.ones_like(b), b], 1)
    (alpha, inv_bw), *_ = np.linalg.lstsq(A, t, rcond=None)
    return {"alpha_us": alpha * 1e6, "bandwidth_GBps": 1 / inv_bw / 1e9 if inv_bw > 0 else None}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--max-n", type=int, default=4)
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--exchange", default=None, help=argparse.SUPPRESS)
    p.add_argument("--grids", default="2x2,3x3", help="coevolution grids whose exchange is timed")
    p.add_argument("--json", default=os.path.join(HERE, "results", "distributed.json"))
    args = p.parse_args()
    if args.worker:
        return exchange_worker(args) if args.exchange else worker(args)
    sys.path.insert(0, HERE)
    from harness import machine_info

    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1")
    results, cores = {}, os.cpu_count()
    for n in [k for k in (1, 2, 4, 8) if k <= args.max_n]:
        tmp = os.path.join(HERE, "results", f".dist_{n}.json")
        cmd = [sys.executable, __file__, "--worker", tmp] + (["--quick"] if args.quick else [])
        if n > 1:
            cmd = ["mpiexec", "-n", str(n), "--oversubscribe", "--bind-to", "none"] + cmd
        else:
            env1 = dict(env, PDG_NO_MPI="1")
        subprocess.run(cmd, env=env if n > 1 else env1, check=True, timeout=1200)
        with open(tmp) as f:
            results[n] = json.load(f)
        os.remove(tmp)
    print(f"\nMPI all-reduce (float32, in place), {cores} cores on this machine")
    print(f"{'bytes':>10} " + " ".join(f"{'N=' + str(n) + ' us':>12} {'GB/s':>6}" for n in results if n > 1))
    for i, nbytes in enumerate(r["bytes"] for r in results[max(results)]["allreduce"]):
        cells = []
        for n in results:
            if n == 1:
                continue
            t = results[n]["allreduce"][i]["median_s"]
            cells.append(f"{t * 1e6:12.1f} {2 * (n - 1) / n * nbytes / t / 1e9:6.2f}")
        print(f"{nbytes:>10} " + " ".join(cells))
    fits = {n: fit_alpha_beta(results[n]["allreduce"], n) for n in results if n > 1}
    for n, fit in fits.items():
        print(f"alpha-beta fit N={n}: alpha = {fit['alpha_us']:.1f} us, bus bandwidth = "
              f"{fit['bandwidth_GBps']:.2f} GB/s" + ("  (oversubscribed)" if n > cores else ""))
    print("\nTraining step (Adam, global batch 256 split over N ranks, 1 thread per rank)")
    for name in results[1]["steps"]:
        base = results[1]["steps"][name]["median_s"]
        for n in results:
            s = results[n]["steps"][name]
            over = "  (oversubscribed)" if n > cores else ""
            print(f"  {name:20s} N={n}: {s['median_s'] * 1e3:7.2f} ms/step, speedup {base / s['median_s']:4.2f}x, "
                  f"reduce wait {100 * s['reduce_wait_share']:4.1f}% of the step, "
                  f"{s['bytes_per_step'] / 1e6:.2f} MB all-reduced{over}")
    exchange = {}
    print("\nCoevolution: one neighbourhood exchange (Neighbor_allgather) of a Lipizzaner MNIST cell")
    for grid in [x for x in args.grids.split(",") if x]:
        n = int(np.prod([int(v) for v in grid.split("x")]))
        tmp = os.path.join(HERE, "results", f".exchange_{grid}.json")
        cmd = ["mpiexec", "-n", str(n), "--oversubscribe", "--bind-to", "none", sys.executable, __file__,
               "--worker", tmp, "--exchange", grid] + (["--quick"] if args.quick else [])
        subprocess.run(cmd, env=env, check=True, timeout=1200)
        with open(tmp) as f:
            exchange[grid] = json.load(f)
        os.remove(tmp)
        cells = exchange[grid]["cells"]
        ex = [c["exchange_ms"] for c in cells]
        pk = [c["pack_ms"] for c in cells]
        over = "  (oversubscribed: %d processes on %d cores)" % (n, cores) if n > cores else ""
        print(f"  {grid}: {exchange[grid]['bytes_per_cell'] / 1e6:.2f} MB per cell; exchange median over cells "
              f"{np.median(ex):.2f} ms (max {max(ex):.2f}), packing {np.median(pk):.2f} ms{over}")
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"machine": machine_info(), "results": results, "alpha_beta": fits, "exchange": exchange},
                  f, indent=1)
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
