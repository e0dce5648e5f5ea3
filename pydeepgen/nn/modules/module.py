"""``Module``: the base class of every layer and model (PyTorch's API)."""

from collections import OrderedDict

from ..._args import KeyValueError
from ..._tensor import Tensor
from ..parameter import Parameter


class RemovableHandle:
    """What ``register_forward_pre_hook`` returns: ``remove()`` takes the hook out."""

    _next_id = 0

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self.hooks.pop(self.id, None)


def _check_name(op, kind, name):
    """A parameter, buffer or child-module name: a non-empty str without ".", as PyTorch
    requires (a dotted name would be unreachable in ``state_dict()`` keys)."""
    if not isinstance(name, str):
        raise TypeError(f"{op}: {kind} name should be a string, got {type(name).__name__} ({name!r})")
    if "." in name:
        raise KeyValueError(f"{op}: {kind} name can't contain \".\", got {name!r}")
    if name == "":
        raise KeyValueError(f"{op}: {kind} name can't be empty string \"\"")


def _device_arg(dev):
    """Check a device argument of ``Module.to``: a ``pdg.device`` or a string ``"cpu"``,
    ``"cuda"`` or ``"<type>:<index>"`` with a non-negative int index."""
    from ..._tensor import device

    if dev is None or isinstance(dev, device):
        return dev
    if not isinstance(dev, str):
        raise TypeError(f"Module.to: expected a device (str or pdg.device) or a dtype, got "
                        f"{type(dev).__name__} ({dev!r})")
    kind, sep, index = dev.partition(":")
    if kind not in ("cpu", "cuda") or (sep and not (index.isascii() and index.isdigit())):
        raise ValueError(f"Module.to: invalid device string {dev!r} (expected 'cpu', 'cuda' or "
                         "'cuda:<index>' with a non-negative int index)")
    return dev


