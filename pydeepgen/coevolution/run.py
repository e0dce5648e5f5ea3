"""The coevolution driver: data, scores, checkpoints, resume, and the final ensemble."""

import argparse
import json
import os
import sys
import time

import numpy as np

from ..train.checkpoint import load_checkpoint, save_checkpoint
from .cell import Cell
from .grid import Grid

# The Lipizzaner MNIST networks (pydeepgen.models.gan.GAN's defaults) and an 8x8 variant.
CONFIGS = {"mnist": dict(data_dim=784, latent_dim=64, data_shape=[1, 28, 28]),
           "digits": dict(data_dim=64, latent_dim=32, g_hidden=[128, 128], d_hidden=[128, 128],
                          data_shape=[1, 8, 8])}


def load_data(dataset, data_root=None):
    """Training images flattened, in [-1, 1] (float32)."""
    if dataset == "digits":
        from ..metrics.digits import DIGITS_TRAIN, _digits_m11

        x, _ = _digits_m11()
        return x[:DIGITS_TRAIN].reshape(DIGITS_TRAIN, -1)
    if dataset == "mnist":
        from ..metrics.fid import load_mnist_u8, u8_to_m11

        return u8_to_m11(load_mnist_u8(data_root, train=True)).reshape(-1, 784)
    raise ValueError(f"coevolution: unknown dataset {dataset!r} (digits, mnist)")


def score_function(dataset, data_root=None):
    """Lower is better: TVD of the digit classes (8x8), or the classifier FID (MNIST)."""
    if dataset == "digits":
        from ..metrics.digits import digits_classifier, digits_probabilities

        classifier = digits_classifier()[0]

        def tvd_to_uniform(fake):
            p = digits_probabilities(fake, classifier)
            hist = np.bincount(p.argmax(axis=1), minlength=10) / len(p)
            return 0.5 * float(np.abs(hist - 0.1).sum())

        return tvd_to_uniform
    from ..metrics.fid import mnist_fid

    return lambda fake: mnist_fid(fake, protocol="clean", n=len(fake), data_root=data_root)


def coevolve(grid="2x2", dataset="digits", iterations=10, steps=10, batch_size=100, lr=2e-4,
             loss="bce", mixture_every=1, score_n=1000, seed=0, out="runs/lipizzaner",
             checkpoint_every=5, resume=False, data_root=None, log=print):
    """Run the grid (this process is one cell); returns the summary on rank 0, None elsewhere."""
    rows, cols = (int(v) for v in str(grid).lower().split("x"))
    g = Grid(rows, cols)
    data = load_data(dataset, data_root)
    cell = Cell(g, data, CONFIGS[dataset], batch_size=batch_size, lr=lr, loss=loss, steps=steps,
                mixture_every=mixture_every, score_fn=score_function(dataset, data_root),
                score_n=score_n, seed=seed)
    os.makedirs(out, exist_ok=True)
    ckpt = os.path.join(out, f"cell-{g.rank}.safetensors")
    if resume:
        if not os.path.exists(ckpt):
            raise FileNotFoundError(f"coevolution: --resume but no checkpoint {ckpt}")
        cell.load_state(load_checkpoint(ckpt))
    t0 = time.perf_counter()
    while cell.iteration < iterations:
        info = cell.step()
        if g.rank == 0 and log:
            log(f"iteration {info['iteration'] + 1}/{iterations}: g {info['g_loss']:.3f} d {info['d_loss']:.3f} "
                f"lr_g {info['lr_g']:.2e} mixture {info['mixture_score']} exchange {info['exchange_ms']:.1f} ms")
        if checkpoint_every and (cell.iteration % checkpoint_every == 0 or cell.iteration == iterations):
            save_checkpoint(cell.state(), ckpt)
    wall = time.perf_counter() - t0
    # every cell's final mixture score; the best cell saves its ensemble
    final = float(cell.score_fn(cell.ensemble().sample(score_n, seed))) if cell.score_fn else 0.0
    scores = g.gather_to_root(final)
    best = g.broadcast_object(int(np.argmin(scores)) if g.rank == 0 else None)
    ex = np.asarray(g.exchange_seconds[1:] or g.exchange_seconds) * 1e3
    if g.rank == best:
        cell.ensemble().save(os.path.join(out, "ensemble.safetensors"))
    summary = g.gather_to_root({"rank": g.rank, "score": final, "exchange_ms_median": float(np.median(ex)),
                                "weights": cell.weights.tolist(), "sources": cell.pop_ranks})
    if g.rank != 0:
        return None
    result = {"grid": [rows, cols], "dataset": dataset, "iterations": iterations, "best_cell": best,
              "best_score": scores[best], "cells": summary, "wall_s": wall,
              "score": "tvd (digits classifier)" if dataset == "digits" else "clean FID"}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(result, f, indent=1)
    if log:
        log(f"best cell {best}: {result['score']} {scores[best]:.4f}; ensemble saved to "
            f"{os.path.join(out, 'ensemble.safetensors')}; exchange median "
            f"{np.median([c['exchange_ms_median'] for c in summary]):.2f} ms per iteration")
    return result


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m pydeepgen.coevolution",
                                description="Lipizzaner-style spatial coevolution of GANs (run under mpiexec)")
    p.add_argument("--grid", default="1x1", help="rows x cols of the torus; needs rows*cols processes")
    p.add_argument("--dataset", choices=sorted(CONFIGS), default="digits")
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--steps", type=int, default=10, help="batches per iteration")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--score-n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/lipizzaner")
    p.add_argument("--checkpoint-every", type=int, default=5)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--data-root", default=None)
    a = p.parse_args(argv)
    try:
        coevolve(a.grid, a.dataset, a.iterations, a.steps, a.batch_size, a.lr, "bce", 1, a.score_n, a.seed,
                 a.out, a.checkpoint_every, a.resume, a.data_root)
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
