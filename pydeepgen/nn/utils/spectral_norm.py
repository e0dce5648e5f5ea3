"""Spectral normalization (Miyato et al. 2018), PyTorch's ``nn.utils.spectral_norm`` API.

The weight a layer uses becomes ``W / sigma(W)``, where ``sigma`` is the largest singular
value of W viewed as a matrix (``dim`` to the front, the rest flattened), estimated by power
iteration with persistent vectors ``u`` and ``v``: each training-mode forward runs
``n_power_iterations`` steps ``v <- normalize(W^T u), u <- normalize(W v)`` (no gradient
through them) and then ``sigma = u^T W v``, which does carry the gradient. In eval mode the
stored ``u`` and ``v`` are used as they are. A discriminator so normalized is (about)
1-Lipschitz per layer, the standard way to keep GAN training from diverging.

The module keeps ``<name>_orig`` as the Parameter and ``<name>_u`` / ``<name>_v`` as buffers
(saved in ``state_dict``, as in PyTorch); ``<name>`` is recomputed before every forward.
"""

import math

from ...autograd import no_grad
from ..parameter import Parameter

__all__ = ["spectral_norm", "remove_spectral_norm", "SpectralNorm"]


def _normalize(x, eps):
    return x / max(math.sqrt(float((x * x).sum())), eps)


class SpectralNorm:
    """The forward pre-hook that ``spectral_norm`` installs (one per normalized weight)."""

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if int(n_power_iterations) < 1:
            raise ValueError(f"spectral_norm: n_power_iterations must be >= 1, "
                             f"got {n_power_iterations}")
        if not eps > 0:
            raise ValueError(f"spectral_norm: eps must be positive, got {eps}")
        self.name, self.dim = name, int(dim)
        self.n_power_iterations, self.eps = int(n_power_iterations), float(eps)

    def _matrix(self, w):
        if self.dim != 0:
            order = [self.dim] + [d for d in range(w.ndim) if d != self.dim]
            w = w.permute(*order)
        return w.reshape(w.shape[0], -1)

    def compute_weight(self, module, do_power_iteration):
        w = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        wm = self._matrix(w)
        if do_power_iteration:
            with no_grad():
                wd = wm.detach()
                for _ in range(self.n_power_iterations):
                    v.copy_(_normalize(wd.t() @ u, self.eps))
                    u.copy_(_normalize(wd @ v, self.eps))
            # the next forward (a discriminator sees real, then fake) updates the buffers in
            # place before this one's backward runs: keep the values this sigma used
            u, v = u.clone(), v.clone()
        sigma = u @ (wm @ v)  # 0-d; u and v are constants for autograd
        return w / sigma

    def __call__(self, module, args):
        object.__setattr__(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Normalize ``module.<name>`` by its spectral norm before every forward; returns the
    module. ``dim`` is the output dimension (default 1 for ConvTranspose layers, else 0)."""
    import pydeepgen as pdg

    hooks = module.__dict__.get("_forward_pre_hooks") or {}
    if any(isinstance(h, SpectralNorm) and h.name == name for h in hooks.values()):
        raise RuntimeError(f"spectral_norm: {type(module).__name__}.{name} is already "
                           f"spectrally normalized")
    params = module.__dict__.get("_parameters", {})
    if name not in params or params[name] is None:
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    weight = params[name]
    if weight.ndim < 1:
        raise ValueError(f"spectral_norm: {type(module).__name__}.{name} is a 0-d tensor")
    if dim is None:
        dim = 1 if "ConvTranspose" in type(module).__name__ else 0
    if not -weight.ndim <= dim < weight.ndim:
        raise ValueError(f"spectral_norm: dim {dim} is out of range for {name} of shape "
                         f"{tuple(weight.shape)}")
    fn = SpectralNorm(name, n_power_iterations, dim % weight.ndim, eps)
    h, w = fn._matrix(weight.detach()).shape
    u = _normalize(pdg.randn(h, dtype=weight.dtype), fn.eps)
    v = _normalize(pdg.randn(w, dtype=weight.dtype), fn.eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", Parameter(weight.detach()))
    module.register_buffer(name + "_u", u.to(weight.device))
    module.register_buffer(name + "_v", v.to(weight.device))
    with no_grad():  # a usable module.<name> before the first forward
        object.__setattr__(module, name, fn.compute_weight(module, False))
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``module.<name>`` becomes a Parameter holding the current
    normalized weight; returns the module."""
    hooks = module.__dict__.get("_forward_pre_hooks") or {}
    for key, hook in list(hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            with no_grad():
                weight = hook.compute_weight(module, False)
            del hooks[key]
            del module._parameters[name + "_orig"]
            del module._buffers[name + "_u"]
            del module._buffers[name + "_v"]
            module.__dict__.pop(name, None)
            module.register_parameter(name, Parameter(weight.detach()))
            return module
    raise ValueError(f"spectral_norm of {name!r} not found in {type(module).__name__}")
