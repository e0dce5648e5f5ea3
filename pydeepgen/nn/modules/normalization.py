"""Normalization layers on the norm kernels (pydeepgen/ops/norm.py): ``BatchNorm1d``,
``BatchNorm2d``, ``LayerNorm``, ``GroupNorm`` (weights ones, biases zeros, running mean
zeros, running var ones, as PyTorch)."""

from ...autograd import no_grad
from ...ops import norm as F
from ...ops.creation import tensor
from ...ops.norm import _normalized_shape
from ..parameter import empty_buffer, empty_parameter
from .module import Module
from ..._args import int_arg

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"]


def _filled(t, value):
    """Fill a fresh parameter or buffer in place (outside autograd); returns it."""
    with no_grad():
        t.fill_(value)
    return t


class _BatchNorm(Module):
    _dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        num_features = int_arg(name, "num_features", num_features)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = _filled(empty_parameter(name, num_features, dtype=dtype), 1.0)
            self.bias = _filled(empty_parameter(name, num_features, dtype=dtype), 0.0)
        else:
            self.weight = self.bias = None
        if track_running_stats:
            self.register_buffer("running_mean", _filled(empty_buffer(name, num_features, dtype=dtype), 0.0))
            self.register_buffer("running_var", _filled(empty_buffer(name, num_features, dtype=dtype), 1.0))
            self.register_buffer("num_batches_tracked", tensor(0))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
            self.num_batches_tracked = tensor(0)

    def forward(self, input):
        name = type(self).__name__
        if input.ndim not in self._dims:
            raise ValueError(f"{name}: expected a {' or '.join(f'{d}-d' for d in self._dims)} input, "
                             f"got shape {tuple(input.shape)}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected {self.num_features} channels, got input of shape "
                             f"{tuple(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            n = int(self.num_batches_tracked.item()) + 1
            self.num_batches_tracked = tensor(n)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / n
        use_batch = self.training or self.running_mean is None
        return F.batch_norm(input,
                            self.running_mean if not self.training or self.track_running_stats else None,
                            self.running_var if not self.training or self.track_running_stats else None,
                            self.weight, self.bias, use_batch, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L)."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W)."""

    _dims = (4,)


class LayerNorm(Module):
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.normalized_shape = _normalized_shape("LayerNorm", normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            shape = self.normalized_shape
            self.weight = _filled(empty_parameter("LayerNorm", *shape, dtype=dtype), 1.0)
            self.bias = _filled(empty_parameter("LayerNorm", *shape, dtype=dtype), 0.0) if bias else None
        else:
            self.weight = self.bias = None

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        num_groups = int_arg("GroupNorm", "num_groups", num_groups, 1)
        num_channels = int_arg("GroupNorm", "num_channels", num_channels)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels {num_channels} must be divisible by "
                             f"num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        if affine:
            self.weight = _filled(empty_parameter("GroupNorm", num_channels, dtype=dtype), 1.0)
            self.bias = _filled(empty_parameter("GroupNorm", num_channels, dtype=dtype), 0.0)
        else:
            self.weight = self.bias = None

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
