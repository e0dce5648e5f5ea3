"""Autoencoder: shapes and ranges, the reconstruction losses vs NumPy float64, training on
8x8 digits (loss falls), the 2-D latent scatter and reconstruction grid, the CLI, bad input."""

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.models.autoencoder import Autoencoder, reconstruction_loss
from pydeepgen.train.generative import GenerativeTrainer, encode_mean, load_gen_data


@pytest.fixture(autouse=True)
def _one_thread():
    old = pdg.get_num_threads()
    pdg.set_num_threads(1)
    yield
    pdg.set_num_threads(old)


def _digits(n=512, train=True):
    (x, y), _ = load_gen_data("ae", "digits", train=train, limit=n)
    return x, y


def test_data_are_in_unit_range():
    x, y = _digits(100)
    assert x.shape == (100, 1, 8, 8) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert y.dtype == np.int64


@pytest.mark.parametrize("latent", [2, 5])
def test_shapes_and_ranges(latent):
    pdg.manual_seed(0)
    m = Autoencoder(data_dim=64, latent_dim=latent, hidden=(32, 16), data_shape=(1, 8, 8))
    x = pdg.from_numpy(_digits(7)[0])
    z = m.encode(x)
    assert z.shape == (7, latent)
    out = m.decode(z)
    assert out.shape == (7, 1, 8, 8)
    v = out.detach().numpy()
    assert v.min() > 0 and v.max() < 1
    np.testing.assert_allclose(m(x).detach().numpy(), v, rtol=1e-6)
    assert m.reconstruct(x).shape == (7, 1, 8, 8)
    assert m.config["latent_dim"] == latent


@pytest.mark.parametrize("kind", ["bce", "mse"])
def test_reconstruction_loss_matches_numpy(kind):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(5, 13)) * 3
    x = rng.uniform(size=(5, 13))
    p = 1 / (1 + np.exp(-logits))
    if kind == "bce":
        per = -(x * np.log(p) + (1 - x) * np.log1p(-p))
    else:
        per = (p - x) ** 2
    got = reconstruction_loss(pdg.from_numpy(logits), pdg.from_numpy(x), kind, reduction="none")
    np.testing.assert_allclose(got.numpy(), per.sum(1), rtol=1e-10)
    mean = reconstruction_loss(pdg.from_numpy(logits), pdg.from_numpy(x), kind)
    assert mean.item() == pytest.approx(per.sum(1).mean(), rel=1e-10)
    # gradient through the compiled kernels (float64)
    lt = pdg.from_numpy(logits.copy()).requires_grad_()
    assert pdg.testing.gradcheck(lambda a: reconstruction_loss(a, pdg.from_numpy(x), kind), (lt,))


def test_loss_entries_and_extreme_logits():
    m = Autoencoder(data_dim=4, latent_dim=2, hidden=(3,))
    x = pdg.from_numpy(np.array([[0.0, 1.0, 0.5, 1.0]], dtype=np.float32))
    d = m.loss(x)
    assert set(d) == {"loss", "rec", "mse"}
    # BCE from logits stays finite where sigmoid saturates
    big = pdg.from_numpy(np.array([[-200.0, 200.0, 0.0, 60.0]], dtype=np.float32))
    v = reconstruction_loss(big, x).item()
    assert np.isfinite(v) and v == pytest.approx(np.log(2.0), rel=1e-5)


def test_trains_on_digits_and_writes_latent_plot(tmp_path):
    pdg.manual_seed(0)
    x, y = _digits(512)
    xt, yt = _digits(200, train=False)
    m = Autoencoder(data_dim=64, latent_dim=2, hidden=(64, 32), data_shape=(1, 8, 8))
    tr = GenerativeTrainer(m, lr=3e-3, epochs=4, batch_size=32, progress=False,
                           val_data=(xt, yt), out_dir=tmp_path)
    hist = tr.fit((x,))
    assert hist[-1]["loss"] < 0.85 * hist[0]["loss"], [h["loss"] for h in hist]
    assert hist[-1]["test_mse"] < hist[0]["test_mse"]
    for f in ("latent.png", "reconstructions.png", "losses.png", "checkpoint.safetensors"):
        assert (tmp_path / f).is_file(), f
    assert not (tmp_path / "samples.png").exists()  # no prior: nothing to sample
    z = encode_mean(m, xt)
    assert z.shape == (200, 2) and np.isfinite(z).all()
    # the codes carry class information: class means are spread apart
    means = np.stack([z[yt == c].mean(0) for c in range(10)])
    assert means.std(0).max() > 0.1 * z.std(0).max()


def test_latent_5_reconstructs_better_than_latent_2():
    x, _ = _digits(512)
    xt, _ = _digits(200, train=False)
    err = {}
    for latent in (2, 5):
        pdg.manual_seed(0)
        m = Autoencoder(data_dim=64, latent_dim=latent, hidden=(64, 32), data_shape=(1, 8, 8))
        tr = GenerativeTrainer(m, lr=3e-3, epochs=6, batch_size=32, progress=False,
                               val_data=(xt,))
        err[latent] = tr.fit((x,))[-1]["test_rec"]
    assert err[5] < err[2], err


def test_bad_input():
    with pytest.raises(ValueError, match="latent_dim"):
        Autoencoder(latent_dim=0)
    with pytest.raises(ValueError, match="data_shape"):
        Autoencoder(data_dim=64, data_shape=(1, 28, 28))
    with pytest.raises(ValueError, match="loss"):
        Autoencoder(loss="l1")
    with pytest.raises(ValueError, match="kind"):
        reconstruction_loss(pdg.zeros(2, 3), pdg.zeros(2, 3), "l1")
    with pytest.raises(TypeError, match="loss"):
        GenerativeTrainer(pdg.nn.Linear(2, 2), progress=False)


def test_cli_train_and_sample_errors(tmp_path, capsys):
    import pydeepgen.cli_generative  # noqa: F401
    from pydeepgen import cli

    out = tmp_path / "ae"
    assert cli.main(["train", "ae", "--dataset", "digits", "--limit", "128", "--epochs", "1",
                     "--latent-dim", "2", "--out", str(out), "--quiet", "--threads", "1",
                     "--lr-schedule", "cosine"]) == 0
    assert "latent.png" in capsys.readouterr().out
    assert (out / "latent.png").is_file()
    assert cli.main(["sample", str(out / "checkpoint.safetensors")]) == 1
    assert cli.main(["train", "ae", "--arch", "conv"]) == 1
    assert cli.main(["train", "ae", "--conditional"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "no prior" in err[0]
