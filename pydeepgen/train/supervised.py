"""Trainer for classifiers and regressors."""

import numpy as np

from ..metrics.classification import accuracy as _accuracy
from ..metrics.classification import rmse as _rmse
from .trainer import Trainer, as_arrays

__all__ = ["SupervisedTrainer", "make_optimizer", "evaluate"]

_LOSSES = ("cross_entropy", "mse", "bce", "bce_with_logits", "l1")


def make_optimizer(params, name="adam", lr=1e-3, betas=(0.9, 0.999), momentum=0.0,
                   weight_decay=0.0):
    """An optimizer by name: adam, adamw, sgd, rmsprop."""
    from .. import optim

    name = name.lower()
    if name == "adam":
        return optim.Adam(params, lr=lr, betas=tuple(betas), weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, betas=tuple(betas), weight_decay=weight_decay)
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; choose adam, adamw, sgd or rmsprop")


def _loss_fn(loss):
    from ..nn import functional as F

    if callable(loss):
        return loss
    if loss == "cross_entropy":
        return F.cross_entropy
    if loss == "mse":
        return F.mse_loss
    if loss == "l1":
        return F.l1_loss
    if loss == "bce":
        return F.binary_cross_entropy
    if loss == "bce_with_logits":
        return F.binary_cross_entropy_with_logits
    raise ValueError(f"unknown loss {loss!r}; choose from {_LOSSES} or pass a callable")


def _prepare_target(loss, out, y):
    if loss in ("mse", "l1", "bce", "bce_with_logits") and y.ndim == 1 and out.ndim == 2:
        y = y.reshape(y.shape[0], 1)
    if loss in ("mse", "l1", "bce", "bce_with_logits") and y.dtype != out.dtype:
        y = y.to(out.dtype)
    return y


def evaluate(model, data, loss="cross_entropy", batch_size=1000, task="classification"):
    """Mean loss and accuracy (classification) or RMSE (regression) of ``model`` on ``data``
    (eval mode, no gradients; the model's previous mode is restored)."""
    import pydeepgen as pdg

    x, y = as_arrays(data)[:2]
    fn = _loss_fn(loss)
    was = model.training
    model.eval()
    outs, total = [], 0.0
    with pdg.no_grad():
        for i in range(0, x.shape[0], batch_size):
            xb = pdg.from_numpy(np.ascontiguousarray(x[i: i + batch_size]))
            yb = pdg.from_numpy(np.ascontiguousarray(y[i: i + batch_size]))
            out = model(xb)
            total += float(fn(out, _prepare_target(loss, out, yb)).item()) * xb.shape[0]
            outs.append(out.numpy().copy())
    model.train(was)
    out = np.concatenate(outs)
    res = {"loss": total / x.shape[0]}
    if task == "classification":
        res["acc"] = _accuracy(out, y, threshold=0.0 if loss == "bce_with_logits" else 0.5)
    else:
        res["rmse"] = _rmse(out, y.reshape(out.shape) if y.size == out.size else y)
    return res


class SupervisedTrainer(Trainer):
    """Minibatch training of ``model`` on (inputs, targets).

    Args:
        model: an ``nn.Module``.
        loss: "cross_entropy" (class-index targets), "mse", "l1", "bce" (probabilities),
            "bce_with_logits", or a callable ``loss(output, target)``.
        task: "classification" (logs accuracy) or "regression" (logs RMSE).
        optimizer: an optimizer, or None to build ``optimizer_name`` with ``lr``.
        val_data: optional (inputs, targets) evaluated after each epoch (``val_loss``,
            ``val_acc`` / ``val_rmse`` in the log).
        other keyword arguments: see :class:`Trainer`.
    """

    def __init__(self, model, loss="cross_entropy", task="classification", optimizer=None,
                 optimizer_name="adam", lr=1e-3, val_data=None, **kwargs):
        super().__init__(**kwargs)
        if task not in ("classification", "regression"):
            raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
        self.model = model
        self.loss = loss
        self.loss_fn = _loss_fn(loss)
        self.task = task
        self.optimizer = optimizer or make_optimizer(model.parameters(), optimizer_name, lr)
        self.modules = {"model": model}
        self.optimizers = {"optimizer": self.optimizer}
        self.val_data = val_data

    def train_step(self, batch):
        x, y = batch[0], batch[1]
        self.model.train()
        self.optimizer.zero_grad()
        out = self.model(x)
        loss = self.loss_fn(out, _prepare_target(self.loss, out, y))
        loss.backward()
        self.optimizer.step()
        res = {"loss": loss.item()}
        if self.task == "classification":
            res["acc"] = _accuracy(out.detach().numpy(), y.numpy(),
                                   threshold=0.0 if self.loss == "bce_with_logits" else 0.5)
        return res

    def end_epoch(self, record):
        if self.val_data is not None and not callable(self.loss):
            ev = evaluate(self.model, self.val_data, self.loss, task=self.task)
            record.update({f"val_{k}": v for k, v in ev.items()})
