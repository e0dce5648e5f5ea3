"""Testing helpers, public so students can check their own ops.

``gradcheck(fn, inputs)`` compares the analytic gradient that autograd computes for
``fn`` with central finite differences, in float64.
"""

import numpy as np

from ._tensor import Tensor


def _as_outputs(out):
    return out if isinstance(out, (tuple, list)) else (out,)


def numerical_jacobian(fn, inputs, eps=1e-6):
    """d(outputs)/d(inputs) by central differences: a list (per input) of (n_out, n_in) arrays."""
    from .autograd import no_grad

    with no_grad():
        base = [o.detach().numpy().astype(np.float64).ravel() for o in _as_outputs(fn(*inputs)) if isinstance(o, Tensor)]
    n_out = sum(b.size for b in base)
    jacs = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            jacs.append(None)
            continue
        a = t.detach().numpy()  # shares memory with t
        J = np.zeros((n_out, a.size))
        flat_idx = np.arange(a.size).reshape(a.shape)
        for k, idx in enumerate(np.ndindex(*a.shape)):
            orig = float(a[idx])
            a[idx] = orig + eps
            t._buf.bump_version()
            with no_grad():
                plus = np.concatenate([o.detach().numpy().astype(np.float64).ravel() for o in _as_outputs(fn(*inputs)) if isinstance(o, Tensor)])
            a[idx] = orig - eps
            t._buf.bump_version()
            with no_grad():
                minus = np.concatenate([o.detach().numpy().astype(np.float64).ravel() for o in _as_outputs(fn(*inputs)) if isinstance(o, Tensor)])
            a[idx] = orig
            t._buf.bump_version()
            J[:, flat_idx[idx]] = (plus - minus) / (2 * eps)
        jacs.append(J)
    return jacs


def analytic_jacobian(fn, inputs):
    outs = [o for o in _as_outputs(fn(*inputs)) if isinstance(o, Tensor)]
    sizes = [o.numel() for o in outs]
    n_out = sum(sizes)
    jacs = [np.zeros((n_out, t.numel())) if isinstance(t, Tensor) and t.requires_grad else None for t in inputs]
    row = 0
    for o, n in zip(outs, sizes):
        if not o.requires_grad:
            row += n
            continue
        for i in range(n):
            for t in inputs:
                if isinstance(t, Tensor):
                    t.grad = None
            g = np.zeros(n)
            g[i] = 1.0
            from .ops.creation import tensor

            o.backward(tensor(g.reshape(o.shape), dtype=o.dtype), retain_graph=True)
            for J, t in zip(jacs, inputs):
                if J is not None and t.grad is not None:
                    J[row + i] = t.grad.numpy().ravel()
        row += n
    for t in inputs:
        if isinstance(t, Tensor):
            t.grad = None
    return jacs


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check autograd's gradients of ``fn(*inputs)`` against finite differences.

    Inputs that require grad should be float64 (float32 is too coarse for central
    differences). Returns True, or raises ``AssertionError`` naming the worst element.
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for t in inputs:
        if isinstance(t, Tensor) and t.requires_grad and t.dtype.name != "float64":
            import warnings

            warnings.warn("gradcheck: inputs that require grad should be float64", stacklevel=2)
    num = numerical_jacobian(fn, inputs, eps)
    ana = analytic_jacobian(fn, inputs)
    for k, (n, a) in enumerate(zip(num, ana)):
        if n is None:
            continue
        if not np.allclose(a, n, atol=atol, rtol=rtol):
            err = np.abs(a - n) - (atol + rtol * np.abs(n))
            i, j = np.unravel_index(np.argmax(err), err.shape)
            msg = (f"gradcheck: Jacobian mismatch for input {k} at output {i}, input element {j}: "
                   f"analytic {a[i, j]:.8g} vs numerical {n[i, j]:.8g} (max abs diff {np.abs(a - n).max():.3g})")
            if raise_exception:
                raise AssertionError(msg)
            return False
    return True


def assert_close(actual, expected, rtol=None, atol=None, msg=""):
    """np.testing.assert_allclose for tensors/arrays with dtype-aware default tolerances."""
    a = actual.detach().numpy() if isinstance(actual, Tensor) else np.asarray(actual)
    e = expected.detach().numpy() if isinstance(expected, Tensor) else np.asarray(expected)
    if rtol is None:
        rtol = 1e-5 if a.dtype == np.float32 else 1e-7
    if atol is None:
        atol = 1e-6 if a.dtype == np.float32 else 1e-9
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=msg)
