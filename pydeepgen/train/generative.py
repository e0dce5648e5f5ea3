"""Training autoencoders, VAEs and diffusion models on the shared :class:`Trainer` loop
(progress bars, logs, checkpoints, bit-for-bit resume, Ctrl-C saves, loss plots).

:class:`GenerativeTrainer` trains any model with a ``loss(x, labels=None, generator=None) ->
{"loss": tensor, ...}`` method (Autoencoder, VAE, ConvVAE, DDPM): one Adam step on
``loss["loss"]`` per batch; every entry of the dict is logged. At the end of each epoch it
evaluates the same losses on held-out data (``test_*`` entries; its own generator, so
evaluation never changes the training run), writes sample grids (reconstructions for
autoencoders; samples and reconstructions for VAEs; samples from the EMA weights for DDPMs)
and, for 2-D latent spaces, a scatter of the test codes coloured by class.

:func:`train` is the recipe behind ``pydeepgen train {ae,vae,ddpm}`` (see
:mod:`pydeepgen.cli_generative`): data in the model's range ([0, 1] for AE/VAE, [-1, 1] for
DDPM), the model sized from the data, the trainer with the kind's defaults.
"""

import numpy as np

from .logs import save_sample_grid
from .recipes import load_data
from .supervised import make_optimizer
from .trainer import Trainer

__all__ = ["GenerativeTrainer", "GEN_KINDS", "GEN_DEFAULTS", "GEN_DATASETS", "train",
           "build_model", "load_gen_data", "plot_latent", "register_models"]

GEN_KINDS = ("ae", "vae", "ddpm")
GEN_DATASETS = ("mnist", "fashion-mnist", "digits")
GEN_DEFAULTS = {
    "ae": dict(epochs=10, batch_size=128, lr=1e-3),
    "vae": dict(epochs=10, batch_size=128, lr=1e-3),  # the PyTorch VAE example's settings
    "ddpm": dict(epochs=20, batch_size=128, lr=2e-4),
}


def register_models():
    """Make the generative model classes rebuildable from checkpoints (``models.build``)."""
    from .. import models
    from ..models.autoencoder import Autoencoder
    from ..models.diffusion import DDPM
    from ..models.vae import VAE, ConvVAE

    for cls in (Autoencoder, VAE, ConvVAE, DDPM):
        models.register_model(cls)


register_models()


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


