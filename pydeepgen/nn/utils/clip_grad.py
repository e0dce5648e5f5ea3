"""Gradient clipping, in place on ``p.grad`` (PyTorch's semantics).

Norms are computed on zero-copy NumPy views of the gradients in float64 (one reduction
per gradient, no autograd); the rescale is one in-place multiply per gradient.
"""

import math

import numpy as np

from ...autograd import no_grad
from ..._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so that their joint ``norm_type``-norm is <= max_norm.

    Returns the total norm before clipping (a 0-d float tensor). The scale factor is
    ``max_norm / (total_norm + 1e-6)``, applied only when it is below 1.
    """
    from ...ops.creation import tensor

    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return tensor(0.0)
    arrays = [np.asarray(g.detach().numpy(), dtype=np.float64) for g in grads]
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays)
    else:
        total = sum(float(np.sum(np.abs(a) ** norm_type)) for a in arrays) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           "gradients is non-finite, so it cannot be clipped")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        with no_grad():
            for g in grads:
                g.mul_(coef)
    return tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    c = float(clip_value)
    if c < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads(parameters):
        a = g.detach().numpy()
        np.clip(a, -c, c, out=a)
        g._buf.bump_version()
