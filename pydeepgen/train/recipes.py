"""Recipes: which data, model and trainer each ``pydeepgen train MODEL`` uses.

The CLI is a thin layer over :func:`train`, so everything it does is also one Python call::

    from pydeepgen.train import recipes
    trainer = recipes.train("gan", dataset="digits", epochs=50, out_dir="runs/gan")

Data conventions: images are float32 NCHW in [-1, 1] (``u8 / 255 * 2 - 1``; digits'
0..16 scale maps the same way), the range of the generators' Tanh and of the FID classifier.
"""

import numpy as np

__all__ = ["KINDS", "DATASETS", "DEFAULT_DATASET", "DOWNLOADABLE", "load_data", "fetch_data",
           "build_model", "make_trainer", "train", "model_from_checkpoint"]

KINDS = ("mlp", "cnn", "lstm", "gan", "cgan", "dcgan")
DATASETS = ("mnist", "fashion-mnist", "digits", "airline", "gaussian", "line")
DEFAULT_DATASET = {"mlp": "mnist", "cnn": "mnist", "lstm": "airline", "gan": "digits",
                   "cgan": "digits", "dcgan": "mnist"}
ALLOWED = {
    "mlp": ("mnist", "fashion-mnist", "digits"),
    "cnn": ("mnist", "fashion-mnist", "digits"),
    "lstm": ("airline",),
    "gan": ("digits", "mnist", "fashion-mnist", "gaussian", "line"),
    "cgan": ("digits", "mnist", "fashion-mnist"),
    "dcgan": ("mnist", "fashion-mnist", "digits"),
}
# defaults per kind: epochs, batch size, learning rate
DEFAULTS = {
    "mlp": dict(epochs=10, batch_size=64, lr=1e-3),
    "cnn": dict(epochs=10, batch_size=64, lr=1e-3),
    "lstm": dict(epochs=200, batch_size=8, lr=1e-2),
    "gan": dict(epochs=100, batch_size=64, lr=2e-4),
    "cgan": dict(epochs=100, batch_size=64, lr=2e-4),
    "dcgan": dict(epochs=10, batch_size=64, lr=2e-4),
}
# datasets with a public source, fetched into the data root by ``download=True`` (``pydeepgen
# train --download``); the others ship inside scikit-learn or pydeepgen, or are generated
DOWNLOADABLE = ("mnist", "fashion-mnist")
AIRLINE_WINDOW = 12  # a year of months: the window sees the whole seasonal cycle
GAUSSIAN_MEAN, GAUSSIAN_STD, GAUSSIAN_DIM, GAUSSIAN_N = 4.0, 0.2, 16, 2048
LINE_SLOPE, LINE_INTERCEPT, LINE_N = 2.0, 1.0, 2048


