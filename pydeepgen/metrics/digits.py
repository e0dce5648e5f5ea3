"""Class coverage of generated 8x8 digits (scikit-learn's digits, the main job's data).

FID and TVD (:mod:`pydeepgen.metrics.fid`) read 28x28 MNIST; an 8x8-digit generator (``pydeepgen
train gan``, and cgan, dcgan, vae or ddpm ``--dataset digits``) is scored here instead, with a
small classifier of its own:

* the classifier: a small CNN (two 3x3 convolutions of 16 and 32 channels, 2x2 max pool, a
  64-unit hidden layer) trained with Adam and a cosine learning-rate decay for 3 epochs on the
  digits' training split (the first 1500 images, the split ``pydeepgen train`` uses; pixels
  ``v / 16 * 2 - 1`` in [-1, 1], the generators' range), each image also shifted by one pixel
  in the 8 directions. A fixed seed on one thread makes it the same network on every run of a
  machine. Training takes a few seconds on first use; the weights are then cached in
  ``$PDG_CACHE`` (default ``~/.cache/pydeepgen``) as ``digits-classifier-v1.npz`` (delete it
  to retrain). Its accuracy on the 297 held-out digits is reported with every score: 98.0 %
  (plain MLPs and an SVM reach only 92-93 % on this fixed split without the shifts).
* the readout (:func:`digits_scores`) of ``n`` generated images: the histogram of the
  classifier's argmax classes (as fractions), its total variation distance to the uniform
  distribution over the 10 classes (0: every class equally often; 0.9: a single class), and
  the share of confident samples (largest class probability >= 0.9), with the same numbers for
  the held-out real digits beside them. Conditional samples also get the label accuracy (the
  share classified as the class they were asked for).

Nothing here touches the default random generator: a training run that calls it at its end
continues bit for bit.
"""

import math
import os
import tempfile

import numpy as np

from ..datasets.roots import cache_dir
from .classification import to_numpy
from .fid import class_histogram, total_variation

__all__ = ["digits_classifier", "digits_probabilities", "digits_scores", "format_digits_scores",
           "to_record", "from_record", "cache_dir", "DIGITS_TRAIN", "CONFIDENT"]

DIGITS_TRAIN = 1500  # the first 1500 digits train, the last 297 are held out (recipes.load_data)
CONFIDENT = 0.9  # a sample is "confident" when its largest class probability is at least this
_VERSION = 1
_EPOCHS, _BATCH, _LR, _SEED = 3, 64, 3e-3, 1

_memo = {}


def _digits_m11():
    """All 1797 digits as float32 (N, 1, 8, 8) in [-1, 1] and their int64 labels."""
    from ..datasets import digits

    x, y = digits()
    x = to_numpy(x).astype(np.float32) / np.float32(16.0) * np.float32(2.0) - np.float32(1.0)
    return np.ascontiguousarray(x.reshape(-1, 1, 8, 8)), to_numpy(y).astype(np.int64)


def _new_model():
    from .. import nn

    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))


def _shifted(x):
    """``x`` and its 8 one-pixel shifts (the background, -1, fills the vacated border)."""
    out = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            s = np.full_like(x, -1.0)
            s[..., max(dy, 0): 8 + min(dy, 0), max(dx, 0): 8 + min(dx, 0)] = \
                x[..., max(-dy, 0): 8 + min(-dy, 0), max(-dx, 0): 8 + min(-dx, 0)]
            out.append(s)
    return np.concatenate(out)


def _logits(model, x, batch_size=2000):
    import pydeepgen as pdg

    x = np.ascontiguousarray(np.asarray(x, dtype=np.float32).reshape(-1, 1, 8, 8))
    out = np.empty((x.shape[0], 10), dtype=np.float64)
    model.eval()
    with pdg.no_grad():
        for lo in range(0, x.shape[0], batch_size):
            out[lo: lo + batch_size] = model(pdg.from_numpy(x[lo: lo + batch_size])).numpy()
    return out