class GenerativeTrainer(Trainer):
    """Args:
        model: a model with ``loss(x, labels=None, generator=None)`` (see the module doc).
        lr, betas, weight_decay, optimizer: the optimizer (Adam by default).
        grad_clip: clip the global gradient norm to this value (None: no clipping).
        ema_decay: keep an EMA of the weights (DDPM: 0.999 by default from the recipe);
            samples, test losses and ``pydeepgen sample`` use it.
        val_data: held-out arrays (x,) or (x, y) in the model's range for ``test_*`` losses.
        val_n: evaluate on at most this many held-out samples (None: all).
        n_samples: images per sample grid.  sample_every: grids every N epochs (0: only at
            the end).  sampler, sample_steps: DDPM sampler for the grids.
        score_every, score_n, score_protocol, data_root: MNIST FID/TVD of DDPM/VAE samples
            every N epochs (0: never).
        other keyword arguments: see :class:`Trainer`.
    """

    def __init__(self, model, lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0, optimizer="adam",
                 grad_clip=None, ema_decay=None, val_data=None, val_n=None, n_samples=64,
                 sample_every=1, sampler="ddim", sample_steps=50, score_every=0, score_n=1000,
                 score_protocol="clean", data_root=None, **kwargs):
        super().__init__(**kwargs)
        import pydeepgen as pdg

        from ..models.diffusion import EMA

        if not hasattr(model, "loss"):
            raise TypeError(f"GenerativeTrainer: a {type(model).__name__} has no loss() method")
        self.model = model
        self.opt = make_optimizer(model.parameters(), optimizer, lr, betas,
                                  weight_decay=weight_decay)
        self.modules = {"model": model}
        self.optimizers = {"model": self.opt}
        self.grad_clip = None if grad_clip is None else float(grad_clip)
        self.ema = None
        if ema_decay:
            self.ema = EMA(model, ema_decay)
            self.modules["ema"] = self.ema.module
        self.val_data = val_data
        self.val_n = val_n
        self.n_samples = int(n_samples)
        self.sample_every = int(sample_every)
        self.sampler_name = sampler
        self.sample_steps = sample_steps
        self.score_every = int(score_every)
        self.score_n = int(score_n)
        self.score_protocol = score_protocol
        self.data_root = data_root
        self.conditional = bool(getattr(model, "conditional", False))
        # fixed noise for the sample grids, from its own generator (never touches training)
        self._grid_seed = self.seed + 7919
        self.fixed_noise = (model.sample_noise(self.n_samples, pdg.Generator().manual_seed(
            self._grid_seed)) if hasattr(model, "sample_noise") else None)

    # -- state -----------------------------------------------------------------------------
    def extra_state(self):
        return {"ema_updates": self.ema.num_updates if self.ema is not None else 0}

    def load_extra(self, state):
        if self.ema is not None:
            self.ema.num_updates = int(state.get("ema_updates", 0))

    @property
    def sampler(self):
        """The model used for samples, test losses and scores: the EMA copy if there is one."""
        return self.ema.module if self.ema is not None else self.model

    # -- one step --------------------------------------------------------------------------
    def train_step(self, batch):
        import pydeepgen as pdg

        x = batch[0]
        if x.dtype != pdg.float32:
            x = x.float()
        labels = batch[1] if self.conditional and len(batch) > 1 else None
        self.model.train()
        losses = self.model.loss(x, labels)
        self.opt.zero_grad()
        losses["loss"].backward()
        if self.grad_clip is not None:
            from ..nn.utils import clip_grad_norm_

            clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.opt.step()
        if self.ema is not None:
            self.ema.update(self.model)
        return {k: v.item() for k, v in losses.items()}

    # -- evaluation, samples ---------------------------------------------------------------
    def _val_arrays(self):
        if self.val_data is None:
            return None
        arrays = self.val_data
        arrays = tuple(arrays) if isinstance(arrays, (tuple, list)) else (arrays,)
        if self.val_n is not None:
            arrays = tuple(a[: int(self.val_n)] for a in arrays)
        return arrays

    def evaluate(self, arrays=None, batch_size=500):
        """Mean losses of the sampling model on held-out ``arrays`` (eval mode, no gradients,
        its own generator seeded from the trainer's seed)."""
        import pydeepgen as pdg

        arrays = self._val_arrays() if arrays is None else arrays
        m = self.sampler
        g = pdg.Generator().manual_seed(self.seed + 104729)
        sums, n = {}, 0
        was = m.training
        m.eval()
        try:
            with pdg.no_grad():
                for lo in range(0, arrays[0].shape[0], batch_size):
                    xb = pdg.from_numpy(np.ascontiguousarray(arrays[0][lo: lo + batch_size]))
                    yb = (pdg.from_numpy(np.ascontiguousarray(arrays[1][lo: lo + batch_size]))
                          if self.conditional and len(arrays) > 1 else None)
                    res = m.loss(xb, yb, generator=g)
                    b = xb.shape[0]
                    for k, v in res.items():
                        sums[k] = sums.get(k, 0.0) + v.item() * b
                    n += b
        finally:
            m.train(was)
        return {k: v / n for k, v in sums.items()}

    def sample_images(self, n=None, generator=None):
        """Samples from the sampling model (fixed grid noise when ``n`` is None)."""
        import pydeepgen as pdg

        m = self.sampler
        if n is None:
            noise, n = self.fixed_noise, self.n_samples
            generator = pdg.Generator().manual_seed(self._grid_seed + 1)
        else:
            noise = None
        if hasattr(m, "timesteps"):  # diffusion
            labels = m._labels(n) if self.conditional else None
            return m.sample(n, labels, generator=generator, sampler=self.sampler_name,
                            steps=self.sample_steps, noise=noise, batch_size=500)
        if noise is None:
            return m.sample(n, generator=generator)
        return m._no_grad_eval(lambda: m.decode(noise))

    def _reconstruction_grid(self, arrays, path):
        """Originals (odd rows) above their reconstructions (even rows), 8 per row."""
        import pydeepgen as pdg

        x = arrays[0][: min(32, arrays[0].shape[0])]
        rec = _np(self.sampler.reconstruct(pdg.from_numpy(np.ascontiguousarray(x))))
        rec = rec.reshape(x.shape)
        rows = []
        for lo in range(0, x.shape[0], 8):
            rows.extend([x[lo: lo + 8], rec[lo: lo + 8]])
        save_sample_grid(np.concatenate(rows), path, nrow=8,
                         value_range=getattr(self.model, "value_range", (0.0, 1.0)))

    def end_epoch(self, record):
        epoch = self.epoch + 1
        arrays = self._val_arrays()
        if arrays is not None:
            for k, v in self.evaluate(arrays).items():
                record[f"test_{k}"] = v
        due = self.sample_every and epoch % self.sample_every == 0
        if self.out_dir is not None and (due or epoch == self.epochs):
            vr = getattr(self.model, "value_range", (-1.0, 1.0))
            if hasattr(self.model, "sample_noise"):
                imgs = self.sample_images()
                nrow = 10 if self.conditional else 8
                save_sample_grid(imgs, self.out_dir / "samples.png", nrow=nrow, value_range=vr)
                if due:
                    save_sample_grid(imgs, self.out_dir / "samples" / f"epoch_{epoch:04d}.png",
                                     nrow=nrow, value_range=vr)
            if hasattr(self.model, "reconstruct") and arrays is not None:
                self._reconstruction_grid(arrays, self.out_dir / "reconstructions.png")
        if self.score_every and (epoch % self.score_every == 0 or epoch == self.epochs):
            record.update(self.score(self.score_n, self.score_protocol))

    def score(self, n=10000, protocol="clean", seed=None):
        """MNIST FID/TVD of ``n`` samples (28x28 single-channel models)."""
        import pydeepgen as pdg

        from ..metrics import mnist_scores

        g = pdg.Generator().manual_seed(self.seed + 1 if seed is None else seed)
        x = self.sample_images(n, generator=g)
        lo, hi = getattr(self.model, "value_range", (-1.0, 1.0))
        if (lo, hi) != (-1.0, 1.0):  # the FID classifier reads [-1, 1]
            x = (x - lo) * (2.0 / (hi - lo)) - 1.0
        s = mnist_scores(x, protocol=protocol, n=n, data_root=self.data_root)
        return {"fid": s["fid"], "tvd": s["tvd"]}

    def finish(self):
        arrays = self._val_arrays()
        if (self.out_dir is not None and arrays is not None and len(arrays) > 1
                and getattr(self.model, "latent_dim", None) == 2):
            plot_latent(self.sampler, arrays[0], arrays[1], self.out_dir / "latent.png")


