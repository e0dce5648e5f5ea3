"""Recurrent layers: LSTM, GRU and Elman RNN over whole sequences, and their cells.

One layer and one direction is one autograd Function (``_RecurrentLayer``) whose forward
calls one C++ kernel (``_C.lstm_forward`` / ``gru_forward`` / ``rnn_forward``, the whole
sequence in one call) and whose backward calls the matching backward kernel (full
backprop through time). Multi-layer and bidirectional stacks, dropout between layers,
``batch_first`` and unbatched inputs are arranged here, in PyTorch's conventions:

* weights ``(G*H, I)`` / ``(G*H, H)`` with gate blocks LSTM ``i, f, g, o`` (G = 4), GRU
  ``r, z, n`` (G = 3), RNN (G = 1); biases ``(G*H,)``;
* ``params`` lists ``w_ih, w_hh[, b_ih, b_hh]`` per layer and direction, forward
  direction first (the order of ``torch.nn.LSTM._flat_weights``);
* ``output`` is ``(T, B, D*H)`` (``(B, T, D*H)`` when ``batch_first``, ``(T, D*H)``
  unbatched); ``h_n`` / ``c_n`` are ``(num_layers*D, B, H)`` (``(num_layers*D, H)``
  unbatched).

The kernels work on time-major contiguous memory. ``batch_first`` input is copied to
time-major inside the Function (no copy when B == 1 or T == 1, where both layouts are
the same memory) and the output is handed back as a strided view.
"""

import math

from .. import _C
from .._tensor import Tensor
from ..autograd.function import Function
from . import elementwise as ew
from . import shape as S
from .creation import bernoulli_mask

__all__ = [
    "lstm",
    "gru",
    "rnn_tanh",
    "rnn_relu",
    "lstm_cell",
    "gru_cell",
    "rnn_tanh_cell",
    "rnn_relu_cell",
    "set_rnn_variant",
    "get_rnn_variant",
    "rnn_variants",
]

_GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "RNN", "rnn_relu": "RNN"}


def set_rnn_variant(name):
    """Select the recurrent kernels: ``"fused"`` (default) or ``"reference"`` (per step)."""
    _C.set_rnn_variant(name)


def get_rnn_variant():
    return _C.get_rnn_variant()


def rnn_variants():
    """``[(name, description), ...]`` of the recurrent kernel variants."""
    return list(_C.rnn_variants())


def _set_for_registry(name):
    _C.set_rnn_variant("fused" if name == "auto" else name)


from .. import kernels as _kernels  # noqa: E402

# pdg.kernels.use("rnn", "reference") / list("rnn"); "auto" = "fused".
_kernels.register("rnn", lambda: [(n, d, True) for n, d in _C.rnn_variants()],
                  _set_for_registry, _C.get_rnn_variant)


def _time_major(t, bf):
    """A contiguous tensor whose memory is ``t`` in time-major order (copy only if needed)."""
    if bf:
        st = t._strides
        t = Tensor._make(t._buf, (t._shape[1], t._shape[0]) + t._shape[2:], t._dtype,
                         (st[1], st[0]) + st[2:], t._offset)
    return t if t.is_contiguous() else S._contiguous_nograd(t)


def _kb(t):
    return None if t is None else t._kbuf()


def _grad_as(buf, like, bf=False):
    """Wrap a kernel gradient buffer (time-major memory) in the shape of ``like``."""
    shape = like._shape
    if not bf:
        return Tensor._make(buf, shape, like._dtype)
    B = shape[0]
    rest = shape[2:]
    inner = math.prod(rest)
    return Tensor._make(buf, shape, like._dtype, (inner, B * inner) + tuple(
        math.prod(rest[i + 1:]) for i in range(len(rest))), 0)


