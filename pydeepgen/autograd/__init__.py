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


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` w.r.t. ``inputs`` (leaves or not), returned; no ``.grad``
    of any tensor is touched (as torch.autograd.grad)."""
    from .engine import run_backward

    single = not isinstance(inputs, (list, tuple))
    inputs = [inputs] if single else list(inputs)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    retain = create_graph if retain_graph is None else retain_graph
    res = run_backward(outputs, list(grad_outputs), bool(retain), create_graph, inputs=inputs)
    if not allow_unused and any(r is None for r in res):
        raise RuntimeError("grad(): one of the differentiated Tensors appears to not have been used "
                           "in the graph; set allow_unused=True if this is the desired behavior")
    return res


__all__ = [
    "Function", "Node", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "inference_mode",
]