class _OwnRandomness:
    """Runs a block on one thread with the default generator seeded ``seed`` (or left as it
    is), restoring the caller's generator state and thread count afterwards: building or
    training the classifier never shifts the random draws of a training run around it."""

    def __init__(self, seed=None):
        self.seed = seed

    def __enter__(self):
        import pydeepgen as pdg

        self.state, self.threads = pdg.get_rng_state().clone(), pdg.get_num_threads()
        pdg.set_num_threads(1)
        if self.seed is not None:
            pdg.manual_seed(self.seed)

    def __exit__(self, *exc):
        import pydeepgen as pdg

        pdg.set_num_threads(self.threads)
        pdg.set_rng_state(self.state)


def _train():
    """The classifier trained from scratch (deterministic: fixed seed, one thread)."""
    import pydeepgen as pdg
    from ..nn import functional as F
    from ..optim import Adam

    x, y = _digits_m11()
    xt, yt = _shifted(x[:DIGITS_TRAIN]), np.tile(y[:DIGITS_TRAIN], 9)
    n = xt.shape[0]
    steps = _EPOCHS * -(-n // _BATCH)
    with _OwnRandomness(_SEED):
        model = _new_model()
        opt = Adam(model.parameters(), lr=_LR)
        order = np.random.default_rng(_SEED)
        model.train()
        step = 0
        for _ in range(_EPOCHS):
            perm = order.permutation(n)
            for lo in range(0, n, _BATCH):
                for group in opt.param_groups:  # cosine decay per step
                    group["lr"] = _LR * 0.5 * (1.0 + math.cos(math.pi * step / steps))
                step += 1
                idx = perm[lo: lo + _BATCH]
                loss = F.cross_entropy(model(pdg.from_numpy(np.ascontiguousarray(xt[idx]))),
                                       pdg.from_numpy(np.ascontiguousarray(yt[idx])))
                opt.zero_grad()
                loss.backward()
                opt.step()
    return model.eval()


def _state_arrays(model):
    return {k: np.ascontiguousarray(v.detach().numpy()) for k, v in model.state_dict().items()}


def _load_cached(path):
    try:
        with np.load(path) as f:
            if int(f["__version__"]) != _VERSION:
                return None
            with _OwnRandomness():  # the initialization draws of a model about to be loaded
                model = _new_model()
            model.load_state_dict({k: f[k] for k in f.files if not k.startswith("__")})
        return model.eval()
    except (OSError, KeyError, ValueError, RuntimeError):
        return None  # missing, stale or corrupt: train again


def _save_cached(model, path):
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __version__=np.int64(_VERSION), **_state_arrays(model))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs the retraining next time


def digits_classifier(cache=True):
    """``(model, info)``: the 8x8-digit classifier (eval mode) and ``info`` with its held-out
    accuracy (``test_acc``, on the last 297 digits), ``source`` ("trained", "cache" or
    "memory") and the cache ``path``. ``cache=False`` trains a fresh one and writes no file."""
    path = cache_dir() / f"digits-classifier-v{_VERSION}.npz"
    if cache and "model" in _memo:
        return _memo["model"], dict(_memo["info"], source="memory")
    model, source = (_load_cached(path) if cache else None), "cache"
    if model is None:
        model, source = _train(), "trained"
        if cache:
            _save_cached(model, path)
    x, y = _digits_m11()
    acc = float(np.mean(_logits(model, x[DIGITS_TRAIN:]).argmax(axis=1) == y[DIGITS_TRAIN:]))
    info = {"test_acc": acc, "n_test": int(len(y) - DIGITS_TRAIN), "source": source,
            "path": str(path) if cache else None}
    if cache:
        _memo["model"], _memo["info"] = model, info
    return model, dict(info)


def _as_digit_images(images, op):
    a = to_numpy(images, np.float32)
    if a.ndim == 2 and a.shape[1] == 64 or a.ndim == 3 and a.shape[1:] == (8, 8):
        a = a.reshape(a.shape[0], 1, 8, 8)
    if a.ndim != 4 or a.shape[1:] != (1, 8, 8):
        raise ValueError(f"{op}: expects 8x8 digits, N x 1 x 8 x 8 or N x 64 in [-1, 1], got "
                         f"shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError(f"{op}: no images")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{op}: the images contain NaN or inf")
    return np.ascontiguousarray(a)


