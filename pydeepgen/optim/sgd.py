"""``SGD`` with momentum, dampening, Nesterov, weight decay and maximize (torch.optim rules)."""

from .. import _C
from ..autograd import no_grad
from .optimizer import Optimizer, _check, _grad_buffers, _zeros_like, required

__all__ = ["SGD"]


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        _check(lr is required or lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(not nesterov or (momentum > 0 and dampening == 0),
               "Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

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
