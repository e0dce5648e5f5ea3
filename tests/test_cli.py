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

from conftest import DATA, needs_mnist


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


# --------------------------------------------------------------------------------------
# issue 25: a newcomer's path without dead ends (each test runs the commands as a user would,
# in a fresh folder)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _digits_cache(tmp_path_factory):
    """The digits classifier of the coverage readout is cached in $PDG_CACHE: a folder of
    this module's, never the user's ~/.cache. Trained (a few seconds) once here, so the
    subprocesses below load it."""
    from pydeepgen.metrics import digits as D

    mp = pytest.MonkeyPatch()
    cache = tmp_path_factory.mktemp("pdg-cache")
    mp.setenv("PDG_CACHE", str(cache))
    memo = dict(D._memo)
    D._memo.clear()
    D.digits_classifier()
    yield cache
    D._memo.clear()
    D._memo.update(memo)
    mp.undo()


def _quick_gan(*extra, model="gan"):
    return main(["train", model, "--epochs", "1", "--limit", "64", "--batch-size", "32",
                 "--threads", "1", *extra])


def test_eval_digits_scores_the_main_jobs_checkpoint(tmp_path, monkeypatch, capsys):
    """Item 1: `pydeepgen train gan` (8x8 digits) ends with a class-coverage readout, logs
    it, and `pydeepgen eval --metric digits` scores its checkpoint; fid points there."""
    monkeypatch.chdir(tmp_path)
    assert _quick_gan() == 0
    out = capsys.readouterr().out
    assert "digits coverage of 1000 samples (8x8-digit classifier, " in out
    assert "held-out accuracy" in out and "tvd to uniform" in out
    assert "confident (max p >= 0.9)" in out and "logged in runs/gan/log.jsonl" in out
    rec = _log(Path("runs/gan"))[-1]
    assert rec["digits_classifier_acc"] >= 0.95  # on the 297 held-out digits
    assert len(rec["digits_hist"]) == 10 and abs(sum(rec["digits_hist"]) - 1) < 1e-9
    assert 0 <= rec["digits_tvd"] <= 0.9 and 0 <= rec["digits_confident"] <= 1
    assert rec["digits_real_tvd"] < 0.1 and rec["digits_real_confident"] > 0.8
    ck = "runs/gan/checkpoint.safetensors"
    assert main(["eval", ck, "--metric", "digits", "--n", "200"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("digits coverage of 200 samples") and "seed=0" in lines[0]
    assert len(re.findall(r"\d:\s*[\d.]+", lines[1])) == 10
    tvd = float(re.search(r"tvd to uniform ([\d.]+)", lines[2]).group(1))
    assert 0 <= tvd <= 0.9
    # the same seed gives the same readout; fid/tvd (28x28 MNIST) point to digits
    assert main(["eval", ck, "--metric", "digits", "--n", "200"]) == 0
    assert capsys.readouterr().out.splitlines() == lines
    assert main(["eval", ck, "--metric", "fid"]) == 1
    assert "--metric digits" in capsys.readouterr().err
    # conditional models also get their label accuracy; a VAE on digits is scored too
    assert _quick_gan("--out", "c", model="cgan") == 0
    capsys.readouterr()
    assert main(["eval", "c/checkpoint.safetensors", "--metric", "digits", "--n", "100"]) == 0
    assert "label accuracy" in capsys.readouterr().out
    assert main(["train", "vae", "--dataset", "digits", "--epochs", "1", "--limit", "64",
                 "--quiet", "--threads", "1"]) == 0
    capsys.readouterr()
    assert main(["eval", "runs/vae/checkpoint.safetensors", "--metric", "digits", "--n",
                 "50"]) == 0
    assert capsys.readouterr().out.startswith("digits coverage of 50 samples")


def test_digits_readout_leaves_the_run_unchanged(tmp_path, monkeypatch, capsys):
    """The readout at the end of epoch 1 draws with its own generator: training 1 epoch then
    resuming to 2 equals 2 epochs straight, bit for bit."""
    monkeypatch.chdir(tmp_path)
    assert _quick_gan("--out", "a") == 0
    assert main(["train", "gan", "--epochs", "2", "--limit", "64", "--batch-size", "32",
                 "--threads", "1", "--out", "a", "--resume"]) == 0
    assert main(["train", "gan", "--epochs", "2", "--limit", "64", "--batch-size", "32",
                 "--threads", "1", "--out", "b"]) == 0
    a, b = (load_checkpoint(Path(d) / "checkpoint.safetensors") for d in "ab")
    for k, t in a["modules"]["model"].items():
        assert np.array_equal(t.numpy(), b["modules"]["model"][k].numpy()), k
    assert [r["g_loss"] for r in _log(Path("a"))] == [r["g_loss"] for r in _log(Path("b"))]
    assert "digits_tvd" in _log(Path("a"))[0] and "digits_tvd" not in _log(Path("b"))[0]


def test_digits_classifier_is_deterministic_and_cached(_digits_cache):
    import pydeepgen as pdg
    from pydeepgen.metrics import digits as D

    path = _digits_cache / "digits-classifier-v1.npz"
    assert path.is_file()
    D._memo.clear()
    rng = pdg.get_rng_state()
    model, info = D.digits_classifier()
    assert info["source"] == "cache" and info["test_acc"] >= 0.95
    fresh, _ = D.digits_classifier(cache=False)  # trained again from scratch
    assert np.array_equal(pdg.get_rng_state().numpy(), rng.numpy())  # global RNG untouched
    want, got = D._state_arrays(model), D._state_arrays(fresh)
    assert want.keys() == got.keys() and all(np.array_equal(want[k], got[k]) for k in want)
    with pytest.raises(ValueError, match="8x8 digits"):
        D.digits_scores(np.zeros((3, 784), np.float32))


def test_second_run_into_the_same_folder_is_refused(tmp_path, monkeypatch, capsys):
    """Item 2: a second `pydeepgen train gan` exits 2 and names --resume, --overwrite and
    --out; --overwrite removes the old run's files (only those) first."""
    monkeypatch.chdir(tmp_path)
    run = Path("runs/gan")
    assert _quick_gan("--checkpoint-every", "1") == 0
    assert main(["sample", str(run / "checkpoint.safetensors"), "--n", "4"]) == 0
    old = (run / "checkpoint.safetensors").read_bytes()
    assert (run / "samples" / "epoch_0001.png").is_file()
    (run / "notes.txt").write_text("mine")
    capsys.readouterr()
    assert _quick_gan() == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds a previous run" in err[0]
    assert all(opt in err[0] for opt in ("--resume", "--overwrite", "--out DIR"))
    assert (run / "checkpoint.safetensors").read_bytes() == old
    assert _quick_gan("--resume", "--overwrite") == 2
    assert "pick one" in capsys.readouterr().err
    assert _quick_gan("--overwrite", "--checkpoint-every", "0") == 0
    assert (run / "checkpoint.safetensors").read_bytes() != old
    assert [r["epoch"] for r in _log(run)] == [1]
    assert not (run / "samples").exists()  # epoch_0001.png and sample-seed0.png went
    assert (run / "notes.txt").read_text() == "mine"
    assert "removed the previous run's" in capsys.readouterr().err
    assert _quick_gan("--out", "runs/gan-2") == 0
    # the autoencoder/VAE/diffusion runs too
    vae = ["train", "vae", "--dataset", "digits", "--epochs", "1", "--limit", "64", "--quiet"]
    assert main(vae) == 0
    assert main(vae) == 2
    assert main(vae + ["--overwrite"]) == 0


def _fake_mnist_download(calls):
    """A stand-in for MNIST._download: tiny valid IDX files, no network."""
    import gzip
    import struct

    def download(self, name):
        calls.append((type(self).__name__, Path(self.root), name))
        dest = Path(self.root) / self.folder / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        n = 48
        rng = np.random.default_rng(len(calls))
        if "images" in name:
            raw = struct.pack(">IIII", 0x803, n, 28, 28) + rng.integers(
                0, 256, (n, 28, 28), dtype=np.uint8).tobytes()
        else:
            raw = struct.pack(">II", 0x801, n) + (np.arange(n) % 10).astype(np.uint8).tobytes()
        dest.write_bytes(gzip.compress(raw))
        return dest

    return download


def test_missing_mnist_names_the_cli_options(tmp_path, monkeypatch, capsys):
    """Item 3: without MNIST, the error names --download, --data-root DIR, $PDG_DATA and
    --dataset digits (not the Python API's download=True / root=)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PDG_DATA", str(tmp_path / "nodata"))
    for model in ("mlp", "dcgan", "ddpm"):
        assert main(["train", model, "--epochs", "1", "--quiet"]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        for text in ("--download", "--data-root DIR", "$PDG_DATA", str(tmp_path / "nodata"),
                     f"pydeepgen train {model} --dataset digits"):
            assert text in err[0], (text, err[0])
        assert "download=True" not in err[0] and "root=" not in err[0]


def test_download_flag_fetches_into_the_data_root(tmp_path, monkeypatch, capsys):
    """Item 3: --download fetches the missing MNIST files (both splits) into --data-root, or
    into $PDG_DATA; the download itself is faked here (tests never download)."""
    import urllib.request

    from pydeepgen.datasets import mnist

    def no_network(*a, **k):
        raise AssertionError("a test tried to download")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    calls = []
    monkeypatch.setattr(mnist.MNIST, "_download", _fake_mnist_download(calls))
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "data"
    assert main(["train", "mlp", "--download", "--data-root", str(root), "--epochs", "1",
                 "--limit", "32", "--batch-size", "16", "--quiet", "--threads", "1"]) == 0
    assert sorted(c[2] for c in calls) == sorted(mnist.MNIST.resources)
    assert {c[1] for c in calls} == {root}
    assert main(["train", "mlp", "--data-root", str(root), "--epochs", "1", "--limit", "32",
                 "--quiet", "--out", "again"]) == 0  # the files stay: no second download
    assert len(calls) == 4
    calls.clear()
    monkeypatch.setenv("PDG_DATA", str(tmp_path / "env"))
    assert main(["train", "vae", "--dataset", "fashion-mnist", "--download", "--epochs", "1",
                 "--limit", "32", "--quiet", "--threads", "1"]) == 0
    assert {(c[0], c[1]) for c in calls} == {("FashionMNIST", tmp_path / "env")}
    capsys.readouterr()
    assert main(["eval", "runs/mlp/checkpoint.safetensors", "--metric", "accuracy",
                 "--download"]) == 0
    assert capsys.readouterr().out.startswith("test accuracy")


def _tiny_ddpm(out, *extra):
    return main(["train", "ddpm", "--dataset", "digits", "--limit", "32", "--ch", "8",
                 "--timesteps", "20", "--steps", "2", "--epochs", "1", "--quiet",
                 "--threads", "1", "--out", str(out), *extra])


def test_sampling_shows_progress_on_stderr(tmp_path, monkeypatch, capsys):
    """Item 5: `pydeepgen sample <ddpm> --sampler ddpm` reports its progress on stderr: plain
    lines when stderr is not a terminal, a tqdm bar when it is."""
    monkeypatch.chdir(tmp_path)
    assert _tiny_ddpm("d") == 0
    capsys.readouterr()
    ck = "d/checkpoint.safetensors"
    assert main(["sample", ck, "--sampler", "ddpm", "--n", "4"]) == 0
    cap = capsys.readouterr()
    assert "sampling 4 images (ddpm, 20 steps): 20/20 steps in " in cap.err
    assert "\r" not in cap.err and "wrote d/samples/sample-seed0.png" in cap.out
    from pydeepgen.utils import progress

    monkeypatch.setattr(progress, "is_terminal", lambda stream=None: True)
    assert main(["sample", ck, "--n", "4", "--out", "t.png"]) == 0
    err = capsys.readouterr().err
    assert "\r" in err and "sampling 4 images (ddim, 20 steps)" in err  # tqdm redraws


def test_train_output_in_a_file_has_one_line_per_epoch(tmp_path, _digits_cache):
    """Item 6: `pydeepgen train gan > log.txt 2>&1` holds plain lines, no \\r redraws."""
    env = dict(os.environ, PDG_CACHE=str(_digits_cache))
    with open(tmp_path / "log.txt", "w") as f:
        r = subprocess.run([sys.executable, "-m", "pydeepgen", "train", "gan", "--epochs", "2",
                            "--limit", "64", "--threads", "1"], stdout=f,
                           stderr=subprocess.STDOUT, env=env, timeout=120, cwd=tmp_path)
    text = (tmp_path / "log.txt").read_text()
    assert r.returncode == 0, text
    assert "\r" not in text and "it/s" not in text
    assert [ln.split()[1] for ln in text.splitlines() if ln.startswith("epoch ")] == ["1", "2"]
    assert "done: 2 epochs in " in text and "digits coverage" in text


def test_train_bar_only_on_a_terminal(tmp_path, monkeypatch, capsys):
    from pydeepgen.utils import progress

    monkeypatch.chdir(tmp_path)
    assert _quick_gan("--out", "p") == 0
    cap = capsys.readouterr()
    assert cap.err == "" and cap.out.startswith("epoch 1 d_loss")
    monkeypatch.setattr(progress, "is_terminal", lambda stream=None: True)
    assert _quick_gan("--out", "q") == 0
    assert "\r" in capsys.readouterr().err  # the tqdm bar on a terminal


def test_sample_goes_into_the_run_folder(tmp_path, monkeypatch, capsys):
    """Item 7: `pydeepgen sample` writes into the checkpoint's run folder (not ./grid.png)
    and prints the path and the grid's shape."""
    monkeypatch.chdir(tmp_path)
    assert _quick_gan() == 0
    capsys.readouterr()
    assert main(["sample", "runs/gan/checkpoint.safetensors", "--n", "20", "--seed", "3"]) == 0
    assert capsys.readouterr().out.strip() == (
        "wrote runs/gan/samples/sample-seed3.png (20 samples, 2 rows of 8 and one of 4)")
    assert Path("runs/gan/samples/sample-seed3.png").is_file()
    assert not Path("grid.png").exists() and sorted(os.listdir()) == ["runs"]
    assert _quick_gan("--out", "c", model="cgan") == 0
    capsys.readouterr()
    assert main(["sample", "c/checkpoint.safetensors", "--label", "4", "--n", "10"]) == 0
    assert "wrote c/samples/sample-seed0-label4.png (10 samples, 1 row of 10)" in \
        capsys.readouterr().out
    # non-image samples (the line GAN's points): a text file in the run folder
    assert _quick_gan("--dataset", "line", "--out", "g") == 0
    capsys.readouterr()
    assert main(["sample", "g/checkpoint.safetensors", "--n", "5"]) == 0
    assert "wrote g/samples/sample-seed0.txt (5 samples of (2,) values" in \
        capsys.readouterr().out
    assert np.loadtxt("g/samples/sample-seed0.txt", delimiter=",").shape == (5, 2)
    # --out still writes where it is told
    assert main(["sample", "runs/gan/checkpoint.safetensors", "--out", "mine.png"]) == 0
    assert Path("mine.png").is_file()


def test_done_line_counts_epochs_and_time(tmp_path, monkeypatch, capsys):
    """Item 7: "1 epoch" (not "1 epochs") with the time this run trained, and a resumed run
    says how much of it this run did (no "0.0 s of training over all runs")."""
    monkeypatch.chdir(tmp_path)
    base = ["train", "vae", "--dataset", "digits", "--limit", "64", "--quiet", "--threads", "1"]
    assert main(base + ["--epochs", "1"]) == 0
    out = capsys.readouterr().out
    done = re.search(r"done: 1 epoch in ([\d.]+) (ms|s);", out)
    assert done and float(done.group(1)) > 0, out
    assert "1 epochs" not in out and "0.0 s" not in out
    assert main(base + ["--epochs", "2", "--resume"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"done: 2 epochs \(1 epoch in this run, [\d.]+ m?s; [\d.]+ m?s of training "
                     r"over all runs\);", out), out
    assert main(base + ["--epochs", "2", "--resume"]) == 0  # nothing left to train
    assert "none trained now" in capsys.readouterr().out
    assert _quick_gan() == 0
    assert re.search(r"done: 1 epoch in [\d.]+ m?s;", capsys.readouterr().out)


def test_lipizzaner_images_used_is_explained(monkeypatch, capsys):
    """Item 7: n=500 under the lipizzaner protocol scores 448 images; the line says why."""
    import argparse

    import pydeepgen.metrics as M
    from pydeepgen import cli

    monkeypatch.setattr(M, "mnist_real_floor", lambda *a, **k: {"fid": 1.0, "tvd": 0.01})
    args = argparse.Namespace(protocol="lipizzaner", n=500, seed=0)
    cli.print_scores("fid", {"fid": 30.0, "tvd": 0.1, "n_used": 448}, args, None)
    line = capsys.readouterr().out.splitlines()[0]
    assert "images used=448: the lipizzaner protocol scores whole batches of 64" in line
    assert "448 = 7 x 64, the last 52 dropped; --protocol clean scores all 500" in line
    cli.print_scores("fid", {"fid": 30.0, "tvd": 0.1, "n_used": 500},
                     argparse.Namespace(protocol="clean", n=500, seed=0), None)
    assert "images used=500, seed=0" in capsys.readouterr().out


@needs_mnist
def test_lipizzaner_eval_explains_images_used(capsys):
    gen = DATA / "lipizzaner" / "mnist-generator-000.npz"
    if not gen.is_file():
        pytest.skip("no Lipizzaner generator")
    assert main(["eval", str(gen), "--metric", "tvd", "--n", "100", "--data-root",
                 str(DATA), "--threads", "1"]) == 0
    assert "images used=64: the lipizzaner protocol scores whole batches of 64" in \
        capsys.readouterr().out


def _subparsers():
    import argparse

    from pydeepgen.cli import build_parser

    p = build_parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return p, sub.choices


def test_help_names_every_option_and_its_default(capsys):
    """Item 8: every option has help text; --seed, --n, ... show their defaults; the command
    list reads "cgan, dcgan" and names no internal module."""
    p, subs = _subparsers()
    for name, sp in subs.items():
        for a in sp._actions:
            assert a.help, (name, a.option_strings or a.dest)
    texts = {}
    for name in [None] + sorted(subs):
        with pytest.raises(SystemExit):
            main(([name] if name else []) + ["--help"])
        texts[name] = re.sub(r"-\s+", "-", " ".join(capsys.readouterr().out.split()))
    top = texts[None]
    assert "cgan, dcgan, ae, vae or ddpm" in top and "cgan dcgan" not in top
    assert all("cli_generative" not in t and "pydeepgen.cli" not in t for t in texts.values())
    train, sample, ev = texts["train"], texts["sample"], texts["eval"]
    for opt in ("--epochs", "--seed", "--lr", "--batch-size", "--out", "--overwrite",
                "--download", "--log-format", "--loss"):
        assert re.search(re.escape(opt) + r" [A-Z_]*\s*\S", train), opt
    assert "seed of every random draw (initialization, noise, shuffling) (default: 0)" in train
    assert "(default: ./runs/<model>)" in train and "(default: jsonl)" in train
    assert "samples to draw (default: 64)" in sample
    assert "seed of the latent draw (default: 0)" in sample
    assert "images per grid row (default: 8;" in sample
    assert "<run>/samples/sample-seed<SEED>.png" in sample
    assert "(default: 1000 for digits, 10000 for the others)" in ev
    assert "digits: class histogram" in ev


def test_readme_says_where_things_go():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for text in ("examples/", "docs/labs.md", "--overwrite", "--download", "--metric digits",
                 "samples/sample-seed", "$PDG_DATA"):
        assert text in readme, text


# --------------------------------------------------------------------------------------
# issue 25 item 4: one data root for the CLI, the Python API, the metrics, the examples and
# the tests: --data-root > $PDG_DATA > a shared/data folder beside the checkout >
# $PDG_CACHE/data (~/.cache/pydeepgen/data, where --download puts the files)
# --------------------------------------------------------------------------------------


def _test_images(capsys):
    out = capsys.readouterr().out
    m = re.search(r"\((\d+) mnist test images\)", out)
    assert m, out
    return int(m.group(1))


def test_cli_data_root_precedence(data_roots, tmp_path, monkeypatch, capsys):
    """The same checkpoint, evaluated as the data moves in: each place beats the later ones
    (the number of test images says which MNIST was read)."""
    from conftest import fake_mnist

    monkeypatch.chdir(tmp_path)
    fake_mnist(data_roots.cache, n=8)  # the download folder only
    assert main(["train", "mlp", "--epochs", "1", "--batch-size", "8", "--quiet", "--threads",
                 "1", "--out", "m"]) == 0
    ev = ["eval", "m/checkpoint.safetensors", "--metric", "accuracy"]
    capsys.readouterr()
    assert main(ev) == 0 and _test_images(capsys) == 8
    fake_mnist(data_roots.shared, n=6)  # a shared/data folder beside the checkout
    assert main(ev) == 0 and _test_images(capsys) == 6
    fake_mnist(tmp_path / "env", n=10)
    monkeypatch.setenv("PDG_DATA", str(tmp_path / "env"))
    assert main(ev) == 0 and _test_images(capsys) == 10
    fake_mnist(tmp_path / "mine", n=12)
    assert main(ev + ["--data-root", str(tmp_path / "mine")]) == 0 and _test_images(capsys) == 12
    monkeypatch.delenv("PDG_DATA")
    monkeypatch.setenv("PDG_CACHE", str(tmp_path / "c"))  # the shared folder still wins
    assert main(ev) == 0 and _test_images(capsys) == 6


def test_cli_missing_data_names_the_places_searched(data_roots, tmp_path, monkeypatch,
                                                    capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "mlp", "--dataset", "fashion-mnist", "--epochs", "1", "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    for text in (str(data_roots.shared / "fashion-mnist"), "shared/data beside the checkout",
                 str(data_roots.cache / "fashion-mnist"), "the download folder",
                 f"--download to fetch it from {pdg.datasets.FashionMNIST.mirrors[0]} into "
                 f"{data_roots.cache}", "--data-root DIR (or $PDG_DATA)"):
        assert text in err[0], (text, err[0])
    assert "root=" not in err[0] and "download=True" not in err[0]


def test_cli_download_goes_to_the_cache(data_roots, tmp_path, monkeypatch, capsys):
    """--download without --data-root or $PDG_DATA fetches into $PDG_CACHE/data (default
    ~/.cache/pydeepgen/data), never into a shared/data folder that lacks the dataset."""
    from pydeepgen.datasets import mnist

    calls = []
    monkeypatch.setattr(mnist.MNIST, "_download", _fake_mnist_download(calls))
    monkeypatch.chdir(tmp_path)
    train = ["train", "mlp", "--download", "--epochs", "1", "--limit", "16", "--batch-size",
             "16", "--quiet", "--threads", "1"]
    assert main(train + ["--out", "a"]) == 0
    assert {c[1] for c in calls} == {data_roots.cache} and len(calls) == 4
    assert not (data_roots.shared / "mnist").exists()
    calls.clear()
    monkeypatch.setenv("PDG_CACHE", str(tmp_path / "c"))
    assert main(train + ["--dataset", "fashion-mnist", "--out", "b"]) == 0
    assert {c[1] for c in calls} == {tmp_path / "c" / "data"} and len(calls) == 4


def test_cli_data_root_as_a_user_runs_it(tmp_path):
    """`python -m pydeepgen` in a fresh folder: $PDG_DATA is read, --data-root beats it."""
    from conftest import fake_mnist

    fake_mnist(tmp_path / "env", n=10)
    fake_mnist(tmp_path / "mine", n=12)
    env = dict(os.environ, PDG_DATA=str(tmp_path / "env"), HOME=str(tmp_path / "home"),
               PDG_CACHE=str(tmp_path / "cache"))

    def run(*args):
        r = subprocess.run([sys.executable, "-m", "pydeepgen", *args], capture_output=True,
                           text=True, env=env, timeout=120, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        return r.stdout

    run("train", "mlp", "--epochs", "1", "--batch-size", "10", "--quiet", "--threads", "1")
    ev = ("eval", "runs/mlp/checkpoint.safetensors", "--metric", "accuracy", "--threads", "1")
    assert "(10 mnist test images)" in run(*ev)
    assert "(12 mnist test images)" in run(*ev, "--data-root", str(tmp_path / "mine"))


def test_data_root_help_and_docs_name_the_precedence(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    train = " ".join(capsys.readouterr().out.split())
    assert ("(default: $PDG_DATA, else a shared/data folder beside the checkout that holds the "
            "dataset, else $PDG_CACHE/data") in train
    root = Path(__file__).resolve().parents[1]
    readme = " ".join((root / "README.md").read_text().split())
    for text in ("--data-root DIR", "$PDG_DATA", "shared/data", "$PDG_CACHE/data",
                 "~/.cache/pydeepgen/data", "$PDG_TEST_DATA"):
        assert text in readme, text


def test_docs_show_the_cli_as_it_is():
    """docs/models.md and docs/generative.md: the 8x8 main job is scored with --metric
    digits, samples go to <run>/samples/sample-seed<S>.png (no stale --out grid.png)."""
    root = Path(__file__).resolve().parents[1]
    models_md = (root / "docs" / "models.md").read_text()
    gen_md = (root / "docs" / "generative.md").read_text()
    for text in (models_md, gen_md):
        assert "--out grid.png" not in text
        assert "samples/sample-seed" in text
    assert "eval runs/gan/checkpoint.safetensors --metric fid" not in models_md
    assert "pydeepgen eval runs/gan/checkpoint.safetensors --metric digits" in models_md
