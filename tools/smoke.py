#!/usr/bin/env python3
"""Smoke suite for CPUs we cannot run natively (qemu: Haswell, Nehalem, aarch64).

Needs only pydeepgen and NumPy (no pytest: Debian's arm64 Python under qemu has neither
pytest nor scikit-learn), and checks results, not just "it did not crash":

- the SIMD level in use is the one expected (``--expect-level``), a level above the CPU
  raises ValueError instead of an illegal instruction
- every optimizer's steps against NumPy float64 update rules, float32 and float64
- forward and backward of every layer family: a float64 finite-difference gradient check,
  and float32 (the SIMD paths) against the float64 result
- one training step of every model family, with the loss falling over a few steps on a
  fixed batch where that is the model's contract
- ``--full``: the README's main job (``pydeepgen train gan``) for one epoch and a few labs
  in quick mode (needs scikit-learn and matplotlib)

Usage:  python tools/smoke.py [--expect-level baseline|avx2|avx512] [--full] [--quick]
Prints one line per check and "smoke: N passed, M failed"; exits 1 on any failure.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

import pydeepgen as pdg
import pydeepgen.nn as nn
import pydeepgen.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def rel_err(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


def close(got, want, tol, what):
    e = rel_err(got, want)
    assert e < tol, f"{what}: relative error {e:.3g} >= {tol:g}"


# -- the level ------------------------------------------------------------------------
ARGS = None


@check
def simd_level():
    level = pdg.get_simd_level()
    if ARGS.expect_level:
        assert level == ARGS.expect_level, f"SIMD level {level}, expected {ARGS.expect_level}"
    levels = ("baseline", "avx2", "avx512")
    # A child process runs natively unless SMOKE_EXEC names the emulator ("qemu-x86_64
    # -cpu Haswell"): qemu-user does not follow exec.
    launcher = os.environ.get("SMOKE_EXEC", "").split()
    for above in levels[levels.index(pdg.config()["simd_detected"]) + 1:]:
        try:
            pdg.set_simd_level(above)
        except ValueError as e:
            assert "cannot run" in str(e), e
        else:
            raise AssertionError(f"set_simd_level({above!r}) accepted on a CPU without it")
        if launcher:
            r = subprocess.run([*launcher, sys.executable, "-c", "import pydeepgen"],
                               capture_output=True, text=True,
                               env=dict(os.environ, PDG_SIMD=above), timeout=600,
                               cwd=tempfile.gettempdir())
            assert r.returncode != 0 and "this CPU cannot run" in r.stderr, r.stderr[-500:]
    r = subprocess.run([*launcher, sys.executable, "-c", "import pydeepgen"],
                       capture_output=True, text=True, env=dict(os.environ, PDG_SIMD="nonsense"),
                       timeout=600, cwd=tempfile.gettempdir())
    assert r.returncode != 0 and "PDG_SIMD=nonsense" in r.stderr, r.stderr[-500:]
    return level


# -- optimizers -----------------------------------------------------------------------
def _opt_run(cls, kw, p0, grads, dtype):
    p = pdg.tensor(p0.astype(dtype), requires_grad=True)
    opt = cls([p], **kw)
    for g in grads:
        p.grad = pdg.tensor(g.astype(dtype))
        opt.step()
    return p.detach().numpy()


def _ref_sgd(p, grads, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
    buf = None
    for g in grads:
        d = g + weight_decay * p
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
    return p


def _ref_adam(p, grads, lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False):
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return p


def _ref_rmsprop(p, grads, lr, alpha=0.99, eps=1e-8, momentum=0.0):
    sq, buf = np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        sq = alpha * sq + (1 - alpha) * g * g
        d = g / (np.sqrt(sq) + eps)
        if momentum:
            buf = momentum * buf + d
            d = buf
        p = p - lr * d
    return p


def _ref_adagrad(p, grads, lr, eps=1e-10):
    s = np.zeros_like(p)
    for g in grads:
        s = s + g * g
        p = p - lr * g / (np.sqrt(s) + eps)
    return p


@check
def optimizers():
    rng = np.random.default_rng(0)
    n = 1037  # whole vectors, a tail, more than one 64-byte line
    p0 = rng.standard_normal(n)
    grads = [rng.standard_normal(n) for _ in range(5)]
    o = pdg.optim
    cases = [
        ("SGD", o.SGD, dict(lr=0.1), _ref_sgd(p0, grads, 0.1)),
        ("SGD momentum nesterov wd", o.SGD,
         dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
         _ref_sgd(p0, grads, 0.05, 0.9, 1e-2, True)),
        ("Adam", o.Adam, dict(lr=0.01), _ref_adam(p0, grads, 0.01)),
        ("Adam wd", o.Adam, dict(lr=0.01, weight_decay=0.1),
         _ref_adam(p0, grads, 0.01, weight_decay=0.1)),
        ("AdamW", o.AdamW, dict(lr=0.01), _ref_adam(p0, grads, 0.01, weight_decay=0.01,
                                                    decoupled=True)),
        ("RMSprop", o.RMSprop, dict(lr=0.01), _ref_rmsprop(p0, grads, 0.01)),
        ("RMSprop momentum", o.RMSprop, dict(lr=0.01, momentum=0.5),
         _ref_rmsprop(p0, grads, 0.01, momentum=0.5)),
        ("Adagrad", o.Adagrad, dict(lr=0.1), _ref_adagrad(p0, grads, 0.1)),
    ]
    for name, cls, kw, want in cases:
        for dtype, tol in ((np.float32, 2e-5), (np.float64, 1e-12)):
            close(_opt_run(cls, kw, p0, grads, dtype), want, tol, f"{name} {dtype.__name__}")
    return f"{len(cases)} optimizers x 2 dtypes, rung {pdg.optim.get_kernel_variant()}"


# -- layer families: float64 gradcheck + float32 against float64 ------------------------
def _layer_cases(rng):
    def r(*shape):
        return rng.standard_normal(shape)

    lstm, gru, rnn = nn.LSTM(3, 5), nn.GRU(3, 5), nn.RNN(3, 5)
    bce_target = rng.random((3, 4))
    return [
        ("linear", lambda x, w, b: F.linear(x, w, b), [r(4, 7), r(5, 7), r(5)]),
        ("matmul", lambda a, b: a @ b, [r(9, 17), r(17, 20)]),
        ("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1),
         [r(2, 3, 6, 5), r(4, 3, 3, 3), r(4)]),
        ("conv2d stride 2", lambda x, w: F.conv2d(x, w, None, stride=2),
         [r(2, 2, 7, 7), r(3, 2, 3, 3)]),
        ("conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w, None, stride=2, padding=1),
         [r(2, 3, 4, 4), r(3, 2, 4, 4)]),
        ("max_pool2d", lambda x: F.max_pool2d(x, 2), [r(2, 3, 6, 6)]),
        ("avg_pool2d", lambda x: F.avg_pool2d(x, 2), [r(2, 3, 6, 6)]),
        ("batch_norm", lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True),
         [r(5, 3, 2, 2), r(3), r(3)]),
        ("layer_norm", lambda x, g, b: F.layer_norm(x, (40,), g, b), [r(3, 40), r(40), r(40)]),
        ("group_norm", lambda x: F.group_norm(x, 2), [r(2, 4, 3, 3)]),
        ("embedding", lambda w: F.embedding(pdg.tensor(np.array([[0, 3], [2, 2]])), w),
         [r(5, 4)]),
        ("lstm", lambda x: lstm(x)[0], [r(4, 2, 3)], lstm),
        ("gru", lambda x: gru(x)[0], [r(4, 2, 3)], gru),
        ("rnn", lambda x: rnn(x)[0], [r(4, 2, 3)], rnn),
        ("softmax", lambda x: F.softmax(x, dim=1), [r(3, 19)]),
        ("log_softmax", lambda x: F.log_softmax(x, dim=1), [r(3, 19)]),
        ("cross_entropy", lambda x: F.cross_entropy(x, pdg.tensor(np.array([1, 0, 4]))),
         [r(3, 5)]),
        ("mse_loss", lambda a, b: F.mse_loss(a, b), [r(4, 6), r(4, 6)]),
        ("bce_with_logits",
         lambda x: F.binary_cross_entropy_with_logits(x, pdg.tensor(bce_target, dtype=x.dtype)),
         [r(3, 4)]),
        ("activations", lambda x: F.relu(x) + F.tanh(x) + F.sigmoid(x) + F.gelu(x)
         + F.leaky_relu(x, 0.1) + F.elu(x) + F.softplus(x) + F.silu(x), [r(5, 21)]),
        ("elementwise", lambda a, b: (a * b + a / (b * b + 1) - pdg.maximum(a, b)).exp().log1p()
         + a.pow(2).sum(1, keepdim=True), [r(4, 33), r(4, 33)]),
    ]


@check
def layers():
    rng = np.random.default_rng(1)
    names = []
    for name, fn, arrays, *module in _layer_cases(rng):
        # A module's weights follow the input's dtype: float64 for the gradcheck.
        for m in module:
            m.double()
        x64 = [pdg.tensor(a, dtype=pdg.float64, requires_grad=True) for a in arrays]
        try:
            pdg.testing.gradcheck(fn, x64, atol=1e-5, rtol=1e-3)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None
        y64 = fn(*x64)
        seed = pdg.tensor(np.random.default_rng(2).standard_normal(tuple(y64.shape)))
        (y64 * seed).sum().backward()
        for m in module:
            m.float()
        x32 = [pdg.tensor(a, dtype=pdg.float32, requires_grad=True) for a in arrays]
        y32 = fn(*x32)
        (y32 * seed.float()).sum().backward()
        close(y32.detach().numpy(), y64.detach().numpy(), 1e-4, f"{name} forward float32")
        for i, (a, b) in enumerate(zip(x32, x64)):
            close(a.grad.numpy(), b.grad.numpy(), 1e-3, f"{name} grad of input {i} float32")
        names.append(name)
    return f"{len(names)} ops"


# -- model families: one training step each -------------------------------------------
def _digits_like(n, rng):
    # 8x8 "images" with a learnable structure: class k lights up row k.
    y = rng.integers(0, 8, n)
    x = rng.random((n, 1, 8, 8)).astype(np.float32) * 0.3
    x[np.arange(n), 0, y, :] += 0.7
    return x, y


def _steps(model, loss_fn, n=6, lr=3e-3, min_moved=1.0):
    opt = pdg.optim.Adam(model.parameters(), lr=lr)
    before = [p.detach().numpy().copy() for p in model.parameters()]
    losses = []
    for _ in range(n):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses)), losses
    moved = sum(not np.array_equal(b, p.detach().numpy())
                for b, p in zip(before, model.parameters()))
    assert moved >= min_moved * len(before), f"only {moved} of {len(before)} parameters moved"
    return losses


@check
def models():
    from pydeepgen import models as M
    from pydeepgen.train import GANTrainer

    rng = np.random.default_rng(3)
    pdg.manual_seed(0)
    x, y = _digits_like(32, rng)
    xt, yt, xf = pdg.tensor(x), pdg.tensor(y), pdg.tensor(x.reshape(32, 64))
    done = []

    def learns(name, model, loss_fn, n=8):
        losses = _steps(model, loss_fn, n)
        assert losses[-1] < losses[0], f"{name}: loss {losses[0]:.4f} -> {losses[-1]:.4f}"
        done.append(name)

    mlp = M.MLP(in_features=64, hidden=(32,), out_features=8)
    learns("MLP", mlp, lambda: F.cross_entropy(mlp(xf), yt))
    cnn = M.LeNet5(image_size=8, num_classes=8)
    learns("LeNet5", cnn, lambda: F.cross_entropy(cnn(xt), yt))
    seq = pdg.tensor(np.sin(np.linspace(0, 6, 40)).reshape(10, 4, 1).astype(np.float32))
    lstm = M.LSTMRegressor(input_size=1, hidden_size=6)
    learns("LSTMRegressor", lstm, lambda: F.mse_loss(lstm(seq[:, :-1]), seq[:, -1]))
    ae = M.Autoencoder(data_dim=64, latent_dim=2, hidden=(32,), data_shape=(1, 8, 8))
    learns("Autoencoder", ae, lambda: ae.loss(xt)["loss"])
    vae = M.VAE(data_dim=64, hidden=(32,), latent_dim=4, data_shape=(1, 8, 8))
    _steps(vae, lambda: vae.loss(xt, generator=pdg.Generator().manual_seed(5))["loss"])
    done.append("VAE")
    ddpm = M.DDPM(in_channels=1, image_size=8, ch=8, ch_mult=(1, 2), attention=True, groups=4,
                  timesteps=50)
    # The U-Net zero-initializes its residual and output convs (as Ho et al.), so after
    # three steps the gradient has reached some layers only.
    _steps(ddpm, lambda: ddpm.loss(xt[:8], generator=pdg.Generator().manual_seed(6))["loss"],
           n=3, min_moved=0.5)
    img = ddpm.sample(2, steps=3, generator=pdg.Generator().manual_seed(7)).numpy()
    assert img.shape == (2, 1, 8, 8) and np.isfinite(img).all()
    done.append("DDPM")
    # GANs: two short epochs through the trainer the CLI uses.
    x_gan = x * 2 - 1
    for name, gan in (
        ("GAN", M.GAN(data_dim=64, data_shape=(1, 8, 8), latent_dim=8, g_hidden=(32,),
                      d_hidden=(32,))),
        ("ConditionalGAN", M.ConditionalGAN(data_dim=64, data_shape=(1, 8, 8), num_classes=8,
                                            g_hidden=(32,), d_hidden=(32,))),
        ("DCGAN", M.DCGAN(image_size=8, g_features=8, d_features=8, latent_dim=8)),
    ):
        before = [p.detach().numpy().copy() for p in gan.parameters()]
        tr = GANTrainer(gan, epochs=1, batch_size=16, progress=False)
        data = (x_gan, y) if name == "ConditionalGAN" else (x_gan,)
        hist = tr.fit(data)
        assert np.isfinite(hist[-1]["d_loss"]) and np.isfinite(hist[-1]["g_loss"]), hist
        assert 0 < hist[-1]["d_real"] < 1 and 0 < hist[-1]["d_fake"] < 1, hist
        moved = sum(not np.array_equal(b, p.detach().numpy())
                    for b, p in zip(before, gan.parameters()))
        assert moved == len(before), f"{name}: {len(before) - moved} parameters did not move"
        done.append(name)
    return ", ".join(done)


# -- --full: the README's main job and labs ------------------------------------------
@check
def main_job():
    if not ARGS.full:
        return "skipped (--full)"
    from pydeepgen import cli

    # In this process, so it runs on the emulated CPU (qemu-user does not follow exec).
    with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(io.StringIO()):
        # --no-readout: the readout's classifier would train under emulation (minutes)
        rc = cli.main(["train", "gan", "--epochs", "1", "--out", d, "--quiet", "--no-readout"])
        assert rc == 0, f"pydeepgen train gan exited {rc}"
        out = Path(d)
        for f in ("samples.png", "checkpoint.safetensors"):
            assert (out / f).is_file(), f"{f} missing; have {sorted(p.name for p in out.iterdir())}"
        log = (out / "log.jsonl").read_text().splitlines()
        assert len(log) == 1 and '"epoch": 1' in log[0], log
    return "pydeepgen train gan --epochs 1"


def _lab(stem, *extra):
    spec = importlib.util.spec_from_file_location(f"lab_{stem}", ROOT / "examples" / f"{stem}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(io.StringIO()):
        return mod.main(["--quick", "--no-plots", "--out", d, *extra])


@check
def labs():
    if not ARGS.full:
        return "skipped (--full)"
    r = _lab("03_xor_two_layers")
    assert r["solved"] and r["hand_set"] == [0, 1, 1, 0], r
    r = _lab("05_hiring")
    assert r["jamal"] < 0.5 < r["mina"] and r["losses"][1] < r["losses"][0], r
    r = _lab("06_deep_regression")
    assert r["final_mse"] < 0.5 * r["line_mse"], r
    return "03_xor_two_layers, 05_hiring, 06_deep_regression"


def main(argv=None):
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--expect-level", choices=("baseline", "avx2", "avx512"))
    ap.add_argument("--full", action="store_true", help="also the main job and labs")
    ap.add_argument("--only", help="run only the checks whose name contains this")
    ARGS = ap.parse_args(argv)
    print(f"smoke: pydeepgen {pdg.__version__} on {platform.machine()}, "
          f"simd {pdg.get_simd_level()} ({pdg.config()['simd_reason']}), "
          f"threads {pdg.get_num_threads()}", flush=True)
    passed = failed = 0
    for fn in CHECKS:
        if ARGS.only and ARGS.only not in fn.__name__:
            continue
        t0 = time.time()
        try:
            what = fn()
            passed += 1
            print(f"  ok   {fn.__name__:12} {time.time() - t0:6.1f} s  {what}", flush=True)
        except Exception:
            failed += 1
            print(f"  FAIL {fn.__name__:12} {time.time() - t0:6.1f} s", flush=True)
            traceback.print_exc()
    print(f"smoke: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