def _np(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def _dataset_class(dataset):
    from .. import datasets

    return {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}[dataset]


def fetch_data(dataset, data_root=None):
    """Download the files of ``dataset`` (both splits) that the data root lacks, for the
    datasets with a public source (:data:`DOWNLOADABLE`); returns the folder they are in, or
    None for datasets that need no download (digits, airline, the synthetic ones).
    ``data_root`` None: the one lookup, :func:`pydeepgen.datasets.roots.data_root` (a
    ``shared/data`` folder that already holds the files, else ``$PDG_CACHE/data``)."""
    if dataset not in DOWNLOADABLE:
        return None
    cls = _dataset_class(dataset)
    for split in (True, False):
        ds = cls(root=data_root, train=split, download=True)
    return ds.root / cls.folder


def load_data(dataset, data_root=None, train=True, seed=0, limit=None, download=False):
    """``(arrays, info)``: arrays is (x,) or (x, y) of NumPy arrays; info is a JSON-able dict
    (image shape, classes, scaling) that checkpoints keep for sampling and evaluation.

    ``limit`` keeps the first ``limit`` samples (quick runs and tests). ``download``: fetch
    missing MNIST/Fashion-MNIST files into the data root first. ``data_root`` None: the one
    lookup, :func:`pydeepgen.datasets.roots.data_root` (``$PDG_DATA``, a ``shared/data``
    folder beside the checkout, ``~/.cache/pydeepgen/data``); ``info["data_root"]`` keeps
    only a root that was given, so a checkpoint moved to another machine looks again."""
    from .. import datasets

    info = {"dataset": dataset, "data_root": None if data_root is None else str(data_root)}
    if dataset in ("mnist", "fashion-mnist"):
        cls = _dataset_class(dataset)
        ds = cls(root=data_root, train=train, download=download)
        u8 = _np(ds.data)
        x = (u8.astype(np.float32) / np.float32(255.0) * np.float32(2.0) - np.float32(1.0))
        x = x.reshape(-1, 1, 28, 28)
        y = _np(ds.targets).astype(np.int64)
        info.update(image_shape=[1, 28, 28], num_classes=10)
    elif dataset == "digits":
        xt, yt = datasets.digits()
        x = (_np(xt).astype(np.float32) / np.float32(16.0) * np.float32(2.0) - np.float32(1.0))
        x = x.reshape(-1, 1, 8, 8)
        y = _np(yt).astype(np.int64)
        cut = 1500  # fixed split: first 1500 train, last 297 test
        x, y = (x[:cut], y[:cut]) if train else (x[cut:], y[cut:])
        info.update(image_shape=[1, 8, 8], num_classes=10)
    elif dataset == "airline":
        x, y, meta = airline_windows(_np(datasets.airline_passengers()), train)
        info.update(meta)
    elif dataset == "gaussian":
        import pydeepgen as pdg

        g = pdg.Generator().manual_seed(seed + (0 if train else 1))
        x = _np(datasets.normal_vectors(GAUSSIAN_N, GAUSSIAN_DIM, GAUSSIAN_MEAN, GAUSSIAN_STD,
                                        generator=g)).astype(np.float32)
        y = None
        info.update(mean=GAUSSIAN_MEAN, std=GAUSSIAN_STD, dim=GAUSSIAN_DIM)
    elif dataset == "line":
        import pydeepgen as pdg

        g = pdg.Generator().manual_seed(seed + (0 if train else 1))
        x = _np(datasets.points_on_line(LINE_N, LINE_SLOPE, LINE_INTERCEPT,
                                        generator=g)).astype(np.float32)
        y = None
        info.update(slope=LINE_SLOPE, intercept=LINE_INTERCEPT)
    else:
        raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}")
    if limit is not None:
        x = x[: int(limit)]
        y = None if y is None else y[: int(limit)]
    arrays = (np.ascontiguousarray(x),) if y is None else (np.ascontiguousarray(x),
                                                          np.ascontiguousarray(y))
    return arrays, info


def build_model(kind, info, **overrides):
    """The model for ``kind`` sized from the data ``info`` (e.g. 64 pixels for digits)."""
    from .. import models

    shape = info.get("image_shape")
    if kind == "mlp":
        return models.MLP(in_features=int(np.prod(shape)), out_features=info["num_classes"],
                          **{"hidden": (512, 256), "dropout": 0.2, **overrides})
    if kind == "cnn":
        return models.LeNet5(in_channels=shape[0], num_classes=info["num_classes"],
                             image_size=shape[1], **overrides)
    if kind == "lstm":
        return models.LSTMRegressor(input_size=1, **{"hidden_size": 32, **overrides})
    if kind == "gan":
        if info["dataset"] == "gaussian":
            return models.gaussian_gan(data_dim=info["dim"], **overrides)
        if info["dataset"] == "line":
            return models.line_gan(**overrides)
        return models.GAN(data_dim=int(np.prod(shape)), data_shape=shape, **overrides)
    if kind == "cgan":
        return models.ConditionalGAN(data_dim=int(np.prod(shape)), data_shape=shape,
                                     num_classes=info["num_classes"], **overrides)
    if kind == "dcgan":
        return models.DCGAN(image_size=shape[1], channels=shape[0], **overrides)
    raise ValueError(f"unknown model {kind!r}; choose from {', '.join(KINDS)}")


def airline_windows(series, train=True, window=AIRLINE_WINDOW):
    """(windows, targets, info) for many-to-one forecasting of the monthly series.

    Each window holds log(passengers) of ``window`` months minus the log of its last month, and
    the target is the log change to the next month, all divided by one constant (the largest
    |value| in the training windows). Relative changes keep the same range as the series
    grows, so the network can forecast past the training levels, which min-max-scaled levels
    cannot. A target month belongs to the split it falls in: train = the first 80 % of
    months. ``airline_to_passengers`` inverts the scaling."""
    series = np.asarray(series, dtype=np.float64)
    n_train = int(len(series) * 0.8)
    ls = np.log(series)
    months = np.arange(window, len(series))  # target months
    xs = np.stack([ls[m - window: m] - ls[m - 1] for m in months])
    ys = ls[months] - ls[months - 1]
    split = months < n_train
    scale = float(np.abs(xs[split]).max())
    sel = split if train else ~split
    x = (xs[sel] / scale).astype(np.float32)[:, :, None]
    y = (ys[sel] / scale).astype(np.float32)[:, None]
    info = dict(scaling="logratio", scale=scale, window=int(window), n_train_months=n_train,
                target_months=months[sel].tolist())
    return x, y, info


