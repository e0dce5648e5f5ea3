"""``Tensor``: shape, strides, offset and autograd state over a C++ ``_C.Buffer``.

The split follows needle: C++ owns only flat storage; Python owns the view (shape,
element strides, element offset), broadcasting and the graph. Kernels are called on
contiguous buffers with explicit sizes (``_kbuf()``), except the strided copy and the
broadcasting elementwise kernels, which take strides.
"""

import builtins
import math
import weakref

import numpy as np

from . import _C
from . import _dtype as D
from .autograd import grad_mode

_state = grad_mode.state
_STRIDES_CACHE = {}


def contiguous_strides(shape):
    s = _STRIDES_CACHE.get(shape)
    if s is None:
        acc = 1
        out = []
        for n in reversed(shape):
            out.append(acc)
            acc *= max(n, 1)
        s = tuple(reversed(out))
        if len(_STRIDES_CACHE) < 4096:
            _STRIDES_CACHE[shape] = s
    return s


class device:
    """A device: ``pdg.device("cpu")`` or ``pdg.device("cuda", 0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a device string such as 'cpu' or 'cuda:0', got "
                            f"{builtins.type(type).__name__} ({type!r})")
        if ":" in type:
            type, idx = type.split(":", 1)
            if not idx.isdigit():
                raise ValueError(f"device: invalid device string {type + ':' + idx!r} (expected 'cpu', "
                                 "'cuda' or 'cuda:<index>')")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise ValueError(f"unknown device {type!r} (expected 'cpu' or 'cuda')")
        self.type = type
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type and (
            self.index == other.index or self.index is None or other.index is None
        )

    def __hash__(self):
        return hash(self.type)

    def __repr__(self):
        return f"device(type={self.type!r}" + (f", index={self.index})" if self.index is not None else ")")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def _check_device(dev):
    if dev is None:
        return
    d = device(dev) if not isinstance(dev, device) else dev
    if d.type == "cuda":
        from . import cuda

        if not cuda.is_available():
            raise RuntimeError(f"CUDA device requested but CUDA is unavailable: {cuda.build_info()['reason']}")
        raise RuntimeError("CUDA tensors are not implemented yet in this build (CPU only)")


class Tensor:
    """An n-dimensional array with autograd, in the PyTorch idiom."""

    __slots__ = (
        "_buf", "_shape", "_strides", "_offset", "_dtype", "_requires_grad",
        "_grad", "_grad_fn", "_output_nr", "_base", "_hooks", "__weakref__",
    )
    __array_priority__ = 1000  # NumPy defers to our operators

    # -- construction ---------------------------------------------------------------
    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, data=None, *, dtype=None, requires_grad=False):
        if data is None:
            data = []
        from .ops.creation import tensor as _tensor

        self._init_view_of(_tensor(data, dtype=dtype), requires_grad)

    def _init_view_of(self, t, requires_grad):
        """Make this new object a fresh leaf viewing t's memory (used by __init__ and Parameter)."""
        self._buf, self._shape, self._strides, self._offset = t._buf, t._shape, t._strides, t._offset
        self._dtype = t._dtype
        self._requires_grad = False
        self._grad = None
        self._grad_fn = None
        self._output_nr = 0
        self._base = None
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(buf, shape, dtype, strides=None, offset=0, base=None):
        t = object.__new__(Tensor)
        t._buf = buf
        t._shape = shape
        t._strides = contiguous_strides(shape) if strides is None else strides
        t._offset = offset
        t._dtype = dtype
        t._requires_grad = False
        t._grad = None
        t._grad_fn = None
        t._output_nr = 0
        t._base = base
        t._hooks = None
        return t

    @staticmethod
    def _empty(shape, dtype, op=None):
        """A fresh contiguous tensor (uninitialised) from the caching allocator."""
        try:
            return Tensor._make(_C.empty(math.prod(shape), dtype.code), shape, dtype)
        except MemoryError:
            raise _allocation_error(op, shape, dtype) from None

    def _attach(self, node, output_nr):
        self._grad_fn = node
        self._output_nr = output_nr
        self._requires_grad = True

    # -- kernel access --------------------------------------------------------------
    def _kbuf(self):
        """The Buffer holding exactly this (contiguous) tensor's elements."""
        buf = self._buf
        n = math.prod(self._shape)
        if self._offset == 0 and buf.numel == n:
            return buf
        if n == 0:  # an empty view may sit past the end of its (empty) storage
            return _C.empty(0, self._dtype.code)
        return buf.slice(self._offset, n)

    def is_contiguous(self):
        shape, strides = self._shape, self._strides
        if 0 in shape:  # no elements: any strides describe the same (empty) layout, as in PyTorch
            return True
        expected = 1
        for i in range(len(shape) - 1, -1, -1):
            n = shape[i]
            if n != 1 and strides[i] != expected:
                return False
            expected *= n
        return True

    # -- metadata -------------------------------------------------------------------
    @property
    def shape(self):
        return self._shape

    def size(self, dim=None):
        if dim is None:
            return self._shape
        return self._shape[_wrap_dim(dim, len(self._shape), "size")]

    def stride(self, dim=None):
        if dim is None:
            return self._strides
        return self._strides[_wrap_dim(dim, len(self._shape), "stride")]

    def storage_offset(self):
        return self._offset

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return len(self._shape)

    def dim(self):
        return len(self._shape)

    def numel(self):
        return math.prod(self._shape)

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    @property
    def _version(self):
        return self._buf.version

    def data_ptr(self):
        return self._buf.data_ptr + self._offset * self._dtype.itemsize

    def is_floating_point(self):
        return self._dtype.is_floating_point

    # -- autograd state -------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad_(): requires_grad must be a bool, got "
                            f"{type(requires_grad).__name__} ({requires_grad!r})")
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "requires_grad_(False): you can only change requires_grad of leaf tensors; "
                    "use detach() to get a tensor that does not require grad"
                )
            return self
        if requires_grad and not self._dtype.is_floating_point:
            raise RuntimeError(
                f"only tensors of floating point dtype can require gradients, got {self._dtype.name}"
            )
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        # checked here, not later in an optimizer far from the cause
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if value is self:
                raise RuntimeError("can't assign a tensor as its own gradient")
            if value._shape != self._shape:
                raise RuntimeError(f"assigned grad has data of shape {tuple(value._shape)} but the "
                                   f"tensor has shape {tuple(self._shape)}")
            if value._dtype is not self._dtype:
                raise RuntimeError(f"assigned grad has data of dtype {value._dtype.name} but the "
                                   f"tensor has dtype {self._dtype.name}")
        self._grad = value

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    def retain_grad(self):
        if self._grad_fn is None:
            return
        node = self._grad_fn
        if node._retained is None:
            node._retained = []
        node._retained.append((weakref.ref(self), self._output_nr))

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed (before a leaf
        accumulates it). The hook may return a replacement of the same shape and dtype.
        Returns a handle whose ``remove()`` unregisters the hook."""
        if not callable(hook):
            raise TypeError(f"register_hook: expected a callable, got {type(hook).__name__}")
        if not self._requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks, entry = self._hooks, hook
        else:
            node = self._grad_fn
            if node._grad_hooks is None:
                node._grad_hooks = []
            hooks, entry = node._grad_hooks, (self._output_nr, hook)
        hooks.append(entry)
        return _HookHandle(hooks, entry)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` after this leaf's ``.grad`` has been updated by a backward
        pass. Returns a handle whose ``remove()`` unregisters the hook."""
        from .autograd.engine import PostAccumulateHook

        if not callable(hook):
            raise TypeError(f"register_post_accumulate_grad_hook: expected a callable, got {type(hook).__name__}")
        if not self._requires_grad or self._grad_fn is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: only leaf tensors that require grad "
                               "accumulate a .grad")
        if self._hooks is None:
            self._hooks = []
        entry = PostAccumulateHook(hook)
        self._hooks.append(entry)
        return _HookHandle(self._hooks, entry)

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        from .autograd.engine import run_backward

        run_backward([self], [gradient], bool(retain_graph) or create_graph, create_graph)

    def detach(self):
        t = Tensor._make(self._buf, self._shape, self._dtype, self._strides, self._offset, self._base)
        return t

    def detach_(self):
        if self._base is not None and self._grad_fn is not None:
            raise RuntimeError("detach_(): cannot detach a view in place; use detach()")
        self._grad_fn = None
        self._requires_grad = False
        return self

    # -- NumPy interop --------------------------------------------------------------
    def numpy(self, force=False):
        if self._requires_grad and not force:
            raise RuntimeError(
                "numpy(): can't call numpy() on a tensor that requires grad; use "
                "tensor.detach().numpy() instead"
            )
        return self._buf.numpy(list(self._shape), list(self._strides), self._offset)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy(force=True)
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        if copy:
            a = a.copy()
        return a

    def tolist(self):
        return self.numpy(force=True).tolist()

    def item(self):
        if self.numel() != 1:
            raise ValueError(
                f"item(): only one element tensors can be converted to Python scalars, got shape "
                f"{tuple(self._shape)}"
            )
        return self.numpy(force=True).reshape(()).item()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._dtype.category == 2:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self.numel()} elements is ambiguous"
            )
        return bool(self.item())

    def __hash__(self):
        return id(self)

    def __repr__(self):
        a = self.numpy(force=True)
        body = np.array2string(a, separator=", ", precision=4, threshold=1000, prefix="tensor(")
        extras = []
        if self._dtype is not D.float32 and not (self._dtype is D.int64 and a.size > 0) and self._dtype is not D.bool_:
            extras.append(f"dtype=pydeepgen.{self._dtype.name}")
        elif a.size == 0:
            extras.append(f"size={tuple(self._shape)}")
            if self._dtype is not D.float32:
                extras.append(f"dtype=pydeepgen.{self._dtype.name}")
        if self._grad_fn is not None:
            extras.append(f"grad_fn=<{self._grad_fn.name()}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        a = self.detach().contiguous().numpy().copy()
        return (_rebuild, (a, self._requires_grad))

    def __deepcopy__(self, memo):
        t = self.detach().clone()
        t._requires_grad = self._requires_grad
        if self.grad is not None:
            t.grad = self.grad.clone()
        memo[id(self)] = t
        return t

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self._shape[0]):
            yield self[i]

    def __contains__(self, value):
        return bool((self == value).any())


