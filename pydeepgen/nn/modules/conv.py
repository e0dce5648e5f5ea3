"""Convolution layers: ``Conv2d`` and ``ConvTranspose2d`` on the conv kernels
(pydeepgen/ops/conv.py), with PyTorch's default initialisation."""

import math

from ...autograd import no_grad
from ...ops import conv as F
from ..parameter import empty_parameter
from ..._args import int_arg, int_pair
from .module import Module

__all__ = ["Conv2d", "ConvTranspose2d"]


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                 bias, transposed, output_padding=0, padding_mode="zeros", dtype=None):
        super().__init__()
        name = type(self).__name__
        in_channels = int_arg(name, "in_channels", in_channels, 1)
        out_channels = int_arg(name, "out_channels", out_channels, 1)
        groups = int_arg(name, "groups", groups, 1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels {in_channels} and out_channels {out_channels} "
                             f"must be divisible by groups {groups}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: only padding_mode='zeros' is implemented")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"{name}: padding must be 'same', 'valid' or ints, got {padding!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = int_pair(name, "kernel_size", kernel_size, 1)
        self.stride = int_pair(name, "stride", stride, 1)
        self.padding = padding if isinstance(padding, str) else int_pair(name, "padding", padding)
        self.dilation, self.groups = int_pair(name, "dilation", dilation, 1), groups
        self.output_padding = int_pair(name, "output_padding", output_padding)
        self.padding_mode = padding_mode
        kh, kw = self.kernel_size
        if transposed:
            shape = (in_channels, out_channels // groups, kh, kw)
        else:
            shape = (out_channels, in_channels // groups, kh, kw)
        self.weight = empty_parameter(name, *shape, dtype=dtype)
        self.bias = empty_parameter(name, out_channels, dtype=dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        # kaiming_uniform_(a=sqrt(5)) gives bound 1/sqrt(fan_in); PyTorch's fan_in is
        # weight.shape[1] * KH * KW for conv and transposed conv alike.
        fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        with no_grad():
            self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution layer: ``F.conv2d(x, weight, bias, stride, padding, dilation, groups)``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, False, 0, padding_mode, dtype)

    def forward(self, input):
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution layer (weight (in, out/groups, KH, KW))."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if isinstance(padding, str):
            raise ValueError("ConvTranspose2d: padding must be ints, not a string")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, True, output_padding, padding_mode, dtype)

    def forward(self, input):
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)
