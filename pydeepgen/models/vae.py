"""Variational autoencoders (Kingma & Welling 2014): the 784-400-20 MLP of the classic PyTorch
example (:class:`VAE`) and a small convolutional one (:class:`ConvVAE`).

Both encode an image to a diagonal Gaussian q(z|x) = N(mu, exp(logvar)), draw z with the
reparameterization trick z = mu + exp(logvar / 2) * eps (eps ~ N(0, I), so gradients flow to
mu and logvar through ordinary ops), and decode z to Bernoulli means p(x|z) in [0, 1].

Loss per image = reconstruction + KL, where
    reconstruction = binary cross-entropy of the data against the decoder's means, summed
                     over pixels (computed from the pre-sigmoid logits, where it is stable);
    KL = KL(q(z|x) || N(0, I)) = -1/2 sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j)).
Both are in nats per image; their sum is the negative ELBO (one z sample), the number the
PyTorch example prints as its "test set loss". Data in [0, 1] (``u8 / 255``, not binarized, as
in that example; the BCE is then a cross-entropy, not a discrete log-likelihood).

API: ``encode(x) -> (mu, logvar)``, ``reparameterize(mu, logvar)``, ``decode(z)`` (means in
[0, 1], data-shaped), ``forward(x) -> (x_hat, mu, logvar)``, ``loss(x) -> {"loss", "rec",
"kl"}``, ``sample_noise(n)``, ``sample(n)``, ``reconstruct(x)`` (decodes the mean code).
"""

import math

from .. import nn
from ._util import as_tuple, mlp_layers
from .autoencoder import reconstruction_loss, run_without_sigmoid

__all__ = ["VAE", "ConvVAE", "kl_divergence"]


def kl_divergence(mu, logvar, reduction="mean"):
    """KL(N(mu, exp(logvar)) || N(0, I)) summed over latent dims; "mean" over the batch or
    "none" (shape (N,))."""
    import pydeepgen as pdg

    per_dim = (mu * mu + pdg.exp(logvar) - logvar - 1.0) * 0.5
    if reduction == "none":
        return per_dim.sum(1)
    if reduction == "mean":
        return per_dim.sum() / mu.shape[0]
    raise ValueError(f"kl_divergence: reduction must be 'mean' or 'none', got {reduction!r}")


class _VAEBase(nn.Module):
    value_range = (0.0, 1.0)

    def _encode_hidden(self, x):
        raise NotImplementedError

    def encode(self, x):
        """``(mu, logvar)``, each (N, latent_dim)."""
        h = self._encode_hidden(x)
        return self.fc_mu(h), self.fc_logvar(h)

    def reparameterize(self, mu, logvar, generator=None):
        import pydeepgen as pdg

        eps = pdg.randn(*mu.shape, generator=generator, dtype=mu.dtype)
        return mu + pdg.exp(logvar * 0.5) * eps

    def decode(self, z):
        """Bernoulli means in [0, 1], shaped like the data."""
        x = self.decoder(z)
        return x.reshape(x.shape[0], *self.data_shape)

    def decode_logits(self, z):
        return run_without_sigmoid(self.decoder, z).reshape(z.shape[0], -1)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar

    def loss_terms(self, x, generator=None):
        """Per-image ``(rec, kl)`` tensors of shape (N,) for one z sample per image."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, generator)
        rec = reconstruction_loss(self.decode_logits(z), x, "bce", reduction="none")
        return rec, kl_divergence(mu, logvar, reduction="none")

    def loss(self, x, labels=None, generator=None):
        """``{"loss": rec + kl, "rec": ..., "kl": ...}``, batch means of the per-image terms
        (``labels`` is ignored; ``generator`` draws the reparameterization noise)."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, generator)
        rec = reconstruction_loss(self.decode_logits(z), x, "bce")
        kl = kl_divergence(mu, logvar)
        return {"loss": rec + kl, "rec": rec, "kl": kl}

    def sample_noise(self, n, generator=None):
        import pydeepgen as pdg

        return pdg.randn(int(n), self.latent_dim, generator=generator)

    def _no_grad_eval(self, fn):
        import pydeepgen as pdg

        was = self.training
        self.eval()
        try:
            with pdg.no_grad():
                return fn()
        finally:
            self.train(was)

    def sample(self, n, generator=None):
        """``n`` images decoded from z ~ N(0, I) (Bernoulli means, no gradients)."""
        return self._no_grad_eval(lambda: self.decode(self.sample_noise(n, generator)))

    def reconstruct(self, x):
        """Decode the mean code of each image (no gradients)."""
        return self._no_grad_eval(lambda: self.decode(self.encode(x)[0]))


