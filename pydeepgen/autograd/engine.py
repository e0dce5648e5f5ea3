"""The backward pass: walk the recorded graph in reverse topological order.

Gradients of a node's outputs are summed before its backward runs (a shared
sub-expression contributes once per use); leaves accumulate into ``.grad``; the graph's
saved tensors are freed afterwards unless ``retain_graph=True``.
"""

import sys

from . import grad_mode


def _collect(roots):
    """Dependency counts (number of uses by other nodes) of every node reachable."""
    deps = {}
    stack = list(roots)
    seen = set(id(n) for n in roots)
    for n in roots:
        deps.setdefault(n, 0)
    while stack:
        node = stack.pop()
        for e in node.next_edges:
            if e is None or e[0] is None:
                continue
            child = e[0]
            deps[child] = deps.get(child, 0) + 1
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return deps


def _accumulate_leaf(leaf, g):
    from .._tensor import Tensor

    if g.shape != leaf.shape:
        g = g.reshape(leaf.shape) if g.numel() == leaf.numel() else g.expand(leaf.shape)
    if g.dtype is not leaf.dtype:
        g = g.to(leaf.dtype)
    hooks = leaf._hooks
    for hook in hooks or ():
        if type(hook) is not PostAccumulateHook:
            g = apply_hook(hook, g)
    if leaf.grad is None:
        # Store a tensor nobody else holds: gradients passed straight through (add,
        # views) may also be another leaf's gradient.
        # References here: this frame, the caller's local, getrefcount's argument.
        if g._base is not None or not g.is_contiguous() or sys.getrefcount(g) > 3:
            g = g.contiguous().clone() if g.is_contiguous() else g.contiguous()
        g._requires_grad = False
        g._grad_fn = None
        leaf.grad = g
    else:
        with grad_mode.no_grad():
            leaf.grad.add_(g)
    assert isinstance(leaf.grad, Tensor)
    for hook in hooks or ():
        if type(hook) is PostAccumulateHook:
            hook.fn(leaf)


class PostAccumulateHook:
    """A leaf's hook that runs after its ``.grad`` is updated (``hook(tensor)``): the moment
    DistributedDataParallel can start reducing a gradient."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


_callbacks = []   # run once at the end of the current backward pass
_depth = [0]      # nesting of run_backward (a hook may call backward itself)


def queue_callback(fn):
    """Run ``fn()`` when the backward pass in progress finishes (PyTorch's
    ``Variable._execution_engine.queue_callback``); only valid inside a backward."""
    if not _depth[0]:
        raise RuntimeError("queue_callback: no backward pass is running")
    _callbacks.append(fn)


def apply_hook(hook, g):
    """Run a tensor hook; it may return a replacement gradient of the same shape and dtype."""
    from .._tensor import Tensor

    r = hook(g)
    if r is None:
        return g
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(r, Tensor):
        raise TypeError(f"hook '{name}' returned {type(r).__name__}; a hook returns None or a Tensor")
    if r.shape != g.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of the gradient: it returned shape "
                           f"{tuple(r.shape)}, expected {tuple(g.shape)}")
    if r.dtype is not g.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of the gradient: it returned "
                           f"{r.dtype.name}, expected {g.dtype.name}")
    return r


def _add_grads(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False, inputs=None):
    """Backpropagate from ``tensors``. Without ``inputs``, every leaf accumulates its
    gradient in ``.grad``; with ``inputs`` (autograd.grad), nothing is accumulated and the
    gradients of those tensors (leaves or not) are returned, None where unused."""
    capture = None if inputs is None else _Capture(inputs)
    _depth[0] += 1
    try:
        _run_backward(tensors, grad_tensors, retain_graph, create_graph, capture)
    except BaseException:
        if _depth[0] == 1:
            _callbacks.clear()
        raise
    finally:
        _depth[0] -= 1
    if not _depth[0]:
        while _callbacks:
            _callbacks.pop(0)()
    return None if capture is None else capture.result()


class _Capture:
    """autograd.grad's targets: leaves by identity, non-leaves by (node, output slot)."""

    def __init__(self, inputs):
        self.inputs = list(inputs)
        self.grads = [None] * len(self.inputs)
        self.leaf = {}
        self.slot = {}
        for i, t in enumerate(self.inputs):
            if not t._requires_grad:
                raise RuntimeError(f"grad(): input {i} does not require grad")
            if t._grad_fn is None:
                self.leaf.setdefault(id(t), []).append(i)
            else:
                self.slot.setdefault((id(t._grad_fn), t._output_nr), []).append(i)

    def add(self, indices, g):
        for i in indices:
            self.grads[i] = g if self.grads[i] is None else self.grads[i] + g

    def leaf_grad(self, leaf, g):
        indices = self.leaf.get(id(leaf))
        if indices is not None:
            if g.shape != leaf.shape:
                g = g.reshape(leaf.shape) if g.numel() == leaf.numel() else g.expand(leaf.shape)
            for hook in leaf._hooks or ():
                if type(hook) is not PostAccumulateHook:
                    g = apply_hook(hook, g)
            self.add(indices, g)

    def result(self):
        return tuple(self.grads)


