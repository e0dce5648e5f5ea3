"""2-D convolution and transposed convolution (``F.conv2d``, ``F.conv_transpose2d``).

Kernels: csrc/cpu/conv.cpp. Each op is one autograd ``Function`` whose forward calls one
C++ forward kernel and whose backward calls one C++ backward kernel (input, weight and bias
gradients in one call, each only when needed). Both ops describe their problem with one
``_C.ConvGeom``: the geometry of a forward convolution. A transposed convolution passes the
geometry of the convolution it is the transpose of (its output is that conv's input).

Variants (``01_reference`` direct loops, ``02_im2col`` im2col + GEMM per image,
``03_im2col_batched`` several images per GEMM when an image has few output pixels;
``auto`` = 03) are selected with ``pdg.kernels.use("conv", name)`` when ``pydeepgen.kernels``
exists, else with ``pydeepgen.ops.conv.set_conv_variant(name)``.
"""

import numbers

from .. import _C
from .._tensor import Tensor
from ..autograd.function import Function

__all__ = ["conv2d", "conv_transpose2d"]


def set_conv_variant(name="auto"):
    """Select the conv kernels' variant: ``"auto"``, ``"01_reference"``, ``"02_im2col"`` or
    ``"03_im2col_batched"``."""
    _C.set_conv_variant(name)


def get_conv_variant():
    return _C.get_conv_variant()


def conv_variants():
    return _C.conv_variants()


try:  # the variant registry lands with the GEMM branch
    from .. import kernels as _kernels

    _kernels.register("conv", _C.conv_variants, _C.set_conv_variant, _C.get_conv_variant)
except ImportError:  # pragma: no cover - depends on merge order
    pass


# -- argument helpers (shared with pool.py) ------------------------------------------------

def _pair(v, name, op):
    """An int or a 1/2-sequence of ints -> (a, b)."""
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return (int(v), int(v))
    if isinstance(v, (tuple, list)) and len(v) in (1, 2) and all(
        isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in v
    ):
        return (int(v[0]), int(v[-1]))
    raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")


