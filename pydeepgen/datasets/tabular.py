"""Small embedded datasets: scikit-learn's digits and breast cancer, and the airline series.

All load without network access: scikit-learn ships the first two inside its package
and ``airline-passengers.csv`` ships inside pydeepgen (public-domain data).
"""

from importlib import resources

import numpy as np

__all__ = ["digits", "breast_cancer", "airline_passengers"]


def _sklearn(name):
    try:
        from sklearn import datasets as skd
    except ImportError as e:  # scikit-learn is a default dependency
        raise ImportError(f"{name}() needs scikit-learn: pip install scikit-learn") from e
    return skd


def digits(as_images=False):
    """The 1797 8x8 digit images: ``(X, y)``; X float32 (1797, 64) with values 0..16
    (``as_images``: (1797, 1, 8, 8)), y int64 (1797,) in 0..9."""
    from ..ops.creation import from_numpy

    d = _sklearn("digits").load_digits()
    x = d.data.astype(np.float32)
    if as_images:
        x = x.reshape(-1, 1, 8, 8)
    return from_numpy(np.ascontiguousarray(x)), from_numpy(d.target.astype(np.int64))


def breast_cancer():
    """Wisconsin breast cancer: ``(X, y)``; X float32 (569, 30) raw features, y int64 (569,)
    with 0 = malignant, 1 = benign (scikit-learn's coding)."""
    from ..ops.creation import from_numpy

    d = _sklearn("breast_cancer").load_breast_cancer()
    return from_numpy(d.data.astype(np.float32)), from_numpy(d.target.astype(np.int64))


def airline_passengers(return_months=False):
    """International airline passengers, monthly 1949-01..1960-12, in thousands (Box &
    Jenkins series G): float32 (144,). With ``return_months``: ``(series, months)``."""
    from ..ops.creation import from_numpy

    text = resources.files(__package__).joinpath("data", "airline-passengers.csv").read_text()
    lines = [ln.strip() for ln in text.strip().splitlines()]
    if lines[0] != "Month,Passengers":
        raise RuntimeError("airline-passengers.csv: unexpected header (corrupt package data)")
    months, values = [], []
    for ln in lines[1:]:
        m, v = ln.split(",")
        months.append(m)
        values.append(float(v))
    series = from_numpy(np.asarray(values, dtype=np.float32))
    return (series, months) if return_months else series
