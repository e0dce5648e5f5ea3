"""Trainer for GANs (MLP GAN, course GANs, conditional GAN, DCGAN).

One ``train_step`` per real batch updates the discriminator; every ``d_steps``-th step also
updates the generator (k discriminator steps per generator step, each on a fresh real batch,
as in Goodfellow et al. 2014, Algorithm 1). Defaults: Adam(2e-4, betas=(0.5, 0.999)) for both
networks, the non-saturating BCE loss.

Options for better recipes: separate learning rates (two time-scale update rule),
one-sided label smoothing, instance noise annealed to zero, and an exponential moving average
(EMA) of the generator's weights used for samples and scores.
"""

import copy

import numpy as np

from ..models.gan import gan_losses
from ..nn import functional as F
from .logs import save_sample_grid
from .supervised import make_optimizer
from .trainer import Trainer

__all__ = ["GANTrainer", "mode_seeking_term"]


def mode_seeking_term(fake, z, eps=1e-5):
    """Mao et al. (2019)'s mode-seeking regulariser for a generated batch ``fake`` from
    latents ``z``: the batch's first half is paired with its second half and the term is
    ``1 / (mean|x1 - x2| / mean|z1 - z2| + eps)``, small when distinct latents give distinct
    images. Differentiable in ``fake``."""
    h = fake.shape[0] // 2
    x1, x2 = fake[:h], fake[h:2 * h]
    z1, z2 = z[:h].detach(), z[h:2 * h].detach()
    ratio = (x1 - x2).abs().mean() / (z1 - z2).abs().mean()
    return 1.0 / (ratio + eps)


def _mean_sigmoid(logits):
    """D's mean output probability. The tanh form of the sigmoid, because 1 / (1 + exp(-x))
    warns of an overflow for logits below -709 (a diverging run's)."""
    return float(np.mean(0.5 + 0.5 * np.tanh(0.5 * logits.detach().numpy())))


