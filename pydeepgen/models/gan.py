"""Generative adversarial networks: the MLP GAN (Lipizzaner's networks by default), the
course's small GANs, a conditional GAN, a DCGAN for 28x28 (or any multiple-of-4) images,
and the three GAN losses.

Every GAN model has ``generator`` and ``discriminator`` sub-modules and the same small API:

``sample_noise(n)``       latent batch (N(0, I), or U[0, 1) for the course's GANs)
``generate(z, labels)``   generator output, shaped like the data (``data_shape``)
``sample(n, labels)``     ``generate(sample_noise(n))`` without gradients, in eval mode
``d_logits(x, labels)``   the discriminator's raw score, i.e. before its final Sigmoid

The discriminators end in ``Sigmoid`` as in the course and Lipizzaner (``discriminator(x)``
is a probability); the losses use the pre-sigmoid score, where they are numerically stable
(BCE with logits) or where they are defined (LSGAN and hinge act on the raw score).
"""

import math

from .. import nn
from ..nn import functional as F
from ._util import as_tuple, mlp_layers

__all__ = ["GAN", "ConditionalGAN", "DCGAN", "gan_losses", "GAN_LOSSES", "gaussian_gan",
           "line_gan", "MinibatchStdDev"]

GAN_LOSSES = ("bce", "saturating", "lsgan", "hinge")


def _randn(shape, generator=None):
    import pydeepgen as pdg

    return pdg.randn(*shape, generator=generator) if generator is not None else pdg.randn(*shape)


def _rand(shape, generator=None):
    import pydeepgen as pdg

    return pdg.rand(*shape, generator=generator) if generator is not None else pdg.rand(*shape)


def _strip_sigmoid(seq):
    """Run a Sequential without its final Sigmoid (if it has one)."""
    mods = list(seq)
    if mods and isinstance(mods[-1], nn.Sigmoid):
        mods = mods[:-1]
    return mods


def _spectral_norm_layers(seq):
    """Spectral normalization on every Linear / Conv2d of a discriminator (Miyato et al.)."""
    from ..nn.utils import spectral_norm

    for m in seq.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            spectral_norm(m)


class MinibatchStdDev(nn.Module):
    """Minibatch standard deviation (Karras et al. 2018, ProGAN section 3): appends one feature
    to each sample of a (N, F) batch, the standard deviation of the features over the sample's
    group, averaged over the features. The batch is split into groups of ``group_size``
    samples (sample i in group i mod N/g, as in ProGAN; g is the largest divisor of N that is
    at most ``group_size``; ``group_size=0``: the whole batch is one group). A collapsed
    generator's batch has a small spread, which the discriminator then sees directly.

    ``std = sqrt(mean((x - mean x)^2) + eps)`` over the group (biased, eps inside the root so
    the gradient stays finite when the group is identical)."""

    def __init__(self, group_size=4, eps=1e-8):
        super().__init__()
        if int(group_size) < 0:
            raise ValueError(f"MinibatchStdDev: group_size must be >= 0, got {group_size}")
        self.group_size, self.eps = int(group_size), float(eps)

    def group(self, n):
        g = n if self.group_size == 0 else min(self.group_size, n)
        while n % g:
            g -= 1
        return g

    def forward(self, x):
        import pydeepgen as pdg

        if x.dim() != 2:
            raise ValueError(f"MinibatchStdDev: expects (N, F) features, got shape "
                             f"{tuple(x.shape)}")
        n, f = x.shape
        if n == 0:
            return pdg.cat([x, x[:, :1]], dim=1)
        g = self.group(n)
        m = n // g
        y = x.reshape(g, m, f)
        d = y - y.mean(0, keepdim=True)
        s = ((d * d).mean(0) + self.eps).sqrt().mean(1)  # (m,): one value per group
        feat = s.reshape(1, m, 1).expand(g, m, 1).reshape(n, 1)
        return pdg.cat([x, feat], dim=1)

    def extra_repr(self):
        return f"group_size={self.group_size}"


