"""Synthetic data sets from the course: logic gates, the hiring table, y = 2x, Gaussian
vectors, points on a line and 2-D Gaussian mixtures (ring, grid).

Random generators draw from pdg's Philox generator (``generator=`` or the default one,
seeded by ``pdg.manual_seed``), so the same seed gives the same data.
"""

import math
from types import SimpleNamespace

import numpy as np

__all__ = ["logic_gate", "hiring", "y_equals_2x", "normal_vectors", "points_on_line",
           "gaussian_ring", "gaussian_grid", "GATES"]

GATES = {
    "or": [0, 1, 1, 1],
    "and": [0, 0, 0, 1],
    "xor": [0, 1, 1, 0],
    "nand": [1, 1, 1, 0],
    "nor": [1, 0, 0, 0],
    "xnor": [1, 0, 0, 1],
}


def _from(a, dtype=np.float32):
    from ..ops.creation import from_numpy

    return from_numpy(np.ascontiguousarray(np.asarray(a, dtype=dtype)))


def logic_gate(name):
    """Truth table of a 2-input gate: ``(X, y)``; X float32 (4, 2) rows 00, 01, 10, 11,
    y float32 (4,). ``name``: or, and, xor, nand, nor, xnor."""
    key = str(name).lower()
    if key not in GATES:
        raise ValueError(f"logic_gate: unknown gate {name!r} (known: {', '.join(GATES)})")
    x = [[0, 0], [0, 1], [1, 0], [1, 1]]
    return _from(x), _from(GATES[key])


def hiring(centered=False):
    """The course's hiring toy table (months of programming, GitHub projects, hired).

    Returns a namespace with ``X`` float32 (4, 2), ``y`` float32 (4, 1), ``names``,
    ``feature_names``, ``mean`` (21, 6), and the two new candidates ``new_X`` (Jamal,
    Mina) / ``new_names``. ``centered=True`` subtracts the training mean from both.
    """
    x = np.array([[12, 6], [32, 4], [11, 3], [29, 11]], dtype=np.float32)
    y = np.array([[0], [1], [0], [1]], dtype=np.float32)
    new = np.array([[14, 6], [31, 0]], dtype=np.float32)
    mean = x.mean(axis=0)
    if centered:
        x, new = x - mean, new - mean
    return SimpleNamespace(X=_from(x), y=_from(y), names=["Michael", "Shash", "Hannah", "Lisa"],
                           feature_names=["months_programming", "github_projects"],
                           mean=_from(mean), new_X=_from(new), new_names=["Jamal", "Mina"])


def y_equals_2x(n=5, start=0.0, step=1.0):
    """``(x, y)`` float32 (n,) with x = start, start+step, ... and y = 2x (course: x = 0..4)."""
    x = start + step * np.arange(n, dtype=np.float64)
    return _from(x), _from(2 * x)


def normal_vectors(n, dim, mean=0.0, std=1.0, generator=None, dtype=None):
    """(n, dim) vectors with entries from N(mean, std^2)."""
    from ..ops.creation import normal

    if std < 0:
        raise ValueError(f"normal_vectors: std must be >= 0, got {std}")
    return normal(mean, std, size=(n, dim), generator=generator, dtype=dtype)


def points_on_line(n, slope=1.0, intercept=0.0, x_range=(-1.0, 1.0), noise=0.0, generator=None):
    """(n, 2) points (x, slope*x + intercept + noise*N(0,1)) with x uniform in x_range."""
    from ..ops.creation import rand, randn

    lo, hi = x_range
    x = rand(n, generator=generator).numpy().astype(np.float64) * (hi - lo) + lo
    y = slope * x + intercept
    if noise:
        y = y + noise * randn(n, generator=generator).numpy()
    return _from(np.stack([x, y], axis=1))


def _mixture(centers, n, std, generator):
    from ..ops.creation import randint, randn

    k = len(centers)
    labels = randint(0, k, size=(n,), generator=generator).numpy().astype(np.int64)
    pts = np.asarray(centers, dtype=np.float64)[labels] + std * randn(n, 2, generator=generator).numpy()
    return _from(pts), _from(labels, np.int64)


def gaussian_ring(n, modes=8, radius=2.0, std=0.02, generator=None):
    """``(points (n, 2) float32, mode labels (n,) int64)``: ``modes`` Gaussians evenly on a
    circle of ``radius`` (the GAN mode-collapse toy)."""
    angles = 2 * math.pi * np.arange(modes) / modes
    centers = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    return _mixture(centers, n, std, generator)


def gaussian_grid(n, side=5, spacing=2.0, std=0.05, generator=None):
    """``(points (n, 2) float32, mode labels (n,) int64)``: side x side Gaussians on a grid
    centred at 0 with ``spacing`` between neighbours."""
    coords = (np.arange(side) - (side - 1) / 2) * spacing
    centers = np.array([(a, b) for a in coords for b in coords])
    return _mixture(centers, n, std, generator)
