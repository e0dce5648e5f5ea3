"""FID and TVD on MNIST with Lipizzaner's classifier, and the Fréchet distance itself.

Feature network: :class:`pydeepgen.models.MNISTClassifier` with the shipped weights
(``pydeepgen/assets/mnist_cnn.npz``), in eval mode; the features are its 10 logits, and
both real and generated images are fed to it in [-1, 1].

Two protocols (see ``shared/data/lipizzaner/README.md``):

``"lipizzaner"`` (Lipizzaner's own scoring, reproduced exactly)
    the first ``n`` MNIST *training* images in file order against the first ``n`` generated
    images; features in batches of 64 with the ``n mod 64`` leftover images dropped on both
    sides (n = 10,000 scores 9,984 images); Gaussian fit with the n-1 covariance; Fréchet
    distance with a matrix square root, retried with 1e-6 added to both diagonals only if the
    first result is not finite; imaginary part discarded; absolute value returned.
``"clean"``
    ``n`` generated images (default 10,000) against the first ``n`` of the 10,000 MNIST
    *test* images; nothing dropped.

TVD is half the L1 distance between the 10-bin histograms (as fractions) of the
classifier's argmax classes (first maximum wins) on the same two image sets.

The matrix square root is our own (NumPy float64 eigen-decompositions): for symmetric
positive semi-definite S1, S2, tr sqrt(S1 S2) = tr sqrt(S1^1/2 S2 S1^1/2), and the right-hand
matrix is symmetric PSD, so its square root comes from ``eigh`` with no complex arithmetic.
"""

import numpy as np

from ..datasets.mnist import MNIST
from ..datasets.roots import data_root as _data_root
from .classification import to_numpy

__all__ = [
    "frechet_distance",
    "gaussian_stats",
    "sqrtm_psd",
    "trace_sqrt_product",
    "mnist_features",
    "mnist_fid",
    "mnist_tvd",
    "mnist_scores",
    "label_accuracy",
    "class_histogram",
    "total_variation",
    "load_mnist_u8",
    "PROTOCOLS",
]

PROTOCOLS = ("lipizzaner", "clean")
LIPIZZANER_BATCH = 64


# --------------------------------------------------------------------------------------
# Linear algebra (float64 NumPy)
# --------------------------------------------------------------------------------------


def sqrtm_psd(a):
    """Principal square root of a symmetric positive semi-definite matrix.

    Eigen-decomposition ``a = V diag(w) V^T`` (``numpy.linalg.eigh``, float64); eigenvalues
    below zero (round-off on a PSD matrix) are clipped to zero. Returns ``V diag(sqrt w) V^T``.
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"sqrtm_psd: expected a square matrix, got shape {a.shape}")
    a = 0.5 * (a + a.T)  # symmetrize away round-off so eigh sees exactly what we mean
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def trace_sqrt_product(sigma1, sigma2):
    """tr (sigma1 sigma2)^(1/2) for symmetric PSD sigma1, sigma2 (float64).

    sigma1 sigma2 is similar to M = sigma1^(1/2) sigma2 sigma1^(1/2), which is symmetric PSD,
    so the eigenvalues of the product are those of M: real and >= 0. The trace of the principal
    square root is the sum of their square roots (negative round-off clipped to zero, which is
    what discarding the imaginary part of a complex ``sqrtm`` does).
    """
    s1 = sqrtm_psd(sigma1)
    m = s1 @ np.asarray(sigma2, dtype=np.float64) @ s1
    w = np.linalg.eigvalsh(0.5 * (m + m.T))
    return float(np.sum(np.sqrt(np.clip(w, 0.0, None))))


def gaussian_stats(features):
    """Mean and covariance (n-1 denominator) of an (N, D) feature array, in float64."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"gaussian_stats: need an (N >= 2, D) array, got shape {f.shape}")
    return f.mean(axis=0), np.atleast_2d(np.cov(f, rowvar=False, ddof=1))


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2):
    ``|mu1 - mu2|^2 + tr sigma1 + tr sigma2 - 2 tr (sigma1 sigma2)^(1/2)``.

    As in Lipizzaner (and pytorch-fid): if the square-root term is not finite, ``eps`` is added
    to both diagonals and it is computed again; the absolute value of the result is returned
    (round-off can make a distance between near-identical Gaussians slightly negative).
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    d = mu1.shape[0]
    if mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            f"frechet_distance: shapes must be (D,), (D, D): got mu1 {mu1.shape}, sigma1 "
            f"{sigma1.shape}, mu2 {mu2.shape}, sigma2 {sigma2.shape}"
        )
    diff = mu1 - mu2
    tr_covmean = trace_sqrt_product(sigma1, sigma2)
    if not np.isfinite(tr_covmean):
        offset = np.eye(d) * eps
        tr_covmean = trace_sqrt_product(sigma1 + offset, sigma2 + offset)
    fid = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean
    return float(abs(fid))