class _GANBase(nn.Module):
    conditional = False

    def sample_noise(self, n, generator=None):
        return self.sample_noise_and_codes(n, generator)[0]

    def sample_noise_and_codes(self, n, generator=None):
        """``(z, codes)``: a latent batch and, for the mixture prior, the int64 index of the
        component each latent was drawn from (None for the other priors)."""
        shape = (int(n), *self.latent_shape)
        if self.noise == "uniform":
            return _rand(shape, generator), None
        if self.noise == "mixture":
            import pydeepgen as pdg

            k = self.noise_centers.shape[0]
            which = (pdg.randint(0, k, (int(n),), generator=generator) if generator is not None
                     else pdg.randint(0, k, (int(n),)))
            return self.noise_centers[which].reshape(shape) + _randn(shape, generator), which
        return _randn(shape, generator), None

    def _init_noise(self, noise, components, scale, allowed):
        """Validate the prior; a mixture gets its fixed centres as a buffer (saved with the
        model, so sampling is reproducible) and its settings in ``self.config``."""
        if noise not in allowed:
            raise ValueError(f"{type(self).__name__}: noise must be one of {allowed}, got "
                             f"{noise!r}")
        self.noise = noise
        if noise != "mixture":
            return
        if int(components) < 1 or not scale >= 0:
            raise ValueError(f"{type(self).__name__}: a mixture prior needs noise_components "
                             f">= 1 and noise_scale >= 0, got {components} and {scale}")
        import pydeepgen as pdg

        self.config.update(noise_components=int(components), noise_scale=float(scale))
        self.register_buffer("noise_centers",
                             pdg.randn(int(components), self.latent_dim) * float(scale))

    def _run_d(self, x):
        for m in _strip_sigmoid(self.discriminator):
            x = m(x)
        return x

    def _init_info_head(self, info_head, features):
        """InfoGAN's Q head (Chen et al. 2016): a Linear from the discriminator's last hidden
        features to logits over the mixture prior's components. Training it and the generator
        to recover the component of each fake makes every component a distinct kind of sample.
        The hope is one digit class per component; on MNIST the components came out as styles
        instead (docs/results.md, run B8)."""
        if not info_head:
            return
        if self.noise != "mixture":
            raise ValueError(f"{type(self).__name__}: info_head needs noise='mixture' (its "
                             f"components are the codes it predicts), got noise={self.noise!r}")
        self.config["info_head"] = True
        self.info_head = nn.Linear(features, int(self.config["noise_components"]))

    def d_logits_and_codes(self, x):
        """One discriminator pass giving its raw score and the info head's logits over the
        prior's components (models built with ``info_head=True``)."""
        head = getattr(self, "info_head", None)  # a submodule only when built with one
        if head is None:
            raise ValueError(f"{type(self).__name__}: d_logits_and_codes needs a model built "
                             f"with info_head=True")
        mods = _strip_sigmoid(self.discriminator)
        h = self._d_input(x)
        for m in mods[:-1]:
            h = m(h)
        return mods[-1](h), head(h)

    def sample(self, n, labels=None, generator=None):
        """``n`` samples (no gradients, eval mode; the previous mode is restored)."""
        import pydeepgen as pdg

        was = self.training
        self.eval()
        try:
            with pdg.no_grad():
                z = self.sample_noise(n, generator)
                return self.generate(z, labels) if self.conditional else self.generate(z)
        finally:
            self.train(was)


