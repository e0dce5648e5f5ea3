"""Recurrent layers in PyTorch's API: ``RNN``, ``LSTM``, ``GRU`` (whole sequences, multi-layer,
bidirectional) and ``RNNCell``, ``LSTMCell``, ``GRUCell`` (one step).

Parameter names, shapes, gate order and initialisation match ``torch.nn``, so a state
dict moves between the two unchanged. The math lives in ``pydeepgen/ops/rnn.py`` (one
autograd Function per layer and direction, each a single C++ kernel call).
"""

import math
import numbers
import warnings

from ... import _dtype as D
from ...autograd import no_grad
from ...ops import rnn as R
from ..parameter import empty_parameter
from .module import Module
from ..._args import int_arg

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNBase(Module):
    """Shared parameter layout and forward of ``RNN``, ``LSTM`` and ``GRU``."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        ok = isinstance(dropout, numbers.Number) and not isinstance(dropout, bool)
        if not ok or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] "
                             f"representing the probability of an element being zeroed, "
                             f"got {dropout}")
        hidden_size = int_arg(name, "hidden_size", hidden_size, 1)
        input_size = int_arg(name, "input_size", input_size, 1)
        num_layers = int_arg(name, "num_layers", num_layers, 1)
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size > 0 is not supported")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                          f"layer, so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = 0
        gates = R._GATES[mode]
        dirs = 2 if bidirectional else 1
        dtype = D.as_dtype(dtype) if dtype is not None else D.float32
        names = []
        for layer in range(num_layers):
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                in_size = input_size if layer == 0 else hidden_size * dirs
                shapes = [("weight_ih" + sfx, (gates * hidden_size, in_size)),
                          ("weight_hh" + sfx, (gates * hidden_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih" + sfx, (gates * hidden_size,)),
                               ("bias_hh" + sfx, (gates * hidden_size,))]
                for pname, shape in shapes:
                    setattr(self, pname, empty_parameter(type(self).__name__, *shape, dtype=dtype))
                    names.append(pname)
        self._flat_weights_names = names
        self.reset_parameters()

    def reset_parameters(self):
        """uniform(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) for every weight and bias."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        with no_grad():
            for p in self.parameters():
                p.uniform_(-stdv, stdv)

    @property
    def all_weights(self):
        per = 4 if self.bias else 2
        w = [self._parameters[n] for n in self._flat_weights_names]
        return [w[i:i + per] for i in range(0, len(w), per)]

    def flatten_parameters(self):
        """No-op (PyTorch compacts cuDNN weights here)."""

    def _run(self, input, hx):
        params = self._parameters
        flat = [params[n] for n in self._flat_weights_names]
        return R._recurrent(self.mode, input, hx, flat, self.bias, self.num_layers, self.dropout,
                            self.training, self.bidirectional, self.batch_first)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity='{self.nonlinearity}'"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act = tanh or relu.

    ``forward(input, h0=None) -> (output, h_n)``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity '{nonlinearity}' "
                             "(expected 'tanh' or 'relu')")
        self.nonlinearity = nonlinearity
        super().__init__("rnn_" + nonlinearity, input_size, hidden_size, num_layers, bias,
                         batch_first, dropout, bidirectional, 0, device, dtype)

    def forward(self, input, hx=None):
        return self._run(input, hx)


class LSTM(RNNBase):
    """Long short-term memory, gates i, f, g, o (PyTorch's formulas and layout).

    ``forward(input, (h0, c0)=None) -> (output, (h_n, c_n))``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("lstm", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)

    def forward(self, input, hx=None):
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ValueError("LSTM: hx must be a tuple (h0, c0)")
        out, h_n, c_n = self._run(input, hx)
        return out, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit, gates r, z, n; the reset gate multiplies (W_hn h + b_hn).

    ``forward(input, h0=None) -> (output, h_n)``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("gru", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)

    def forward(self, input, hx=None):
        return self._run(input, hx)


class RNNCellBase(Module):
    def __init__(self, mode, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        hidden_size = int_arg(name, "hidden_size", hidden_size, 1)
        input_size = int_arg(name, "input_size", input_size, 1)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = R._GATES[mode]
        dtype = D.as_dtype(dtype) if dtype is not None else D.float32
        self.weight_ih = empty_parameter(type(self).__name__, gates * hidden_size, input_size, dtype=dtype)
        self.weight_hh = empty_parameter(type(self).__name__, gates * hidden_size, hidden_size, dtype=dtype)
        if bias:
            self.bias_ih = empty_parameter(type(self).__name__, gates * hidden_size, dtype=dtype)
            self.bias_hh = empty_parameter(type(self).__name__, gates * hidden_size, dtype=dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size)
        with no_grad():
            for p in self.parameters():
                p.uniform_(-stdv, stdv)

    def forward(self, input, hx=None):
        p = self._parameters
        return R._cell(self.mode, input, hx, p["weight_ih"], p["weight_hh"], p["bias_ih"],
                       p["bias_hh"])

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity='{self.nonlinearity}'"
        return s


class RNNCell(RNNCellBase):
    """One Elman step: ``forward(input, hx=None) -> h'``."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity '{nonlinearity}' "
                             "(expected 'tanh' or 'relu')")
        self.nonlinearity = nonlinearity
        super().__init__("rnn_" + nonlinearity, input_size, hidden_size, bias, device, dtype)


class LSTMCell(RNNCellBase):
    """One LSTM step: ``forward(input, (h, c)=None) -> (h', c')``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("lstm", input_size, hidden_size, bias, device, dtype)


class GRUCell(RNNCellBase):
    """One GRU step: ``forward(input, hx=None) -> h'``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("gru", input_size, hidden_size, bias, device, dtype)
