"""Supervised metrics: accuracy, confusion matrix, RMSE, MAE.

Inputs may be pdg tensors, NumPy arrays or lists; results are Python floats (or a NumPy
int64 matrix for the confusion matrix). Computed in float64 NumPy: these run once per
epoch on small arrays, so there is no kernel to write.
"""

import numpy as np

__all__ = ["accuracy", "confusion_matrix", "rmse", "mae", "to_numpy"]


def to_numpy(x, dtype=None):
    """A NumPy array from a pdg tensor (detached), array or nested list."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach().numpy()
    a = np.asarray(x)
    return a.astype(dtype, copy=False) if dtype is not None else a


def _labels_from(pred, threshold, op):
    p = to_numpy(pred)
    if p.ndim == 2 and p.shape[1] > 1:
        return p.argmax(axis=1)  # scores/logits/probabilities per class: first max wins
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim != 1:
        raise ValueError(f"{op}: predictions must be (N,), (N, 1) or (N, C), got shape {p.shape}")
    if np.issubdtype(p.dtype, np.floating):
        return (p > threshold).astype(np.int64)  # one score per sample: binary decision
    return p.astype(np.int64)


def _targets(target, n, op):
    t = to_numpy(target)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1 or t.shape[0] != n:
        raise ValueError(f"{op}: targets must have shape ({n},), got {t.shape}")
    return t.astype(np.int64)


def accuracy(pred, target, threshold=0.5):
    """Fraction of correct predictions.

    ``pred`` is (N, C) scores (argmax is the class; the first maximum wins), (N,) or (N, 1)
    floats (class 1 where ``pred > threshold``: use 0.5 for probabilities, 0.0 for logits),
    or (N,) integer class labels. ``target`` is (N,) or (N, 1) class labels.
    """
    labels = _labels_from(pred, threshold, "accuracy")
    t = _targets(target, labels.shape[0], "accuracy")
    if labels.shape[0] == 0:
        raise ValueError("accuracy: empty predictions")
    return float(np.mean(labels == t))


def confusion_matrix(target, pred, num_classes=None, threshold=0.5):
    """Counts ``M[i, j]`` of samples with true class i predicted as j (scikit-learn's layout:
    rows are true classes). ``pred`` takes the same forms as in :func:`accuracy`."""
    labels = _labels_from(pred, threshold, "confusion_matrix")
    t = _targets(target, labels.shape[0], "confusion_matrix")
    if num_classes is None:
        num_classes = int(max(labels.max(initial=-1), t.max(initial=-1))) + 1
    if labels.size and (labels.min() < 0 or t.min() < 0 or labels.max() >= num_classes
                        or t.max() >= num_classes):
        raise ValueError(f"confusion_matrix: labels must lie in [0, {num_classes})")
    m = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(m, (t, labels), 1)
    return m


def _pair(pred, target, op):
    p = to_numpy(pred, np.float64)
    t = to_numpy(target, np.float64)
    if p.shape != t.shape:
        if p.size == t.size and p.squeeze().shape == t.squeeze().shape:
            p, t = p.squeeze(), t.squeeze()
        else:
            raise ValueError(f"{op}: shapes differ: pred {p.shape} vs target {t.shape}")
    if p.size == 0:
        raise ValueError(f"{op}: empty input")
    return p, t


def rmse(pred, target):
    """Root mean squared error, in the units of the data."""
    p, t = _pair(pred, target, "rmse")
    return float(np.sqrt(np.mean((p - t) ** 2)))


def mae(pred, target):
    """Mean absolute error."""
    p, t = _pair(pred, target, "mae")
    return float(np.mean(np.abs(p - t)))
