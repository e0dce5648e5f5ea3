"""Course labs 1-9 and 18: each test runs one lab's quick mode and checks its result.

The labs live in ``examples/NN_name.py``; each has ``main(argv) -> dict`` and asserts its
own result as well. Most tests run the lab in-process (pydeepgen is imported once); the
lab 4 test runs the script from another working directory, as a student would. Labs run
with one kernel thread (``--threads 1``): the numbers do not depend on the core count and
a busy machine cannot slow OpenMP barriers down. Run one lab: ``pytest -m lab05``.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pydeepgen as pdg

from conftest import DATA, MNIST_FILE, require_data

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_lab(stem):
    spec = importlib.util.spec_from_file_location(f"lab_{stem}", EXAMPLES / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def run_lab(tmp_path):
    """Run a lab's quick mode in-process; restores the thread count and kernel variants."""
    threads = pdg.get_num_threads()
    variants = {fam: pdg.kernels.current(fam) for fam in pdg.kernels.families()}

    def run(stem, *extra):
        return load_lab(stem).main(["--quick", "--threads", "1", "--out", str(tmp_path), *extra])

    yield run
    pdg.set_num_threads(threads)
    for fam in variants:
        pdg.kernels.use(fam, "auto")


@pytest.mark.lab01
def test_lab01_activations(run_lab, tmp_path):
    r = run_lab("01_neuron_activations")
    assert r["z"] == pytest.approx(-0.4)
    assert r["neuron"]["sigmoid"] == pytest.approx(1 / (1 + 2.718281828459045 ** 0.4))
    assert r["neuron"]["relu"] == 0.0 and r["neuron"]["leaky_relu"] == pytest.approx(-0.04)
    for name, (err_f, err_df) in r["errors"].items():
        assert err_f < 1e-9 and err_df < 1e-9, name
    assert set(r["errors"]) == {"step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu"}
    assert (tmp_path / "lab01_activations.png").stat().st_size > 1000


@pytest.mark.lab02
def test_lab02_logic_gates(run_lab, tmp_path):
    r = run_lab("02_logic_gates")
    assert r["or"] == [0, 1, 1, 1] and r["and"] == [0, 0, 0, 1]
    assert r["functions_found"] == 14 and sorted(r["missing"]) == ["XNOR", "XOR"]
    assert r["xor_count"] == 0
    assert (tmp_path / "lab02_gates.png").exists()


@pytest.mark.lab03
def test_lab03_xor(run_lab):
    r = run_lab("03_xor_two_layers", "--no-plots")
    assert r["hand_set"] == [0, 1, 1, 0]
    assert r["solved"]
    pred = r["pred"]
    assert pred[0] < 0.5 and pred[1] > 0.5 and pred[2] > 0.5 and pred[3] < 0.5


@pytest.mark.lab04
def test_lab04_learning_by_hand_as_script(tmp_path):
    # As a student runs it: a script, from some other working directory.
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "04_learning_by_hand.py"), "--quick",
         "--out", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "loss = sum (W*x - y)^2 = 30.000000" in out
    assert "30.006000" in out and "29.994000" in out
    assert "pydeepgen autograd (loss.backward(); W.grad)        = 60.000000" in out
    assert "W = 2.000000000" in out
    assert (tmp_path / "lab04_loss_curve.png").stat().st_size > 1000


@pytest.mark.lab04
def test_lab04_numbers(run_lab):
    r = run_lab("04_learning_by_hand", "--no-plots")
    assert r["loss_3"] == pytest.approx(30.0)
    assert r["loss_3p"] == pytest.approx(30.006, abs=1e-6)
    assert r["loss_3m"] == pytest.approx(29.994, abs=1e-6)
    assert r["autograd"] == pytest.approx(60.0) and r["fd_central"] == pytest.approx(60.0)
    assert r["w_final"] == pytest.approx(2.0, abs=1e-6)
    assert abs(r["diverged_w"]) > 5  # lr = 0.04 > 2/60 diverges


@pytest.mark.lab05
def test_lab05_hiring(run_lab):
    r = run_lab("05_hiring", "--no-plots")
    assert r["jamal"] < 0.5 < r["mina"]
    assert r["losses"][1] < r["losses"][0]
    s = r["train_scores"]  # Michael no, Shash yes, Hannah no, Lisa yes
    assert s[0] < 0.5 and s[1] > 0.5 and s[2] < 0.5 and s[3] > 0.5


@pytest.mark.lab06
def test_lab06_deep_regression(run_lab):
    r = run_lab("06_deep_regression", "--no-plots")
    assert r["final_mse"] < 0.5 * r["line_mse"]
    assert r["clean_mse"] < 0.05


@pytest.mark.lab07
def test_lab07_breast_cancer(run_lab, tmp_path):
    r = run_lab("07_breast_cancer")
    assert r["test_acc"] >= 0.95
    (tp, fn), (fp, tn) = r["confusion"]
    assert tp + fn == 42 and fp + tn == 72  # 114 test tumours, stratified
    assert r["curves"]["train_loss"][-1] < r["curves"]["train_loss"][0]
    assert (tmp_path / "lab07_breast_cancer.png").exists()


@pytest.mark.lab08
def test_lab08_mnist(run_lab):
    require_data(MNIST_FILE, "mnist/train-images-idx3-ubyte.gz")
    r = run_lab("08_mnist_mlp_vs_cnn", "--no-plots", "--data-root", str(DATA))
    assert not r["skipped"]
    for name in ("mlp", "cnn"):
        m = r["models"][name]
        assert m["test_acc"][-1] > 0.6 and m["train_loss"][-1] < m["train_loss"][0]
        assert r["speed"][name]["naive_s"] > r["speed"][name]["fast_s"]
    assert r["models"]["mlp"]["params"] == 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10
    assert r["models"]["cnn"]["params"] == 61706  # LeNet-5


@pytest.mark.lab08
def test_lab08_skips_cleanly_without_data(tmp_path, monkeypatch):
    lab = load_lab("08_mnist_mlp_vs_cnn")
    monkeypatch.setattr(lab, "find_data", lambda name, root=None: None)
    assert lab.main(["--quick", "--no-plots", "--out", str(tmp_path)]) == {"skipped": True}


@pytest.mark.lab09
def test_lab09_airline_lstm(run_lab):
    r = run_lab("09_airline_lstm", "--no-plots")
    assert r["persistence_rmse"] == pytest.approx(52.49, abs=0.01)  # fixed by the data
    assert r["losses"][1] < r["losses"][0]
    assert r["lstm_rmse"] < r["persistence_rmse"]


@pytest.mark.lab18
def test_lab18_kernels(run_lab):
    r = run_lab("18_kernels")
    fams = {row["family"] for row in r["rows"]}
    assert fams == {"dense", "conv2d", "lstm"}
    for row in r["rows"]:
        assert row["rel_err"] < 1e-3 and row["gflops"] > 0
    # the fast rungs must be faster than the naive ones on the same inputs
    assert all(s > 1.0 for s in r["speedups"].values()), r["speedups"]
    assert r["pool"]["rel_err"] == 0.0
