"""The minibatch standard-deviation layer of the MLP GAN's discriminator (Karras et al. 2018):
forward against a NumPy reference, gradients against finite differences (float64), and the
GAN option that inserts it."""

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.models import GAN, build
from pydeepgen.models.gan import MinibatchStdDev
from pydeepgen.testing import gradcheck


def _reference(x, group_size, eps=1e-8):
    n, f = x.shape
    g = n if group_size == 0 else min(group_size, n)
    while n % g:
        g -= 1
    m = n // g
    out = np.empty(n)
    for i in range(n):
        members = x[np.arange(g) * m + i % m]  # sample i is in group i mod m
        out[i] = np.sqrt(members.var(axis=0) + eps).mean()
    return np.concatenate([x, out[:, None]], axis=1)


@pytest.mark.parametrize("n,group_size", [(8, 4), (6, 4), (7, 4), (5, 0), (3, 8), (1, 4)])
def test_minibatch_std_forward_matches_numpy(n, group_size):
    x = np.random.default_rng(n).standard_normal((n, 5))
    layer = MinibatchStdDev(group_size)
    for dtype in (np.float64, np.float32):
        y = layer(pdg.from_numpy(x.astype(dtype))).numpy()
        assert y.shape == (n, 6)
        np.testing.assert_allclose(y, _reference(x, group_size), rtol=1e-5 if dtype is np.float32
                                   else 1e-12, atol=1e-6 if dtype is np.float32 else 1e-12)


def test_minibatch_std_groups():
    layer = MinibatchStdDev(4)
    assert [layer.group(n) for n in (64, 28, 6, 7, 3, 1)] == [4, 4, 3, 1, 3, 1]
    assert MinibatchStdDev(0).group(28) == 28
    with pytest.raises(ValueError):
        MinibatchStdDev(-1)
    with pytest.raises(ValueError):
        layer(pdg.randn(4, 2, 2))


def test_minibatch_std_identical_group_is_finite():
    y = MinibatchStdDev(4)(pdg.ones(4, 3, dtype=pdg.float64))
    np.testing.assert_allclose(y.numpy()[:, -1], np.sqrt(1e-8))


@pytest.mark.parametrize("n,group_size", [(8, 4), (6, 4), (5, 0)])
def test_minibatch_std_gradcheck(n, group_size):
    x = pdg.from_numpy(np.random.default_rng(1).standard_normal((n, 3))).requires_grad_(True)
    w = pdg.from_numpy(np.random.default_rng(2).standard_normal((n, 4)))
    layer = MinibatchStdDev(group_size)
    assert gradcheck(lambda t: (layer(t) * w).sum(), (x,))
    assert gradcheck(lambda t: layer(t), (x,))


def test_gan_option_inserts_layer_before_last_linear():
    pdg.manual_seed(0)
    plain = GAN(data_dim=64)
    pdg.manual_seed(0)
    mb = GAN(data_dim=64, d_minibatch_std=4)
    mods = list(mb.discriminator)
    assert isinstance(mods[-3], MinibatchStdDev) and mods[-3].group_size == 4
    assert mods[-2].in_features == 257 and mods[-2].out_features == 1
    assert mb.config["d_minibatch_std"] == 4 and "d_minibatch_std" not in plain.config
    # the generator and D's hidden layers are drawn as before
    for (k, a), (k2, b) in zip(plain.generator.state_dict().items(),
                               mb.generator.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    x = pdg.randn(12, 64)
    assert mb.d_logits(x).shape == (12, 1)
    assert mb.discriminator(x).shape == (12, 1)
    # a checkpoint's config rebuilds the same model
    again = build("GAN", mb.config)
    again.load_state_dict(mb.state_dict())
    np.testing.assert_allclose(again.d_logits(x).detach().numpy(), mb.d_logits(x).detach().numpy())
    with pytest.raises(ValueError):
        GAN(data_dim=64, d_minibatch_std=-1)


def test_gan_minibatch_std_with_info_head_and_spectral_norm():
    m = GAN(data_dim=64, d_minibatch_std=4, noise="mixture", info_head=True,
            d_spectral_norm=True)
    logits, codes = m.d_logits_and_codes(pdg.randn(8, 64))
    assert logits.shape == (8, 1) and codes.shape == (8, 10)


def test_gan_trainer_step_with_minibatch_std():
    from pydeepgen.train.gan import GANTrainer

    pdg.manual_seed(0)
    gan = GAN(data_dim=16, latent_dim=4, g_hidden=(8,), d_hidden=(8,), d_minibatch_std=4)
    t = GANTrainer(gan, epochs=1, batch_size=8, sample_every=0)
    before = [p.detach().numpy().copy() for p in gan.discriminator.parameters()]
    res = t.train_step((pdg.rand(8, 16) * 2 - 1,))
    assert np.isfinite(res["d_loss"]) and np.isfinite(res["g_loss"])
    after = [p.detach().numpy() for p in gan.discriminator.parameters()]
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))
