"""``RMSprop`` with momentum, centering, weight decay and maximize (torch.optim rules)."""

from .. import _C
from ..autograd import no_grad
from .optimizer import Optimizer, _grad_buffers, _zeros_like, check_hyper

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _check_group(self, group):
        for k in ("lr", "eps", "momentum", "weight_decay"):
            check_hyper("RMSprop", k, group[k])
        # alpha weighs the running mean of squares: above 1 it turns negative (sqrt -> NaN)
        check_hyper("RMSprop", "alpha", group["alpha"], 0.0, 1.0)

    @no_grad()
    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
            mom, centered, maximize = group["momentum"], group["centered"], group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                pb, gb = _grad_buffers("RMSprop", p)
                state = self.state.get(p)
                if not state:
                    state = self.state[p] = {"step": 0, "square_avg": _zeros_like(p)}
                if mom > 0 and "momentum_buffer" not in state:
                    state["momentum_buffer"] = _zeros_like(p)
                if centered and "grad_avg" not in state:
                    state["grad_avg"] = _zeros_like(p)
                state["step"] += 1
                ga = state["grad_avg"]._kbuf() if centered else None
                mb = state["momentum_buffer"]._kbuf() if mom > 0 else None
                _C.rmsprop_step(pb, gb, state["square_avg"]._kbuf(), ga, mb, lr, alpha, eps, wd,
                                mom, centered, maximize)
        return loss