class VAE(_VAEBase):
    """The MLP VAE of the classic PyTorch example: 784 -> 400 (ReLU) -> (mu, logvar) in R^20,
    decoder 20 -> 400 (ReLU) -> 784 (Sigmoid).

    Args:
        data_dim: values per image.  hidden: hidden widths (encoder; decoder mirrors them).
        latent_dim: size of z.  data_shape: shape of one sample, default (data_dim,).
    """

    def __init__(self, data_dim=784, hidden=(400,), latent_dim=20, activation="relu",
                 data_shape=None):
        super().__init__()
        data_shape = tuple(data_shape) if data_shape is not None else (int(data_dim),)
        if math.prod(data_shape) != int(data_dim):
            raise ValueError(f"VAE: data_shape {data_shape} does not hold {data_dim} values")
        hidden = as_tuple(hidden)
        if not hidden or int(latent_dim) < 1:
            raise ValueError(f"VAE: needs at least one hidden layer and latent_dim >= 1, got "
                             f"hidden={hidden}, latent_dim={latent_dim}")
        self.config = dict(data_dim=int(data_dim), hidden=list(hidden),
                           latent_dim=int(latent_dim), activation=activation,
                           data_shape=list(data_shape))
        self.data_dim, self.latent_dim, self.data_shape = int(data_dim), int(latent_dim), data_shape
        # the encoder's last hidden layer feeds two heads; mlp_layers ends in a Linear, so build
        # the trunk from all but that final Linear
        trunk = mlp_layers(self.data_dim, hidden[:-1], hidden[-1], activation, activation)
        self.encoder = nn.Sequential(*trunk)
        self.fc_mu = nn.Linear(hidden[-1], self.latent_dim)
        self.fc_logvar = nn.Linear(hidden[-1], self.latent_dim)
        self.decoder = nn.Sequential(*mlp_layers(self.latent_dim, tuple(reversed(hidden)),
                                                 self.data_dim, activation, "sigmoid"))

    def _encode_hidden(self, x):
        return self.encoder(x.reshape(x.shape[0], self.data_dim))


class ConvVAE(_VAEBase):
    """A small convolutional VAE for C x S x S images (S divisible by 4; MNIST: 1 x 28 x 28).

    Encoder: Conv(C, ch, 4, stride 2) -> ReLU -> Conv(ch, 2ch, 4, stride 2) -> ReLU -> flatten
    -> Linear(2ch * (S/4)^2, hidden) -> ReLU -> (mu, logvar). Decoder mirrors it with
    transposed convolutions and ends in Sigmoid.
    """

    def __init__(self, channels=1, image_size=28, latent_dim=20, ch=32, hidden=256):
        super().__init__()
        channels, image_size, ch, hidden = int(channels), int(image_size), int(ch), int(hidden)
        if image_size % 4 or image_size < 4:
            raise ValueError(f"ConvVAE: image_size must be a positive multiple of 4, got "
                             f"{image_size}")
        if int(latent_dim) < 1 or ch < 1 or hidden < 1:
            raise ValueError(f"ConvVAE: latent_dim, ch and hidden must be >= 1, got "
                             f"{latent_dim}, {ch}, {hidden}")
        self.config = dict(channels=channels, image_size=image_size, latent_dim=int(latent_dim),
                           ch=ch, hidden=hidden)
        self.latent_dim = int(latent_dim)
        self.data_shape = (channels, image_size, image_size)
        self.data_dim = channels * image_size * image_size
        s = image_size // 4
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, ch, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(ch, 2 * ch, 4, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(2 * ch * s * s, hidden), nn.ReLU())
        self.fc_mu = nn.Linear(hidden, self.latent_dim)
        self.fc_logvar = nn.Linear(hidden, self.latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(self.latent_dim, hidden), nn.ReLU(),
            nn.Linear(hidden, 2 * ch * s * s), nn.ReLU(), nn.Unflatten(1, (2 * ch, s, s)),
            nn.ConvTranspose2d(2 * ch, ch, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(ch, channels, 4, stride=2, padding=1), nn.Sigmoid())

    def _encode_hidden(self, x):
        return self.encoder(x.reshape(x.shape[0], *self.data_shape))
