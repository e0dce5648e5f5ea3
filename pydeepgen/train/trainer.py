"""The training loop every trainer shares: batching, progress bars, logs, checkpoints,
resume and interruption. Subclasses say what one step does (``train_step``) and what to
do at the end of an epoch (``end_epoch``: validation, sample grids).

Reproducibility. All randomness comes from two pdg generators: the default generator
(``pdg.manual_seed``: initialization, noise, dropout) and the trainer's own shuffling
generator (seeded with ``seed``), which draws one permutation per epoch. A checkpoint holds
both generators' states, the current epoch's permutation and position in it, every module's
state dict and every optimizer's state dict, and the running loss sums. Resuming from any
checkpoint -- at an epoch boundary or mid-epoch after Ctrl-C -- therefore continues the exact
computation: the parameters after N epochs are bit-for-bit those of an uninterrupted run
(same machine, same thread count).

Divergence. A logged loss that turns nan or inf (checked on the per-step floats, and on the
epoch's record with its validation losses) stops ``fit`` with :class:`TrainingDiverged`, and
``save`` refuses weights or optimizer state holding nan or inf: the last good checkpoint
stays. Weights can go bad in a step whose loss (computed before the update) was finite.

Interruption. During ``fit`` the first Ctrl-C (SIGINT) only sets a flag; the loop stops
after the current step finishes, saves a checkpoint and returns (``trainer.interrupted`` is
True). A second Ctrl-C interrupts at once, without saving (the step was half done). A
callback that raises ``KeyboardInterrupt`` is treated like the first Ctrl-C.
"""

import math
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np

from ..utils.progress import progress_bar
from .checkpoint import CheckpointError, flatten_state, load_checkpoint, save_checkpoint
from .logs import EpochLogger, plot_curves

__all__ = ["Trainer", "TrainingDiverged", "as_arrays"]


class TrainingDiverged(RuntimeError):
    """A loss became nan or inf, or the weights about to be saved did. ``fit`` stops and
    the last good checkpoint is left as it was (``pydeepgen train`` exits with status 1)."""


def _non_finite_loss(values):
    """(name, value) of the first loss in ``values`` that is nan or inf, else None. Only the
    entries named "...loss...": the others (accuracy, D's outputs, scores) are no training
    signal, and a non-finite model makes the losses non-finite too."""
    return next(((k, v) for k, v in values.items()
                 if "loss" in k and isinstance(v, float) and not math.isfinite(v)), None)


def _non_finite_tensor(state):
    """The key of the first floating tensor of ``state`` holding nan or inf, else None."""
    tensors, _ = flatten_state(state)
    for key, t in tensors.items():
        a = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
        if a.dtype.kind in "fc" and not np.isfinite(a).all():
            return key
    return None


def as_arrays(data):
    """The training data as a tuple of NumPy arrays with a common first dimension.

    Accepts a tuple/list of tensors or arrays, a single tensor/array, a ``TensorDataset``-like
    object (``.tensors``), an object with ``.data``/``.targets``, or any indexable dataset of
    tuples (materialized once)."""

    def arr(x):
        if hasattr(x, "detach") and hasattr(x, "numpy"):
            return np.ascontiguousarray(x.detach().numpy())
        return np.ascontiguousarray(np.asarray(x))

    if isinstance(data, np.ndarray) or (hasattr(data, "numpy") and hasattr(data, "shape")):
        out = (arr(data),)
    elif isinstance(data, (tuple, list)):
        out = tuple(arr(x) for x in data)
    elif hasattr(data, "tensors"):
        out = tuple(arr(x) for x in data.tensors)
    elif hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        items = [data[i] for i in range(len(data))]
        if items and isinstance(items[0], (tuple, list)):
            out = tuple(np.stack([arr(it[j]) for it in items]) for j in range(len(items[0])))
        else:
            out = (np.stack([arr(it) for it in items]),)
    else:
        raise TypeError(f"cannot use a {type(data).__name__} as training data")
    n = out[0].shape[0]
    if any(a.shape[0] != n for a in out):
        raise ValueError(f"training arrays differ in length: {[a.shape for a in out]}")
    return out