class GAN(_GANBase):
    """An MLP GAN. Defaults are Lipizzaner's MNIST networks:

    generator ``Sequential(Linear(64,256), LeakyReLU(0.2), Linear(256,256), LeakyReLU(0.2),
    Linear(256,784), Tanh())`` (keys ``0.weight ... 4.bias``, so Lipizzaner's
    ``mnist-generator-00X.npz`` loads into ``gan.generator`` directly) and discriminator
    784 -> 256 -> 256 -> 1 with LeakyReLU(0.2) and a final Sigmoid.

    Args:
        data_dim: features per sample (784 for MNIST, 64 for 8x8 digits, 2 for line points).
        latent_dim: noise size.  g_hidden, d_hidden: hidden widths.
        g_activation, d_activation: hidden activations.  out_activation: generator output
            ("tanh" for data in [-1, 1]; None for unbounded data).
        noise: "normal" (N(0, I)), "uniform" (U[0, 1)) or "mixture": z = c_k + N(0, I) with k
            uniform over ``noise_components`` fixed centres c_k ~ N(0, noise_scale^2 I) (a
            Gaussian-mixture prior as in DeLiGAN, Gurumurthy et al. 2017: separated components
            give the generator room for separated modes, such as digit classes).
        data_shape: shape of one sample as the data has it, e.g. (1, 28, 28); default (data_dim,).
        d_dropout: dropout after the discriminator's hidden layers.
        d_spectral_norm: spectral normalization of the discriminator's Linear layers
            (``nn.utils.spectral_norm``; the state dict then holds ``weight_orig/_u/_v``).
        info_head: with ``noise="mixture"``, add InfoGAN's ``info_head`` (Linear from the
            discriminator's last hidden layer to one logit per component), trained by
            ``GANTrainer(info_weight=...)``; the generator is unchanged.
    """

    def __init__(self, data_dim=784, latent_dim=64, g_hidden=(256, 256), d_hidden=(256, 256),
                 g_activation="leaky_relu", d_activation="leaky_relu", out_activation="tanh",
                 noise="normal", data_shape=None, d_dropout=0.0, d_spectral_norm=False,
                 noise_components=10, noise_scale=1.0, info_head=False, d_minibatch_std=0):
        super().__init__()
        data_shape = tuple(data_shape) if data_shape is not None else (int(data_dim),)
        if math.prod(data_shape) != int(data_dim):
            raise ValueError(f"GAN: data_shape {data_shape} does not hold {data_dim} values")
        self.config = dict(data_dim=int(data_dim), latent_dim=int(latent_dim),
                           g_hidden=list(as_tuple(g_hidden)), d_hidden=list(as_tuple(d_hidden)),
                           g_activation=g_activation, d_activation=d_activation,
                           out_activation=out_activation, noise=noise,
                           data_shape=list(data_shape), d_dropout=float(d_dropout),
                           d_spectral_norm=bool(d_spectral_norm))
        self.data_dim, self.latent_dim = int(data_dim), int(latent_dim)
        self.latent_shape = (self.latent_dim,)
        self._init_noise(noise, noise_components, noise_scale, ("normal", "uniform", "mixture"))
        self.data_shape = data_shape
        self.generator = nn.Sequential(*mlp_layers(self.latent_dim, as_tuple(g_hidden),
                                                   self.data_dim, g_activation, out_activation))
        d_layers = mlp_layers(self.data_dim, as_tuple(d_hidden), 1, d_activation, "sigmoid",
                              d_dropout)
        if int(d_minibatch_std) < 0:
            raise ValueError(f"GAN: d_minibatch_std must be >= 0 (0: off), got "
                             f"{d_minibatch_std}")
        if d_minibatch_std:  # the std feature goes into D's last Linear (ProGAN's placement)
            self.config["d_minibatch_std"] = int(d_minibatch_std)
            last = max(i for i, m in enumerate(d_layers) if isinstance(m, nn.Linear))
            d_layers[last] = nn.Linear(d_layers[last].in_features + 1, 1)
            d_layers.insert(last, MinibatchStdDev(int(d_minibatch_std)))
        self.discriminator = nn.Sequential(*d_layers)
        if d_spectral_norm:
            _spectral_norm_layers(self.discriminator)
        self._init_info_head(info_head, as_tuple(d_hidden)[-1] + (1 if d_minibatch_std else 0))

    def generate(self, z):
        x = self.generator(z)
        return x.reshape(x.shape[0], *self.data_shape) if len(self.data_shape) > 1 else x

    def _d_input(self, x):
        return x.reshape(x.shape[0], self.data_dim)

    def d_logits(self, x):
        return self._run_d(self._d_input(x))

    def forward(self, z):
        return self.generate(z)


def gaussian_gan(data_dim=16, latent_dim=8, hidden=32, **kwargs):
    """The course's GAN for vectors drawn from N(4, 0.2): a SELU generator reading uniform
    noise (linear output: the data are not in [-1, 1]) and an ELU discriminator with Sigmoid."""
    return GAN(data_dim=data_dim, latent_dim=latent_dim, g_hidden=(hidden, hidden),
               d_hidden=(hidden, hidden), g_activation="selu", d_activation="elu",
               out_activation=None, noise="uniform", **kwargs)


def line_gan(latent_dim=4, hidden=32, **kwargs):
    """The course's GAN for 2-D points on a line: same design as :func:`gaussian_gan`."""
    return GAN(data_dim=2, latent_dim=latent_dim, g_hidden=(hidden, hidden),
               d_hidden=(hidden, hidden), g_activation="selu", d_activation="elu",
               out_activation=None, noise="uniform", **kwargs)


class _CondGenerator(nn.Module):
    def __init__(self, num_classes, embed_dim, latent_dim, hidden, data_dim, act, out_act):
        super().__init__()
        self.label_embedding = nn.Embedding(num_classes, embed_dim)
        self.net = nn.Sequential(*mlp_layers(latent_dim + embed_dim, hidden, data_dim, act,
                                             out_act))

    def forward(self, z, labels):
        import pydeepgen as pdg

        return self.net(pdg.cat([z, self.label_embedding(labels)], dim=1))


