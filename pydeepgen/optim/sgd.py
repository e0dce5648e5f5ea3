"""``SGD`` with momentum, dampening, Nesterov, weight decay and maximize (torch.optim rules)."""

from .. import _C
from ..autograd import no_grad
from .optimizer import Optimizer, _check, _grad_buffers, _zeros_like, check_hyper, required

__all__ = ["SGD"]


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _check_group(self, group):
        if group["lr"] is not required:
            check_hyper("SGD", "lr", group["lr"])
        for k in ("momentum", "dampening", "weight_decay"):
            check_hyper("SGD", k, group[k])
        _check(not group["nesterov"] or (group["momentum"] > 0 and group["dampening"] == 0),
               "SGD: Nesterov momentum requires a momentum and zero dampening")

    @no_grad()
    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, mom, damp = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                pb, gb = _grad_buffers("SGD", p)
                buf = None
                first = False
                if mom != 0:
                    state = self.state.setdefault(p, {})
                    t = state.get("momentum_buffer")
                    if t is None:
                        t = state["momentum_buffer"] = _zeros_like(p)
                        first = True
                    buf = t._kbuf()
                _C.sgd_step(pb, gb, buf, lr, mom, damp, wd, nesterov, maximize, first)
        return loss
