"""pdg.models: shapes, parameter names, defaults, rebuild from config, GAN losses vs NumPy."""


import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen import models

from conftest import DATA, LIPIZZANER_FILE, require_data


def test_mlp_shapes_and_errors():
    pdg.manual_seed(0)
    m = models.MLP(in_features=64, hidden=(32, 16), out_features=10)
    assert tuple(m(pdg.randn(5, 1, 8, 8)).shape) == (5, 10)
    assert tuple(m(pdg.randn(5, 64)).shape) == (5, 10)
    with pytest.raises(ValueError, match="MLP"):
        m(pdg.randn(5, 63))
    with pytest.raises(ValueError, match="activation"):
        models.MLP(activation="nope")
    m2 = models.MLP(in_features=3, hidden=(), out_features=1, out_activation="sigmoid")
    y = m2(pdg.randn(4, 3)).detach().numpy()
    assert y.shape == (4, 1) and (y > 0).all() and (y < 1).all()


@pytest.mark.parametrize("size", [28, 8])
def test_lenet5(size):
    m = models.LeNet5(image_size=size)
    assert tuple(m(pdg.randn(3, 1, size, size)).shape) == (3, 10)
    assert tuple(m(pdg.randn(3, size * size)).shape) == (3, 10)


def test_mnist_classifier_names_and_shapes():
    m = models.MNISTClassifier()
    names = [k for k, _ in m.named_parameters()]
    assert names == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
                     "fc1.bias", "fc2.weight", "fc2.bias"]
    assert sum(p.numel() for p in m.parameters()) == 21840
    pre = models.MNISTClassifier.pretrained()
    assert not pre.training
    assert tuple(pre(pdg.zeros(2, 784)).shape) == (2, 10)


def test_lstm_regressor():
    m = models.LSTMRegressor(input_size=1, hidden_size=5)
    assert tuple(m(pdg.randn(7, 3, 1)).shape) == (7, 1)
    assert tuple(m(pdg.randn(7, 3)).shape) == (7, 1)
    with pytest.raises(ValueError, match="LSTMRegressor"):
        m(pdg.randn(7, 3, 2))


