"""VAEs: the classic 784-400-20 architecture, the KL and reconstruction terms vs NumPy, the
reparameterization gradient, training (MLP and conv) on 8x8 digits, sampling, the ELBO and
importance-weighted bounds checked against log p(x) computed by quadrature, the CLI, bad input."""

import math

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.metrics.elbo import elbo, nll_bound
from pydeepgen.models.vae import VAE, ConvVAE, kl_divergence
from pydeepgen.train.generative import GenerativeTrainer, load_gen_data


@pytest.fixture(autouse=True)
def _one_thread():
    old = pdg.get_num_threads()
    pdg.set_num_threads(1)
    yield
    pdg.set_num_threads(old)


def _digits(n=512, train=True):
    (x, y), _ = load_gen_data("vae", "digits", train=train, limit=n)
    return x, y


def test_classic_architecture():
    m = VAE()
    shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert shapes == {
        "encoder.0.weight": (400, 784), "encoder.0.bias": (400,),
        "fc_mu.weight": (20, 400), "fc_mu.bias": (20,),
        "fc_logvar.weight": (20, 400), "fc_logvar.bias": (20,),
        "decoder.0.weight": (400, 20), "decoder.0.bias": (400,),
        "decoder.2.weight": (784, 400), "decoder.2.bias": (784,),
    }
    # the PyTorch example's parameter count
    assert sum(p.numel() for p in m.parameters()) == 652824


def test_kl_matches_closed_form():
    rng = np.random.default_rng(0)
    mu, lv = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    ref = 0.5 * (mu ** 2 + np.exp(lv) - lv - 1).sum(1)
    got = kl_divergence(pdg.from_numpy(mu), pdg.from_numpy(lv), reduction="none").numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    assert kl_divergence(pdg.from_numpy(mu), pdg.from_numpy(lv)).item() == pytest.approx(ref.mean())
    assert kl_divergence(pdg.zeros(3, 4), pdg.zeros(3, 4)).item() == 0.0
    # KL against a Monte Carlo estimate of E_q[log q - log p]
    m1, l1 = 0.7, -0.4
    z = rng.normal(size=400000) * math.exp(l1 / 2) + m1
    mc = np.mean(-0.5 * l1 - 0.5 * (z - m1) ** 2 / math.exp(l1) + 0.5 * z ** 2)
    kl = kl_divergence(pdg.from_numpy(np.array([[m1]])), pdg.from_numpy(np.array([[l1]]))).item()
    assert kl == pytest.approx(mc, abs=5e-3)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_loss_terms_match_a_replayed_computation(arch):
    pdg.manual_seed(2)
    m = (VAE(data_dim=64, hidden=(32,), latent_dim=3, data_shape=(1, 8, 8)) if arch == "mlp"
         else ConvVAE(channels=1, image_size=8, latent_dim=3, ch=4, hidden=16))
    x = pdg.from_numpy(_digits(6)[0])
    d = m.loss(x, generator=pdg.Generator().manual_seed(5))
    assert set(d) == {"loss", "rec", "kl"}
    assert d["loss"].item() == pytest.approx(d["rec"].item() + d["kl"].item(), rel=1e-6)
    # replay: same eps, NumPy BCE from the decoder's means
    with pdg.no_grad():
        mu, lv = m.encode(x)
        eps = pdg.randn(*mu.shape, generator=pdg.Generator().manual_seed(5))
        z = mu + pdg.exp(lv * 0.5) * eps
        p = m.decode(z).numpy().reshape(6, -1).astype(np.float64)
    t = x.numpy().reshape(6, -1)
    bce = -(t * np.log(p) + (1 - t) * np.log1p(-p)).sum(1).mean()
    assert d["rec"].item() == pytest.approx(bce, rel=1e-4)


def test_reparameterization_passes_gradients_to_mu_and_logvar():
    mu = pdg.from_numpy(np.array([[0.5, -1.0]])).requires_grad_()
    lv = pdg.from_numpy(np.array([[0.2, -0.6]])).requires_grad_()
    m = VAE(data_dim=4, hidden=(3,), latent_dim=2)
    z = m.reparameterize(mu, lv, generator=pdg.Generator().manual_seed(0))
    eps = pdg.randn(1, 2, generator=pdg.Generator().manual_seed(0), dtype=pdg.float64).numpy()
    z.sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), np.ones((1, 2)))
    np.testing.assert_allclose(lv.grad.numpy(), 0.5 * np.exp(lv.detach().numpy() / 2) * eps)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_trains_on_digits_and_samples(arch, tmp_path):
    pdg.manual_seed(0)
    x, y = _digits(512)
    xt, yt = _digits(200, train=False)
    m = (VAE(data_dim=64, hidden=(64,), latent_dim=4, data_shape=(1, 8, 8)) if arch == "mlp"
         else ConvVAE(channels=1, image_size=8, latent_dim=4, ch=8, hidden=32))
    tr = GenerativeTrainer(m, lr=3e-3, epochs=4, batch_size=32, progress=False,
                           val_data=(xt, yt), out_dir=tmp_path, n_samples=16)
    hist = tr.fit((x,))
    assert hist[-1]["loss"] < 0.85 * hist[0]["loss"], [h["loss"] for h in hist]
    assert hist[-1]["test_loss"] < hist[0]["test_loss"]
    assert all(h["kl"] >= 0 for h in hist)
    for f in ("samples.png", "reconstructions.png", "losses.png", "checkpoint.safetensors"):
        assert (tmp_path / f).is_file(), f
    s = m.sample(9, generator=pdg.Generator().manual_seed(1)).numpy()
    assert s.shape == (9, 1, 8, 8)
    assert s.min() >= 0 and s.max() <= 1
    r = m.reconstruct(pdg.from_numpy(xt[:5]))
    assert r.shape[0] == 5 and m.training
    # the trainer's test loss is the ELBO metric (different eps draws: close, not equal)
    e = elbo(m, xt, seed=3)
    assert e["nll_bound"] == pytest.approx(hist[-1]["test_loss"], rel=0.05)
    assert e["nll_bound"] == pytest.approx(e["rec"] + e["kl"])


