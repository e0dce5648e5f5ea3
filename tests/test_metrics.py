"""pdg.metrics: supervised metrics vs scikit-learn, the Fréchet distance vs an independent
SciPy float64 computation, and the MNIST FID/TVD protocols against a NumPy/SciPy re-implementation
of the whole pipeline (classifier forward included) on the shared data."""

from pathlib import Path

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen import metrics as M
from pydeepgen.metrics import fid as fidmod

from conftest import DATA, needs_mnist
from conftest import needs_lipizzaner as needs_lipi

MNIST_DIR = DATA / "mnist"
LIPI = DATA / "lipizzaner"


# --------------------------------------------------------------------------------------
# supervised metrics
# --------------------------------------------------------------------------------------


def test_accuracy_confusion_vs_sklearn():
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(97, 7)).astype(np.float32)
    y = rng.integers(0, 7, size=97)
    pred = logits.argmax(1)
    assert M.accuracy(logits, y) == pytest.approx(skm.accuracy_score(y, pred))
    assert M.accuracy(pdg.from_numpy(logits), pdg.from_numpy(y)) == pytest.approx(
        skm.accuracy_score(y, pred))
    np.testing.assert_array_equal(M.confusion_matrix(y, logits, num_classes=7),
                                  skm.confusion_matrix(y, pred, labels=range(7)))
    # binary: probabilities (threshold 0.5) or logits (threshold 0)
    p = rng.random(50)
    t = rng.integers(0, 2, 50)
    assert M.accuracy(p, t) == pytest.approx(np.mean((p > 0.5) == t))
    assert M.accuracy(p[:, None] - 0.5, t[:, None], threshold=0.0) == pytest.approx(
        np.mean((p > 0.5) == t))
    assert M.accuracy(np.array([0, 1, 2]), np.array([0, 1, 1])) == pytest.approx(2 / 3)


def test_rmse_mae():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(13, 1)), rng.normal(size=13)
    assert M.rmse(a, b) == pytest.approx(np.sqrt(np.mean((a[:, 0] - b) ** 2)))
    assert M.mae(pdg.from_numpy(a.astype(np.float32)), b) == pytest.approx(
        np.mean(np.abs(a[:, 0] - b)), rel=1e-6)


