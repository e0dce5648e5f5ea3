"""Models: plain ``nn.Module``s with the course's defaults as constructor arguments.

Supervised: :class:`MLP`, :class:`LeNet5`, :class:`MNISTClassifier` (Lipizzaner's FID
network, ``MNISTClassifier.pretrained()``), :class:`LSTMRegressor`.
Generative: :class:`GAN` (Lipizzaner's MLP networks by default), :func:`gaussian_gan` and
:func:`line_gan` (the course's small GANs), :class:`ConditionalGAN`, :class:`DCGAN`, and
:func:`gan_losses` (non-saturating BCE, saturating, LSGAN, hinge).

Each model keeps its constructor arguments in ``model.config``; :func:`build` rebuilds a
model from its class name and that config (what checkpoints store).
"""

from .gan import GAN, GAN_LOSSES, DCGAN, ConditionalGAN, gan_losses, gaussian_gan, line_gan
from .supervised import MLP, LeNet5, LSTMRegressor, MNISTClassifier
from .autoencoder import Autoencoder
from .vae import VAE, ConvVAE
from .diffusion import DDPM, EMA, UNet

MODELS = {
    cls.__name__: cls
    for cls in (MLP, LeNet5, MNISTClassifier, LSTMRegressor, GAN, ConditionalGAN, DCGAN,
                Autoencoder, VAE, ConvVAE, DDPM)
}


def register_model(cls):
    """Make a model class rebuildable from checkpoints (other model families call this)."""
    MODELS[cls.__name__] = cls
    return cls


def build(name, config=None):
    """Instantiate model class ``name`` with keyword arguments ``config``."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {sorted(MODELS)}")
    return MODELS[name](**(config or {}))


__all__ = ["MLP", "LeNet5", "MNISTClassifier", "LSTMRegressor", "GAN", "ConditionalGAN",
           "DCGAN", "gan_losses", "GAN_LOSSES", "gaussian_gan", "line_gan", "MODELS",
           "register_model", "build", "Autoencoder", "VAE", "ConvVAE", "DDPM", "UNet", "EMA"]
