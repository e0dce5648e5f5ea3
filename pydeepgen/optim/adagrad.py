"""``Adagrad`` with learning-rate decay, weight decay and maximize (torch.optim rules)."""

from .. import _C
from ..autograd import no_grad
from ..ops.creation import full
from .optimizer import Optimizer, _grad_buffers, check_hyper

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))
        # As torch: the accumulators exist from construction.
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {"step": 0, "sum": full(p.shape, group["initial_accumulator_value"],
                                                        dtype=p.dtype)}

    def _check_group(self, group):
        for k in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_hyper("Adagrad", k, group[k])

    @no_grad()
    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, lr_decay, wd, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                pb, gb = _grad_buffers("Adagrad", p)
                state = self.state.get(p)
                if not state:
                    state = self.state[p] = {"step": 0, "sum": full(
                        p.shape, group["initial_accumulator_value"], dtype=p.dtype)}
                state["step"] += 1
                _C.adagrad_step(pb, gb, state["sum"]._kbuf(), lr, lr_decay, wd, eps,
                                state["step"], maximize)
        return loss
