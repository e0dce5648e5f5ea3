"""``Embedding`` on the embedding kernels (pydeepgen/ops/embedding.py)."""

from ...autograd import no_grad
from ...ops import embedding as F
from ..parameter import Parameter, empty_parameter
from .module import Module
from ..._args import int_arg

__all__ = ["Embedding"]


class Embedding(Module):
    """A (num_embeddings, embedding_dim) table initialised N(0, 1); the ``padding_idx``
    row starts at zero and receives no gradient."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 device=None, dtype=None):
        super().__init__()
        num_embeddings = int_arg("Embedding", "num_embeddings", num_embeddings)
        embedding_dim = int_arg("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            padding_idx = int_arg("Embedding", "padding_idx", padding_idx, -num_embeddings)
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                                 f"num_embeddings {num_embeddings}")
            if padding_idx < 0:
                padding_idx += num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = (
            num_embeddings, embedding_dim, padding_idx)
        if _weight is None:
            self.weight = empty_parameter("Embedding", num_embeddings, embedding_dim, dtype=dtype)
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight)

    def reset_parameters(self):
        with no_grad():
            self.weight.normal_(0.0, 1.0)
            if self.padding_idx is not None:
                self.weight[self.padding_idx] = 0.0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