def class_histogram(logits, num_classes=10):
    """Fractions of samples per argmax class (first maximum wins)."""
    f = np.asarray(logits)
    labels = f.argmax(axis=1)
    return np.bincount(labels, minlength=num_classes).astype(np.float64) / max(1, f.shape[0])


def total_variation(p, q):
    """Half the L1 distance between two histograms of fractions."""
    return float(0.5 * np.abs(np.asarray(p, np.float64) - np.asarray(q, np.float64)).sum())


# --------------------------------------------------------------------------------------
# MNIST data and the feature network
# --------------------------------------------------------------------------------------

def _mnist_root(root=None):
    """MNIST's data root: ``root`` if given, else the one lookup of
    :mod:`pydeepgen.datasets.roots` ($PDG_DATA, a shared/data folder beside the checkout
    holding mnist/, the download folder)."""
    return _data_root(root, need=MNIST._needs())


_u8_cache = {}


def load_mnist_u8(root=None, train=True, labels=False):
    """MNIST images as a uint8 (N, 28, 28) array in file order (and int64 labels if asked),
    read by ``pdg.datasets.MNIST``; ``root`` None means the datasets' data root
    (:func:`pydeepgen.datasets.roots.data_root`: ``$PDG_DATA``, else a ``shared/data`` folder
    beside the checkout holding ``mnist/``, else ``~/.cache/pydeepgen/data``). Cached per
    (root, split)."""
    key = (str(_mnist_root(root).resolve()), bool(train))
    if key not in _u8_cache:
        ds = MNIST(root=root, train=train)  # root None: its error names the places searched
        _u8_cache[key] = (np.asarray(ds.data.numpy(), dtype=np.uint8),
                          np.asarray(ds.targets.numpy(), dtype=np.int64))
    images, labs = _u8_cache[key]
    return (images, labs) if labels else images


def u8_to_m11(images_u8):
    """uint8 pixels to float32 in [-1, 1] (``u8 / 255 * 2 - 1``), shape (N, 1, 28, 28)."""
    x = np.asarray(images_u8, dtype=np.float32).reshape(-1, 1, 28, 28)
    return x / np.float32(255.0) * np.float32(2.0) - np.float32(1.0)


_classifier = None


def _default_classifier():
    global _classifier
    if _classifier is None:
        from ..models import MNISTClassifier

        _classifier = MNISTClassifier.pretrained().eval()
    return _classifier


def _as_images(fake, op):
    a = to_numpy(fake, np.float32)
    if a.ndim == 2 and a.shape[1] == 784:
        a = a.reshape(-1, 1, 28, 28)
    elif a.ndim == 3 and a.shape[1:] == (28, 28):
        a = a.reshape(-1, 1, 28, 28)
    if a.ndim != 4 or a.shape[1:] != (1, 28, 28):
        raise ValueError(
            f"{op}: generated images must be N x 1 x 28 x 28 or N x 784 in [-1, 1], got shape "
            f"{a.shape}"
        )
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{op}: generated images contain NaN or inf")
    return np.ascontiguousarray(a)


def mnist_features(images, classifier=None, batch_size=500):
    """The classifier's 10 logits for (N, 1, 28, 28) images in [-1, 1], as float64 (N, 10).

    Eval mode, no gradients. The batch size only trades memory for speed: logits do not
    depend on it (the network has no batch statistics at eval time).
    """
    import pydeepgen as pdg

    model = classifier if classifier is not None else _default_classifier()
    was_training = getattr(model, "training", False)
    model.eval()
    x = _as_images(images, "mnist_features")
    out = np.empty((x.shape[0], 10), dtype=np.float64)
    with pdg.no_grad():
        for i in range(0, x.shape[0], batch_size):
            xb = pdg.from_numpy(np.ascontiguousarray(x[i: i + batch_size]))
            out[i: i + batch_size] = model(xb).numpy()
    if was_training:
        model.train()
    return out


_real_cache = {}