def test_metric_errors():
    with pytest.raises(ValueError, match="accuracy"):
        M.accuracy(np.zeros((4, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="rmse"):
        M.rmse(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="confusion_matrix"):
        M.confusion_matrix(np.array([0, 5]), np.array([0, 1]), num_classes=3)


# --------------------------------------------------------------------------------------
# Fréchet distance vs SciPy
# --------------------------------------------------------------------------------------


def _scipy_fid(mu1, s1, mu2, s2, eps=1e-6):
    """Independent reference: pytorch-fid/Lipizzaner's formula with scipy.linalg.sqrtm."""
    linalg = pytest.importorskip("scipy.linalg")
    covmean = linalg.sqrtm(s1.dot(s2))
    if not np.isfinite(covmean).all():
        off = np.eye(s1.shape[0]) * eps
        covmean = linalg.sqrtm((s1 + off).dot(s2 + off))
    covmean = covmean.real
    diff = mu1 - mu2
    return abs(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


@pytest.mark.parametrize("d,n1,n2", [(1, 20, 30), (2, 50, 7), (10, 400, 300), (17, 60, 61)])
def test_frechet_distance_vs_scipy(d, n1, n2):
    rng = np.random.default_rng(d)
    a = rng.normal(size=(n1, d)) * rng.uniform(0.1, 3, size=d)
    b = rng.normal(size=(n2, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)
    mu1, s1 = M.gaussian_stats(a)
    mu2, s2 = M.gaussian_stats(b)
    np.testing.assert_allclose(s1, np.atleast_2d(np.cov(a, rowvar=False)), rtol=1e-12)
    ours = M.frechet_distance(mu1, s1, mu2, s2)
    assert ours == pytest.approx(_scipy_fid(mu1, s1, mu2, s2), rel=1e-9, abs=1e-9)
    # symmetric in its arguments, zero for identical Gaussians
    assert M.frechet_distance(mu2, s2, mu1, s1) == pytest.approx(ours, rel=1e-9)
    assert M.frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_singular_covariances():
    # fewer samples than dimensions: singular covariances (SciPy's sqrtm is less accurate
    # here, so the tolerance is looser)
    rng = np.random.default_rng(5)
    mu1, s1 = M.gaussian_stats(rng.normal(size=(5, 10)))
    mu2, s2 = M.gaussian_stats(rng.normal(size=(8, 10)))
    assert M.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(
        _scipy_fid(mu1, s1, mu2, s2), rel=1e-6)


def test_sqrtm_psd_vs_scipy():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(3)
    a = rng.normal(size=(9, 9))
    s = a @ a.T
    r = M.sqrtm_psd(s)
    np.testing.assert_allclose(r @ r, s, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(r, linalg.sqrtm(s).real, rtol=1e-8, atol=1e-10)
    b = rng.normal(size=(9, 9))
    s2 = b @ b.T
    assert M.trace_sqrt_product(s, s2) == pytest.approx(
        np.trace(linalg.sqrtm(s @ s2)).real, rel=1e-9)


def test_frechet_distance_bad_shapes():
    with pytest.raises(ValueError, match="frechet_distance"):
        M.frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))


def test_tvd_histograms():
    logits = np.array([[1, 1, 0], [0, 2, 2], [0, 0, 5], [3, 0, 0]], dtype=np.float64)
    h = M.class_histogram(logits, 3)
    np.testing.assert_allclose(h, [0.5, 0.25, 0.25])  # first maximum wins on ties
    assert M.total_variation(h, [0.5, 0.25, 0.25]) == 0.0
    assert M.total_variation([1, 0, 0], [0, 0, 1]) == 1.0


# --------------------------------------------------------------------------------------
# MNIST: classifier, protocols, shipped generators
# --------------------------------------------------------------------------------------


def _np_classifier(x, w):
    """NumPy float64 forward of Lipizzaner's CNN (independent of pdg's kernels)."""
    from numpy.lib.stride_tricks import sliding_window_view

    def conv(x, wt, b):
        win = sliding_window_view(x, wt.shape[2:], axis=(2, 3))  # N C OH OW kh kw
        return np.einsum("nchwij,ocij->nohw", win, wt, optimize=True) + b[None, :, None, None]

    def pool(x):
        n, c, h, ww = x.shape
        return x.reshape(n, c, h // 2, 2, ww // 2, 2).max(axis=(3, 5))

    x = np.maximum(pool(conv(x, w["conv1.weight"], w["conv1.bias"])), 0)
    x = np.maximum(pool(conv(x, w["conv2.weight"], w["conv2.bias"])), 0)
    x = x.reshape(x.shape[0], 320)
    x = np.maximum(x @ w["fc1.weight"].T + w["fc1.bias"], 0)
    return x @ w["fc2.weight"].T + w["fc2.bias"]


def _weights():
    from pydeepgen.assets import asset_path

    with np.load(asset_path("mnist_cnn.npz")) as f:
        return {k: f[k].astype(np.float64) for k in f.files}


def test_shipped_classifier_matches_shared_copy():
    from pydeepgen.assets import asset_path

    shared = LIPI / "mnist_cnn.npz"
    if not shared.is_file():
        pytest.skip("shared Lipizzaner data absent")
    with np.load(asset_path("mnist_cnn.npz")) as a, np.load(shared) as b:
        assert sorted(a.files) == sorted(b.files)
        for k in a.files:
            np.testing.assert_array_equal(a[k], b[k])


def test_classifier_features_vs_numpy():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(37, 1, 28, 28)).astype(np.float32)
    ours = M.mnist_features(x)
    ref = _np_classifier(x.astype(np.float64), _weights())
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(M.mnist_features(x.reshape(37, 784)), ours)


@needs_mnist
@pytest.mark.slow
def test_classifier_accuracy_9927():
    """The shipped classifier with [-1, 1] inputs: 99.27 % (9,927 / 10,000) on MNIST test."""
    images, labels = M.load_mnist_u8(DATA, train=False, labels=True)
    feats = M.mnist_features(fidmod.u8_to_m11(images))
    assert int((feats.argmax(1) == labels).sum()) == 9927


def _reference_scores(fake, protocol, n):
    """Independent NumPy/SciPy pipeline for the two protocols."""
    images = M.load_mnist_u8(DATA, train=(protocol == "lipizzaner"))[:n]
    used = (n // 64) * 64 if protocol == "lipizzaner" else n
    w = _weights()
    real = _np_classifier(images[:used].reshape(-1, 1, 28, 28) / 255.0 * 2 - 1, w)
    gen = _np_classifier(np.asarray(fake, np.float64).reshape(-1, 1, 28, 28)[:used], w)
    mu1, s1 = real.mean(0), np.cov(real, rowvar=False)
    mu2, s2 = gen.mean(0), np.cov(gen, rowvar=False)
    fid = _scipy_fid(mu1, s1, mu2, s2)
    h1 = np.bincount(real.argmax(1), minlength=10) / used
    h2 = np.bincount(gen.argmax(1), minlength=10) / used
    return fid, 0.5 * np.abs(h1 - h2).sum()


def _lipizzaner_generator(i):
    from pydeepgen.models import GAN

    gan = GAN(data_shape=(1, 28, 28))
    with np.load(LIPI / f"mnist-generator-00{i}.npz") as f:
        gan.generator.load_state_dict({k: f[k] for k in f.files})
    return gan


@needs_mnist
@needs_lipi
@pytest.mark.parametrize("protocol,n", [("lipizzaner", 200), ("clean", 150)])
def test_mnist_fid_tvd_vs_reference(protocol, n):
    gan = _lipizzaner_generator(0)
    x = gan.sample(n, generator=pdg.Generator().manual_seed(3))
    assert tuple(x.shape) == (n, 1, 28, 28)
    fid_ref, tvd_ref = _reference_scores(x.numpy(), protocol, n)
    fid = M.mnist_fid(x, protocol=protocol, n=n, data_root=DATA)
    tvd = M.mnist_tvd(x.numpy().reshape(n, 784), protocol=protocol, n=n, data_root=DATA)
    assert fid == pytest.approx(fid_ref, rel=1e-3)
    assert tvd == pytest.approx(tvd_ref, abs=1.5 / n)  # at most one image changes class
    s = M.mnist_scores(x, protocol=protocol, n=n, data_root=DATA)
    assert s["fid"] == pytest.approx(fid) and s["tvd"] == pytest.approx(tvd)
    assert s["n_used"] == ((n // 64) * 64 if protocol == "lipizzaner" else n)


@needs_mnist
@needs_lipi
def test_shipped_generators_small_n():
    """Calibration: the three shipped Lipizzaner generators at n = 1,000 (Lipizzaner
    protocol, 960 images used, seed 0). Their FIDs are in the 25-40 band that Lipizzaner
    reports for single generators; a real-data 'generator' scores far lower, noise far higher."""
    scores = []
    for i in range(3):
        x = _lipizzaner_generator(i).sample(1000, generator=pdg.Generator().manual_seed(0))
        s = M.mnist_scores(x, protocol="lipizzaner", n=1000, data_root=DATA)
        scores.append(s)
        assert s["n_used"] == 960
        assert 15 < s["fid"] < 50, s
        assert s["tvd"] < 0.2, s
    # real test images against the training images: small FID and TVD
    real = fidmod.u8_to_m11(M.load_mnist_u8(DATA, train=False)[:1000])
    s_real = M.mnist_scores(real, protocol="lipizzaner", n=1000, data_root=DATA)
    assert s_real["fid"] < 5 and s_real["tvd"] < 0.05
    noise = np.random.default_rng(0).uniform(-1, 1, (1000, 784)).astype(np.float32)
    assert M.mnist_fid(noise, n=1000, data_root=DATA) > 200


@needs_mnist
@pytest.mark.parametrize("protocol,n,train", [("clean", 300, True), ("lipizzaner", 256, False)])
def test_real_floor_scores_the_other_split(protocol, n, train):
    real = fidmod.u8_to_m11(M.load_mnist_u8(DATA, train=train)[:n])
    fid_ref, tvd_ref = _reference_scores(real, protocol, n)
    floor = M.mnist_real_floor(protocol, n, data_root=DATA)
    assert floor["fid"] == pytest.approx(fid_ref, rel=1e-3)
    assert floor["tvd"] == pytest.approx(tvd_ref, abs=1.5 / n)
    assert floor["fid"] > 0  # the small-n bias alone is ~15-20 at n = 300
    with pytest.raises(ValueError, match="protocol"):
        M.mnist_real_floor("inception", 100, data_root=DATA)
    with pytest.raises(ValueError, match="exceeds"):
        M.mnist_real_floor("lipizzaner", 20000, data_root=DATA)


@needs_mnist
def test_mnist_fid_errors():
    x = np.zeros((100, 784), np.float32)
    with pytest.raises(ValueError, match="need n=200"):
        M.mnist_fid(x, n=200, data_root=DATA)
    with pytest.raises(ValueError, match="protocol"):
        M.mnist_fid(x, protocol="inception", n=100, data_root=DATA)
    with pytest.raises(ValueError, match="28"):
        M.mnist_fid(np.zeros((100, 64), np.float32), n=100, data_root=DATA)
    with pytest.raises(ValueError, match="n >= 64"):
        M.mnist_fid(x, n=50, data_root=DATA)


def test_missing_mnist_is_clear(tmp_path):
    x = np.zeros((100, 784), np.float32)
    with pytest.raises(Exception, match="not found"):
        M.mnist_fid(x, n=100, data_root=tmp_path)


@needs_mnist
def test_label_accuracy():
    images, labels = M.load_mnist_u8(DATA, train=False, labels=True)
    x = fidmod.u8_to_m11(images[:500])
    assert M.label_accuracy(x, labels[:500]) > 0.98
    assert M.label_accuracy(x, (labels[:500] + 1) % 10) < 0.05
    with pytest.raises(ValueError, match="label_accuracy"):
        M.label_accuracy(x, labels[:10])


@needs_mnist
def test_class_balance_analysis_script(capsys, monkeypatch):
    import runpy
    import sys

    script = Path(__file__).resolve().parents[1] / "examples" / "analysis" / "fid_class_balance.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--data-root", str(DATA), "--n", "2000"])
    runpy.run_path(str(script), run_name="__main__")
    rows = [ln.split() for ln in capsys.readouterr().out.splitlines()[1:]]
    tvd = [float(r[1]) for r in rows]
    fid = [float(r[2]) for r in rows]
    assert len(rows) == 6 and tvd[-1] > 0.15 and tvd[0] < 0.05
    assert fid[-1] > fid[0]  # a skewed class histogram costs FID


@needs_mnist
@needs_lipi
def test_sample_confidence_script(capsys, monkeypatch):
    import runpy
    import sys

    script = Path(__file__).resolve().parents[1] / "examples" / "analysis" / "sample_confidence.py"
    gen = DATA / "lipizzaner" / "mnist-generator-000.npz"
    monkeypatch.setattr(sys, "argv", [str(script), str(gen), "--data-root", str(DATA),
                                      "--n", "500"])
    runpy.run_path(str(script), run_name="__main__")
    real, fake = [ln.split()[-3:] for ln in capsys.readouterr().out.splitlines()[1:3]]
    # the classifier is surer about real digits than about a GAN's
    assert float(real[0]) < float(fake[0]) and float(real[2]) > float(fake[2])