def encode_mean(model, x, batch_size=1000):
    """Latent codes (the mean for VAEs) of images ``x`` as a NumPy array (N, latent_dim)."""
    import pydeepgen as pdg

    out = []
    was = model.training
    model.eval()
    try:
        with pdg.no_grad():
            for lo in range(0, x.shape[0], batch_size):
                z = model.encode(pdg.from_numpy(np.ascontiguousarray(x[lo: lo + batch_size])))
                out.append(_np(z[0] if isinstance(z, tuple) else z))
    finally:
        model.train(was)
    return np.concatenate(out)


def plot_latent(model, x, y, path, max_points=5000):
    """Scatter of the 2-D latent codes of ``x`` coloured by label ``y`` (PNG)."""
    from pathlib import Path

    from .logs import _pyplot

    x, y = x[:max_points], np.asarray(y)[:max_points]
    z = encode_mean(model, x)
    if z.shape[1] != 2:
        raise ValueError(f"plot_latent: needs a 2-D latent space, got {z.shape[1]} dims")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 5))
    sc = ax.scatter(z[:, 0], z[:, 1], c=y, cmap="tab10", s=3, alpha=0.7)
    fig.colorbar(sc, ax=ax, ticks=range(int(y.max()) + 1))
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    ax.set_title(f"{type(model).__name__}: 2-D latent codes of {len(y)} test images")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


# --------------------------------------------------------------------------------------
# recipes
# --------------------------------------------------------------------------------------


def load_gen_data(kind, dataset, data_root=None, train=True, limit=None):
    """``(arrays, info)`` as :func:`recipes.load_data`, images rescaled to the kind's range:
    [0, 1] for ae/vae (``u8 / 255``), [-1, 1] for ddpm."""
    if dataset not in GEN_DATASETS:
        raise ValueError(f"{kind} does not train on dataset {dataset!r}; use one of "
                         f"{', '.join(GEN_DATASETS)}")
    arrays, info = load_data(dataset, data_root, train=train, limit=limit)
    x = arrays[0]
    if kind in ("ae", "vae"):
        x = np.clip((x + np.float32(1.0)) * np.float32(0.5), 0.0, 1.0).astype(np.float32)
        info["value_range"] = [0.0, 1.0]
    else:
        info["value_range"] = [-1.0, 1.0]
    return (np.ascontiguousarray(x),) + tuple(arrays[1:]), info