class Module:
    """Base class for layers and models.

    Attributes that are ``Parameter``s, ``Module``s or registered buffers are tracked
    automatically, so ``parameters()``, ``state_dict()``, ``train()/eval()`` and ``to()``
    see the whole tree.
    """

    training: bool

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- attribute registration ------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            if isinstance(value, (Parameter, Module)):
                raise AttributeError("cannot assign parameters or modules before Module.__init__() call")
            object.__setattr__(self, name, value)
            return
        params, modules, buffers = self._parameters, self._modules, self._buffers
        if isinstance(value, Parameter):
            self.__dict__.pop(name, None)
            modules.pop(name, None)
            buffers.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' (a Parameter or None is required)")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module '{name}' (a Module or None is required)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' (a Tensor or None is required)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        _check_name("register_parameter", "parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: '{name}' must be a Parameter or None, got {type(param).__name__}")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        _check_name("register_buffer", "buffer", name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: '{name}' must be a Tensor or None, got {type(tensor).__name__}")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        _check_name("add_module", "module", name)
        self._modules[name] = module

    register_module = add_module

    # -- calling -----------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required \"forward\" function")

    def __call__(self, *args, **kwargs):
        hooks = self.__dict__.get("_forward_pre_hooks")
        if hooks:
            for hook in list(hooks.values()):
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, args)`` before every ``forward``; a non-None return value
        replaces the positional arguments (a tuple, or one value). Returns a handle whose
        ``remove()`` unregisters it (PyTorch's semantics, without keyword arguments)."""
        if not callable(hook):
            raise TypeError(f"register_forward_pre_hook: {type(hook).__name__} is not callable")
        hooks = self.__dict__.get("_forward_pre_hooks")
        if hooks is None:
            hooks = OrderedDict()
            object.__setattr__(self, "_forward_pre_hooks", hooks)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # -- traversal ---------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        if memo is None:
            memo = set()
        if remove_duplicate and id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mp, m in mods:
            for name, p in m._parameters.items():
                if p is None or (remove_duplicate and id(p) in seen):
                    continue
                seen.add(id(p))
                yield mp + ("." if mp else "") + name, p

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mp, m in mods:
            for name, b in m._buffers.items():
                if b is None or id(b) in seen:
                    continue
                seen.add(id(b))
                yield mp + ("." if mp else "") + name, b

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target):
        m = self
        for part in target.split(".") if target else []:
            if part not in m._modules:
                raise AttributeError(f"{type(m).__name__} has no submodule '{part}'")
            m = m._modules[part]
        return m

    # -- modes and gradients -------------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("train(): mode must be a bool")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.zero_()

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _apply_tensors(self, fn):
        """Replace every parameter's and buffer's data by ``fn(tensor)``.

        Parameters keep their identity (only their data changes, as PyTorch does), so an
        optimizer built before ``model.to(dtype)`` still holds the model's parameters.
        """
        from ...autograd import no_grad

        with no_grad():
            for m in self.modules():
                for p in m._parameters.values():
                    if p is None:
                        continue
                    new = fn(p)
                    if new is not p:
                        p.data = new.detach()
                        if p.grad is not None:
                            p.grad = fn(p.grad)
                for name, b in m._buffers.items():
                    if b is not None:
                        m._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs):
        from ..._dtype import dtype as _dt
        from ..._tensor import _check_device

        dtype = kwargs.get("dtype")
        device = kwargs.get("device")
        for a in args:
            if isinstance(a, (_dt,)):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            else:
                device = a
        _check_device(_device_arg(device))
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError(f"Module.to only accepts floating point dtypes, got {dtype}")
        return self._apply_tensors(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self):
        return self.to(dtype=_float("float32"))

    def double(self):
        return self.to(dtype=_float("float64"))

    def cpu(self):
        return self

    def cuda(self, device=None):
        return self.to(device="cuda")

    # -- state dicts -----------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        out = OrderedDict() if destination is None else destination
        # No de-duplication: a module reachable by two names is saved under both, as
        # PyTorch does, so the keys match torch's for the same architecture.
        for mp, m in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            base = mp + ("." if mp else "")
            for name, p in m._parameters.items():
                if p is not None:
                    out[base + name] = p if keep_vars else p.detach()
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    out[base + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy tensors from ``state_dict`` into this module's parameters and buffers."""
        from ...autograd import no_grad

        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"load_state_dict: expected a dict-like state_dict, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        for k, t in own.items():
            if k in state_dict:
                src = state_dict[k]
                shape = tuple(src.shape)
                if shape != tuple(t.shape):
                    mismatched.append(f"size mismatch for {k}: copying a param with shape {shape}, the shape in current model is {tuple(t.shape)}")
        if mismatched or (strict and (missing or unexpected)):
            parts = []
            if missing:
                parts.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
            if unexpected:
                parts.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected))
            parts.extend(mismatched)
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(parts))
        from ...ops.creation import as_tensor

        with no_grad():
            for k, t in own.items():
                if k in state_dict:
                    src = state_dict[k]
                    if not isinstance(src, Tensor):
                        src = as_tensor(src)
                    t.copy_(src)
        return _IncompatibleKeys(missing, unexpected)

    # -- printing ------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        child = []
        for name, m in self._modules.items():
            r = repr(m).replace("\n", "\n  ")
            child.append(f"({name}): {r}")
        main = type(self).__name__ + "("
        if not child and len(lines) <= 1:
            return main + (lines[0] if lines else "") + ")"
        body = "\n  ".join(lines + child)
        return main + "\n  " + body + "\n)"

    def __dir__(self):
        return list(super().__dir__()) + list(self._parameters) + list(self._modules) + list(self._buffers)


def _float(name):
    from ... import _dtype

    return getattr(_dtype, name)


class _IncompatibleKeys:
    def __init__(self, missing_keys, unexpected_keys):
        self.missing_keys = missing_keys
        self.unexpected_keys = unexpected_keys

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"
