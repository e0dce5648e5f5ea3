"""Transforms the course uses: scale to [0, 1] or [-1, 1], normalize, flatten, one-hot.

Each transform is a callable on one sample; its ``batch(x)`` method applies it to a
whole batch (first dim = samples) at once, which is what the DataLoader's fast path
calls for the array-backed datasets. Plain functions work too (per sample).
"""

import numpy as np

from .._tensor import Tensor

__all__ = ["Transform", "Compose", "ScaleTo01", "ScaleToPM1", "Normalize", "Flatten", "OneHot",
           "scale_to_01", "scale_to_pm1", "minmax_scale", "normalize", "one_hot"]


def _t(x):
    from ..ops.creation import as_tensor

    return x if isinstance(x, Tensor) else as_tensor(np.asarray(x))


def scale_to_01(x):
    """uint8 images (0..255) -> float32 in [0, 1]; float input is returned as float32."""
    x = _t(x)
    if x.dtype.name == "uint8":
        return x.float() / 255.0
    return x.float()


def scale_to_pm1(x):
    """uint8 images -> float32 in [-1, 1]; float input assumed in [0, 1] is mapped by 2x - 1."""
    return scale_to_01(x) * 2.0 - 1.0


def minmax_scale(x, feature_range=(0.0, 1.0), dim=0):
    """Scale each feature to ``feature_range`` by its min and max along ``dim``.

    Returns ``(scaled, (lo, hi))`` so the inverse is ``(y - a) / (b - a) * (hi - lo) + lo``.
    """
    x = _t(x).float()
    lo = x.amin(dim=dim, keepdim=True)
    hi = x.amax(dim=dim, keepdim=True)
    a, b = feature_range
    span = hi - lo
    span = span + (span == 0).float()  # constant features map to a
    return (x - lo) / span * (b - a) + a, (lo, hi)


def normalize(x, mean, std):
    """(x - mean) / std; mean/std scalars or per-channel sequences (dim 0 of a sample)."""
    x = _t(x)
    m = np.asarray(mean, dtype=np.float32)
    s = np.asarray(std, dtype=np.float32)
    if np.any(s == 0):
        raise ValueError(f"normalize: std evaluated to zero ({std}), leading to division by zero")
    shape = (-1,) + (1,) * (x.ndim - 1) if m.ndim == 1 and x.ndim >= 1 else ()
    return (x - _t(m.reshape(shape) if shape else m)) / _t(s.reshape(shape) if shape else s)


def one_hot(labels, num_classes, dtype=None):
    """int labels (any shape) -> float32 one-hot with a new last dim of size num_classes."""
    from ..ops.creation import from_numpy

    lab = np.asarray(_t(labels).numpy()).astype(np.int64)
    if lab.size and (lab.min() < 0 or lab.max() >= num_classes):
        raise ValueError(f"one_hot: labels must be in [0, {num_classes}), got range "
                         f"[{lab.min()}, {lab.max()}]")
    out = np.zeros(lab.shape + (num_classes,), dtype=np.float32 if dtype is None else dtype)
    np.put_along_axis(out, lab[..., None], 1, axis=-1)
    return from_numpy(out)


class Transform:
    def __call__(self, x):
        raise NotImplementedError

    def batch(self, x):
        """The transform of a batch (first dim = samples); elementwise ones reuse __call__."""
        return self(x)

    def __repr__(self):
        return type(self).__name__ + "()"


class Compose(Transform):
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def batch(self, x):
        for t in self.transforms:
            x = t.batch(x)  # plain functions have no batch(): see apply_batch
        return x

    @property
    def batchable(self):
        return all(isinstance(t, Transform) and getattr(t, "batchable", True) for t in self.transforms)

    def __repr__(self):
        return "Compose(" + ", ".join(repr(t) for t in self.transforms) + ")"


class ScaleTo01(Transform):
    def __call__(self, x):
        return scale_to_01(x)


class ScaleToPM1(Transform):
    def __call__(self, x):
        return scale_to_pm1(x)


class Normalize(Transform):
    """Per-channel (x - mean) / std; channels are dim 0 of a sample, dim 1 of a batch."""

    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, x):
        return normalize(x, self.mean, self.std)

    def batch(self, x):
        if np.ndim(self.mean) == 0 and np.ndim(self.std) == 0:
            return normalize(x, self.mean, self.std)
        m = np.asarray(self.mean, dtype=np.float32).reshape((1, -1) + (1,) * (x.ndim - 2))
        s = np.asarray(self.std, dtype=np.float32).reshape((1, -1) + (1,) * (x.ndim - 2))
        return (x - _t(m)) / _t(s)

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Flatten(Transform):
    """A sample -> 1-D; a batch -> (B, -1)."""

    def __call__(self, x):
        return _t(x).reshape(-1)

    def batch(self, x):
        return x.reshape(x.shape[0], -1)


class OneHot(Transform):
    def __init__(self, num_classes):
        self.num_classes = int(num_classes)

    def __call__(self, y):
        return one_hot(y, self.num_classes)

    def __repr__(self):
        return f"OneHot(num_classes={self.num_classes})"


def apply_batch(transform, x):
    """Apply ``transform`` to a batch: its ``batch`` method when it has one, else per sample."""
    from ..ops.shape import stack

    if transform is None:
        return x
    if isinstance(transform, Transform) and getattr(transform, "batchable", True):
        return transform.batch(x)
    return stack([transform(x[i]) for i in range(x.shape[0])])