class _CondDiscriminator(nn.Module):
    def __init__(self, num_classes, embed_dim, data_dim, hidden, act, dropout):
        super().__init__()
        self.label_embedding = nn.Embedding(num_classes, embed_dim)
        self.net = nn.Sequential(*mlp_layers(data_dim + embed_dim, hidden, 1, act, "sigmoid",
                                             dropout))

    def joined(self, x, labels):
        import pydeepgen as pdg

        return pdg.cat([x.reshape(x.shape[0], -1), self.label_embedding(labels)], dim=1)

    def forward(self, x, labels):
        return self.net(self.joined(x, labels))


class ConditionalGAN(_GANBase):
    """A conditional MLP GAN (Mirza & Osindero 2014): a learned label embedding is joined
    (concatenated) to the noise in the generator and to the flattened image in the
    discriminator. Defaults mirror the MLP GAN (64-d noise, 256-256 hidden, LeakyReLU(0.2),
    Tanh output, Sigmoid discriminator) with a 10-class, 10-d embedding."""

    conditional = True

    def __init__(self, data_dim=784, num_classes=10, latent_dim=64, embed_dim=10,
                 g_hidden=(256, 256), d_hidden=(256, 256), g_activation="leaky_relu",
                 d_activation="leaky_relu", out_activation="tanh", data_shape=None,
                 d_dropout=0.0):
        super().__init__()
        data_shape = tuple(data_shape) if data_shape is not None else (int(data_dim),)
        if math.prod(data_shape) != int(data_dim):
            raise ValueError(f"ConditionalGAN: data_shape {data_shape} does not hold "
                             f"{data_dim} values")
        self.config = dict(data_dim=int(data_dim), num_classes=int(num_classes),
                           latent_dim=int(latent_dim), embed_dim=int(embed_dim),
                           g_hidden=list(as_tuple(g_hidden)), d_hidden=list(as_tuple(d_hidden)),
                           g_activation=g_activation, d_activation=d_activation,
                           out_activation=out_activation, data_shape=list(data_shape),
                           d_dropout=float(d_dropout))
        self.data_dim, self.latent_dim, self.noise = int(data_dim), int(latent_dim), "normal"
        self.num_classes = int(num_classes)
        self.latent_shape = (self.latent_dim,)
        self.data_shape = data_shape
        self.generator = _CondGenerator(self.num_classes, embed_dim, self.latent_dim,
                                        as_tuple(g_hidden), self.data_dim, g_activation,
                                        out_activation)
        self.discriminator = _CondDiscriminator(self.num_classes, embed_dim, self.data_dim,
                                                as_tuple(d_hidden), d_activation, d_dropout)

    def _labels(self, n, labels):
        import pydeepgen as pdg

        if labels is None:  # blocks 0..0, 1..1, ...: n = 100 in a 10-wide grid is a row per class
            import numpy as np

            return pdg.from_numpy((np.arange(n, dtype=np.int64) * self.num_classes) // max(1, n))
        if not hasattr(labels, "shape"):
            labels = pdg.tensor(labels, dtype=pdg.int64)
        if labels.shape != (n,):
            raise ValueError(f"ConditionalGAN: labels must have shape ({n},), got "
                             f"{tuple(labels.shape)}")
        return labels

    def generate(self, z, labels=None):
        labels = self._labels(z.shape[0], labels)
        x = self.generator(z, labels)
        return x.reshape(x.shape[0], *self.data_shape) if len(self.data_shape) > 1 else x

    def d_logits(self, x, labels):
        h = self.discriminator.joined(x, labels)
        for m in _strip_sigmoid(self.discriminator.net):
            h = m(h)
        return h

    def forward(self, z, labels=None):
        return self.generate(z, labels)


class DCGAN(_GANBase):
    """A DCGAN (Radford et al. 2016) for small single-channel images (28x28 by default; any
    size divisible by 4, e.g. 8x8 digits).

    generator: z (latent_dim) -> ConvTranspose(k=s) to (2g, s, s) -> BN -> ReLU ->
    ConvTranspose(k4, s2, p1) to (g, 2s, 2s) -> BN -> ReLU -> ConvTranspose(k4, s2, p1) to
    (C, 4s, 4s) -> Tanh, with s = image_size / 4 (7 for 28x28).
    discriminator: Conv(k4, s2, p1) to d -> LeakyReLU(0.2) -> Conv(k4, s2, p1) to 2d -> BN ->
    LeakyReLU(0.2) -> flatten -> Linear -> Sigmoid. ``d_spectral_norm`` spectrally normalizes
    the discriminator's convolutions and Linear layer; ``noise="mixture"`` is the Gaussian-mixture
    prior of :class:`GAN`, and ``info_head=True`` (with it) InfoGAN's component classifier on the
    discriminator's flattened features.
    """

    def __init__(self, image_size=28, channels=1, latent_dim=64, g_features=64, d_features=64,
                 d_spectral_norm=False, noise="normal", noise_components=10, noise_scale=1.0,
                 info_head=False):
        super().__init__()
        s = int(image_size)
        if s % 4 or s < 4:
            raise ValueError(f"DCGAN: image_size must be a multiple of 4, got {image_size}")
        self.config = dict(image_size=s, channels=int(channels), latent_dim=int(latent_dim),
                           g_features=int(g_features), d_features=int(d_features),
                           d_spectral_norm=bool(d_spectral_norm), noise=noise)
        self.latent_dim = int(latent_dim)
        self.latent_shape = (self.latent_dim, 1, 1)
        self._init_noise(noise, noise_components, noise_scale, ("normal", "mixture"))
        self.data_shape = (int(channels), s, s)
        self.data_dim = int(channels) * s * s
        g, d, q = int(g_features), int(d_features), s // 4
        self.generator = nn.Sequential(
            nn.ConvTranspose2d(self.latent_dim, 2 * g, q, 1, 0, bias=False),
            nn.BatchNorm2d(2 * g),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * g, g, 4, 2, 1, bias=False),
            nn.BatchNorm2d(g),
            nn.ReLU(),
            nn.ConvTranspose2d(g, int(channels), 4, 2, 1),
            nn.Tanh(),
        )
        self.discriminator = nn.Sequential(
            nn.Conv2d(int(channels), d, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(d, 2 * d, 4, 2, 1, bias=False),
            nn.BatchNorm2d(2 * d),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * d * q * q, 1),
            nn.Sigmoid(),
        )
        if d_spectral_norm:
            _spectral_norm_layers(self.discriminator)
        self._init_info_head(info_head, 2 * d * q * q)

    def generate(self, z):
        if z.ndim == 2:
            z = z.reshape(z.shape[0], self.latent_dim, 1, 1)
        return self.generator(z)

    def _d_input(self, x):
        return x.reshape(x.shape[0], *self.data_shape)

    def d_logits(self, x):
        return self._run_d(self._d_input(x))

    def forward(self, z):
        return self.generate(z)