class GANTrainer(Trainer):
    """Args:
        gan: a model with ``generator``, ``discriminator``, ``sample_noise``, ``generate`` and
            ``d_logits`` (see :mod:`pydeepgen.models.gan`).
        loss: "bce" (non-saturating, default), "saturating", "lsgan" or "hinge".
        d_steps: discriminator steps per generator step.
        lr, betas: Adam settings for both networks; ``lr_g``/``lr_d`` override per network.
        label_smoothing: real label 1 - label_smoothing in the D loss (BCE losses).
        instance_noise: std of Gaussian noise added to D's inputs (real and fake), decayed
            linearly to 0 over the run.
        ema_decay: keep an EMA of the generator (e.g. 0.999); samples and scores use it.
        mode_seeking: weight of the mode-seeking term (Mao et al. 2019) added to the generator
            loss: 1 / (mean|G(z1) - G(z2)| / mean|z1 - z2|) over the two halves of the batch,
            which penalises distinct latents mapped to near-identical images (0: off).
        info_weight: weight of InfoGAN's mutual-information term (Chen et al. 2016; needs a
            model built with ``info_head=True``): the cross-entropy of the info head's guess
            of each fake's prior component, added to both the discriminator loss (training the
            head) and the generator loss (0: off).
        n_samples: images in the per-epoch sample grid (fixed noise, its own generator, so
            writing samples never changes the training run).
        sample_every: write ``samples.png`` and ``samples/epoch_XXXX.png`` every this many
            epochs (0: only ``samples.png`` at the end).
        score_every, score_n, score_protocol, data_root: MNIST FID/TVD every this many epochs
            (0: never) on ``score_n`` samples (28x28 generators only).
        digits_readout: 8x8-digit generators: at the end of the last epoch, the class
            coverage of ``digits_n`` fresh samples (:func:`pydeepgen.metrics.digits_scores`)
            goes into that epoch's record as ``digits_*`` entries (and so into the log and the
            checkpoint's history). Drawn with its own generator: the run is unchanged.
        other keyword arguments: see :class:`Trainer`.
    """

    def __init__(self, gan, loss="bce", d_steps=1, lr=2e-4, betas=(0.5, 0.999), lr_g=None,
                 lr_d=None, label_smoothing=0.0, instance_noise=0.0, ema_decay=None,
                 mode_seeking=0.0, info_weight=0.0,
                 n_samples=64, sample_every=1, score_every=0, score_n=1000,
                 score_protocol="clean", data_root=None, digits_readout=False, digits_n=1000,
                 **kwargs):
        super().__init__(**kwargs)
        import pydeepgen as pdg

        if loss not in ("bce", "saturating", "lsgan", "hinge"):
            raise ValueError(f"unknown GAN loss {loss!r}; choose bce, saturating, lsgan, hinge")
        if int(d_steps) < 1:
            raise ValueError(f"d_steps must be >= 1, got {d_steps}")
        self.gan = gan
        self.loss = loss
        self.d_steps = int(d_steps)
        self.real_label = 1.0 - float(label_smoothing)
        self.instance_noise = float(instance_noise)
        self.mode_seeking = float(mode_seeking)
        if self.mode_seeking < 0:
            raise ValueError(f"mode_seeking must be >= 0, got {mode_seeking}")
        self.info_weight = float(info_weight)
        if not self.info_weight >= 0:
            raise ValueError(f"info_weight must be >= 0, got {info_weight}")
        self.info_head = getattr(gan, "info_head", None)
        if self.info_weight and self.info_head is None:
            raise ValueError(f"info_weight needs a GAN built with info_head=True (and a mixture "
                             f"prior); {type(gan).__name__} has no info head")
        d_params = list(gan.discriminator.parameters())
        if self.info_head is not None:  # the head learns with the discriminator
            d_params += list(self.info_head.parameters())
        self.opt_g = make_optimizer(gan.generator.parameters(), "adam",
                                    lr_g if lr_g is not None else lr, betas)
        self.opt_d = make_optimizer(d_params, "adam", lr_d if lr_d is not None else lr, betas)
        self.modules = {"model": gan}
        self.optimizers = {"generator": self.opt_g, "discriminator": self.opt_d}
        self.ema = None
        self.ema_decay = ema_decay
        if ema_decay:
            self.ema = copy.deepcopy(gan)
            self.ema.requires_grad_(False)
            self.modules["ema"] = self.ema
        self.n_samples = int(n_samples)
        self.sample_every = int(sample_every)
        self.score_every = int(score_every)
        self.score_n = int(score_n)
        self.score_protocol = score_protocol
        self.data_root = data_root
        self.digits_readout = bool(digits_readout)
        self.digits_n = int(digits_n)
        if self.digits_readout:  # train (or load) its classifier now, outside the epoch timing
            from ..metrics.digits import digits_classifier

            digits_classifier()
        # fixed noise for the sample grids, from its own generator (see the docstring)
        g = pdg.Generator().manual_seed(self.seed + 7919)
        self.fixed_noise = gan.sample_noise(self.n_samples, generator=g)
        self.fixed_labels = None
        if getattr(gan, "conditional", False):
            self.fixed_labels = gan._labels(self.n_samples, None)

    # -- one step --------------------------------------------------------------------------
    def _noise_std(self):
        if not self.instance_noise:
            return 0.0
        return self.instance_noise * max(0.0, 1.0 - self.epoch / max(1, self.epochs))

    def _d_in(self, x, std):
        import pydeepgen as pdg

        return x + pdg.randn(*x.shape) * std if std else x

    def _score_fakes(self, fake, fake_labels, codes, std):
        """D's raw score of a fake batch and, with the InfoGAN term on, the cross-entropy of
        the info head's guess of each fake's prior component (else None); one D pass."""
        x = self._d_in(fake, std)
        if fake_labels is not None:
            return self.gan.d_logits(x, fake_labels), None
        if self.info_weight:
            logits, code_logits = self.gan.d_logits_and_codes(x)
            return logits, F.cross_entropy(code_logits, codes)
        return self.gan.d_logits(x), None

    def train_step(self, batch):
        import pydeepgen as pdg

        gan = self.gan
        cond = getattr(gan, "conditional", False)
        real = batch[0]
        if real.dtype != pdg.float32:
            real = real.float()
        n = real.shape[0]
        labels = batch[1] if cond else None
        std = self._noise_std()
        gan.train()

        # discriminator step on this real batch and a fresh fake batch
        z, codes = gan.sample_noise_and_codes(n)
        fake_labels = pdg.randint(0, gan.num_classes, (n,)) if cond else None
        with pdg.no_grad():
            fake = gan.generate(z, fake_labels) if cond else gan.generate(z)
        real_in = self._d_in(real, std)
        real_logits = gan.d_logits(real_in, labels) if cond else gan.d_logits(real_in)
        fake_logits, info_loss = self._score_fakes(fake, fake_labels, codes, std)
        d_loss = gan_losses(self.loss, real_logits, fake_logits, "d", real_label=self.real_label)
        if info_loss is not None:
            d_loss = d_loss + info_loss * self.info_weight
        self.opt_d.zero_grad()
        d_loss.backward()
        self.opt_d.step()
        res = {"d_loss": d_loss.item(), "d_real": _mean_sigmoid(real_logits),
               "d_fake": _mean_sigmoid(fake_logits)}
        if info_loss is not None:
            res["info_loss"] = info_loss.item()

        # generator step every d_steps discriminator steps
        if (self.global_step + 1) % self.d_steps == 0:
            d_side = [gan.discriminator] + ([self.info_head] if self.info_head is not None else [])
            for m in d_side:
                m.requires_grad_(False)  # no D weight gradients needed here
            try:
                z, codes = gan.sample_noise_and_codes(n)
                if cond:
                    fake_labels = pdg.randint(0, gan.num_classes, (n,))
                fake = gan.generate(z, fake_labels) if cond else gan.generate(z)
                g_logits, info_loss = self._score_fakes(fake, fake_labels, codes, std)
                g_loss = gan_losses(self.loss, None, g_logits, "g")
                if info_loss is not None:
                    g_loss = g_loss + info_loss * self.info_weight
                if self.mode_seeking and n >= 2:
                    ms = mode_seeking_term(fake, z)
                    res["ms_ratio"] = 1.0 / ms.item()
                    g_loss = g_loss + ms * self.mode_seeking
                self.opt_g.zero_grad()
                g_loss.backward()
                self.opt_g.step()
            finally:
                for m in d_side:
                    m.requires_grad_(True)
            res["g_loss"] = g_loss.item()
            if self.ema is not None:
                self._update_ema()
        return res

    def _update_ema(self):
        import pydeepgen as pdg

        d = float(self.ema_decay)
        with pdg.no_grad():
            for pe, p in zip(self.ema.generator.parameters(), self.gan.generator.parameters()):
                pe.copy_(pe * d + p * (1.0 - d))
            for be, b in zip(self.ema.generator.buffers(), self.gan.generator.buffers()):
                be.copy_(b)

    # -- samples and scores ---------------------------------------------------------------
    @property
    def sampler(self):
        """The model used for samples and scores: the EMA copy if there is one."""
        return self.ema if self.ema is not None else self.gan

    def fixed_samples(self):
        import pydeepgen as pdg

        m = self.sampler
        was = m.training
        m.eval()
        with pdg.no_grad():
            out = (m.generate(self.fixed_noise, self.fixed_labels) if self.fixed_labels is not None
                   else m.generate(self.fixed_noise))
        m.train(was)
        return out

    def _is_image(self):
        shape = getattr(self.gan, "data_shape", ())
        return len(shape) == 3 or (len(shape) == 1 and int(np.sqrt(shape[0])) ** 2 == shape[0]
                                   and shape[0] >= 16)

    def end_epoch(self, record):
        epoch = self.epoch + 1
        due = self.sample_every and epoch % self.sample_every == 0
        if self.out_dir is not None and self._is_image() and (due or epoch == self.epochs):
            nrow = 10 if self.fixed_labels is not None else 8
            imgs = self.fixed_samples()
            save_sample_grid(imgs, self.out_dir / "samples.png", nrow=nrow)
            if due:
                save_sample_grid(imgs, self.out_dir / "samples" / f"epoch_{epoch:04d}.png",
                                 nrow=nrow)
        if self.score_every and (epoch % self.score_every == 0 or epoch == self.epochs):
            record.update(self.score(self.score_n, self.score_protocol))
        if self.digits_readout and epoch == self.epochs:
            record.update(self.digits_record(self.digits_n))

    def digits_record(self, n=1000, seed=None):
        """The class coverage of ``n`` fresh samples of an 8x8-digit generator as ``digits_*``
        record entries (see :func:`pydeepgen.metrics.digits_scores`); samples drawn with their
        own generator (seeded ``seed``, default the trainer's seed + 2)."""
        import pydeepgen as pdg

        from ..metrics.digits import digits_scores, to_record

        if list(getattr(self.gan, "data_shape", ())) not in ([1, 8, 8], [64]):
            raise ValueError(f"digits readout: needs an 8x8-digit generator, this one makes "
                             f"{tuple(getattr(self.gan, 'data_shape', ()))} samples")
        m = self.sampler
        g = pdg.Generator().manual_seed(self.seed + 2 if seed is None else seed)
        labels = m._labels(n, None) if getattr(m, "conditional", False) else None
        was = m.training
        m.eval()
        try:
            with pdg.no_grad():
                z = m.sample_noise(n, generator=g)
                x = m.generate(z, labels) if labels is not None else m.generate(z)
        finally:
            m.train(was)
        return to_record(digits_scores(x, labels))

    def score(self, n=10000, protocol="clean", seed=None):
        """MNIST FID/TVD (and label accuracy for conditional GANs) of ``n`` fresh samples drawn
        with their own generator (seeded ``seed``, default the trainer's seed + 1)."""
        import pydeepgen as pdg

        from ..metrics import label_accuracy, mnist_scores

        m = self.sampler
        g = pdg.Generator().manual_seed(self.seed + 1 if seed is None else seed)
        labels = m._labels(n, None) if getattr(m, "conditional", False) else None
        was = m.training
        m.eval()
        with pdg.no_grad():
            z = m.sample_noise(n, generator=g)
            x = m.generate(z, labels) if labels is not None else m.generate(z)
        m.train(was)
        s = mnist_scores(x, protocol=protocol, n=n, data_root=self.data_root)
        out = {"fid": s["fid"], "tvd": s["tvd"]}
        if labels is not None:
            out["label_acc"] = label_accuracy(x, labels)
        if self.ema is not None:
            # The raw generator is scored too, on the same latents: an EMA run then also
            # reports the plain recipe's numbers (EMA never feeds back into training).
            was = self.gan.training
            self.gan.eval()
            with pdg.no_grad():
                xr = self.gan.generate(z, labels) if labels is not None else self.gan.generate(z)
            self.gan.train(was)
            r = mnist_scores(xr, protocol=protocol, n=n, data_root=self.data_root)
            out.update(fid_raw=r["fid"], tvd_raw=r["tvd"])
            if labels is not None:
                out["label_acc_raw"] = label_accuracy(xr, labels)
        return out
