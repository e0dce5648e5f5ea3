"""Shared helpers for the course labs 10-17 (GANs, autoencoders, VAEs, diffusion).

``_common.py`` (labs 1-9) gives argument parsing, output folders, headless matplotlib and
printing; this module adds what the generative labs share:

- ``gan_step``: one discriminator update and one generator update of a GAN whose
  discriminator ends in a Sigmoid (the course's networks), with BCE losses; the generator
  loss is the non-saturating ``-log D(G(z))`` or the original saturating ``log(1 - D(G(z)))``
- ``grad_norm``: L2 norm of the gradients currently held by a module's parameters
- ``fit_normal``: maximum-likelihood normal fit (what ``scipy.stats.norm.fit`` returns)
- ``mnist_or_digits``: MNIST images from the data root (``find_data``), or the embedded 8x8
  digits when MNIST is absent (quick modes use the digits: no download, seconds to train)
- ``grid_image``: tile a batch of images into one array for ``imshow`` (with
  ``pydeepgen.utils.image.make_grid``)
"""

import numpy as np

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen.utils.image import make_grid

from _common import find_data, say


def gan_step(G, D, opt_g, opt_d, real, z, g_loss="non-saturating", train_g=True):
    """One D step then (if ``train_g``) one G step; returns ``(d_loss, g_loss)`` as floats.

    ``D`` ends in a Sigmoid, so ``D(x)`` is the probability that ``x`` is real.
    D minimizes BCE(D(x), 1) + BCE(D(G(z)), 0). G minimizes
      ``"non-saturating"``: BCE(D(G(z)), 1) = -log D(G(z))   (what practice uses)
      ``"saturating"``:     -BCE(D(G(z)), 0) = log(1 - D(G(z)))   (the minimax game as written)
    Gradients of G stay in ``G``'s parameters after the call (for ``grad_norm``).
    """
    n = real.shape[0]
    ones = pdg.ones(n, 1)
    zeros = pdg.zeros(n, 1)

    # Discriminator: real -> 1, fake -> 0. The fake batch is detached: only D learns here.
    fake = G(z)
    opt_d.zero_grad()
    d_loss = F.binary_cross_entropy(D(real), ones) + F.binary_cross_entropy(D(fake.detach()), zeros)
    d_loss.backward()
    opt_d.step()

    # Generator: fool the (just updated) discriminator.
    opt_g.zero_grad()
    p_fake = D(fake)
    if g_loss == "non-saturating":
        loss = F.binary_cross_entropy(p_fake, ones)
    elif g_loss == "saturating":
        loss = -F.binary_cross_entropy(p_fake, zeros)
    else:
        raise ValueError(f"gan_step: g_loss must be 'non-saturating' or 'saturating', "
                         f"got {g_loss!r}")
    loss.backward()
    if train_g:
        opt_g.step()
    return d_loss.item(), loss.item()


def grad_norm(module):
    """L2 norm of all parameter gradients of ``module`` (0 for parameters without one)."""
    total = 0.0
    for p in module.parameters():
        if p.grad is not None:
            g = p.grad.numpy().astype(np.float64)
            total += float((g * g).sum())
    return total ** 0.5


def fit_normal(values):
    """``(mu, std)`` of the maximum-likelihood normal (std with ddof=0, like scipy's norm.fit)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    return float(v.mean()), float(v.std())


def mnist_or_digits(args, n_train, n_test=0, prefer_mnist=True):
    """Images scaled to [-1, 1] and labels: ``(x_train (N,1,H,W), y_train, x_test, y_test, name)``.

    MNIST (28x28) from the data root (``_common.find_data``) when ``prefer_mnist`` and it is there,
    else the embedded 8x8 digits (1797 images; the last 297 are the test split).
    Arrays are NumPy float32 / int64; the first ``n_train`` / ``n_test`` are kept.
    """
    root = find_data("mnist", args.data_root) if prefer_mnist else None
    if root is not None:
        train = pdg.datasets.MNIST(str(root.parent), train=True, download=False)
        test = pdg.datasets.MNIST(str(root.parent), train=False, download=False)
        xtr, ytr = _mnist_arrays(train, n_train)
        xte, yte = _mnist_arrays(test, n_test)
        return xtr, ytr, xte, yte, "MNIST 28x28"
    if prefer_mnist:
        say("MNIST not found: using the embedded 8x8 digits (sklearn's copy of the UCI set)")
    xd, yd = pdg.datasets.digits(as_images=True)
    x = xd.numpy().astype(np.float32) / 16.0 * 2.0 - 1.0  # pixel values 0..16
    y = yd.numpy().astype(np.int64)
    xtr, ytr, xte, yte = x[:1500], y[:1500], x[1500:], y[1500:]
    return xtr[:n_train], ytr[:n_train], xte[:n_test], yte[:n_test], "digits 8x8"


def _mnist_arrays(ds, n):
    """First ``n`` images of an MNIST dataset as float32 (n, 1, 28, 28) in [-1, 1] + labels."""
    if n <= 0:
        return np.zeros((0, 1, 28, 28), np.float32), np.zeros((0,), np.int64)
    data = getattr(ds, "data", None)
    targets = getattr(ds, "targets", None)
    if data is not None and targets is not None:
        x = np.asarray(data.numpy() if hasattr(data, "numpy") else data)[:n]
        y = np.asarray(targets.numpy() if hasattr(targets, "numpy") else targets)[:n]
    else:
        items = [ds[i] for i in range(n)]
        x = np.stack([np.asarray(a.numpy() if hasattr(a, "numpy") else a) for a, _ in items])
        y = np.array([int(b) for _, b in items])
    x = x.astype(np.float32).reshape(-1, 1, 28, 28)
    if x.max() > 1.5:  # uint8 pixels
        x = x / 255.0
    return x * 2.0 - 1.0, y.astype(np.int64)


def grid_image(images, nrow):
    """Tile ``images`` (N, 1, H, W) or (N, H, W) into one (rows*H, nrow*W) array for
    ``imshow``: ``nrow`` images per row, 1-pixel gaps, no outer border, gaps and empty cells
    filled with the smallest value. Built by ``pydeepgen.utils.image.make_grid`` (padding 1,
    the border cropped off)."""
    a = np.asarray(images, dtype=np.float32)
    if a.ndim == 4:
        a = a[:, 0]
    n, h, w = a.shape
    lo = float(a.min()) if n else 0.0
    if n < nrow:  # make_grid narrows to n columns; keep nrow, the empty cells blank
        a = np.concatenate([a, np.full((nrow - n, h, w), lo, np.float32)])
    if len(a) == 1:  # make_grid returns a lone image as it is, without padding
        return a[0].copy()
    grid = make_grid(a[:, None], nrow=nrow, padding=1, pad_value=lo).numpy()
    return np.ascontiguousarray(grid[0, 1:-1, 1:-1])
