"""Autoencoder: an MLP encoder to a small latent code and an MLP decoder back.

Data convention (shared with :mod:`pydeepgen.models.vae`): images in [0, 1] (``u8 / 255``),
the range of the decoder's final Sigmoid, so the reconstruction loss can be either the
summed binary cross-entropy of the VAE literature or the mean squared error.

API: ``encode(x) -> z``, ``decode(z) -> x_hat`` (shaped like the data), ``forward(x) ->
x_hat``, ``loss(x) -> {"loss", "rec"}`` (what the trainers call), ``reconstruct(x)``
(no gradients, eval mode).
"""

import math

from .. import nn
from ..nn import functional as F
from ._util import as_tuple, mlp_layers

__all__ = ["Autoencoder", "reconstruction_loss"]


def reconstruction_loss(logits, x, kind="bce", reduction="mean"):
    """Reconstruction loss summed over each image's pixels: binary cross-entropy in nats
    ("bce", computed from the decoder's pre-sigmoid ``logits``, where it is numerically stable)
    or squared error of ``sigmoid(logits)`` ("mse"). ``x`` in [0, 1].

    ``reduction``: "mean" (average over the batch: the per-image loss) or "none" (one value
    per image, shape (N,))."""
    n = x.shape[0]
    logits = logits.reshape(n, -1)
    x = x.reshape(n, -1)
    if kind == "bce":
        per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    elif kind == "mse":
        per_pixel = F.mse_loss(F.sigmoid(logits), x, reduction="none")
    else:
        raise ValueError(f"reconstruction_loss: kind must be 'bce' or 'mse', got {kind!r}")
    if reduction == "none":
        return per_pixel.sum(1)
    if reduction == "mean":
        return per_pixel.sum() / n
    raise ValueError(f"reconstruction_loss: reduction must be 'mean' or 'none', got {reduction!r}")


def run_without_sigmoid(seq, x):
    """Run a Sequential that ends in Sigmoid without it: the logits."""
    mods = list(seq)
    if mods and isinstance(mods[-1], nn.Sigmoid):
        mods = mods[:-1]
    for m in mods:
        x = m(x)
    return x


class Autoencoder(nn.Module):
    """MLP autoencoder ``data_dim -> hidden -> latent_dim -> reversed(hidden) -> data_dim``.

    Args:
        data_dim: values per sample (784 for MNIST).
        latent_dim: code size (2 for a plottable latent space, 5 for better reconstructions).
        hidden: encoder hidden widths (the decoder mirrors them).
        activation: hidden activation.
        loss: "bce" (summed binary cross-entropy per image) or "mse" (summed squared error).
        data_shape: shape of one sample, e.g. (1, 28, 28); default (data_dim,).
    """

    value_range = (0.0, 1.0)

    def __init__(self, data_dim=784, latent_dim=2, hidden=(512, 128), activation="relu",
                 loss="bce", data_shape=None):
        super().__init__()
        data_shape = tuple(data_shape) if data_shape is not None else (int(data_dim),)
        if math.prod(data_shape) != int(data_dim):
            raise ValueError(f"Autoencoder: data_shape {data_shape} does not hold {data_dim} "
                             f"values")
        if int(latent_dim) < 1:
            raise ValueError(f"Autoencoder: latent_dim must be >= 1, got {latent_dim}")
        if loss not in ("bce", "mse"):
            raise ValueError(f"Autoencoder: loss must be 'bce' or 'mse', got {loss!r}")
        hidden = as_tuple(hidden)
        self.config = dict(data_dim=int(data_dim), latent_dim=int(latent_dim),
                           hidden=list(hidden), activation=activation, loss=loss,
                           data_shape=list(data_shape))
        self.data_dim, self.latent_dim, self.data_shape = int(data_dim), int(latent_dim), data_shape
        self.loss_kind = loss
        self.encoder = nn.Sequential(*mlp_layers(self.data_dim, hidden, self.latent_dim,
                                                 activation))
        self.decoder = nn.Sequential(*mlp_layers(self.latent_dim, tuple(reversed(hidden)),
                                                 self.data_dim, activation, "sigmoid"))

    def encode(self, x):
        return self.encoder(x.reshape(x.shape[0], self.data_dim))

    def decode(self, z):
        """Reconstructions in [0, 1], shaped like the data."""
        x = self.decoder(z)
        return x.reshape(x.shape[0], *self.data_shape)

    def decode_logits(self, z):
        """The decoder's pre-sigmoid output, flat (N, data_dim)."""
        return run_without_sigmoid(self.decoder, z)

    def forward(self, x):
        return self.decode(self.encode(x))

    def loss(self, x, labels=None, generator=None):
        """``{"loss": rec, "rec": rec, "mse": mse}``: the training loss is the reconstruction
        loss per image (see :func:`reconstruction_loss`); ``mse`` is the mean squared error
        per pixel (reported, not trained on with ``loss="bce"``)."""
        logits = self.decode_logits(self.encode(x))
        rec = reconstruction_loss(logits, x, self.loss_kind)
        mse = F.mse_loss(F.sigmoid(logits.detach()), x.reshape(x.shape[0], -1))
        return {"loss": rec, "rec": rec, "mse": mse}

    def reconstruct(self, x):
        import pydeepgen as pdg

        was = self.training
        self.eval()
        try:
            with pdg.no_grad():
                return self(x)
        finally:
            self.train(was)
