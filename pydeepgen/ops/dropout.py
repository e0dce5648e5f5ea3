"""Dropout: ``F.dropout`` (inverted dropout; kernels csrc/cpu/dropout.cpp) and
``F.dropout2d`` (whole channels; composed from a Bernoulli mask and a broadcast multiply).

The mask comes from the seeded Philox generator (``pdg.manual_seed`` or ``generator=``),
so a seed fixes the mask whatever the number of threads. The forward saves the mask.
"""

from .. import _C
from .._args import real_arg
from .._tensor import Tensor
from ..autograd.function import Function
from .conv import _check_tensor

__all__ = ["dropout", "dropout2d"]


def _gen(generator):
    from ..random import default_generator

    return (generator if generator is not None else default_generator)._c


def _check_p(op, p):
    """The drop probability: a real number in [0, 1] (a string or None is a TypeError)."""
    if not 0.0 <= real_arg(op, "p", p) <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


class _Dropout(Function):
    @staticmethod
    def forward(ctx, x, p, gen):
        x = x.contiguous()
        out = Tensor._empty(x.shape, x.dtype)
        mask = Tensor._empty(x.shape, x.dtype)
        _C.dropout_forward(out._kbuf(), mask._kbuf(), x._kbuf(), p, gen)
        ctx.p = p
        ctx.mask = mask
        return out

    @staticmethod
    def backward(ctx, g):
        dx = Tensor._empty(g.shape, g.dtype)
        _C.dropout_backward(dx._kbuf(), g.contiguous()._kbuf(), ctx.mask._kbuf(), ctx.p)
        return dx, None, None


def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` in
    training; the identity otherwise. ``inplace`` is accepted and ignored (a new tensor
    is returned)."""
    op = "dropout"
    _check_tensor(input, "input", op)
    _check_p(op, p)
    if not training or p == 0:
        return input
    return _Dropout.apply(input, float(p), _gen(generator))


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability ``p``."""
    op = "dropout2d"
    _check_tensor(input, "input", op)
    _check_p(op, p)
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-d or 4-d input, got shape {tuple(input.shape)}")
    if not training or p == 0:
        return input
    from .creation import bernoulli_mask

    shape = tuple(input.shape[:-2]) + (1, 1)
    mask = bernoulli_mask(shape, 1.0 - float(p), input.dtype, generator)
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - float(p))
    return input * (mask * scale)
