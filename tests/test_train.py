"""pdg.train: every model trains a few steps on tiny data; checkpoints, bit-for-bit resume
(at an epoch boundary and mid-epoch after an interruption), logs, plots, sample grids."""

import json
import re

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen import models
from pydeepgen.train import (CheckpointError, GANTrainer, SupervisedTrainer, TrainingDiverged,
                             load_checkpoint, recipes, save_checkpoint)
from pydeepgen.train.checkpoint import flatten_state, unflatten_state
from pydeepgen.utils import make_grid, save_image

from conftest import DATA, needs_mnist


@pytest.fixture(autouse=True)
def _one_thread():
    # bit-for-bit comparisons assume a fixed thread count; one thread is also fastest for
    # these tiny models on a busy CI machine
    old = pdg.get_num_threads()
    pdg.set_num_threads(1)
    yield
    pdg.set_num_threads(old)


def _digits(n=256):
    arrays, info = recipes.load_data("digits", limit=n)
    return arrays, info


def _params(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


# --------------------------------------------------------------------------------------
# supervised
# --------------------------------------------------------------------------------------


def test_mlp_classifier_learns(tmp_path):
    (x, y), info = _digits(300)
    pdg.manual_seed(0)
    model = models.MLP(in_features=64, hidden=(32,), out_features=10)
    tr = SupervisedTrainer(model, epochs=4, batch_size=32, lr=3e-3, progress=False,
                           out_dir=tmp_path, val_data=(x[:100], y[:100]))
    hist = tr.fit((x, y))
    assert len(hist) == 4
    assert hist[-1]["loss"] < 0.6 * hist[0]["loss"]
    assert hist[-1]["acc"] > hist[0]["acc"] and hist[-1]["val_acc"] > 0.7
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert [json.loads(ln)["epoch"] for ln in lines] == [1, 2, 3, 4]
    assert (tmp_path / "losses.png").stat().st_size > 1000
    assert (tmp_path / "checkpoint.safetensors").is_file()


def test_cnn_learns_csv_log(tmp_path):
    (x, y), info = _digits(200)
    pdg.manual_seed(0)
    model = models.LeNet5(image_size=8)
    tr = SupervisedTrainer(model, epochs=3, batch_size=20, lr=3e-3, progress=False,
                           out_dir=tmp_path, log_format="csv")
    hist = tr.fit((x, y))
    assert hist[-1]["loss"] < hist[0]["loss"]
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,loss,acc") and len(rows) == 4


def test_cosine_lr_schedule_per_epoch(tmp_path):
    arrays, info = _digits(96)
    model = models.MLP(in_features=64, out_features=10, hidden=(16,))
    tr = SupervisedTrainer(model, lr=0.01, epochs=4, batch_size=32, progress=False,
                           lr_schedule="cosine")
    seen = []
    step = tr.train_step

    def spy(batch):
        seen.append((tr.epoch, tr.optimizer.param_groups[0]["lr"]))
        return step(batch)

    tr.train_step = spy
    tr.fit(arrays)
    by_epoch = dict(seen)
    assert sorted(by_epoch) == [0, 1, 2, 3]
    for e, lr in by_epoch.items():
        assert lr == pytest.approx(0.01 * (1 + np.cos(np.pi * e / 4)) / 2)
    assert by_epoch[0] == pytest.approx(0.01) and by_epoch[3] < by_epoch[2] < by_epoch[1]
    with pytest.raises(ValueError, match="lr_schedule"):
        SupervisedTrainer(model, lr_schedule="step")


def test_lstm_regressor_learns():
    (x, y), info = recipes.load_data("airline")
    assert x.shape[1:] == (12, 1) and y.shape[1:] == (1,)
    # the scaling inverts exactly: the true targets come back as the series' passengers
    from pydeepgen.datasets import airline_passengers

    series = airline_passengers().numpy().astype(np.float64)
    pred_p, true_p, last_p = recipes.airline_to_passengers(y[:, 0], info, series)
    np.testing.assert_allclose(pred_p, true_p, rtol=1e-5)
    np.testing.assert_allclose(true_p, series[12: 12 + len(y)])
    np.testing.assert_allclose(last_p, series[11: 11 + len(y)])
    assert np.abs(x).max() == pytest.approx(1.0) and np.all(x[:, -1, 0] == 0)
    pdg.manual_seed(0)
    model = models.LSTMRegressor(hidden_size=8)
    tr = SupervisedTrainer(model, loss="mse", task="regression", epochs=40, batch_size=16,
                           lr=1e-2, progress=False)
    hist = tr.fit((x, y))
    assert hist[-1]["loss"] < 0.5 * hist[0]["loss"]


# --------------------------------------------------------------------------------------
# GANs
# --------------------------------------------------------------------------------------


def test_gaussian_gan_moves_toward_data():
    arrays, info = recipes.load_data("gaussian", limit=512)
    assert abs(arrays[0].mean() - 4.0) < 0.05
    pdg.manual_seed(0)
    gan = models.gaussian_gan(data_dim=info["dim"])
    before = abs(gan.sample(256).numpy().mean() - 4.0)
    tr = GANTrainer(gan, epochs=6, batch_size=64, lr=2e-3, progress=False)
    hist = tr.fit(arrays)
    after = abs(gan.sample(256).numpy().mean() - 4.0)
    assert after < 0.5 * before
    assert all(np.isfinite(h["d_loss"]) and np.isfinite(h["g_loss"]) for h in hist)


@pytest.mark.parametrize("loss", ["bce", "lsgan", "hinge"])
def test_mlp_gan_steps(tmp_path, loss):
    arrays, info = _digits(128)
    pdg.manual_seed(1)
    gan = models.GAN(data_dim=64, data_shape=(1, 8, 8), latent_dim=16, g_hidden=(32,),
                     d_hidden=(32,))
    tr = GANTrainer(gan, loss=loss, epochs=2, batch_size=32, progress=False, out_dir=tmp_path,
                    n_samples=16, d_steps=2)
    hist = tr.fit(arrays[:1])
    assert set(hist[0]) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    # d_steps=2: the generator moved every other step
    assert tr.global_step == 8
    x = gan.sample(5).numpy()
    assert x.shape == (5, 1, 8, 8) and np.abs(x).max() <= 1
    assert (tmp_path / "samples.png").is_file() and (tmp_path / "samples" / "epoch_0002.png").is_file()


def test_discriminator_learns_to_separate():
    """With the generator frozen (lr_g = 0), the discriminator's loss falls."""
    arrays, info = _digits(256)
    pdg.manual_seed(2)
    gan = models.GAN(data_dim=64, data_shape=(1, 8, 8), latent_dim=16, g_hidden=(32,),
                     d_hidden=(32,))
    tr = GANTrainer(gan, epochs=4, batch_size=32, lr=1e-3, lr_g=0.0, progress=False)
    hist = tr.fit(arrays[:1])
    assert hist[-1]["d_loss"] < 0.7 * hist[0]["d_loss"]
    assert hist[-1]["d_real"] > hist[-1]["d_fake"]


def test_cgan_and_dcgan_steps(tmp_path):
    arrays, info = _digits(96)
    pdg.manual_seed(3)
    c = models.ConditionalGAN(data_dim=64, data_shape=(1, 8, 8), g_hidden=(32,), d_hidden=(32,))
    tr = GANTrainer(c, epochs=1, batch_size=32, progress=False, out_dir=tmp_path / "c",
                    n_samples=20)
    tr.fit(arrays)
    assert tuple(tr.fixed_samples().shape) == (20, 1, 8, 8)
    d = models.DCGAN(image_size=8, g_features=8, d_features=8, latent_dim=8)
    tr = GANTrainer(d, epochs=1, batch_size=32, progress=False, out_dir=tmp_path / "d")
    hist = tr.fit(arrays[:1])
    assert np.isfinite(hist[0]["g_loss"])
    assert (tmp_path / "d" / "samples.png").is_file()


def test_ema_generator():
    arrays, _ = _digits(64)
    pdg.manual_seed(4)
    gan = models.GAN(data_dim=64, latent_dim=8, g_hidden=(16,), d_hidden=(16,))
    tr = GANTrainer(gan, epochs=1, batch_size=32, ema_decay=0.5, progress=False)
    before = _params(tr.ema.generator)
    tr.fit(arrays[:1])
    after, live = _params(tr.ema.generator), _params(gan.generator)
    for k in before:
        assert not np.array_equal(before[k], after[k])
        assert not np.array_equal(after[k], live[k])
    assert tr.sampler is tr.ema


def test_mode_seeking_term_and_step():
    from pydeepgen.train.gan import mode_seeking_term

    rng = np.random.default_rng(7)
    x = rng.normal(size=(6, 1, 3, 3))
    z = rng.normal(size=(6, 4))
    xt = pdg.tensor(x, requires_grad=True)
    t = mode_seeking_term(xt, pdg.tensor(z))
    ratio = np.abs(x[:3] - x[3:]).mean() / np.abs(z[:3] - z[3:]).mean()
    assert t.item() == pytest.approx(1 / (ratio + 1e-5), rel=1e-12)
    t.backward()  # d/dx of 1/(r + eps): pushes the paired images apart
    sign = np.sign(x[:3] - x[3:])
    g = -1 / (ratio + 1e-5) ** 2 / np.abs(z[:3] - z[3:]).mean() / x[:3].size
    np.testing.assert_allclose(xt.grad.numpy()[:3], g * sign, rtol=1e-10)
    np.testing.assert_allclose(xt.grad.numpy()[3:], -g * sign, rtol=1e-10)

    arrays, _ = _digits(64)
    pdg.manual_seed(2)
    gan = models.GAN(data_dim=64, latent_dim=8, g_hidden=(16,), d_hidden=(16,))
    tr = GANTrainer(gan, epochs=1, batch_size=32, mode_seeking=1.0, progress=False)
    hist = tr.fit(arrays[:1])
    assert hist[0]["ms_ratio"] > 0 and np.isfinite(hist[0]["g_loss"])
    with pytest.raises(ValueError, match="mode_seeking"):
        GANTrainer(gan, mode_seeking=-1.0)


def test_info_gan_term():
    # InfoGAN: the head learns to tell the mixture's components apart from the fakes, the
    # generator is pushed to make them distinguishable; the term changes both updates
    arrays, _ = _digits(256)

    def run(info_weight, epochs):
        pdg.manual_seed(3)
        gan = models.GAN(data_dim=64, latent_dim=8, g_hidden=(32,), d_hidden=(32,),
                         noise="mixture", noise_components=4, noise_scale=2.0, info_head=True)
        tr = GANTrainer(gan, epochs=epochs, batch_size=32, lr=1e-3, info_weight=info_weight,
                        progress=False)
        return tr, tr.fit(arrays[:1])

    tr, hist = run(1.0, 6)
    losses = [h["info_loss"] for h in hist]
    assert losses[0] > 0.8 * np.log(4) and losses[-1] < 0.5 * losses[0], losses
    # the head is trained by the discriminator's optimizer and saved with the model
    head = {id(p) for p in tr.gan.info_head.parameters()}
    assert head <= {id(p) for g in tr.opt_d.param_groups for p in g["params"]}
    assert "info_head.weight" in tr.gan.state_dict()
    # without the term (same seed, same draws) the generator ends elsewhere and the head stays
    # at its init
    off, hist_off = run(0.0, 1)
    on, _ = run(1.0, 1)
    assert "info_loss" not in hist_off[0]
    assert not np.allclose(off.gan.generator[0].weight.detach().numpy(),
                           on.gan.generator[0].weight.detach().numpy())
    pdg.manual_seed(3)
    fresh = models.GAN(data_dim=64, latent_dim=8, g_hidden=(32,), d_hidden=(32,),
                       noise="mixture", noise_components=4, noise_scale=2.0, info_head=True)
    np.testing.assert_array_equal(off.gan.info_head.weight.detach().numpy(),
                                  fresh.info_head.weight.detach().numpy())
    with pytest.raises(ValueError, match="info_weight needs a GAN built with info_head"):
        GANTrainer(models.GAN(data_dim=64, noise="mixture"), info_weight=1.0)
    with pytest.raises(ValueError, match="info_weight must be >= 0"):
        GANTrainer(tr.gan, info_weight=-1.0)


@needs_mnist
def test_ema_run_scores_the_raw_generator_too():
    # An EMA run reports both generators on the same latents: "fid" for the EMA copy and
    # "fid_raw" for the trained weights, which must match scoring the raw model by hand.
    from pydeepgen.metrics import mnist_scores

    pdg.manual_seed(5)
    gan = models.GAN(data_shape=(1, 28, 28), latent_dim=8, g_hidden=(16,), d_hidden=(16,))
    tr = GANTrainer(gan, epochs=1, batch_size=32, ema_decay=0.9, progress=False,
                    data_root=DATA, seed=3)
    tr.fit([np.random.default_rng(0).uniform(-1, 1, (64, 1, 28, 28)).astype(np.float32)])
    s = tr.score(n=256, protocol="clean")
    assert {"fid", "tvd", "fid_raw", "tvd_raw"} <= set(s)
    assert s["fid"] != s["fid_raw"]
    gan.eval()
    with pdg.no_grad():
        x = gan.generate(gan.sample_noise(256, generator=pdg.Generator().manual_seed(4)))
    ref = mnist_scores(x, protocol="clean", n=256, data_root=DATA)
    assert s["fid_raw"] == pytest.approx(ref["fid"], rel=1e-9)
    assert s["tvd_raw"] == pytest.approx(ref["tvd"])


# --------------------------------------------------------------------------------------
# checkpoints, resume, interruption
# --------------------------------------------------------------------------------------


def test_flatten_roundtrip():
    t = pdg.randn(3)
    state = {"a": {0: {"m": t, "step": 3}, 1: {}}, "b": [1.5, "x", None, (2, 3)],
             "c": np.arange(4)}
    tensors, tree = flatten_state(state)
    json.dumps(tree)
    back = unflatten_state(tensors, tree)
    assert back["a"][0]["step"] == 3 and back["a"][1] == {}
    assert back["b"] == [1.5, "x", None, (2, 3)]
    np.testing.assert_array_equal(back["a"][0]["m"].numpy(), t.numpy())
    np.testing.assert_array_equal(back["c"], np.arange(4))


def test_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "none.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(CheckpointError):
        load_checkpoint(bad)
    plain = tmp_path / "plain.safetensors"
    pdg.save({"w": pdg.zeros(2)}, str(plain))
    with pytest.raises(CheckpointError, match="not a pydeepgen training checkpoint"):
        load_checkpoint(plain)
    ok = tmp_path / "ok.safetensors"
    save_checkpoint({"x": pdg.ones(2), "n": 1}, ok)
    assert load_checkpoint(ok)["n"] == 1


# --------------------------------------------------------------------------------------
# divergence: a nan/inf loss stops the run; nan/inf weights are never saved
# --------------------------------------------------------------------------------------


class _Diverging(SupervisedTrainer):
    """At global step ``at`` (1-based) either the logged loss is ``value`` or, with
    ``poison``, the step's update leaves nan in a weight while the loss (computed before the
    update) is still finite."""

    def __init__(self, *args, at, value=float("nan"), poison=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.at, self.value, self.poison = at, value, poison

    def train_step(self, batch):
        res = super().train_step(batch)
        if self.global_step + 1 == self.at:
            if self.poison:
                w = next(iter(self.model.parameters()))
                with pdg.no_grad():
                    w.copy_(w * float("nan"))
            else:
                res["loss"] = self.value
        return res


def _diverging(out_dir, **kw):
    pdg.manual_seed(0)
    model = models.MLP(in_features=64, hidden=(8,), out_features=10)
    return _Diverging(model, epochs=3, batch_size=32, lr=1e-3, progress=False,
                      checkpoint_every=1, out_dir=out_dir, **kw)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_loss_stops_the_run(tmp_path, value):
    (x, y), _ = _digits(64)  # 2 steps an epoch
    tr = _diverging(tmp_path, at=3, value=value)
    ck = tmp_path / "checkpoint.safetensors"
    with pytest.raises(TrainingDiverged, match=re.escape(f"loss is {value} at epoch 2, step 1 "
                                                         f"of 2; {ck} keeps the last good state")):
        tr.fit((x, y))
    assert load_checkpoint(ck)["loop"]["epoch"] == 1
    assert [r["epoch"] for r in tr.history] == [1]
    assert not tr.interrupted


def test_non_finite_weights_are_never_saved(tmp_path):
    """The last step of epoch 2 leaves nan weights behind finite losses: the save at the end
    of the epoch refuses them and the epoch-1 checkpoint stays, byte for byte."""
    (x, y), _ = _digits(64)
    ck = tmp_path / "checkpoint.safetensors"
    seen = []

    def keep_epoch_1(tr, event):
        if event == "epoch" and tr.epoch == 1:
            seen.append(ck.read_bytes())

    tr = _diverging(tmp_path, at=4, poison=True, callbacks=[keep_epoch_1])
    with pytest.raises(TrainingDiverged, match=r"modules\.model\.\S+ holds nan or inf after 4 "
                                               r"steps, so it was not saved"):
        tr.fit((x, y))
    assert ck.read_bytes() == seen[0]
    state = load_checkpoint(ck)
    assert state["loop"]["epoch"] == 1
    tensors, _ = flatten_state(state["modules"])
    assert all(np.isfinite(t.numpy()).all() for t in tensors.values())
    # without a run directory there is nothing to keep, and nothing is said about it
    tr = _diverging(None, at=1)
    with pytest.raises(TrainingDiverged, match=r"at epoch 1, step 1 of 2 \(a lower"):
        tr.fit((x, y))


def test_only_losses_are_checked(tmp_path):
    """A nan in a logged value that is no loss (an accuracy, a ratio) does not stop the run."""
    (x, y), _ = _digits(64)

    class NanAccuracy(SupervisedTrainer):
        def train_step(self, batch):
            return dict(super().train_step(batch), acc=float("nan"))

    model = models.MLP(in_features=64, hidden=(8,), out_features=10)
    hist = NanAccuracy(model, epochs=1, batch_size=32, progress=False).fit((x, y))
    assert np.isnan(hist[0]["acc"]) and np.isfinite(hist[0]["loss"])


def _make_gan_trainer(out_dir, epochs, callbacks=(), sn=False, **kw):
    pdg.manual_seed(11)
    gan = models.GAN(data_dim=64, data_shape=(1, 8, 8), latent_dim=8, g_hidden=(16,),
                     d_hidden=(16,), d_dropout=0.3,  # dropout: the default RNG matters too
                     d_spectral_norm=sn)  # spectral norm: its u, v buffers must resume too
    return GANTrainer(gan, epochs=epochs, batch_size=24, seed=5, out_dir=out_dir,
                      progress=False, callbacks=callbacks, n_samples=4, **kw)


def _state_arrays(tr):
    out = _params(tr.gan)
    if tr.ema is not None:
        out.update({f"ema.{k}": v for k, v in _params(tr.ema).items()})
    for name, opt in tr.optimizers.items():
        for i, st in opt.state_dict()["state"].items():
            for k, v in st.items():
                out[f"{name}.{i}.{k}"] = np.asarray(v.numpy() if hasattr(v, "numpy") else v)
    out["rng"] = pdg.get_rng_state().numpy().copy()
    return out


@pytest.mark.parametrize("sn", [False, True])
def test_resume_bit_for_bit(tmp_path, sn):
    arrays, _ = _digits(100)  # 100 / 24: a short last batch every epoch
    full = _make_gan_trainer(tmp_path / "full", 4, sn=sn)
    full.fit(arrays[:1])
    want = _state_arrays(full)
    if sn:
        want.update({k: v.numpy().copy() for k, v in full.gan.named_buffers()})

    part = _make_gan_trainer(tmp_path / "part", 2, sn=sn)
    part.fit(arrays[:1])
    resumed = _make_gan_trainer(tmp_path / "part", 4, sn=sn)  # fresh objects, other init draws
    resumed.fit(arrays[:1], resume=True)
    assert resumed.epoch == 4 and len(resumed.history) == 4
    got = _state_arrays(resumed)
    if sn:
        got.update({k: v.numpy().copy() for k, v in resumed.gan.named_buffers()})
        assert any(k.endswith("weight_u") for k in got)
    _assert_same(got, want)
    losses = [(h["d_loss"], h["g_loss"]) for h in resumed.history]
    assert losses == [(h["d_loss"], h["g_loss"]) for h in full.history]
    log = (tmp_path / "part" / "log.jsonl").read_text().splitlines()
    assert [json.loads(ln)["epoch"] for ln in log] == [1, 2, 3, 4]


def test_dcgan_resume_keeps_batchnorm_counters(tmp_path):
    # BatchNorm's 0-d num_batches_tracked must come back 0-d, or the resumed model rejects it
    arrays, _ = _digits(64)

    def make(epochs):
        pdg.manual_seed(3)
        d = models.DCGAN(image_size=8, g_features=8, d_features=8, latent_dim=8)
        return GANTrainer(d, epochs=epochs, batch_size=32, progress=False, seed=1,
                          out_dir=tmp_path, n_samples=4)

    first = make(1)
    first.fit(arrays[:1])
    bn = {k: v for k, v in first.gan.state_dict().items() if k.endswith("num_batches_tracked")}
    assert bn and all(tuple(v.shape) == () for v in bn.values())
    resumed = make(2)
    resumed.fit(arrays[:1], resume=True)
    assert resumed.epoch == 2
    for k, v in resumed.gan.state_dict().items():
        if k.endswith("num_batches_tracked"):
            assert tuple(v.shape) == () and int(v.item()) == 2 * int(bn[k].item())


@pytest.mark.parametrize("schedule", [None, "cosine"])
def test_interrupt_mid_epoch_then_resume(tmp_path, schedule):
    # cosine: the resumed run must restart from the initial rates, not the decayed ones the
    # checkpointed optimizers hold
    arrays, _ = _digits(100)
    kw = dict(lr_schedule=schedule, ema_decay=0.9)
    full = _make_gan_trainer(tmp_path / "full", 3, **kw)
    full.fit(arrays[:1])
    want = _state_arrays(full)

    def stop_at_7(trainer, event):  # simulated Ctrl-C in the middle of epoch 2
        if event == "step" and trainer.global_step == 7:
            raise KeyboardInterrupt

    run = _make_gan_trainer(tmp_path / "run", 3, callbacks=[stop_at_7], **kw)
    run.fit(arrays[:1])
    assert run.interrupted and run.epoch == 1 and run.global_step == 7
    saved = load_checkpoint(tmp_path / "run" / "checkpoint.safetensors")
    assert saved["loop"]["global_step"] == 7 and saved["loop"]["batch_index"] == 2
    resumed = _make_gan_trainer(tmp_path / "run", 3, **kw)
    resumed.fit(arrays[:1], resume=True)
    assert not resumed.interrupted and resumed.global_step == full.global_step
    if schedule:
        assert resumed.opt_g.param_groups[0]["lr"] == pytest.approx(
            2e-4 * (1 + np.cos(np.pi * 2 / 3)) / 2)
    _assert_same(_state_arrays(resumed), want)
    assert [h["g_loss"] for h in resumed.history] == [h["g_loss"] for h in full.history]


def test_supervised_resume_bit_for_bit(tmp_path):
    (x, y), _ = _digits(90)

    def make(out, epochs):
        pdg.manual_seed(7)
        m = models.MLP(in_features=64, hidden=(16,), out_features=10, dropout=0.2)
        return SupervisedTrainer(m, epochs=epochs, batch_size=16, seed=1, out_dir=out,
                                 progress=False, checkpoint_every=1)

    full = make(tmp_path / "a", 3)
    full.fit((x, y))
    part = make(tmp_path / "b", 1)
    part.fit((x, y))
    res = make(tmp_path / "b", 3)
    res.fit((x, y), resume=True)
    _assert_same(_params(res.model), _params(full.model))


def test_resume_mismatch_errors(tmp_path):
    arrays, _ = _digits(48)
    _make_gan_trainer(tmp_path, 1).fit(arrays[:1])
    pdg.manual_seed(0)
    other = GANTrainer(models.GAN(data_dim=64, latent_dim=4), epochs=2, batch_size=24,
                       out_dir=tmp_path, progress=False)
    with pytest.raises(CheckpointError, match="does not fit"):
        other.fit(arrays[:1], resume=True)
    tr = _make_gan_trainer(tmp_path, 2)
    tr.batch_size = 8
    with pytest.raises(CheckpointError, match="batch size"):
        tr.fit(arrays[:1], resume=True)


# --------------------------------------------------------------------------------------
# grids
# --------------------------------------------------------------------------------------


def test_make_grid_layout():
    x = np.arange(5 * 1 * 3 * 2, dtype=np.float32).reshape(5, 1, 3, 2) / 30
    g = make_grid(x, nrow=2, padding=1, pad_value=0.5).numpy()
    # torchvision: 2 columns, 3 rows, each cell (3+1) x (2+1), plus the outer padding
    assert g.shape == (3, 3 * 4 + 1, 2 * 3 + 1)
    np.testing.assert_array_equal(g[0, 1:4, 1:3], x[0, 0])
    np.testing.assert_array_equal(g[2, 5:8, 4:6], x[3, 0])
    assert g[0, 0, 0] == 0.5 and g[1, 9:12, 4:6].tolist() == [[0.5] * 2] * 3  # empty cell
    n = make_grid(x, normalize=True).numpy()
    assert n.min() == 0.0 and n.max() == 1.0
    assert tuple(make_grid(x[:1]).shape) == (3, 3, 2)
    with pytest.raises(ValueError, match="make_grid"):
        make_grid(np.zeros((2, 2, 2, 2, 2)))


def test_make_grid_vs_torchvision():
    tv = pytest.importorskip("torchvision.utils")
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((11, 1, 5, 4)).astype(np.float32)
    want = tv.make_grid(torch.from_numpy(x), nrow=4, padding=2, normalize=True).numpy()
    np.testing.assert_allclose(make_grid(x, nrow=4, normalize=True).numpy(), want, atol=1e-6)


def test_save_image_png(tmp_path):
    from PIL import Image

    x = np.zeros((2, 1, 4, 4), np.float32)
    x[1] = 1.0
    save_image(x, tmp_path / "g.png", nrow=2, padding=0)
    img = np.asarray(Image.open(tmp_path / "g.png"))
    assert img.shape == (4, 8, 3)
    assert img[:, :4].max() == 0 and img[:, 4:].min() == 255
