"""Course labs 10-17 (GANs, failure modes, autoencoders, VAE, conditional GAN, diffusion):
each test runs one lab's quick mode and checks its result.

The labs live in ``examples/NN_name.py``; each has ``main(argv) -> dict`` and asserts its
own result too (a failing lab raises AssertionError here). Tests run the labs in-process;
one runs a lab as a script from another working directory, as a student would.
Run one lab: ``pytest -m lab13``.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, LIPIZZANER_FILE, MNIST_FILE, data_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_lab(stem):
    path = EXAMPLES / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(f"lab_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_lab(stem, tmp_path, *extra):
    return load_lab(stem).main(["--quick", "--out", str(tmp_path), *extra])


@pytest.mark.lab10
def test_lab10_gan_gaussian_as_script(tmp_path):
    # As a student runs it: a script, from some other working directory; writes its plot.
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "10_gan_gaussian.py"), "--quick", "--out", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(s for s in proc.stdout.splitlines() if s.startswith("Fit results: mu = "))
    mu = float(line.split("mu = ")[1].split(",")[0])
    std = float(line.split("std = ")[1].split()[0])
    assert abs(mu - 4.0) < 0.1 and abs(std - 0.2) < 0.1, line
    assert (tmp_path / "lab10_gan_gaussian.png").stat().st_size > 1000


@pytest.mark.lab11
def test_lab11_gan_line(tmp_path):
    r = run_lab("11_gan_line", tmp_path, "--no-plots")
    e = r["epochs"]
    assert r["table"][e][0] < 0.7 * r["table"][0][0]  # the cloud moved toward the line
    assert r["frozen_moved"] == 0.0  # a frozen generator never changes ...
    assert r["frozen_d_loss"][-1] < 0.25 * r["frozen_d_loss"][0]  # ... and D wins
    dist, cover = r["long"]
    assert dist < 0.1 and cover > 0.5  # 3x the epochs: on the line and spread along it


def _mnist_present():
    return data_file(MNIST_FILE) is not None


@pytest.mark.lab12
def test_lab12_gan_mnist(tmp_path):
    r = run_lab("12_gan_mnist", tmp_path, "--threads", "1", "--data-root", str(DATA))
    assert r["data"] == "digits 8x8"  # quick mode trains on the embedded digits
    assert np.isfinite(r["d_loss"]).all() and np.isfinite(r["g_loss"]).all()
    assert 0.2 < r["d_end"] < 2.0  # neither player wins outright
    assert -1.0 <= r["sample_min"] and r["sample_max"] <= 1.0  # Tanh output
    assert abs(r["sample_mean"] - r["real_mean"]) < 0.15  # ink level close to the data's
    assert Path(r["plot"]).stat().st_size > 1000
    if _mnist_present() and data_file(LIPIZZANER_FILE):  # Lipizzaner's generator beats noise
        assert r["lipizzaner_fid"] < 60 and r["noise_fid"] > 300
        assert r["lipizzaner_tvd"] < 0.2


@pytest.mark.lab13
def test_lab13_gan_failure_modes(tmp_path):
    r = run_lab("13_gan_failure_modes", tmp_path)
    assert r["dirac_sim"] > 1.25 * r["dirac_start"]  # simultaneous GD spirals out
    assert r["dirac_alt"] > 0.5 * r["dirac_start"]  # alternating GD does not converge
    assert r["ring_real_modes"] == 8 and r["ring_max_sectors"] <= 3  # mode collapse
    step0, last = r["vanish_rows"][0], r["vanish_rows"][-1]
    assert last[1] < 0.02  # D(G(z)) -> 0
    assert last[3] > 50 * last[2] and step0[3] < 2 * step0[2]  # saturating gradient vanishes
    assert Path(r["plot"]).stat().st_size > 1000


@pytest.mark.lab14
def test_lab14_autoencoders(tmp_path):
    r = run_lab("14_autoencoders", tmp_path, "--threads", "1")
    # 5 latent numbers reconstruct better than 2; both beat predicting the mean image
    assert r["mse_5d"] < 0.85 * r["mse_2d"] < 0.85 * r["mse_mean_image"]
    assert r["latent2_centre_acc"] > 0.4  # digits cluster in the 2-D latent space
    assert Path(r["plot"]).stat().st_size > 1000


@pytest.mark.lab15
def test_lab15_vae(tmp_path):
    r = run_lab("15_vae", tmp_path, "--threads", "1", "--no-plots")
    before, after = r["before"], r["after"]
    assert after["nll_bound"] < 0.7 * before["nll_bound"]  # the ELBO improved
    assert after["rec"] + after["kl"] == pytest.approx(after["nll_bound"], rel=1e-4)
    assert after["kl"] > 0.5  # the posterior carries information about x
    assert min(r["traversal_effect"]) > 0.0  # every latent variable changes the image


@pytest.mark.lab16
def test_lab16_conditional_gan(tmp_path):
    if not _mnist_present():
        pytest.skip("MNIST not in the shared data: label accuracy needs 28x28 MNIST")
    r = run_lab("16_conditional_gan", tmp_path, "--threads", "1", "--no-plots", "--data-root",
                str(DATA))
    assert r["label_accuracy"] > 0.3  # 10% by chance
    assert sum(a > 0.8 for a in r["per_digit"]) >= 3  # several rows draw their own digit


@pytest.mark.lab17
def test_lab17_diffusion(tmp_path):
    r = run_lab("17_diffusion", tmp_path, "--threads", "1", "--no-plots")
    t, corr, std = r["forward"][-1]
    assert abs(corr) < 0.1 and abs(std - 1.0) < 0.1  # x_T is noise
    assert r["forward"][0][1] > 0.99  # t = 0: one tiny noise step from the image
    for name, s in r["samplers"].items():
        assert s["nn"] < 0.6 * r["nn_noise"], name  # reverse process reaches the data
    assert r["samplers"]["DDIM 10"]["evals"] == 10 and r["samplers"]["ancestral"]["evals"] == 100