def _real_features(protocol, n, data_root, classifier):
    key = (protocol, int(n), str(_mnist_root(data_root).resolve()), id(classifier))
    if key not in _real_cache:
        images = load_mnist_u8(data_root, train=(protocol == "lipizzaner"))
        if n > images.shape[0]:
            split = "training" if protocol == "lipizzaner" else "test"
            raise ValueError(f"n={n} exceeds the {images.shape[0]} MNIST {split} images")
        _real_cache[key] = mnist_features(u8_to_m11(images[:n]), classifier)
    return _real_cache[key]


def _used_count(protocol, n):
    if protocol == "lipizzaner":
        return (n // LIPIZZANER_BATCH) * LIPIZZANER_BATCH  # the batching quirk: remainder dropped
    return n


def _check(protocol, n, fake, op):
    if protocol not in PROTOCOLS:
        raise ValueError(f"{op}: protocol must be one of {PROTOCOLS}, got {protocol!r}")
    n = int(n)
    if n < 2:
        raise ValueError(f"{op}: n must be at least 2, got {n}")
    if protocol == "lipizzaner" and n < LIPIZZANER_BATCH:
        raise ValueError(f"{op}: the lipizzaner protocol needs n >= 64 (batches of 64), got {n}")
    x = _as_images(fake, op)
    if x.shape[0] < n:
        raise ValueError(f"{op}: need n={n} generated images, got {x.shape[0]}")
    return n, x[:n]


def mnist_scores(fake, protocol="lipizzaner", n=10000, data_root=None, classifier=None):
    """Both scores at once: ``{"fid", "tvd", "n_used", "protocol"}`` (one feature pass)."""
    n, x = _check(protocol, n, fake, "mnist_scores")
    used = _used_count(protocol, n)
    real = _real_features(protocol, n, data_root, classifier)[:used]
    gen = mnist_features(x[:used], classifier)
    fid = frechet_distance(*gaussian_stats(real), *gaussian_stats(gen))
    tvd = total_variation(class_histogram(real), class_histogram(gen))
    return {"fid": fid, "tvd": tvd, "n_used": used, "protocol": protocol}


def mnist_fid(fake, protocol="lipizzaner", n=10000, data_root=None, classifier=None):
    """FID of generated MNIST images (N x 1 x 28 x 28 or N x 784, in [-1, 1]); see the module
    docstring for the two protocols. Uses the first ``n`` generated images."""
    n, x = _check(protocol, n, fake, "mnist_fid")
    used = _used_count(protocol, n)
    real = _real_features(protocol, n, data_root, classifier)[:used]
    gen = mnist_features(x[:used], classifier)
    return frechet_distance(*gaussian_stats(real), *gaussian_stats(gen))


def mnist_tvd(fake, protocol="lipizzaner", n=10000, data_root=None, classifier=None):
    """TVD between the argmax-class histograms of generated and real MNIST images."""
    n, x = _check(protocol, n, fake, "mnist_tvd")
    used = _used_count(protocol, n)
    real = _real_features(protocol, n, data_root, classifier)[:used]
    gen = mnist_features(x[:used], classifier)
    return total_variation(class_histogram(real), class_histogram(gen))


def mnist_real_floor(protocol="clean", n=10000, data_root=None, classifier=None):
    """The scores of real images under a protocol: what a perfect generator would get.

    The "generated" set is the first ``n`` images of the split the protocol does not compare
    against (training images for "clean", test images for "lipizzaner"), so the number is the
    sampling floor of the metric at this ``n``. Returns ``mnist_scores``' dict."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"mnist_real_floor: protocol must be one of {PROTOCOLS}, got "
                         f"{protocol!r}")
    images = load_mnist_u8(data_root, train=(protocol == "clean"))
    if int(n) > images.shape[0]:
        raise ValueError(f"mnist_real_floor: n={n} exceeds the {images.shape[0]} images of the "
                         f"other split")
    return mnist_scores(u8_to_m11(images[: int(n)]), protocol, n, data_root, classifier)


def label_accuracy(images, labels, classifier=None):
    """Fraction of conditional samples whose classifier argmax equals the requested label."""
    feats = mnist_features(_as_images(images, "label_accuracy"), classifier)
    labels = to_numpy(labels).astype(np.int64).reshape(-1)
    if labels.shape[0] != feats.shape[0]:
        raise ValueError(
            f"label_accuracy: {feats.shape[0]} images but {labels.shape[0]} labels"
        )
    return float(np.mean(feats.argmax(axis=1) == labels))