def _check_tensor(x, name, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: {name} must be float32 or float64, got {x.dtype.name}")


def _batched(x, op, what="(N, C, H, W)"):
    """(x as 4-d, was_unbatched) for an (N, C, H, W) or unbatched (C, H, W) input."""
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:
        return x.unsqueeze(0), True
    raise ValueError(f"{op}: expected a 3-d (C, H, W) or 4-d {what} input, got shape {tuple(x.shape)}")


def _kb(t):
    """The contiguous kernel Buffer of t (None stays None)."""
    return None if t is None else t.contiguous()._kbuf()


def _check_same_dtype(op, x, *others):
    for name, t in others:
        if t is not None and t.dtype is not x.dtype:
            raise TypeError(f"{op}: {name} dtype {t.dtype.name} does not match input dtype {x.dtype.name}")


# -- conv2d ----------------------------------------------------------------------------

class _ConvFunction(Function):
    """conv2d and conv_transpose2d: one forward kernel and one backward kernel each, with
    the same arguments; subclasses name the pair."""

    forward_kernel = backward_kernel = None

    @classmethod
    def forward(cls, ctx, x, weight, bias, geom, out_shape):
        x = x.contiguous()
        weight = weight.contiguous()
        out = Tensor._empty(out_shape, x.dtype)
        getattr(_C, cls.forward_kernel)(out._kbuf(), x._kbuf(), weight._kbuf(), _kb(bias), geom)
        ctx.geom = geom
        ctx.save_for_backward(x, weight)
        ctx.bias_shape = None if bias is None else bias.shape
        return out

    @classmethod
    def backward(cls, ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        dx = Tensor._empty(x.shape, x.dtype) if need_x else None
        dw = Tensor._empty(weight.shape, x.dtype) if need_w else None
        db = Tensor._empty(ctx.bias_shape, x.dtype) if need_b else None
        getattr(_C, cls.backward_kernel)(_kb(dx), _kb(dw), _kb(db), g.contiguous()._kbuf(),
                                         x._kbuf(), weight._kbuf(), ctx.geom)
        return dx, dw, db, None, None


class _Conv2d(_ConvFunction):
    forward_kernel, backward_kernel = "conv2d_forward", "conv2d_backward"


def _check_weight(op, x, weight, bias, groups, transposed):
    _check_tensor(weight, "weight", op)
    if weight.ndim != 4:
        raise ValueError(f"{op}: expected a 4-d weight, got shape {tuple(weight.shape)}")
    if bias is not None:
        _check_tensor(bias, "bias", op)
    _check_same_dtype(op, x, ("weight", weight), ("bias", bias))
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    C = x.shape[1]
    if C % groups:
        raise ValueError(f"{op}: input channels {C} (input shape {tuple(x.shape)}) are not "
                         f"divisible by groups {groups}")
    if transposed:
        if weight.shape[0] != C:
            raise ValueError(f"{op}: weight shape {tuple(weight.shape)} expects {weight.shape[0]} "
                             f"input channels, input has shape {tuple(x.shape)}")
        out_c = weight.shape[1] * groups
    else:
        if weight.shape[1] * groups != C:
            raise ValueError(f"{op}: weight shape {tuple(weight.shape)} with groups={groups} expects "
                             f"{weight.shape[1] * groups} input channels, input has shape {tuple(x.shape)}")
        if weight.shape[0] % groups:
            raise ValueError(f"{op}: out channels {weight.shape[0]} (weight shape "
                             f"{tuple(weight.shape)}) are not divisible by groups {groups}")
        out_c = weight.shape[0]
    if bias is not None and tuple(bias.shape) != (out_c,):
        raise ValueError(f"{op}: expected bias of shape ({out_c},), got {tuple(bias.shape)}")
    return out_c


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over an (N, C, H, W) (or unbatched (C, H, W)) input, PyTorch semantics.

    ``weight`` is (OC, C/groups, KH, KW); ``padding`` is an int, a pair, ``'valid'`` or
    ``'same'`` (stride 1 only; an odd total padding puts the extra row/column at the
    bottom/right, as PyTorch does)."""
    op = "conv2d"
    _check_tensor(input, "input", op)
    x, unbatched = _batched(input, op)
    out_c = _check_weight(op, x, weight, bias, groups, transposed=False)
    N, C, H, W = x.shape
    KH, KW = weight.shape[2], weight.shape[3]
    sh, sw = _pair(stride, "stride", op)
    dh, dw = _pair(dilation, "dilation", op)
    if min(sh, sw) < 1 or min(dh, dw) < 1:
        raise ValueError(f"{op}: stride {(sh, sw)} and dilation {(dh, dw)} must be positive")
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if (sh, sw) != (1, 1):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                                 f"(stride {(sh, sw)})")
            th, tw = dh * (KH - 1), dw * (KW - 1)
            pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        else:
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    else:
        ph, pw = _pair(padding, "padding", op)
        if ph < 0 or pw < 0:
            raise ValueError(f"{op}: negative padding {(ph, pw)} is not supported")
        pads = (ph, ph, pw, pw)
    eh, ew = dh * (KH - 1) + 1, dw * (KW - 1) + 1
    Hp, Wp = H + pads[0] + pads[1], W + pads[2] + pads[3]
    if eh > Hp or ew > Wp:
        raise ValueError(f"{op}: kernel size {(eh, ew)} (after dilation) is larger than the padded "
                         f"input {(Hp, Wp)}; input {tuple(x.shape)}, weight {tuple(weight.shape)}")
    OH, OW = (Hp - eh) // sh + 1, (Wp - ew) // sw + 1
    geom = _C.ConvGeom(op, N, C, H, W, out_c, KH, KW, OH, OW, sh, sw, pads[0], pads[2], dh, dw,
                       int(groups))
    out = _Conv2d.apply(x, weight, bias, geom, (N, out_c, OH, OW))
    return out.squeeze(0) if unbatched else out


# -- conv_transpose2d ------------------------------------------------------------------

class _ConvTranspose2d(_ConvFunction):
    forward_kernel, backward_kernel = "conv_transpose2d_forward", "conv_transpose2d_backward"


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d w.r.t. its input), PyTorch semantics.

    ``weight`` is (C_in, C_out/groups, KH, KW); the output size is
    ``(H - 1)*stride - 2*padding + dilation*(KH - 1) + output_padding + 1``."""
    op = "conv_transpose2d"
    _check_tensor(input, "input", op)
    x, unbatched = _batched(input, op)
    out_c = _check_weight(op, x, weight, bias, groups, transposed=True)
    N, C, H, W = x.shape
    KH, KW = weight.shape[2], weight.shape[3]
    sh, sw = _pair(stride, "stride", op)
    dh, dw = _pair(dilation, "dilation", op)
    ph, pw = _pair(padding, "padding", op)
    oph, opw = _pair(output_padding, "output_padding", op)
    if min(sh, sw) < 1 or min(dh, dw) < 1:
        raise ValueError(f"{op}: stride {(sh, sw)} and dilation {(dh, dw)} must be positive")
    if min(ph, pw) < 0 or min(oph, opw) < 0:
        raise ValueError(f"{op}: negative padding {(ph, pw)} / output_padding {(oph, opw)}")
    if oph >= max(sh, dh) or opw >= max(sw, dw):
        raise ValueError(f"{op}: output_padding {(oph, opw)} must be smaller than either stride "
                         f"{(sh, sw)} or dilation {(dh, dw)}")
    OH = (H - 1) * sh - 2 * ph + dh * (KH - 1) + oph + 1
    OW = (W - 1) * sw - 2 * pw + dw * (KW - 1) + opw + 1
    if OH < 1 or OW < 1:
        raise ValueError(f"{op}: output size {(OH, OW)} is too small; input {tuple(x.shape)}, "
                         f"weight {tuple(weight.shape)}, stride {(sh, sw)}, padding {(ph, pw)}")
    # The geometry of the conv2d this is the transpose of: (N, out_c, OH, OW) -> (N, C, H, W).
    geom = _C.ConvGeom(op, N, out_c, OH, OW, C, KH, KW, H, W, sh, sw, ph, pw, dh, dw, int(groups))
    out = _ConvTranspose2d.apply(x, weight, bias, geom, (N, out_c, OH, OW))
    return out.squeeze(0) if unbatched else out