def _log_px_by_quadrature(m, x):
    """log p(x) = log int p(x|z) N(z; 0, 1) dz for a 1-D latent, on a fine grid."""
    zs = np.linspace(-10, 10, 4001)
    with pdg.no_grad():
        logits = m.decode_logits(pdg.from_numpy(zs[:, None].astype(np.float32))).numpy()
    logits = logits.astype(np.float64)
    out = []
    for xi in x.reshape(x.shape[0], -1).astype(np.float64):
        # log p(x|z) = sum x log s(l) + (1-x) log(1-s(l)) = sum x l - softplus(l)
        lp = ((xi * logits - np.logaddexp(0, logits)).sum(1) - 0.5 * zs ** 2
              - 0.5 * math.log(2 * math.pi))
        mx = lp.max()
        out.append(mx + math.log(np.trapezoid(np.exp(lp - mx), zs)))
    return np.array(out)


def test_elbo_and_iwae_bound_log_likelihood():
    pdg.manual_seed(4)
    x, _ = _digits(256)
    m = VAE(data_dim=64, hidden=(32,), latent_dim=1, data_shape=(1, 8, 8))
    GenerativeTrainer(m, lr=3e-3, epochs=3, batch_size=32, progress=False).fit((x,))
    xs = x[:40]
    nll = -_log_px_by_quadrature(m, xs).mean()
    e1 = elbo(m, xs, k=1, seed=0)["nll_bound"]
    e50 = nll_bound(m, xs, k=50, seed=0)
    e500 = nll_bound(m, xs, k=500, seed=0)
    # bounds from above, tightening with k, converging to the true value
    assert nll - 0.05 < e500 <= e50 + 0.05 and e50 < e1
    assert e1 > nll
    assert e500 - nll < 0.25 * (e1 - nll) + 0.05, (nll, e1, e50, e500)


def test_metric_bad_input():
    m = VAE(data_dim=4, hidden=(3,), latent_dim=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        elbo(m, np.full((2, 4), 2.0))
    with pytest.raises(ValueError, match="k must"):
        elbo(m, np.zeros((2, 4)), k=0)
    with pytest.raises(TypeError, match="VAE"):
        elbo(pdg.nn.Linear(4, 4), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="non-empty"):
        elbo(m, np.zeros((0, 4)))


def test_model_bad_input():
    with pytest.raises(ValueError, match="data_shape"):
        VAE(data_dim=64, data_shape=(1, 28, 28))
    with pytest.raises(ValueError, match="hidden"):
        VAE(hidden=())
    with pytest.raises(ValueError, match="multiple of 4"):
        ConvVAE(image_size=10)
    with pytest.raises(ValueError, match="reduction"):
        kl_divergence(pdg.zeros(1, 2), pdg.zeros(1, 2), reduction="sum")


def test_cli_train_sample_eval(tmp_path, capsys):
    import pydeepgen.cli_generative  # noqa: F401  (registers ae/vae/ddpm)
    from pydeepgen import cli

    out = tmp_path / "vae"
    assert cli.main(["train", "vae", "--arch", "conv", "--dataset", "digits", "--limit", "128",
                     "--epochs", "1", "--out", str(out), "--quiet", "--threads", "1"]) == 0
    ck = str(out / "checkpoint.safetensors")
    png = tmp_path / "s.png"
    assert cli.main(["sample", ck, "--n", "12", "--out", str(png)]) == 0 and png.is_file()
    assert cli.main(["eval", ck, "--metric", "elbo", "--k", "5"]) == 0
    text = capsys.readouterr().out
    assert "importance-weighted bound (k=5)" in text and "nats per image" in text
    assert cli.main(["sample", ck, "--steps", "5"]) == 1
    assert cli.main(["eval", ck, "--metric", "accuracy"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("pydeepgen ") for e in err)