def test_gan_defaults_are_lipizzaner():
    gan = models.GAN()
    keys = list(gan.generator.state_dict())
    assert keys == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    shapes = [tuple(t.shape) for t in gan.generator.state_dict().values()]
    assert shapes == [(256, 64), (256,), (256, 256), (256,), (784, 256), (784,)]
    assert sum(p.numel() for p in gan.generator.parameters()) == 283920
    types = [type(m).__name__ for m in gan.generator]
    assert types == ["Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear", "Tanh"]
    dtypes = [type(m).__name__ for m in gan.discriminator]
    assert dtypes == ["Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear", "Sigmoid"]
    assert [tuple(t.shape) for t in gan.discriminator.state_dict().values()][::2] == [
        (256, 784), (256, 256), (1, 256)]
    x = gan.sample(6).numpy()
    assert x.shape == (6, 784) and np.abs(x).max() <= 1.0
    p = gan.discriminator(pdg.from_numpy(x)).detach().numpy()
    assert p.shape == (6, 1) and ((p > 0) & (p < 1)).all()
    # d_logits is the score before the sigmoid
    s = gan.d_logits(pdg.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(1 / (1 + np.exp(-s)), p, rtol=1e-5, atol=1e-6)


def test_lipizzaner_generator_loads():
    require_data(LIPIZZANER_FILE)
    path = DATA / LIPIZZANER_FILE
    gan = models.GAN(data_shape=(1, 28, 28))
    with np.load(path) as f:
        w = {k: f[k] for k in f.files}
    gan.generator.load_state_dict(w)
    z = np.random.default_rng(0).normal(size=(4, 64)).astype(np.float32)
    out = gan.generate(pdg.from_numpy(z)).detach().numpy()
    assert out.shape == (4, 1, 28, 28)
    h = np.maximum(z @ w["0.weight"].T + w["0.bias"], 0.2 * (z @ w["0.weight"].T + w["0.bias"]))
    h2 = h @ w["2.weight"].T + w["2.bias"]
    h2 = np.maximum(h2, 0.2 * h2)
    ref = np.tanh(h2 @ w["4.weight"].T + w["4.bias"])
    np.testing.assert_allclose(out.reshape(4, 784), ref, rtol=1e-4, atol=1e-5)


def test_course_gans():
    g = models.gaussian_gan(data_dim=16)
    z = g.sample_noise(100).numpy()
    assert z.min() >= 0 and z.max() < 1  # uniform noise
    assert type(g.generator[1]).__name__ == "SELU" and type(g.discriminator[1]).__name__ == "ELU"
    assert type(g.discriminator[-1]).__name__ == "Sigmoid"
    assert tuple(g.sample(5).shape) == (5, 16)
    assert tuple(models.line_gan().sample(3).shape) == (3, 2)


def test_gan_mixture_prior():
    pdg.manual_seed(np.random.randint(1 << 30))
    g = models.GAN(data_dim=64, latent_dim=6, g_hidden=(8,), d_hidden=(8,), noise="mixture",
                   noise_components=4, noise_scale=3.0)
    centers = g.noise_centers.numpy()
    assert centers.shape == (4, 6) and "noise_centers" in g.state_dict()
    z = g.sample_noise(4000, generator=pdg.Generator().manual_seed(1)).numpy()
    # each draw is a centre plus unit Gaussian noise: the nearest centre is (almost always)
    # the one it came from when the centres are this far apart
    d2 = ((z[:, None, :] - centers[None]) ** 2).sum(-1)
    nearest = d2.argmin(1)
    counts = np.bincount(nearest, minlength=4)
    assert counts.min() > 800  # uniform over the 4 components (1000 expected)
    resid = z - centers[nearest]
    assert abs(resid.mean()) < 0.05 and abs(resid.std() - 1.0) < 0.05
    # reproducible with a generator; a rebuilt model with the same state samples the same
    again = g.sample_noise(4000, generator=pdg.Generator().manual_seed(1)).numpy()
    np.testing.assert_array_equal(z, again)
    g2 = models.build("GAN", g.config)
    g2.load_state_dict(g.state_dict())
    np.testing.assert_array_equal(
        g2.sample(5, generator=pdg.Generator().manual_seed(2)).numpy(),
        g.sample(5, generator=pdg.Generator().manual_seed(2)).numpy())
    with pytest.raises(ValueError, match="noise_components"):
        models.GAN(noise="mixture", noise_components=0)
    with pytest.raises(ValueError, match="noise must be"):
        models.GAN(noise="cauchy")
    # the DCGAN's latent is (latent_dim, 1, 1): the same prior, reshaped
    d = models.DCGAN(image_size=8, g_features=4, d_features=4, latent_dim=5, noise="mixture",
                     noise_components=3)
    zd = d.sample_noise(7, generator=pdg.Generator().manual_seed(3))
    assert tuple(zd.shape) == (7, 5, 1, 1)
    near = ((zd.numpy().reshape(7, 1, 5) - d.noise_centers.numpy()[None]) ** 2).sum(-1).min(1)
    assert near.max() < 60  # within a few unit-Gaussian radii of a centre
    d2 = models.build("DCGAN", d.config)
    assert "noise_centers" in d2.state_dict() and tuple(d.sample(2).shape) == (2, 1, 8, 8)
    with pytest.raises(ValueError, match="noise must be"):
        models.DCGAN(image_size=8, noise="uniform")


@pytest.mark.parametrize("kind", ["GAN", "DCGAN"])
def test_info_head(kind):
    pdg.manual_seed(np.random.randint(1 << 30))
    if kind == "GAN":
        m = models.GAN(data_dim=64, data_shape=(1, 8, 8), latent_dim=6, g_hidden=(8,),
                       d_hidden=(12,), noise="mixture", noise_components=5, info_head=True,
                       d_dropout=0.3)
    else:
        m = models.DCGAN(image_size=8, g_features=4, d_features=4, latent_dim=6,
                         noise="mixture", noise_components=5, info_head=True)
    m.eval()  # no dropout, BatchNorm on running stats: both passes see the same network
    # the codes are the components the latents came from, on the same draws as sample_noise
    z, codes = m.sample_noise_and_codes(300, generator=pdg.Generator().manual_seed(4))
    np.testing.assert_array_equal(
        z.numpy(), m.sample_noise(300, generator=pdg.Generator().manual_seed(4)).numpy())
    c = codes.numpy()
    assert codes.dtype == pdg.int64 and c.min() >= 0 and c.max() < 5 and len(set(c)) == 5
    resid = z.numpy().reshape(300, 6) - m.noise_centers.numpy()[c]
    assert abs(resid.std() - 1.0) < 0.1
    # one pass gives D's score (equal to d_logits) and the head's logits over the components
    x = pdg.from_numpy(np.random.uniform(-1, 1, (7, 1, 8, 8)).astype(np.float32))
    score, code_logits = m.d_logits_and_codes(x)
    np.testing.assert_allclose(score.detach().numpy(), m.d_logits(x).detach().numpy(),
                               rtol=1e-6, atol=1e-6)
    assert tuple(code_logits.shape) == (7, 5)
    # the head's logits are its Linear applied to D's last hidden features
    h = x.reshape(7, -1) if kind == "GAN" else x
    for layer in list(m.discriminator)[:-2]:
        h = layer(h)
    w, b = m.info_head.weight.detach().numpy(), m.info_head.bias.detach().numpy()
    np.testing.assert_allclose(code_logits.detach().numpy(), h.detach().numpy() @ w.T + b,
                               rtol=1e-5, atol=1e-5)
    # rebuilt from its config, with the head's weights in the state dict
    m2 = models.build(kind, m.config)
    assert "info_head.weight" in m2.state_dict()
    m2.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(m2.eval().d_logits_and_codes(x)[1].detach().numpy(),
                                  code_logits.detach().numpy())
    cls = getattr(models, kind)
    kw = dict(image_size=8) if kind == "DCGAN" else dict(data_dim=64)
    with pytest.raises(ValueError, match="info_head needs noise='mixture'"):
        cls(info_head=True, **kw)
    with pytest.raises(ValueError, match="d_logits_and_codes needs"):
        cls(noise="mixture", **kw).d_logits_and_codes(x)


def test_conditional_gan():
    c = models.ConditionalGAN(data_dim=64, data_shape=(1, 8, 8), g_hidden=(32,), d_hidden=(32,))
    labels = pdg.tensor([0, 3, 9], dtype=pdg.int64)
    x = c.sample(3, labels)
    assert tuple(x.shape) == (3, 1, 8, 8)
    assert tuple(c.d_logits(x, labels).shape) == (3, 1)
    assert tuple(c.discriminator(x, labels).shape) == (3, 1)
    np.testing.assert_array_equal(c._labels(20, None).numpy(), np.repeat(np.arange(10), 2))
    # the label changes the sample
    z = c.sample_noise(1)
    a = c.generate(z, pdg.tensor([1], dtype=pdg.int64)).detach().numpy()
    b = c.generate(z, pdg.tensor([2], dtype=pdg.int64)).detach().numpy()
    assert not np.allclose(a, b)
    with pytest.raises(ValueError, match="labels"):
        c.generate(c.sample_noise(3), pdg.tensor([1, 2], dtype=pdg.int64))


@pytest.mark.parametrize("size", [28, 8])
def test_dcgan(size):
    d = models.DCGAN(image_size=size, g_features=8, d_features=8, latent_dim=16)
    x = d.sample(4)
    assert tuple(x.shape) == (4, 1, size, size)
    assert np.abs(x.numpy()).max() <= 1.0
    assert tuple(d.d_logits(x).shape) == (4, 1)
    with pytest.raises(ValueError, match="multiple of 4"):
        models.DCGAN(image_size=30)


def test_build_from_config():
    for m in (models.MLP(in_features=64, hidden=(8,)), models.GAN(data_dim=64, latent_dim=8),
              models.DCGAN(image_size=8, g_features=4, d_features=4),
              models.ConditionalGAN(data_dim=64), models.LeNet5(image_size=8),
              models.LSTMRegressor(hidden_size=3)):
        m2 = models.build(type(m).__name__, m.config)
        assert [tuple(t.shape) for t in m2.state_dict().values()] == [
            tuple(t.shape) for t in m.state_dict().values()]
    with pytest.raises(ValueError, match="unknown model"):
        models.build("Nope")


def _sp(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)  # softplus


@pytest.mark.parametrize("kind", models.GAN_LOSSES)
def test_gan_losses_vs_numpy(kind):
    rng = np.random.default_rng(0)
    r = rng.normal(size=(9, 1)).astype(np.float32)
    f = rng.normal(size=(9, 1)).astype(np.float32)
    d = models.gan_losses(kind, pdg.from_numpy(r), pdg.from_numpy(f), "d").item()
    g = models.gan_losses(kind, None, pdg.from_numpy(f), "g").item()
    r, f = r.astype(np.float64), f.astype(np.float64)
    if kind in ("bce", "saturating"):
        d_ref = np.mean(_sp(-r)) + np.mean(_sp(f))  # -log s(r) - log(1 - s(f))
        g_ref = np.mean(_sp(-f)) if kind == "bce" else -np.mean(_sp(f))
    elif kind == "lsgan":
        d_ref = 0.5 * (np.mean((r - 1) ** 2) + np.mean(f ** 2))
        g_ref = 0.5 * np.mean((f - 1) ** 2)
    else:
        d_ref = np.mean(np.maximum(0, 1 - r)) + np.mean(np.maximum(0, 1 + f))
        g_ref = -np.mean(f)
    assert d == pytest.approx(d_ref, rel=1e-5)
    assert g == pytest.approx(g_ref, rel=1e-5)
    with pytest.raises(ValueError, match="unknown loss"):
        models.gan_losses("wgan", pdg.from_numpy(r.astype(np.float32)),
                          pdg.from_numpy(f.astype(np.float32)))