def build_model(kind, info, arch="mlp", latent_dim=None, **overrides):
    """The model for ``kind`` sized from the data ``info``.

    ae: Autoencoder (latent 2 by default); vae: VAE (``arch`` "mlp", 784-400-20) or ConvVAE
    (``arch`` "conv"); ddpm: DDPM with a UNet sized for the images (28x28: ch_mult (1, 2, 2);
    8x8: (1, 2))."""
    from ..models.autoencoder import Autoencoder
    from ..models.diffusion import DDPM
    from ..models.vae import VAE, ConvVAE

    shape = info["image_shape"]
    dim = int(np.prod(shape))
    if kind == "ae":
        return Autoencoder(data_dim=dim, latent_dim=latent_dim or 2, data_shape=shape, **overrides)
    if kind == "vae":
        if arch == "conv":
            return ConvVAE(channels=shape[0], image_size=shape[1], latent_dim=latent_dim or 20,
                           **overrides)
        if arch != "mlp":
            raise ValueError(f"vae: arch must be 'mlp' or 'conv', got {arch!r}")
        return VAE(data_dim=dim, latent_dim=latent_dim or 20, data_shape=shape, **overrides)
    if kind == "ddpm":
        kw = dict(ch_mult=(1, 2, 2) if shape[1] % 4 == 0 and shape[1] >= 16 else (1, 2))
        kw.update(overrides)
        return DDPM(in_channels=shape[0], image_size=shape[1], **kw)
    raise ValueError(f"unknown generative model {kind!r}; choose from {', '.join(GEN_KINDS)}")


def train(kind, dataset="mnist", data_root=None, epochs=None, batch_size=None, lr=None, seed=0,
          out_dir=None, resume=False, limit=None, arch="mlp", latent_dim=None, conditional=False,
          model_overrides=None, init_from=None, download=False, **trainer_kwargs):
    """Train ``kind`` ("ae", "vae", "ddpm") and return the :class:`GenerativeTrainer`.

    ``conditional`` (ddpm): class-conditional with classifier-free guidance. DDPMs keep an EMA
    of the weights (decay 0.999) unless ``ema_decay`` says otherwise. ``init_from``: start a
    fresh run from another checkpoint's weights (:meth:`Trainer.warm_start`), e.g. a
    conditional DDPM from an unconditional one of the same size. ``download``: first fetch the
    dataset's missing files into the data root (:func:`recipes.fetch_data`; MNIST and
    Fashion-MNIST)."""
    import pydeepgen as pdg

    from .recipes import fetch_data

    if kind not in GEN_KINDS:
        raise ValueError(f"unknown generative model {kind!r}; choose from {', '.join(GEN_KINDS)}")
    if download:
        fetch_data(dataset, data_root)
    pdg.manual_seed(seed)
    arrays, info = load_gen_data(kind, dataset, data_root, train=True, limit=limit)
    test, _ = load_gen_data(kind, dataset, data_root, train=False, limit=limit)
    overrides = dict(model_overrides or {})
    if kind == "ddpm" and conditional:
        overrides.setdefault("num_classes", info["num_classes"])
    model = build_model(kind, info, arch=arch, latent_dim=latent_dim, **overrides)
    d = GEN_DEFAULTS[kind]
    kw = dict(trainer_kwargs)
    if kind == "ddpm":
        kw.setdefault("ema_decay", 0.999)
        kw.setdefault("val_n", 1000)  # a diffusion test loss over 10k images costs an epoch's tenth
    trainer = GenerativeTrainer(
        model, lr=d["lr"] if lr is None else lr,
        epochs=d["epochs"] if epochs is None else epochs,
        batch_size=d["batch_size"] if batch_size is None else batch_size,
        seed=seed, out_dir=out_dir, val_data=test, data_root=info.get("data_root"),
        meta={"kind": kind, "data": info}, **kw)
    data = arrays if kind == "ddpm" and conditional else arrays[:1]
    trainer.fit(data, resume=resume, init_from=init_from)
    return trainer