def _run_backward(tensors, grad_tensors, retain_graph, create_graph, capture=None):
    from .._tensor import Tensor
    from ..ops import creation

    roots = []
    root_grads = {}
    for t, g in zip(tensors, grad_tensors):
        if not t._requires_grad:
            raise RuntimeError(
                "backward(): element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if t.numel() != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for scalar outputs, "
                    f"got a tensor of shape {tuple(t.shape)}"
                )
            g = creation.ones_like(t)
        elif not isinstance(g, Tensor):
            g = creation.tensor(g, dtype=t.dtype)
        if g.shape != t.shape:
            raise RuntimeError(
                f"backward(): gradient has shape {tuple(g.shape)} but the output has shape "
                f"{tuple(t.shape)}"
            )
        if t._grad_fn is None:  # a leaf
            if capture is None:
                _accumulate_leaf(t, g)
            else:
                capture.leaf_grad(t, g)
            continue
        node = t._grad_fn
        if node not in root_grads:
            roots.append(node)
            root_grads[node] = [None] * node.n_outputs
        slot = root_grads[node]
        slot[t._output_nr] = _add_grads(slot[t._output_nr], g)

    if not roots:
        return
    deps = _collect(roots)
    pending = dict(root_grads)
    ready = [n for n in roots if deps[n] == 0]
    prev_mode = grad_mode.state.enabled
    grad_mode.state.enabled = bool(create_graph)
    try:
        while ready:
            node = ready.pop()
            grads = pending.pop(node)
            if node._freed:
                raise RuntimeError(
                    f"{node.name()}: trying to backward through the graph a second time. "
                    "Pass retain_graph=True to the first backward() if you need to call "
                    "backward() again."
                )
            if node._grad_hooks:
                for nr, hook in node._grad_hooks:
                    if grads[nr] is not None:
                        grads[nr] = apply_hook(hook, grads[nr])
            if capture is not None and capture.slot:
                for nr, g in enumerate(grads):
                    indices = capture.slot.get((id(node), nr))
                    if indices is not None and g is not None:
                        capture.add(indices, g)
            if node._retained and capture is None:
                for ref, nr in node._retained:
                    t = ref()
                    if t is not None and grads[nr] is not None:
                        g = grads[nr]
                        t.grad = g.clone() if t.grad is None else t.grad + g
            if node._materialize and any(g is None for g in grads):
                shapes = getattr(node, "_out_meta", None)
                grads = [
                    g if g is not None else creation.zeros(shapes[i][0], dtype=shapes[i][1])
                    for i, g in enumerate(grads)
                ]
            result = node.fn.backward(node, *grads)
            del grads
            result = list(result) if isinstance(result, tuple) else [result]
            edges = node.next_edges
            if len(result) < len(edges):
                result += [None] * (len(edges) - len(result))
            for i, e in enumerate(edges):
                # Take the gradient out of `result` so that a leaf can tell (by its
                # reference count) whether anything else still holds it.
                g = result[i]
                result[i] = None
                if e is None or g is None:
                    continue
                child, target = e
                if child is None:
                    if capture is None:
                        _accumulate_leaf(target, g)
                    else:
                        capture.leaf_grad(target, g)
                    continue
                slot = pending.get(child)
                if slot is None:
                    slot = pending[child] = [None] * child.n_outputs
                slot[target] = _add_grads(slot[target], g)
                deps[child] -= 1
                if deps[child] == 0:
                    ready.append(child)
            if not retain_graph:
                node.release()
    finally:
        grad_mode.state.enabled = prev_mode
