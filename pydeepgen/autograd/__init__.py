"""Define-by-run automatic differentiation (PyTorch's semantics)."""

from .function import Function, Node
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def backward(tensors, grad_tensors=None, retain_graph=False, create_graph=False):
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad``."""
    from .engine import run_backward

    if not isinstance(tensors, (list, tuple)):
        tensors = [tensors]
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif not isinstance(grad_tensors, (list, tuple)):
        grad_tensors = [grad_tensors]
    run_backward(list(tensors), list(grad_tensors), retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=False, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned instead of accumulated."""
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    saved = [t.grad for t in inputs]
    for t in inputs:
        t.grad = None
    try:
        backward(outputs, grad_outputs, retain_graph=retain_graph, create_graph=create_graph)
        res = tuple(t.grad for t in inputs)
    finally:
        for t, g in zip(inputs, saved):
            t.grad = g
    if not allow_unused and any(r is None for r in res):
        raise RuntimeError("grad(): one of the inputs was not used in the graph (allow_unused=True)")
    return res


__all__ = [
    "Function", "Node", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "inference_mode",
]