# --------------------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------------------


def _bce_logits(logits, target_value):
    import pydeepgen as pdg

    return F.binary_cross_entropy_with_logits(logits, pdg.full_like(logits, float(target_value)))


def gan_losses(kind, real_logits=None, fake_logits=None, part="d", real_label=1.0):
    """Discriminator (``part="d"``) or generator (``part="g"``) loss from raw D scores.

    kinds:
      ``"bce"``        non-saturating GAN (Goodfellow et al. 2014): D minimizes
                       BCE(D(x), 1) + BCE(D(G(z)), 0); G minimizes BCE(D(G(z)), 1).
      ``"saturating"`` the original minimax G loss, -BCE(D(G(z)), 0) = log(1 - D(G(z))),
                       whose gradient vanishes when D wins (for the failure-modes lab).
      ``"lsgan"``      least squares (Mao et al. 2017), a=0, b=c=1 on the raw score:
                       D: ((s_r - 1)^2 + s_f^2) / 2; G: (s_f - 1)^2 / 2.
      ``"hinge"``      D: relu(1 - s_r) + relu(1 + s_f); G: -s_f (Lim & Ye 2017; SAGAN).
    ``real_label`` < 1 is one-sided label smoothing (BCE kinds only).
    """
    if kind not in GAN_LOSSES:
        raise ValueError(f"gan_losses: unknown loss {kind!r}; choose from {GAN_LOSSES}")
    if part == "d":
        if kind in ("bce", "saturating"):
            return _bce_logits(real_logits, real_label) + _bce_logits(fake_logits, 0.0)
        if kind == "lsgan":
            return 0.5 * (((real_logits - 1.0) ** 2).mean() + (fake_logits ** 2).mean())
        return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()
    if part == "g":
        if kind == "bce":
            return _bce_logits(fake_logits, 1.0)
        if kind == "saturating":
            return -_bce_logits(fake_logits, 0.0)
        if kind == "lsgan":
            return 0.5 * ((fake_logits - 1.0) ** 2).mean()
        return -fake_logits.mean()
    raise ValueError(f"gan_losses: part must be 'd' or 'g', got {part!r}")

