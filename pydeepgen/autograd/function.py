"""``Function``: an op with a forward and a backward, recorded on the tape.

Every differentiable pydeepgen op is a ``Function`` whose ``forward`` calls one C++
forward kernel and whose ``backward`` calls the matching backward kernel. Users define
their own the same way (PyTorch's API)::

    class Cube(pdg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * x * grad

    y = Cube.apply(x)

The ``ctx`` object *is* the graph node: it holds the saved tensors, the edges to the
inputs' nodes, and whatever the forward stored on it.
"""

from . import grad_mode

_state = grad_mode.state
_tensor_cls = None  # set by pydeepgen._tensor once Tensor exists (avoids an import cycle)


class Node:
    """A recorded op: ctx for forward/backward and a vertex of the backward graph.

    ``next_edges[i]`` is what input ``i`` of the forward connects to: ``None`` (no grad),
    ``(node, output_nr)`` for a non-leaf, or ``(None, tensor)`` for a leaf whose ``.grad``
    accumulates.
    """

    __slots__ = (
        "fn",
        "next_edges",
        "needs_input_grad",
        "n_outputs",
        "_saved",
        "_saved_versions",
        "_freed",
        "_retained",
        "_grad_hooks",
        "_non_differentiable",
        "_materialize",
        "__dict__",
        "__weakref__",
    )

    def __init__(self, fn):
        self.fn = fn
        self.next_edges = ()
        self.needs_input_grad = ()
        self.n_outputs = 1
        self._saved = ()
        self._saved_versions = ()
        self._freed = False
        self._retained = None
        self._grad_hooks = None
        self._non_differentiable = None
        self._materialize = True

    # -- ctx API -----------------------------------------------------------------
    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._saved_versions = [t._buf.version if t is not None else 0 for t in tensors]

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or to "
                "read saved tensors after they were freed). Pass retain_graph=True to the "
                "first backward() if you need to call backward() again."
            )
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and t._buf.version != v:
                raise RuntimeError(
                    f"{self.name()}: one of the tensors needed for gradient computation has "
                    f"been modified by an in-place operation (shape {tuple(t.shape)}, version "
                    f"{t._buf.version}, expected version {v}). Use out-of-place ops or clone() "
                    "before modifying it."
                )
        return self._saved

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = set(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self._materialize = bool(value)

    def name(self):
        return getattr(self.fn, "__name__", "Function") + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    def release(self):
        self._saved = ()
        self._saved_versions = ()
        self._freed = True


class _NoCtx:
    """Stand-in ctx when no graph is recorded: saving is a no-op."""

    __slots__ = ("needs_input_grad", "__dict__")

    def __init__(self, n):
        self.needs_input_grad = (False,) * n

    def save_for_backward(self, *tensors):
        pass

    def mark_non_differentiable(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        pass


# One shared stand-in: forward() only writes attributes it never reads back when no
# graph is recorded.
_NO_CTX = _NoCtx(0)


class Function:
    """Base class of differentiable ops: subclass and define static forward/backward."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _tensor_cls
        record = False
        if _state.enabled:
            for a in args:
                if isinstance(a, Tensor) and a._requires_grad:
                    record = True
                    break
        if not record:
            prev = _state.enabled
            _state.enabled = False
            try:
                return cls.forward(_NO_CTX, *args, **kwargs)
            finally:
                _state.enabled = prev

        node = Node(cls)
        edges = []
        needs = []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                gf = a._grad_fn
                edges.append((gf, a._output_nr) if gf is not None else (None, a))
                needs.append(True)
            else:
                edges.append(None)
                needs.append(False)
        node.next_edges = edges
        node.needs_input_grad = tuple(needs)
        _state.enabled = False
        try:
            out = cls.forward(node, *args, **kwargs)
        finally:
            _state.enabled = True
        nd = node._non_differentiable
        if isinstance(out, tuple):
            node.n_outputs = len(out)
            node._out_meta = [(o.shape, o.dtype) if isinstance(o, Tensor) else ((), None) for o in out]
            for i, o in enumerate(out):
                if isinstance(o, Tensor) and (nd is None or id(o) not in nd):
                    if o.dtype.is_floating_point:
                        o._attach(node, i)
        elif isinstance(out, Tensor):
            if nd is None or id(out) not in nd:
                out._attach(node, 0)
        return out