class _HookHandle:
    """What register_hook returns: ``remove()`` takes the hook out again."""

    __slots__ = ("_hooks", "_entry")

    def __init__(self, hooks, entry):
        self._hooks, self._entry = hooks, entry

    def remove(self):
        try:
            self._hooks.remove(self._entry)
        except ValueError:
            pass  # already removed


from .autograd import function as _function  # noqa: E402

_function._tensor_cls = Tensor


def _rebuild(array, requires_grad):
    from .ops.creation import from_numpy

    t = from_numpy(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _allocation_error(op, shape, dtype):
    """MemoryError naming the op (the caller's, when not given) and the bytes asked for."""
    if op is None:
        op = _public_caller()
    nbytes = math.prod(shape) * dtype.itemsize
    size, unit = float(nbytes), "bytes"
    for u in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if size < 1024:
            break
        size, unit = size / 1024, u
    return MemoryError(f"{op}: cannot allocate {nbytes} bytes ({size:.1f} {unit}) for a "
                       f"{dtype.name} tensor of shape {tuple(shape)}")


def _public_caller():
    """The outermost pydeepgen function on the stack (what the user called); only run on failure."""
    import os
    import sys

    root = os.path.dirname(os.path.abspath(__file__))
    frame, name = sys._getframe(2), "allocation"
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(root) and code.co_name not in ("__call__", "_call_impl", "apply"):
            name = code.co_qualname
        frame = frame.f_back
    return name + "()"


def _wrap_dim(dim, ndim, op="op"):
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if dim < -n or dim >= n:
        raise IndexError(f"{op}: dimension {dim} out of range for a {ndim}-d tensor (expected in [{-n}, {n - 1}])")
    return dim + n if dim < 0 else dim


INT64_MAX = (1 << 63) - 1


def _size_tuple(op, size, allow_infer=False):
    """Validate a size argument: ``(2, 3)``, ``[2, 3]`` or ``2, 3`` -> a tuple of ints.

    Every extent must be an int (or int-like: NumPy ints, one-element integer tensors),
    ``>= 0`` (``-1`` too where the op infers it), and the element count must fit int64.
    Floats are refused, not truncated."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            if s.numel() != 1 or s._dtype.category == 2:
                raise TypeError(f"{op}(): size must be a sequence of ints, got a tensor of shape "
                                f"{s._shape} and dtype {s._dtype.name}")
            s = int(s.item())
        if isinstance(s, bool) or not hasattr(type(s), "__index__"):
            raise TypeError(f"{op}(): size must be a sequence of ints, got {type(s).__name__} "
                            f"({s!r}) in {tuple(size)}")
        s = s.__index__()
        if s < (-1 if allow_infer else 0):
            raise ValueError(f"{op}(): negative size {s} in {tuple(size)} (sizes must be >= 0"
                             + (" or -1)" if allow_infer else ")"))
        if s > INT64_MAX:
            raise OverflowError(f"{op}(): size {s} in {tuple(size)} does not fit int64")
        out.append(s)
    n = 1
    for s in out:
        n *= max(s, 1)
    if n > INT64_MAX:
        raise OverflowError(f"{op}(): size {tuple(out)} has more elements than int64 can count")
    return tuple(out)
