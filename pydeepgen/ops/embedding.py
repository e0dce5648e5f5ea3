"""``F.embedding``: row lookup; the gradient is a scatter-add into the table
(kernels csrc/cpu/embedding.cpp). The ``padding_idx`` row receives no gradient."""


from .. import _C
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from .conv import _check_tensor

__all__ = ["embedding"]


class _Embedding(Function):
    @staticmethod
    def forward(ctx, idx, weight, padding_idx):
        weight = weight.contiguous()
        idx = idx.contiguous()
        V, Dm = weight.shape
        n = idx.numel()
        out = Tensor._empty(tuple(idx.shape) + (Dm,), weight.dtype)
        _C.embedding_forward(out._kbuf(), idx._kbuf(), weight._kbuf(), n, V, Dm)
        ctx.idx, ctx.sizes, ctx.padding_idx = idx, (n, V, Dm), padding_idx
        return out

    @staticmethod
    def backward(ctx, g):
        n, V, Dm = ctx.sizes
        dw = Tensor._empty((V, Dm), g.dtype)
        _C.embedding_backward(dw._kbuf(), g.contiguous()._kbuf(), ctx.idx._kbuf(), n, V, Dm,
                              ctx.padding_idx)
        return None, dw, None


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """``weight[input]`` for an int64 index tensor of any shape and a (V, D) table."""
    op = "embedding"
    if not isinstance(input, Tensor) or input.dtype is not D.int64:
        raise TypeError(f"{op}: indices must be an int64 Tensor, got "
                        f"{input.dtype.name if isinstance(input, Tensor) else type(input).__name__}")
    _check_tensor(weight, "weight", op)
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-d (num_embeddings, embedding_dim), got shape "
                         f"{tuple(weight.shape)}")
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{op}: max_norm, scale_grad_by_freq and sparse are not supported")
    V = weight.shape[0]
    if padding_idx is None:
        pidx = -1
    else:
        if not -V <= padding_idx < V:
            raise ValueError(f"{op}: padding_idx {padding_idx} must be within the table of {V} rows")
        pidx = padding_idx + V if padding_idx < 0 else padding_idx
    return _Embedding.apply(input, weight, pidx)
