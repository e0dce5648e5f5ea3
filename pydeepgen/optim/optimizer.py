"""``Optimizer``: parameter groups, state, ``zero_grad`` and state dicts (torch.optim's API).

Each subclass's ``step()`` walks its parameters and calls ONE fused C++ kernel per
parameter (``csrc/cpu/optim.cpp``): the kernel reads the gradient once and updates the
parameter and its state buffers in the same pass, instead of a chain of tensor ops.
"""

import math
import numbers

from .._C import get_optim_variant, optim_variants, set_optim_variant  # noqa: F401
from .._tensor import Tensor
from .._args import KeyValueError

__all__ = ["Optimizer", "set_kernel_variant", "get_kernel_variant", "kernel_variants"]


def set_kernel_variant(name):
    """Force a rung of the update kernels: "auto", "01_reference", "02_avx2", "03_avx512"."""
    set_optim_variant(name)


def get_kernel_variant():
    return get_optim_variant()


def kernel_variants():
    """The rungs this CPU can run, slowest first."""
    return list(optim_variants())


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class: holds ``param_groups`` (list of dicts) and per-parameter ``state``."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, "
                "got a Tensor (wrap it in a list)"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group):
        op = f"{type(self).__name__}.add_param_group"
        if not isinstance(param_group, dict):
            raise TypeError(f"{op}: expected a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise KeyValueError(f"{op}: parameter group {sorted(map(str, param_group))} has no "
                             "'params' entry (a dict needs 'params': an iterable of Tensors)")
        params = param_group["params"]
        if not isinstance(params, Tensor) and not hasattr(params, "__iter__"):
            raise TypeError(f"{op}: 'params' must be a Tensor or an iterable of Tensors, got "
                            f"{type(params).__name__}")
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor")
            if not p.dtype.is_floating_point:
                raise TypeError(
                    f"{type(self).__name__}: parameters must be float32 or float64, got {p.dtype}"
                )
        group = {"params": params}
        for k, v in self.defaults.items():
            if v is required and k not in param_group:
                raise ValueError(f"{op}: parameter group didn't specify a value of required "
                                 f"optimization parameter {k}")
        for k, v in param_group.items():
            if k != "params":
                group[k] = v
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self._check_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{op}: some parameters appear in more than one parameter group")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: a parameter appears twice in one group")
        self.param_groups.append(group)

    def _check_group(self, group):
        """Check a group's hyper-parameters (subclasses: their torch.optim ranges)."""

    def zero_grad(self, set_to_none=True):
        """Reset gradients: ``None`` (default, as PyTorch 2) or zero-filled in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    p.grad.zero_()

    def step(self, closure=None):
        raise NotImplementedError

    def _closure(self, closure):
        if closure is None:
            return None
        from ..autograd import enable_grad

        with enable_grad():
            return closure()

    # -- state dicts -------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {name: Tensor | number}}, "param_groups": [...]}``.

        Parameters are referred to by their index in the order of ``param_groups``, as in
        torch.optim; hyper-parameters are plain Python values (JSON-serialisable), state
        buffers are tensors (cloned) and step counts ints.
        """
        index = {}
        groups = []
        for g in self.param_groups:
            packed = {k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items() if k != "params"}
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for g in self.param_groups:
            for p in g["params"]:
                st = self.state.get(p)
                if st:
                    state[index[id(p)]] = {
                        k: (v.detach().clone() if isinstance(v, Tensor) else v) for k, v in st.items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and state saved by ``state_dict()`` (or read by ``pdg.load``)."""
        from ..ops.creation import as_tensor

        _check_state_dict(type(self).__name__, state_dict)
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(groups)} parameter groups, this optimizer has "
                f"{len(self.param_groups)}"
            )
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(
                    f"loaded state dict's parameter group {i} has {len(saved['params'])} parameters, "
                    f"this optimizer's has {len(own['params'])}"
                )
        saved_state = {int(k): v for k, v in state_dict["state"].items()}
        new_state = {}
        for saved, own in zip(groups, self.param_groups):
            for idx, p in zip(saved["params"], own["params"]):
                st = saved_state.get(int(idx))
                if st is None:
                    continue
                restored = {}
                for k, v in st.items():
                    if isinstance(v, Tensor) or hasattr(v, "__array__"):
                        t = v if isinstance(v, Tensor) else as_tensor(v)
                        if tuple(t.shape) != tuple(p.shape):
                            raise ValueError(
                                f"loaded optimizer state '{k}' of parameter {idx} has shape "
                                f"{tuple(t.shape)}, the parameter has shape {tuple(p.shape)}"
                            )
                        restored[k] = t.detach().to(p.dtype).contiguous().clone()
                    else:
                        restored[k] = v
                new_state[p] = restored
            for k, v in saved.items():
                if k == "params":
                    continue
                if isinstance(own.get(k), tuple) and isinstance(v, list):
                    v = tuple(v)
                own[k] = v
        self.state = new_state

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self):
        raise TypeError("optimizers are not pickled: save optimizer.state_dict() with pdg.save")


def _check_state_dict(owner, state_dict):
    """The layout ``state_dict()`` writes: {"state": {index: dict}, "param_groups": [dict
    with "params": [indices]]}; anything else is an error naming what is wrong."""
    op = f"{owner}.load_state_dict"
    if not isinstance(state_dict, dict):
        raise TypeError(f"{op}: expected a dict (from optimizer.state_dict()), got "
                        f"{type(state_dict).__name__}")
    missing = [k for k in ("state", "param_groups") if k not in state_dict]
    if missing:
        raise KeyValueError(f"{op}: the state dict is missing {', '.join(repr(k) for k in missing)} "
                         f"(has keys {sorted(map(str, state_dict))}; expected 'state' and 'param_groups')")
    if not isinstance(state_dict["state"], dict):
        raise TypeError(f"{op}: 'state' must be a dict, got {type(state_dict['state']).__name__}")
    groups = state_dict["param_groups"]
    if not isinstance(groups, (list, tuple)):
        raise TypeError(f"{op}: 'param_groups' must be a list, got {type(groups).__name__}")
    for i, g in enumerate(groups):
        if not isinstance(g, dict) or not isinstance(g.get("params"), (list, tuple)):
            raise ValueError(f"{op}: param_groups[{i}] must be a dict with a 'params' list, "
                             f"got {g!r}"[:300])
    for k, v in state_dict["state"].items():
        if not isinstance(v, dict):
            raise TypeError(f"{op}: state[{k!r}] must be a dict, got {type(v).__name__}")


def _grad_buffers(op, p):
    """(param buffer, grad buffer) for a kernel call: both contiguous, same dtype and shape."""
    if not p.is_contiguous():
        raise ValueError(f"{op}: parameters must be contiguous, got shape {tuple(p.shape)} "
                         f"with strides {p.stride()}")
    g = p.grad
    if g.dtype is not p.dtype:
        raise TypeError(f"{op}: gradient dtype {g.dtype} differs from parameter dtype {p.dtype}")
    if g.shape != p.shape:
        raise ValueError(f"{op}: gradient shape {tuple(g.shape)} differs from parameter shape "
                         f"{tuple(p.shape)}")
    if not g.is_contiguous():
        g = g.contiguous()
    return p._kbuf(), g._kbuf()


def _zeros_like(p):
    from ..ops.creation import zeros

    return zeros(p.shape, dtype=p.dtype)


def _check(cond, msg):
    if not cond:
        raise ValueError(msg)


_LABELS = {"lr": "learning rate", "eps": "epsilon"}


def check_hyper(owner, name, value, lo=0.0, hi=math.inf, lo_open=False, hi_open=False):
    """A hyper-parameter must be a finite real number in [lo, hi] (open ends where asked),
    as torch.optim checks them; returns it. ``owner`` names the optimizer or scheduler."""
    if isinstance(value, Tensor) and value.numel() == 1:
        value = value.item()
    label = _LABELS.get(name, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {label} must be a real number, got {type(value).__name__} ({value!r})")
    v = float(value)
    below = v <= lo if lo_open else v < lo
    above = v >= hi if hi_open else v > hi
    if not math.isfinite(v) or below or above:
        bounds = ("(" if lo_open else "[") + f"{lo:g}, {hi:g}" + (")" if hi_open or hi == math.inf else "]")
        raise ValueError(f"{owner}: Invalid {label}: {value} (expected a finite number in {bounds})")
    return value


def check_betas(owner, betas):
    """Adam's (beta1, beta2): exactly two numbers, each in [0, 1)."""
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    return tuple(check_hyper(owner, f"beta parameter at index {i}", b, 0.0, 1.0, hi_open=True)
                 for i, b in enumerate(betas))


def _finite(x):
    return isinstance(x, (int, float)) and math.isfinite(x)