def airline_to_passengers(pred, info, series):
    """Predicted (scaled) targets of ``airline_windows`` back to passengers, with the true
    values and the persistence forecast (last month's value) for the same months."""
    series = np.asarray(series, dtype=np.float64)
    m = np.asarray(info["target_months"], dtype=np.int64)
    last = series[m - 1]
    return last * np.exp(np.asarray(pred, dtype=np.float64) * info["scale"]), series[m], last


def make_trainer(kind, model, info, test_arrays=None, epochs=None, batch_size=None, lr=None,
                 seed=0, out_dir=None, **kwargs):
    """The trainer for ``kind`` (GANTrainer or SupervisedTrainer) with the kind's defaults."""
    from .gan import GANTrainer
    from .supervised import SupervisedTrainer

    d = DEFAULTS[kind]
    common = dict(epochs=d["epochs"] if epochs is None else epochs,
                  batch_size=d["batch_size"] if batch_size is None else batch_size,
                  seed=seed, out_dir=out_dir,
                  meta={"kind": kind, "data": info})
    lr = d["lr"] if lr is None else lr
    if kind in ("gan", "cgan", "dcgan"):
        return GANTrainer(model, lr=lr, data_root=info.get("data_root"), **common, **kwargs)
    if kind == "lstm":
        return SupervisedTrainer(model, loss="mse", task="regression", lr=lr,
                                 val_data=test_arrays, **common, **kwargs)
    return SupervisedTrainer(model, loss="cross_entropy", task="classification", lr=lr,
                             val_data=test_arrays, **common, **kwargs)


def train(kind, dataset=None, data_root=None, epochs=None, batch_size=None, lr=None, seed=0,
          out_dir=None, resume=False, limit=None, model_overrides=None, init_from=None,
          download=False, **trainer_kwargs):
    """Train model ``kind`` on ``dataset`` (default: the kind's default) and return the
    trainer (``trainer.history``, ``trainer.model``/``trainer.gan``, ``trainer.interrupted``).
    ``init_from``: start from another checkpoint's weights (:meth:`Trainer.warm_start`).
    ``download``: first fetch the dataset's missing files into the data root
    (:func:`fetch_data`; MNIST and Fashion-MNIST).
    """
    import pydeepgen as pdg

    if kind not in KINDS:
        raise ValueError(f"unknown model {kind!r}; choose from {', '.join(KINDS)}")
    dataset = dataset or DEFAULT_DATASET[kind]
    if dataset not in ALLOWED[kind]:
        raise ValueError(f"model {kind!r} does not train on dataset {dataset!r}; use one of "
                         f"{', '.join(ALLOWED[kind])}")
    if trainer_kwargs.get("score_every") and dataset != "mnist":
        raise ValueError(f"FID/TVD scoring during training needs MNIST (the classifier is an "
                         f"MNIST digit classifier), not {dataset!r}")
    if download:
        fetch_data(dataset, data_root)
    pdg.manual_seed(seed)
    arrays, info = load_data(dataset, data_root, train=True, seed=seed, limit=limit)
    if kind in ("gan", "dcgan"):
        arrays = arrays[:1]
    test_arrays = None
    if kind in ("mlp", "cnn", "lstm"):
        test_arrays, _ = load_data(dataset, data_root, train=False, seed=seed, limit=limit)
    model = build_model(kind, info, **(model_overrides or {}))
    trainer = make_trainer(kind, model, info, test_arrays, epochs, batch_size, lr, seed,
                           out_dir, **trainer_kwargs)
    trainer.fit(arrays, resume=resume, init_from=init_from)
    return trainer


def model_from_checkpoint(state, prefer_ema=True):
    """Rebuild the trained model from a loaded checkpoint state (the EMA generator if the
    run kept one and ``prefer_ema``). Returns ``(model, meta)``."""
    from .. import models
    from .checkpoint import CheckpointError

    try:
        entries = state["models"]
        name = "ema" if prefer_ema and "ema" in entries else "model"
        spec = entries[name]
        model = models.build(spec["class"], spec["config"])
        model.load_state_dict(state["modules"][name])
    except (KeyError, TypeError, RuntimeError) as e:
        raise CheckpointError(f"checkpoint does not describe a model pydeepgen can rebuild: "
                              f"{e}") from None
    return model.eval(), state.get("meta", {})
