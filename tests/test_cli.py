"""The pydeepgen command line: every model trains a few steps through it; sample, eval,
resume; errors are one line and a non-zero exit status."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.cli import main
from pydeepgen.train import load_checkpoint, save_checkpoint
from pydeepgen.train.checkpoint import flatten_state

DATA = Path(os.environ.get("PDG_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
needs_mnist = pytest.mark.skipif(not (DATA / "mnist" / "train-images-idx3-ubyte.gz").is_file(),
                                 reason=f"MNIST not found under {DATA} (set PDG_TEST_DATA)")


@pytest.fixture(autouse=True)
def _one_thread():
    old = pdg.get_num_threads()
    pdg.set_num_threads(1)
    yield
    pdg.set_num_threads(old)


def _log(out):
    return [json.loads(ln) for ln in (out / "log.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("model,dataset,extra", [
    ("gan", "digits", ["--mode-seeking", "1"]),
    ("gan", "gaussian", []),
    ("gan", "line", ["--loss", "lsgan", "--lr-schedule", "cosine"]),
    ("cgan", "digits", ["--d-dropout", "0.3"]),
    ("dcgan", "digits", []),
    ("dcgan", "digits", ["--d-spectral-norm", "--noise", "mixture"]),
    ("gan", "digits", ["--d-spectral-norm", "--ema", "0.9", "--noise", "mixture"]),
    ("gan", "digits", ["--noise", "mixture", "--info-weight", "1"]),
    ("dcgan", "digits", ["--noise", "mixture", "--info-weight", "0.5"]),
    ("mlp", "digits", []),
    ("cnn", "digits", ["--dropout", "0.3", "--lr-schedule", "cosine"]),
    ("lstm", "airline", []),
])
def test_train_every_model(tmp_path, capsys, model, dataset, extra):
    out = tmp_path / model
    rc = main(["train", model, "--dataset", dataset, "--epochs", "2", "--batch-size", "32",
               "--limit", "128", "--out", str(out), "--quiet", *extra])
    assert rc == 0, capsys.readouterr().err
    assert (out / "checkpoint.safetensors").is_file() and (out / "losses.png").is_file()
    log = _log(out)
    assert [r["epoch"] for r in log] == [1, 2]
    if model in ("gan", "cgan", "dcgan") and dataset == "digits":
        assert (out / "samples.png").is_file()
    if model in ("mlp", "cnn", "lstm"):
        assert "val_loss" in log[-1]
        assert log[-1]["loss"] < log[0]["loss"]
    assert "done: 2 epochs" in capsys.readouterr().out


def test_resume_and_sample_eval(tmp_path, capsys):
    out = tmp_path / "cgan"
    args = ["train", "cgan", "--limit", "64", "--batch-size", "32", "--out", str(out), "--quiet"]
    assert main(args + ["--epochs", "1"]) == 0
    assert main(args + ["--epochs", "2", "--resume"]) == 0
    assert [r["epoch"] for r in _log(out)] == [1, 2]
    ckpt = out / "checkpoint.safetensors"
    assert main(["sample", str(ckpt), "--n", "20", "--out", str(tmp_path / "g.png"),
                 "--threads", "1"]) == 0
    assert (tmp_path / "g.png").stat().st_size > 100
    capsys.readouterr()
    assert main(["sample", str(ckpt), "--label", "10", "--out", str(tmp_path / "h.png")]) == 1
    assert "--label must be in [0, 10)" in capsys.readouterr().err
    # FID/TVD are for 28x28 MNIST generators: a clear error for an 8x8 digits model
    assert main(["eval", str(ckpt), "--metric", "fid"]) == 1
    assert "28x28" in capsys.readouterr().err


def test_init_from_starts_a_new_run_from_weights(tmp_path, capsys):
    from pydeepgen.train.checkpoint import load_checkpoint

    src = tmp_path / "src"
    args = ["train", "cgan", "--limit", "64", "--batch-size", "32", "--quiet"]
    assert main(args + ["--epochs", "2", "--out", str(src)]) == 0
    ck = src / "checkpoint.safetensors"
    out = tmp_path / "ft"
    assert main(args + ["--epochs", "1", "--out", str(out), "--init-from", str(ck)]) == 0
    assert [r["epoch"] for r in _log(out)] == [1]  # a new run: its own epoch count
    state = load_checkpoint(out / "checkpoint.safetensors")
    assert state["meta"]["init_from"] == str(ck) and state["loop"]["epoch"] == 1
    capsys.readouterr()
    # a different model (the unconditional GAN lacks the label embeddings): one clear line
    assert main(["train", "gan", "--limit", "64", "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "g"), "--init-from", str(ck)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warm start" in err[0]


def test_eval_classifier(tmp_path, capsys):
    out = tmp_path / "mlp"
    assert main(["train", "mlp", "--dataset", "digits", "--epochs", "3", "--out", str(out),
                 "--quiet"]) == 0
    capsys.readouterr()
    assert main(["eval", str(out / "checkpoint.safetensors"), "--metric", "accuracy"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("test accuracy") and float(line.split()[2]) > 0.8


@needs_mnist
def test_mnist_gan_and_lipizzaner_eval(tmp_path, capsys):
    out = tmp_path / "g"
    assert main(["train", "gan", "--dataset", "mnist", "--data-root", str(DATA), "--limit", "200",
                 "--epochs", "1", "--batch-size", "100", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    ckpt = out / "checkpoint.safetensors"
    assert main(["eval", str(ckpt), "--metric", "tvd", "--n", "128", "--protocol", "clean",
                 "--data-root", str(DATA)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("tvd ") and "real-vs-real floor: tvd" in printed
    gen = DATA / "lipizzaner" / "mnist-generator-000.npz"
    if gen.is_file():
        assert main(["eval", str(gen), "--metric", "fid", "--n", "640",
                     "--data-root", str(DATA)]) == 0
        fid = float(capsys.readouterr().out.split()[1])
        assert 15 < fid < 60
        assert main(["sample", str(gen), "--n", "16", "--out", str(tmp_path / "l.png")]) == 0


def test_errors_are_one_line(tmp_path, capsys):
    cases = [
        (["train", "gan", "--dataset", "mnist", "--data-root", str(tmp_path), "--out",
          str(tmp_path / "x"), "--quiet"], 1, "not found"),
        (["train", "lstm", "--dataset", "digits", "--out", str(tmp_path / "y")], 1, "does not train"),
        (["train", "gan", "--resume", "--out", str(tmp_path / "none")], 1, "no checkpoint"),
        (["train", "mlp", "--loss", "hinge", "--dataset", "digits"], 1, "GAN options"),
        (["train", "mlp", "--score-protocol", "lipizzaner", "--dataset", "digits"], 1,
         "GAN options"),
        (["train", "lstm", "--dropout", "0.2"], 1, "do not apply"),
        (["train", "dcgan", "--d-dropout", "0.2"], 1, "--d-dropout"),
        (["train", "cgan", "--d-spectral-norm"], 1, "--d-spectral-norm"),
        (["train", "cgan", "--noise", "mixture"], 1, "--noise"),
        (["train", "dcgan", "--noise", "uniform"], 1, "--noise"),
        (["train", "mlp", "--d-spectral-norm", "--dataset", "digits"], 1, "GAN options"),
        (["train", "vae", "--mode-seeking", "1"], 1, "GAN options"),
        (["train", "gan", "--info-weight", "1"], 1, "needs --noise mixture"),
        (["train", "cgan", "--info-weight", "1", "--noise", "mixture"], 1, "--noise"),
        (["train", "mlp", "--info-weight", "1", "--dataset", "digits"], 1, "GAN options"),
        (["train", "vae", "--info-weight", "1"], 1, "GAN options"),
        (["sample", str(tmp_path / "missing.safetensors")], 1, "does not exist"),
        (["eval", str(tmp_path / "missing.safetensors"), "--metric", "fid"], 1, "does not exist"),
    ]
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"garbage")
    cases.append((["sample", str(bad)], 1, "checkpoint"))
    for argv, code, text in cases:
        capsys.readouterr()
        assert main(argv) == code, argv
        err = capsys.readouterr().err
        assert text in err and len(err.strip().splitlines()) == 1, (argv, err)
        assert "Traceback" not in err


def test_usage_errors_exit_2(capsys):
    for argv in (["train", "gan", "--bogus"], ["train", "rbm"], ["eval", "x.safetensors"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "error" in err


@pytest.mark.parametrize("argv,option,constraint", [
    (["train", "gan", "--lr", "nan"], "--lr", "a finite number > 0"),
    (["train", "gan", "--lr", "inf"], "--lr", "a finite number > 0"),
    (["train", "gan", "--lr", "0"], "--lr", "a finite number > 0"),
    (["train", "gan", "--lr-g", "-0.001"], "--lr-g", "a finite number > 0"),
    (["train", "gan", "--lr-d", "1e999"], "--lr-d", "a finite number > 0"),
    (["train", "gan", "--ema", "1"], "--ema", "[0, 1)"),
    (["train", "gan", "--ema", "nan"], "--ema", "[0, 1)"),
    (["train", "gan", "--label-smoothing", "1"], "--label-smoothing", "[0, 1)"),
    (["train", "gan", "--instance-noise", "-0.1"], "--instance-noise", ">= 0"),
    (["train", "gan", "--info-weight", "-1", "--noise", "mixture"], "--info-weight", ">= 0"),
    (["train", "gan", "--d-dropout", "1"], "--d-dropout", "[0, 1)"),
    (["train", "cnn", "--dropout", "1.5"], "--dropout", "[0, 1)"),
    (["train", "gan", "--epochs", "0"], "--epochs", "[1, 1000000]"),
    (["train", "gan", "--epochs", str(2 ** 70)], "--epochs", "[1, 1000000]"),
    (["train", "gan", "--epochs", "2.5"], "--epochs", "an integer"),
    (["train", "gan", "--batch-size", "0"], "--batch-size", "[1, 2**31)"),
    (["train", "gan", "--limit", "-5"], "--limit", "[1, 2**31)"),
    (["train", "gan", "--checkpoint-every", "-1"], "--checkpoint-every", "[0, 2**31)"),
    (["train", "gan", "--d-steps", "0"], "--d-steps", "[1, 2**31)"),
    (["train", "gan", "--seed", "-1"], "--seed", "[0, 2**63)"),
    (["train", "gan", "--seed", str(2 ** 63)], "--seed", "[0, 2**63)"),
    (["train", "gan", "--threads", "0"], "--threads", "[1, 1024]"),
    (["train", "ddpm", "--ch-mult", "1,0"], "--ch-mult", "integers >= 1"),
    (["train", "ddpm", "--grad-clip", "nan"], "--grad-clip", "a finite number > 0"),
    (["sample", "x.safetensors", "--n", "0"], "--n", "[1, 2**31)"),
    (["sample", "x.safetensors", "--eta", "-1"], "--eta", ">= 0"),
    (["eval", "x.safetensors", "--metric", "fid", "--n", "-3"], "--n", "[1, 2**31)"),
    (["eval", "x.safetensors", "--metric", "elbo", "--k", "0"], "--k", "[1, 2**31)"),
    (["eval", "x.safetensors", "--metric", "fid", "--guidance", "inf"], "--guidance", "finite"),
    (["demo", "--epochs", "0"], "--epochs", "[1, 1000000]"),
])
def test_bad_numbers_are_usage_errors(capsys, argv, option, constraint):
    """Out-of-range or non-finite numbers are refused by argparse (exit 2) before any data is
    read, in one line that names the option and its range."""
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert f"argument {option}: must be" in err and constraint in err, err


def test_help_shows_the_ranges(capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "--help"])
    assert e.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    assert "learning rate (default: the model's); a finite number > 0" in text
    assert "(0: no EMA); a number in [0, 1)" in text


def _assert_finite_checkpoint(path):
    tensors, _ = flatten_state(load_checkpoint(path))
    for k, t in tensors.items():
        a = np.asarray(t.numpy() if hasattr(t, "numpy") else t)
        assert a.dtype.kind not in "fc" or np.isfinite(a).all(), k


def _train_digits(model, out, *extra):
    return main(["train", model, "--dataset", "digits", "--limit", "128", "--batch-size", "32",
                 "--checkpoint-every", "1", "--out", str(out), "--quiet", *extra])


@pytest.mark.parametrize("model", ["mlp", "gan"])
def test_diverging_run_stops_with_exit_1(tmp_path, capsys, model):
    out = tmp_path / "run"
    assert _train_digits(model, out, "--epochs", "3", "--lr", "1e308") == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(r"training diverged: [dg_]*loss is nan at epoch 1, step \d of 4;", err), err
    assert "no checkpoint was written" in err and not (out / "checkpoint.safetensors").exists()


def test_diverging_run_keeps_the_last_good_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    assert _train_digits("mlp", out, "--epochs", "1") == 0
    # resume the run with an exploding learning rate (the optimizer keeps its own)
    ck = out / "checkpoint.safetensors"
    state = load_checkpoint(ck)
    for group in state["optimizers"]["optimizer"]["param_groups"]:
        group["lr"] = 1e308
    save_checkpoint(state, ck)
    good = ck.read_bytes()
    capsys.readouterr()
    assert _train_digits("mlp", out, "--epochs", "3", "--resume") == 1
    err = capsys.readouterr().err
    assert "training diverged: loss is nan at epoch 2" in err, err
    assert f"{ck} keeps the last good state" in err
    assert ck.read_bytes() == good and [r["epoch"] for r in _log(out)] == [1]
    _assert_finite_checkpoint(ck)


# Subprocesses run in tmp_path: from the repository root, `import pydeepgen` would pick up
# the source tree (which has no compiled _C) instead of the installed package.


def test_python_m_subprocess(tmp_path):
    """`python -m pydeepgen`: a missing dataset is one line on stderr, exit 1, no traceback."""
    env = dict(os.environ, PDG_DATA=str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "pydeepgen", "train", "dcgan", "--quiet", "--out",
                        str(tmp_path / "o")], capture_output=True, text=True, env=env, timeout=120,
                       cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = subprocess.run([sys.executable, "-m", "pydeepgen", "info"], capture_output=True,
                       text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_saves_checkpoint(tmp_path):
    """A real SIGINT: the run stops after the current step, saves, and exits with 130."""
    import signal
    import time

    out = tmp_path / "run"
    p = subprocess.Popen([sys.executable, "-m", "pydeepgen", "train", "gan", "--epochs", "1000",
                          "--threads", "1", "--quiet", "--checkpoint-every", "1", "--out",
                          str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         cwd=tmp_path)
    log = out / "log.jsonl"
    deadline = time.time() + 90
    while time.time() < deadline and not (log.is_file() and log.read_text().strip()):
        time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "checkpoint saved" in err and "Traceback" not in err
    from pydeepgen.train import load_checkpoint

    state = load_checkpoint(out / "checkpoint.safetensors")
    assert state["loop"]["global_step"] >= 24  # at least the first epoch (24 steps)