def digits_probabilities(images, classifier=None):
    """Class probabilities (float64 N x 10) of 8x8 digits in [-1, 1]."""
    model = classifier if classifier is not None else digits_classifier()[0]
    z = _logits(model, _as_digit_images(images, "digits_probabilities"))
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _readout(p):
    hist = class_histogram(p)
    return {"hist": hist.tolist(), "tvd_uniform": total_variation(hist, np.full(10, 0.1)),
            "confident": float(np.mean(p.max(axis=1) >= CONFIDENT))}


def digits_scores(images, labels=None, classifier=None):
    """The class-coverage readout of generated 8x8 digits ``images`` (N x 1 x 8 x 8 or N x 64,
    in [-1, 1]): ``{"n", "hist", "tvd_uniform", "confident", "classifier_acc", "real": {...}}``
    (``real``: the same readout of the 297 held-out digits), and ``label_acc`` when the
    requested ``labels`` of conditional samples are given."""
    if classifier is None:
        classifier, info = digits_classifier()
        acc = info["test_acc"]
    else:
        acc = None
    p = digits_probabilities(images, classifier)
    out = {"n": int(p.shape[0]), **_readout(p), "classifier_acc": acc}
    x, _ = _digits_m11()
    out["real"] = _readout(digits_probabilities(x[DIGITS_TRAIN:], classifier))
    if labels is not None:
        lab = to_numpy(labels).astype(np.int64).reshape(-1)
        if lab.shape[0] != p.shape[0]:
            raise ValueError(f"digits_scores: {p.shape[0]} images but {lab.shape[0]} labels")
        out["label_acc"] = float(np.mean(p.argmax(axis=1) == lab))
    return out


def to_record(s, prefix="digits_"):
    """:func:`digits_scores`' dict as flat log-record entries (``digits_tvd`` ...)."""
    out = {f"{prefix}n": s["n"], f"{prefix}tvd": s["tvd_uniform"],
           f"{prefix}confident": s["confident"], f"{prefix}hist": list(s["hist"]),
           f"{prefix}real_tvd": s["real"]["tvd_uniform"],
           f"{prefix}real_confident": s["real"]["confident"],
           f"{prefix}classifier_acc": s["classifier_acc"]}
    if "label_acc" in s:
        out[f"{prefix}label_acc"] = s["label_acc"]
    return out


def from_record(record, prefix="digits_"):
    """The inverse of :func:`to_record` (None if ``record`` holds no readout)."""
    if f"{prefix}tvd" not in record or not isinstance(record.get(f"{prefix}hist"), list):
        return None
    s = {"n": record[f"{prefix}n"], "tvd_uniform": record[f"{prefix}tvd"],
         "confident": record[f"{prefix}confident"], "hist": record[f"{prefix}hist"],
         "classifier_acc": record.get(f"{prefix}classifier_acc"),
         "real": {"tvd_uniform": record[f"{prefix}real_tvd"],
                  "confident": record[f"{prefix}real_confident"]}}
    if f"{prefix}label_acc" in record:
        s["label_acc"] = record[f"{prefix}label_acc"]
    return s


def format_digits_scores(s, note=None):
    """The readout as printed by ``pydeepgen eval --metric digits`` and ``pydeepgen train``:
    three lines (``note``, e.g. the seed, goes into the first)."""
    acc = s.get("classifier_acc")
    who = (f"8x8-digit classifier, {acc:.1%} held-out accuracy" if acc is not None
           else "8x8-digit classifier")
    real = s["real"]
    lines = [f"digits coverage of {s['n']} samples ({who}{'; ' + note if note else ''}):",
             "  class %  " + " ".join(f"{c}:{100 * h:4.1f}" for c, h in enumerate(s["hist"])),
             f"  tvd to uniform {s['tvd_uniform']:.4f} (held-out real digits "
             f"{real['tvd_uniform']:.4f}); confident (max p >= {CONFIDENT}) "
             f"{s['confident']:.1%} (real {real['confident']:.1%})"
             + (f"; label accuracy {s['label_acc']:.1%}" if "label_acc" in s else "")]
    return "\n".join(lines)
