"""``Identity``, ``Linear`` and ``Bilinear`` (PyTorch's arguments and default initialization)."""

import math

from ... import ops  # noqa: F401  (keeps the package import order explicit)
from .. import functional as F
from .. import init
from ..parameter import empty_parameter
from .module import Module
from ..._args import int_arg

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged (accepts and ignores any constructor arguments)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` (out_features, in_features).

    Default initialization is PyTorch's: ``kaiming_uniform_(weight, a=sqrt(5))``, i.e.
    U(-1/sqrt(in), 1/sqrt(in)), and bias U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = int_arg("Linear", "in_features", in_features)
        self.out_features = int_arg("Linear", "out_features", out_features)
        self.weight = empty_parameter("Linear", self.out_features, self.in_features, dtype=dtype)
        if bias:
            self.bias = empty_parameter(type(self).__name__, self.out_features, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """``y[b, o] = x1[b] @ weight[o] @ x2[b] + bias[o]`` (PyTorch's Bilinear).

    Composed of core ops (matmul and a sum): ``weight`` (out, in1, in2), init
    U(-1/sqrt(in1), 1/sqrt(in1)) for weight and bias, as PyTorch.
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features = int_arg("Bilinear", "in1_features", in1_features)
        self.in2_features = int_arg("Bilinear", "in2_features", in2_features)
        self.out_features = int_arg("Bilinear", "out_features", out_features)
        self.weight = empty_parameter("Bilinear", self.out_features, self.in1_features, self.in2_features,
                                       dtype=dtype)
        if bias:
            self.bias = empty_parameter(type(self).__name__, self.out_features, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features > 0 else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x1, x2):
        if x1.ndim != 2 or x2.ndim != 2 or x1.shape[0] != x2.shape[0] or \
                x1.shape[1] != self.in1_features or x2.shape[1] != self.in2_features:
            raise ValueError(
                f"Bilinear: expected inputs (B, {self.in1_features}) and (B, {self.in2_features}), "
                f"got {tuple(x1.shape)} and {tuple(x2.shape)}")
        b, i1, i2, o = x1.shape[0], self.in1_features, self.in2_features, self.out_features
        # (B, i1) @ (i1, o*i2) -> (B, o, i2); times x2 (B, 1, i2), summed over i2.
        w = self.weight.permute(1, 0, 2).reshape(i1, o * i2)
        t = (x1 @ w).reshape(b, o, i2)
        y = (t * x2.reshape(b, 1, i2)).sum(-1)
        return y + self.bias if self.bias is not None else y

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
