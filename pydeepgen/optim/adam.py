"""``Adam`` and ``AdamW`` (decoupled weight decay), with amsgrad and maximize (torch.optim rules)."""

from .. import _C
from ..autograd import no_grad
from .optimizer import Optimizer, _grad_buffers, _zeros_like, check_betas, check_hyper

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False):
        betas = check_betas(type(self).__name__, betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _check_group(self, group):
        name = type(self).__name__
        group["betas"] = check_betas(name, group["betas"])
        for k in ("lr", "eps", "weight_decay"):
            check_hyper(name, k, group[k])

    @no_grad()
    def step(self, closure=None):
        loss = self._closure(closure)
        name = type(self).__name__
        for group in self.param_groups:
            lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
            wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                pb, gb = _grad_buffers(name, p)
                state = self.state.get(p)
                if not state:
                    state = self.state[p] = {"step": 0, "exp_avg": _zeros_like(p),
                                             "exp_avg_sq": _zeros_like(p)}
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                elif amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = _zeros_like(p)
                state["step"] += 1
                vmax = state["max_exp_avg_sq"]._kbuf() if amsgrad else None
                _C.adam_step(pb, gb, state["exp_avg"]._kbuf(), state["exp_avg_sq"]._kbuf(), vmax,
                             lr, b1, b2, eps, wd, state["step"], amsgrad, maximize,
                             self._decoupled)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay`` before the Adam step."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