class _RecurrentLayer(Function):
    """One layer, one direction, whole sequence.

    forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, cfg) with
    cfg = (mode, T, B, I, H, reverse, bf_in, bf_out, y_shape, hn_shape, variant).
    ``x`` holds (T, B, I) elements, time-major or (bf_in) batch-major; h0 / c0 hold
    (B, H) elements (any shape) or are None. Returns (y, h_n, c_n) for LSTM, (y, h_n)
    otherwise, shaped y_shape / hn_shape.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, cfg):
        mode, T, B, I, H, reverse, bf_in, bf_out, y_shape, hn_shape, variant = cfg
        dt = x._dtype
        code = dt.code
        xt = _time_major(x, bf_in and B > 1 and T > 1)
        h0 = h0 if h0 is None or h0.is_contiguous() else S._contiguous_nograd(h0)
        c0 = c0 if c0 is None or c0.is_contiguous() else S._contiguous_nograd(c0)
        w_ih = w_ih if w_ih.is_contiguous() else S._contiguous_nograd(w_ih)
        w_hh = w_hh if w_hh.is_contiguous() else S._contiguous_nograd(w_hh)
        TBH = T * B * H
        y = _C.empty(TBH, code)
        h_n = _C.empty(B * H, code)
        if mode == "lstm":
            c_n = _C.empty(B * H, code)
            gates = _C.empty(4 * TBH, code)
            cs = _C.empty(TBH, code)
            _C.lstm_forward(y, h_n, c_n, gates, cs, xt._kbuf(), _kb(h0), _kb(c0), w_ih._kbuf(),
                            w_hh._kbuf(), _kb(b_ih), _kb(b_hh), T, B, I, H, reverse, variant)
            saved = (gates, cs)
        elif mode == "gru":
            gates = _C.empty(4 * TBH, code)
            _C.gru_forward(y, h_n, gates, xt._kbuf(), _kb(h0), w_ih._kbuf(), w_hh._kbuf(),
                           _kb(b_ih), _kb(b_hh), T, B, I, H, reverse, variant)
            saved = (gates,)
        else:
            _C.rnn_forward(y, h_n, xt._kbuf(), _kb(h0), w_ih._kbuf(), w_hh._kbuf(), _kb(b_ih),
                           _kb(b_hh), T, B, I, H, mode[4:], reverse, variant)
            saved = ()
        if bf_out and B > 1 and T > 1:
            yt = Tensor._make(y, y_shape, dt, (H, B * H, 1), 0)
        else:
            yt = Tensor._make(y, y_shape, dt)
        hn = Tensor._make(h_n, hn_shape, dt)
        if hasattr(ctx, "next_edges"):  # a recorded node, not the no-grad stand-in
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(xt, h0, c0, w_ih, w_hh, yt)
            ctx.saved_bufs = saved
            ctx.cfg = cfg
            ctx.x_like = x
            ctx.has_bias = b_ih is not None, b_hh is not None
            ctx.b_like = b_ih if b_ih is not None else b_hh
        if mode == "lstm":
            return yt, hn, Tensor._make(c_n, hn_shape, dt)
        return yt, hn

    @staticmethod
    def backward(ctx, dy, dh_n, dc_n=None):
        mode, T, B, I, H, reverse, bf_in, bf_out, y_shape, hn_shape, variant = ctx.cfg
        xt, h0, c0, w_ih, w_hh, y = ctx.saved_tensors
        x = ctx.x_like
        code = x._dtype.code
        need = ctx.needs_input_grad
        G = _GATES[mode]
        dyk = None
        if dy is not None:
            dyk = _time_major(dy, bf_out and B > 1 and T > 1)._kbuf()
        dhk = None if dh_n is None else _time_major(dh_n, False)._kbuf()
        dx = _C.empty(T * B * I, code) if need[0] else None
        dh0 = _C.empty(B * H, code) if need[1] else None
        dw_ih = _C.empty(G * H * I, code)
        dw_hh = _C.empty(G * H * H, code)
        has_bih, has_bhh = ctx.has_bias
        db_ih = _C.empty(G * H, code) if has_bih and need[5] else None
        db_hh = _C.empty(G * H, code) if has_bhh and need[6] else None
        yk = _time_major(y, bf_out and B > 1 and T > 1)._kbuf()
        dc0 = None
        if mode == "lstm":
            gates, cs = ctx.saved_bufs
            dck = None if dc_n is None else _time_major(dc_n, False)._kbuf()
            dc0 = _C.empty(B * H, code) if need[2] else None
            _C.lstm_backward(dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dyk, dhk, dck,
                             xt._kbuf(), _kb(h0), _kb(c0), w_ih._kbuf(), w_hh._kbuf(), yk,
                             gates, cs, T, B, I, H, reverse, variant)
        elif mode == "gru":
            (gates,) = ctx.saved_bufs
            _C.gru_backward(dx, dh0, dw_ih, dw_hh, db_ih, db_hh, dyk, dhk, xt._kbuf(),
                            _kb(h0), w_ih._kbuf(), w_hh._kbuf(), yk, gates, T, B, I, H,
                            reverse, variant)
        else:
            _C.rnn_backward(dx, dh0, dw_ih, dw_hh, db_ih, db_hh, dyk, dhk, xt._kbuf(),
                            _kb(h0), w_ih._kbuf(), w_hh._kbuf(), yk, T, B, I, H, mode[4:],
                            reverse, variant)
        dt = x._dtype
        return (
            _grad_as(dx, x, bf_in and B > 1 and T > 1) if dx is not None else None,
            Tensor._make(dh0, h0._shape, dt) if dh0 is not None else None,
            Tensor._make(dc0, c0._shape, dt) if dc0 is not None else None,
            Tensor._make(dw_ih, w_ih._shape, dt) if need[3] else None,
            Tensor._make(dw_hh, w_hh._shape, dt) if need[4] else None,
            Tensor._make(db_ih, ctx.b_like._shape, dt) if db_ih is not None else None,
            Tensor._make(db_hh, ctx.b_like._shape, dt) if db_hh is not None else None,
            None,
        )


# -- argument checks -----------------------------------------------------------------

def _shape(t):
    return tuple(t._shape)


def _check_input(name, x, input_size, batch_first):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor input, got {type(x).__name__}")
    if x.ndim not in (2, 3):
        raise ValueError(f"{name}: expected input of rank 2 (unbatched: (L, H_in)) or 3 "
                         f"((L, N, H_in), or (N, L, H_in) with batch_first), got shape {_shape(x)}")
    if x._shape[-1] != input_size:
        raise ValueError(f"{name}: input.size(-1) must be equal to input_size; expected "
                         f"{input_size}, got input of shape {_shape(x)}")
    if not x._dtype.is_floating_point:
        raise TypeError(f"{name}: expected a float32 or float64 input, got {x._dtype.name}")
    unbatched = x.ndim == 2
    if unbatched:
        T, B = x._shape[0], 1
    elif batch_first:
        B, T = x._shape[0], x._shape[1]
    else:
        T, B = x._shape[0], x._shape[1]
    if T < 1 or B < 1:
        raise ValueError(f"{name}: expected a non-empty sequence and batch, "
                         f"got input of shape {_shape(x)}")
    return T, B, unbatched


def _check_state(name, which, h, expected, dtype):
    if h is None:
        return None
    if not isinstance(h, Tensor):
        raise TypeError(f"{name}: expected {which} to be a Tensor, got {type(h).__name__}")
    if _shape(h) != expected:
        raise ValueError(f"{name}: expected {which} of shape {expected}, got {_shape(h)}")
    if h._dtype is not dtype:
        raise TypeError(f"{name}: {which} has dtype {h._dtype.name}, input has {dtype.name}")
    return h


def _check_params(name, params, mode, num_layers, D, I, H, has_biases, dtype):
    G = _GATES[mode]
    per = 4 if has_biases else 2
    if len(params) != num_layers * D * per:
        raise ValueError(f"{name}: expected {num_layers * D * per} parameter tensors "
                         f"(num_layers={num_layers}, directions={D}, bias={has_biases}), "
                         f"got {len(params)}")
    for k, p in enumerate(params):
        layer = k // (D * per)
        which = k % per
        in_size = I if layer == 0 else D * H
        exp = [(G * H, in_size), (G * H, H), (G * H,), (G * H,)][which]
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: parameter {k} is {type(p).__name__}, expected a Tensor")
        if _shape(p) != exp:
            what = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"][which]
            raise ValueError(f"{name}: {what} of layer {layer} must have shape {exp}, "
                             f"got {_shape(p)}")
        if p._dtype is not dtype:
            raise TypeError(f"{name}: parameter {k} has dtype {p._dtype.name}, "
                            f"input has {dtype.name}")


# -- whole-sequence functional forms ---------------------------------------------------

def _recurrent(mode, input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
               batch_first, generator=None, variant=""):
    name = _NAMES[mode]
    D = 2 if bidirectional else 1
    per = 4 if has_biases else 2
    if not params:
        raise ValueError(f"{name}: no parameters given")
    H = params[1]._shape[-1] if len(params) > 1 else 0
    I = input._shape[-1] if isinstance(input, Tensor) else 0
    T, B, unbatched = _check_input(name, input, params[0]._shape[-1], batch_first)
    dtype = input._dtype
    _check_params(name, params, mode, num_layers, D, I, H, has_biases, dtype)
    LD = num_layers * D
    st_shape = (LD, H) if unbatched else (LD, B, H)
    if mode == "lstm":
        h0, c0 = (None, None) if hx is None else hx
        h0 = _check_state(name, "h0 (hx[0])", h0, st_shape, dtype)
        c0 = _check_state(name, "c0 (hx[1])", c0, st_shape, dtype)
    else:
        h0, c0 = _check_state(name, "h0", hx, st_shape, dtype), None
    bf = batch_first and not unbatched
    hn_shape = (1, H) if unbatched else (1, B, H)

    if LD == 1:  # the lean path: one Function, no reshapes
        y_shape = (T, H) if unbatched else ((B, T, H) if bf else (T, B, H))
        w = list(params) + [None, None] if not has_biases else list(params)
        cfg = (mode, T, B, I, H, False, bf, bf, y_shape, hn_shape, variant)
        out = _RecurrentLayer.apply(input, h0, c0, w[0], w[1], w[2], w[3], cfg)
        return out

    layer_in = input
    hs, cs = [], []
    y_shape = (T, H) if unbatched else (T, B, H)
    for layer in range(num_layers):
        outs = []
        in_size = I if layer == 0 else D * H
        for d in range(D):
            k = layer * D + d
            w = list(params[k * per:(k + 1) * per]) + ([None, None] if not has_biases else [])
            h0k = None if h0 is None else S.narrow(h0, 0, k, 1)
            c0k = None if c0 is None else S.narrow(c0, 0, k, 1)
            cfg = (mode, T, B, in_size, H, d == 1, bf and layer == 0, False, y_shape, hn_shape,
                   variant)
            out = _RecurrentLayer.apply(layer_in, h0k, c0k, w[0], w[1], w[2], w[3], cfg)
            outs.append(out[0])
            hs.append(out[1])
            if mode == "lstm":
                cs.append(out[2])
        layer_out = outs[0] if D == 1 else S.cat(outs, -1)
        if dropout > 0 and train and layer < num_layers - 1:
            if dropout >= 1:
                layer_out = ew.mul(layer_out, 0.0)
            else:
                mask = bernoulli_mask(layer_out._shape, 1.0 - dropout, dtype, generator)
                layer_out = ew.mul(layer_out, ew.mul(mask, 1.0 / (1.0 - dropout)))
        layer_in = layer_out
    output = S.transpose(layer_in, 0, 1) if bf else layer_in
    h_n = S.cat(hs, 0)
    if mode == "lstm":
        return output, h_n, S.cat(cs, 0)
    return output, h_n


def lstm(input, hx, params, has_biases=True, num_layers=1, dropout=0.0, train=True,
         bidirectional=False, batch_first=False, generator=None, variant=""):
    """LSTM over a sequence (``torch.lstm``'s arguments). ``hx`` is ``(h0, c0)`` or None.
    Returns ``(output, h_n, c_n)``."""
    return _recurrent("lstm", input, hx, params, has_biases, num_layers, dropout, train,
                      bidirectional, batch_first, generator, variant)


def gru(input, hx, params, has_biases=True, num_layers=1, dropout=0.0, train=True,
        bidirectional=False, batch_first=False, generator=None, variant=""):
    """GRU over a sequence (``torch.gru``'s arguments). Returns ``(output, h_n)``."""
    return _recurrent("gru", input, hx, params, has_biases, num_layers, dropout, train,
                      bidirectional, batch_first, generator, variant)


def rnn_tanh(input, hx, params, has_biases=True, num_layers=1, dropout=0.0, train=True,
             bidirectional=False, batch_first=False, generator=None, variant=""):
    """Elman RNN with tanh (``torch.rnn_tanh``'s arguments). Returns ``(output, h_n)``."""
    return _recurrent("rnn_tanh", input, hx, params, has_biases, num_layers, dropout, train,
                      bidirectional, batch_first, generator, variant)


def rnn_relu(input, hx, params, has_biases=True, num_layers=1, dropout=0.0, train=True,
             bidirectional=False, batch_first=False, generator=None, variant=""):
    """Elman RNN with relu (``torch.rnn_relu``'s arguments). Returns ``(output, h_n)``."""
    return _recurrent("rnn_relu", input, hx, params, has_biases, num_layers, dropout, train,
                      bidirectional, batch_first, generator, variant)


# -- cells: one step, the same kernels with T = 1 --------------------------------------

def _cell(mode, input, hx, w_ih, w_hh, b_ih, b_hh, variant=""):
    name = _NAMES[mode] + "Cell"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
    G = _GATES[mode]
    H = w_hh._shape[-1]
    I = w_ih._shape[-1]
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: expected input of rank 1 (unbatched) or 2 (N, H_in), "
                         f"got shape {_shape(input)}")
    if input._shape[-1] != I:
        raise ValueError(f"{name}: input has {input._shape[-1]} features (shape {_shape(input)}), "
                         f"expected input_size={I}")
    if _shape(w_ih) != (G * H, I) or _shape(w_hh) != (G * H, H):
        raise ValueError(f"{name}: weights of shapes {_shape(w_ih)} and {_shape(w_hh)} do not "
                         f"fit {G} gates of hidden size {H}")
    dtype = input._dtype
    for p in (w_ih, w_hh, b_ih, b_hh):
        if p is not None and p._dtype is not dtype:
            raise TypeError(f"{name}: parameter dtype {p._dtype.name} != input dtype {dtype.name}")
    unbatched = input.ndim == 1
    B = 1 if unbatched else input._shape[0]
    st_shape = (H,) if unbatched else (B, H)
    if mode == "lstm":
        h0, c0 = (None, None) if hx is None else hx
        h0 = _check_state(name, "hx[0]", h0, st_shape, dtype)
        c0 = _check_state(name, "hx[1]", c0, st_shape, dtype)
    else:
        h0, c0 = _check_state(name, "hx", hx, st_shape, dtype), None
    cfg = (mode, 1, B, I, H, False, False, False, st_shape, st_shape, variant)
    out = _RecurrentLayer.apply(input, h0, c0, w_ih, w_hh, b_ih, b_hh, cfg)
    if mode == "lstm":
        return out[1], out[2]
    return out[1]


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step; ``hx`` = (h, c) or None. Returns ``(h', c')``."""
    return _cell("lstm", input, hx, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step. Returns ``h'``."""
    return _cell("gru", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    return _cell("rnn_tanh", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    return _cell("rnn_relu", input, hx, w_ih, w_hh, b_ih, b_hh)