class Trainer:
    """Base class. Subclasses set ``self.modules`` ({name: Module}) and ``self.optimizers``
    ({name: Optimizer}) and implement ``train_step(batch) -> {loss name: float}``.

    Args:
        epochs: total epochs (a resumed run continues up to this number).
        batch_size: samples per step.  drop_last: skip the last short batch of an epoch.
        seed: seeds the shuffling generator (seed the default one with ``pdg.manual_seed``).
        out_dir: where ``checkpoint.safetensors``, the log, plots and samples go (None: no
            files at all, e.g. in a notebook).
        checkpoint_every: save every this many epochs (0: only at the end); always at the end.
        log_format: "jsonl" (``log.jsonl``) or "csv" (``log.csv``).
        progress: print one line per epoch (its record) and, when stderr is a terminal, a tqdm
            bar with the running losses (in a file or pipe there is no bar: no ``\r`` redraws).
        callbacks: callables ``cb(trainer, event)``, event "step" (after each step) or
            "epoch" (after each epoch's record); raising KeyboardInterrupt stops the run
            cleanly (checkpoint saved).
        meta: JSON-able dict stored in checkpoints (e.g. the dataset, for ``pydeepgen eval``).
        plot_every: redraw ``losses.png`` every this many epochs (and at the end).
        lr_schedule: None (constant) or "cosine": every optimizer's learning rate in epoch e
            is its initial value times ``(1 + cos(pi * e / epochs)) / 2``. A function of the
            epoch only, so a resumed run continues on the same schedule.
        distributed: data-parallel over MPI (run under ``mpiexec -n N``): every module gets
            :class:`~pydeepgen.distributed.DistributedDataParallel` (rank 0's weights, averaged
            gradients); each step's global batch of ``batch_size * N`` samples (the same
            shuffle on every rank, padded to a multiple of N as DistributedSampler pads) is
            split so rank r takes its samples r, r + N, ...; the default generator (latent
            noise, dropout) is re-seeded each step from (seed, step, rank), so ranks draw
            different noise and a resumed run draws what it would have; the epoch's logged losses are
            averaged over ranks; only rank 0 writes logs, checkpoints, plots and samples and
            prints. A resume needs the same N. With one process it is the plain trainer.
    """

    def __init__(self, epochs=10, batch_size=64, seed=0, out_dir=None, checkpoint_every=1,
                 log_format="jsonl", progress=True, callbacks=(), drop_last=False, meta=None,
                 handle_sigint=True, plot_every=1, lr_schedule=None, distributed=False):
        import pydeepgen as pdg

        if lr_schedule not in (None, "constant", "cosine"):
            raise ValueError(f"lr_schedule must be None, 'constant' or 'cosine', got "
                             f"{lr_schedule!r}")
        self.lr_schedule = None if lr_schedule == "constant" else lr_schedule
        self._base_lrs = None

        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.seed = int(seed)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.checkpoint_every = int(checkpoint_every)
        self.log_format = log_format
        self.progress = bool(progress)
        self.callbacks = list(callbacks)
        self.drop_last = bool(drop_last)
        self.meta = dict(meta or {})
        self.handle_sigint = handle_sigint
        self.plot_every = int(plot_every)
        self.shuffle_generator = pdg.Generator().manual_seed(self.seed)
        self.modules = {}
        self.optimizers = {}
        # loop position
        self.epoch = 0  # completed epochs
        self.global_step = 0
        self._batch_index = 0
        self._perm = None
        self._sums = {}
        self._counts = {}
        self.history = []
        self.interrupted = False
        self._stop = False
        self._in_step = False
        self.last_checkpoint = None
        self.distributed = bool(distributed)
        self._rank, self._world, self._ddp = 0, 1, None
        if self.distributed:
            from ..distributed import comm

            self._rank, self._world = comm.init()
        self.epochs_trained = 0  # epochs the last fit() call trained (not those it resumed)
        self.fit_seconds = 0.0  # wall time of the last fit() call

    # -- learning-rate schedule ------------------------------------------------------------
    def epoch_lr_factor(self, epoch):
        """The learning-rate multiplier of (0-based) ``epoch`` under ``lr_schedule``."""
        if self.lr_schedule == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * epoch / max(1, self.epochs)))
        return 1.0

    def _apply_lr_schedule(self):
        if self.lr_schedule is None:
            return
        groups = [g for opt in self.optimizers.values() for g in opt.param_groups]
        f = self.epoch_lr_factor(self.epoch)
        for g, base in zip(groups, self._base_lrs):
            g["lr"] = base * f

    # -- to implement ----------------------------------------------------------------------
    def train_step(self, batch):
        raise NotImplementedError

    def end_epoch(self, record):
        """Called after each epoch with its record (mean losses); may add entries to it
        (validation metrics) and write files (samples). Returns nothing."""

    def extra_state(self):
        """More state to checkpoint (JSON values or tensors), restored by ``load_extra``."""
        return {}

    def load_extra(self, state):
        pass

    # -- files -----------------------------------------------------------------------------
    @property
    def checkpoint_path(self):
        return self.out_dir / "checkpoint.safetensors" if self.out_dir else None

    @property
    def log_path(self):
        return self.out_dir / f"log.{self.log_format}" if self.out_dir else None

    # -- state -----------------------------------------------------------------------------
    def state_dict(self):
        import pydeepgen as pdg

        return {
            "trainer": type(self).__name__,
            "models": {
                name: {"class": type(m).__name__, "config": getattr(m, "config", None)}
                for name, m in self.modules.items()
            },
            "modules": {name: m.state_dict() for name, m in self.modules.items()},
            "optimizers": {name: o.state_dict() for name, o in self.optimizers.items()},
            "rng": {"default": pdg.get_rng_state(), "shuffle": self.shuffle_generator.get_state()},
            "loop": {
                "epoch": self.epoch,
                "global_step": self.global_step,
                "batch_index": self._batch_index,
                "perm": self._perm,
                "sums": dict(self._sums),
                "counts": dict(self._counts),
                "seed": self.seed,
                "batch_size": self.batch_size,
                "drop_last": self.drop_last,
                "world_size": self._world,
            },
            "history": list(self.history),
            "meta": self.meta,
            "extra": self.extra_state(),
        }

    def load_state_dict(self, state):
        import pydeepgen as pdg

        loop = state["loop"]
        if int(loop.get("world_size", 1)) != self._world:
            raise CheckpointError(f"checkpoint was trained by {loop.get('world_size', 1)} processes; "
                                  f"resume it with as many (mpiexec -n {loop.get('world_size', 1)}), "
                                  f"not {self._world}")
        if loop["batch_size"] != self.batch_size or loop["drop_last"] != self.drop_last:
            raise CheckpointError(
                f"checkpoint was trained with batch size {loop['batch_size']} (drop_last="
                f"{loop['drop_last']}); resume with the same batch size, not {self.batch_size}"
            )
        missing = set(self.modules) ^ set(state["modules"])
        if missing:
            raise CheckpointError(f"checkpoint modules {sorted(state['modules'])} do not match "
                                  f"this trainer's {sorted(self.modules)}")
        for name, m in self.modules.items():
            saved = state["models"].get(name, {})
            if saved.get("class") not in (None, type(m).__name__):
                raise CheckpointError(f"checkpoint holds a {saved.get('class')} as {name!r}, "
                                      f"not a {type(m).__name__}")
            try:
                m.load_state_dict(state["modules"][name])
            except RuntimeError as e:
                raise CheckpointError(f"checkpoint does not fit the model: {e}") from None
        for name, o in self.optimizers.items():
            o.load_state_dict(state["optimizers"][name])
        pdg.set_rng_state(state["rng"]["default"])
        self.shuffle_generator.set_state(state["rng"]["shuffle"])
        self.epoch = int(loop["epoch"])
        self.global_step = int(loop["global_step"])
        self._batch_index = int(loop["batch_index"])
        perm = loop["perm"]
        self._perm = None if perm is None else np.asarray(
            perm.numpy() if hasattr(perm, "numpy") else perm, dtype=np.int64).copy()
        self._sums = {k: float(v) for k, v in loop["sums"].items()}
        self._counts = {k: int(v) for k, v in loop["counts"].items()}
        self.history = list(state["history"])
        self.meta.update({k: v for k, v in state.get("meta", {}).items() if k not in self.meta})
        self.load_extra(state.get("extra", {}))

    def save(self, path=None):
        """Checkpoint the run to ``path`` (default ``out_dir``'s checkpoint). Raises
        :class:`TrainingDiverged`, writing nothing, if a weight or optimizer tensor is not
        finite: a checkpoint of a diverged run must not replace the last good one."""
        path = Path(path) if path is not None else self.checkpoint_path
        if path is None:
            return None
        state = self.state_dict()
        bad = _non_finite_tensor({"modules": state["modules"],
                                  "optimizers": state["optimizers"]})
        if bad is not None:
            raise self._diverged(f"{bad} holds nan or inf after {self.global_step} steps, "
                                 f"so it was not saved")
        save_checkpoint(state, path)
        self.last_checkpoint = path
        return path

    def _diverged(self, what):
        """The :class:`TrainingDiverged` error for ``what`` went non-finite, one line."""
        kept = ""
        if self.checkpoint_path is not None:
            kept = (f"; {self.checkpoint_path} keeps the last good state"
                    if self.checkpoint_path.is_file() else "; no checkpoint was written")
        return TrainingDiverged(f"training diverged: {what}{kept} (a lower learning rate may "
                                f"help)")

    def resume_from(self, path=None):
        path = Path(path) if path is not None else self.checkpoint_path
        if path is None:
            raise ValueError("resume needs a checkpoint path or an out_dir")
        self.load_state_dict(load_checkpoint(path))
        return path

    def warm_start(self, path):
        """Initialise the weights from another run's checkpoint (fine-tuning), keeping this
        trainer's fresh optimizer, epoch counter and RNG.

        Each module takes the same-named module of the checkpoint (an EMA copy falls back to
        the checkpoint's ``model`` if it kept none). Tensors of the same name must have the
        same shape; tensors the source lacks keep their initialisation, and a model that
        defines ``warm_start_init(missing_keys)`` gets to set them (the conditional DDPM
        zeroes its new label embedding so it starts as the unconditional model)."""
        state = load_checkpoint(path)
        try:
            sources = state["modules"]
        except (KeyError, TypeError):
            raise CheckpointError(f"warm start: {path} is not a training checkpoint") from None
        loaded = {}
        for name, m in self.modules.items():
            src = sources.get(name, sources.get("model"))
            if src is None:
                raise CheckpointError(f"warm start: {path} holds modules {sorted(sources)}, "
                                      f"none for {name!r}")
            own = m.state_dict()
            extra = sorted(set(src) - set(own))
            if extra:
                raise CheckpointError(f"warm start: {path} has tensors this {type(m).__name__} "
                                      f"lacks: {', '.join(extra[:5])} (a different model?)")
            bad = [f"{k} {tuple(src[k].shape)} vs {tuple(t.shape)}" for k, t in own.items()
                   if k in src and tuple(src[k].shape) != tuple(t.shape)]
            if bad:
                raise CheckpointError(f"warm start: {len(bad)} tensors of {path} differ in "
                                      f"shape from this {type(m).__name__}'s, e.g. "
                                      f"{'; '.join(bad[:3])} (a different size?)")
            m.load_state_dict(src, strict=False)
            missing = sorted(set(own) - set(src))
            if missing and hasattr(m, "warm_start_init"):
                m.warm_start_init(missing)
            loaded[name] = missing
        self.meta["init_from"] = str(path)
        return loaded

    # -- the loop --------------------------------------------------------------------------
    def _on_sigint(self, signum, frame):
        if self._stop or not self._in_step:
            # second Ctrl-C, or outside a step (e.g. while plotting): stop right away
            self._stop = True
            if self._in_step:
                raise KeyboardInterrupt
        self._stop = True

    def _new_epoch(self, n):
        import pydeepgen as pdg

        self._perm = pdg.randperm(n, generator=self.shuffle_generator).numpy().copy()
        self._batch_index = 0
        self._sums = {}
        self._counts = {}

    def _steps_per_epoch(self, n):
        n, b = self._padded(n), self.batch_size * self._world
        return n // b if self.drop_last else math.ceil(n / b)

    def _padded(self, n):
        """Samples per epoch: n, or (distributed) n padded up to a multiple of the world size."""
        return -(-n // self._world) * self._world

    def _batch_indices(self):
        """This rank's sample indices of the current step."""
        b = self.batch_size * self._world
        lo = self._batch_index * b
        if self._world == 1:
            return self._perm[lo: lo + b]
        n = self._perm.shape[0]
        total = self._padded(n)
        perm = self._perm if total == n else np.concatenate([self._perm, self._perm[:total - n]])
        return perm[lo: lo + b][self._rank::self._world]

    def _reduce_epoch_sums(self):
        """Distributed: the epoch's loss sums and counts summed over ranks (same keys on all)."""
        if self._world == 1 or not self._sums:
            return
        import pydeepgen as pdg
        from ..distributed import comm

        keys = sorted(self._sums)
        t = pdg.tensor([self._sums[k] for k in keys] + [float(self._counts[k]) for k in keys],
                       dtype=pdg.float64)
        comm.all_reduce(t)
        v = t.tolist()
        for i, k in enumerate(keys):
            self._sums[k], self._counts[k] = v[i], int(round(v[len(keys) + i]))

    def fit(self, data, resume=False, init_from=None):
        """Train on ``data`` (see :func:`as_arrays`) until ``self.epochs`` epochs are done.

        ``resume``: False (start fresh), True (continue from ``out_dir``'s checkpoint) or a
        checkpoint path. ``init_from``: a fresh run starts from this checkpoint's weights
        (:meth:`warm_start`); ignored when resuming, whose checkpoint already holds them.
        Returns the history (one dict per epoch)."""
        import pydeepgen as pdg

        t_fit = time.perf_counter()
        self.epochs_trained = 0
        arrays = as_arrays(data)
        n = arrays[0].shape[0]
        if n == 0:
            raise ValueError("no training data")
        steps = self._steps_per_epoch(n)
        if steps == 0:
            raise ValueError(f"{n} samples make no full batch of {self.batch_size * self._world} "
                             f"(drop_last)")
        if self._base_lrs is None:  # before a resume loads the optimizers' decayed rates
            self._base_lrs = [g["lr"] for opt in self.optimizers.values()
                              for g in opt.param_groups]
        if resume:
            self.resume_from(None if resume is True else resume)
        elif init_from is not None:
            self.warm_start(init_from)
            if self._perm is not None and self._perm.shape[0] != n:
                raise CheckpointError(f"checkpoint was trained on {self._perm.shape[0]} samples, "
                                      f"the data has {n}")
        if self.distributed and self._ddp is None:
            from ..distributed import DistributedDataParallel

            # rank 0's (possibly resumed) weights and buffers on every rank, gradient hooks on
            self._ddp = [DistributedDataParallel(m) for m in self.modules.values()]
            if self._rank != 0:  # every file and line of output comes from rank 0
                self.out_dir, self.progress, self.plot_every = None, False, 0
        logger = None
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            logger = EpochLogger(self.log_path, self.log_format)
            logger.rewrite(self.history)  # exactly the epochs the checkpoint holds

        old_handler = None
        if self.handle_sigint and threading.current_thread() is threading.main_thread():
            old_handler = signal.signal(signal.SIGINT, self._on_sigint)
        self.interrupted = False
        self._stop = False
        bar = None
        try:
            while self.epoch < self.epochs:
                if self._perm is None:
                    self._new_epoch(n)
                self._apply_lr_schedule()
                t0 = time.perf_counter()
                if self.progress:
                    # a bar redrawn in place only on a terminal: in a file or pipe the per-epoch
                    # line below is the whole progress report (no \r redraws)
                    bar = progress_bar(steps, f"epoch {self.epoch + 1}/{self.epochs}",
                                       sys.stderr, initial=self._batch_index, plain=False)
                while self._batch_index < steps:
                    idx = self._batch_indices()
                    if self._world > 1:  # each rank its own noise/dropout stream, the same on resume
                        pdg.manual_seed((self.seed * 1_000_003 + self.global_step) * 4096 + self._rank)
                    batch = tuple(pdg.from_numpy(np.ascontiguousarray(a[idx])) for a in arrays)
                    self._in_step = True
                    losses = {k: float(v) for k, v in self.train_step(batch).items()}
                    self._in_step = False
                    bad = _non_finite_loss(losses)  # floats: no extra device sync
                    if bad is not None:
                        raise self._diverged(f"{bad[0]} is {bad[1]} at epoch {self.epoch + 1}, "
                                             f"step {self._batch_index + 1} of {steps}")
                    for k, v in losses.items():
                        self._sums[k] = self._sums.get(k, 0.0) + v
                        self._counts[k] = self._counts.get(k, 0) + 1
                    self._batch_index += 1
                    self.global_step += 1
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix({k: f"{v / self._counts[k]:.4f}" for k, v in self._sums.items()},
                                        refresh=False)
                    for cb in self.callbacks:
                        cb(self, "step")
                    if self._stop:
                        raise KeyboardInterrupt
                if bar is not None:
                    bar.close()
                    bar = None
                self._reduce_epoch_sums()
                record = {"epoch": self.epoch + 1}
                record.update({k: v / self._counts[k] for k, v in self._sums.items()})
                self.end_epoch(record)
                # the validation losses, and sums that overflowed, before anything is saved
                bad = _non_finite_loss(record)
                if bad is not None:
                    raise self._diverged(f"{bad[0]} is {bad[1]} at the end of epoch "
                                         f"{self.epoch + 1}")
                record["seconds"] = round(time.perf_counter() - t0, 3)
                self.epoch += 1
                self._perm = None
                self._batch_index = 0
                self.history.append(record)
                self.epochs_trained += 1
                if logger is not None:
                    logger.write(record)
                if self.progress:
                    print(" ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in record.items()  # digits_*: see the readout
                                   if isinstance(v, (int, float, str))
                                   and not k.startswith("digits_")), flush=True)
                if self.out_dir is not None and (
                    (self.checkpoint_every and self.epoch % self.checkpoint_every == 0)
                    or self.epoch == self.epochs
                ):
                    self.save()
                self.after_epoch()
                for cb in self.callbacks:
                    cb(self, "epoch")
                if self._stop and self.epoch < self.epochs:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            if bar is not None:
                bar.close()
                bar = None
            self.interrupted = True
            if self._in_step:
                # interrupted inside a step: the state is half-updated, keep the last good file
                self._in_step = False
                raise
            self.save()
        finally:
            if bar is not None:  # e.g. TrainingDiverged mid-epoch
                bar.close()
            if old_handler is not None:
                signal.signal(signal.SIGINT, old_handler)
            self.fit_seconds = time.perf_counter() - t_fit
        if self.interrupted:
            return self.history
        self.finish()
        self.fit_seconds = time.perf_counter() - t_fit
        return self.history

    def after_epoch(self):
        """Hook after the epoch's checkpoint (plots by default)."""
        due = self.plot_every and self.epoch % self.plot_every == 0
        if self.out_dir is not None and self.history and (due or self.epoch == self.epochs):
            plot_curves(self.history, self.out_dir / "losses.png", title=type(self).__name__)

    def finish(self):
        """Hook at the end of a completed run."""
