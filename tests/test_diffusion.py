"""DDPM: schedules, time embedding, the UNet and its attention (vs NumPy), the forward process,
both samplers (checked on Gaussian data whose optimal eps is known in closed form), classifier-
free guidance, EMA, training a tiny UNet on 8x8 digits (loss falls), bit-for-bit resume with
EMA, the CLI, and bad input."""

import math

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen import nn
from pydeepgen.models.diffusion import (DDPM, EMA, SelfAttention, UNet, beta_schedule,
                                        timestep_embedding)
from pydeepgen.train.generative import GenerativeTrainer, load_gen_data

from conftest import DATA, needs_mnist


@pytest.fixture(autouse=True)
def _one_thread():
    # tiny convolutions gain nothing from a second thread, and bit-for-bit resume assumes a
    # fixed thread count
    old = pdg.get_num_threads()
    pdg.set_num_threads(1)
    yield
    pdg.set_num_threads(old)


def _randomize(module, scale=0.1):
    """Perturb every parameter (the zero-initialized output convs would otherwise hide the
    time and class embeddings)."""
    with pdg.no_grad():
        for p in module.parameters():
            p.add_(pdg.randn(*p.shape) * scale)
    return module


def _tiny(**kw):
    cfg = dict(image_size=8, ch=8, ch_mult=(1, 2), timesteps=100, groups=4)
    cfg.update(kw)
    return DDPM(**cfg)


# -- schedules and embedding ---------------------------------------------------------------


def test_linear_schedule_matches_ho_et_al():
    b = beta_schedule("linear", 1000)
    assert b.shape == (1000,) and b.dtype == np.float64
    assert b[0] == pytest.approx(1e-4) and b[-1] == pytest.approx(0.02)
    assert np.all(np.diff(b) > 0)
    # shorter chains are rescaled to end at the same total noise level (roughly)
    ab_1000 = np.prod(1 - b)
    ab_100 = np.prod(1 - beta_schedule("linear", 100))
    assert ab_1000 < 1e-4 and ab_100 < 1e-3


def test_cosine_schedule_follows_its_alpha_bar():
    T, s = 200, 0.008
    b = beta_schedule("cosine", T)
    ab = np.cumprod(1 - b)
    t = np.arange(1, T + 1) / T
    f = np.cos((t + s) / (1 + s) * np.pi / 2) ** 2 / np.cos(s / (1 + s) * np.pi / 2) ** 2
    unclipped = b < 0.999
    # exact until the first clipped beta (only the very last steps clip)
    first = np.argmin(unclipped) if not unclipped.all() else T
    np.testing.assert_allclose(ab[:first], f[:first], rtol=1e-10, atol=1e-12)
    assert first >= T - 2
    assert np.all((b > 0) & (b <= 0.999))


def test_schedule_bad_input():
    with pytest.raises(ValueError, match="beta schedule"):
        beta_schedule("quadratic", 10)
    with pytest.raises(ValueError, match="timesteps"):
        beta_schedule("linear", 0)
    with pytest.raises(ValueError, match="beta schedule"):
        DDPM(image_size=8, ch_mult=(1, 2), schedule="sigmoid")


@pytest.mark.parametrize("dim", [8, 7, 2])
def test_timestep_embedding_formula(dim):
    t = np.array([0, 1, 17, 999])
    e = timestep_embedding(pdg.from_numpy(t), dim).numpy()
    half = dim // 2
    f = 10000.0 ** (-np.arange(half) / half)
    ref = np.concatenate([np.sin(t[:, None] * f), np.cos(t[:, None] * f)], 1)
    assert e.shape == (4, dim) and e.dtype == np.float32
    np.testing.assert_allclose(e[:, : 2 * half], ref, atol=1e-6)
    if dim % 2:
        assert np.all(e[:, -1] == 0)


# -- the UNet ------------------------------------------------------------------------------


@pytest.mark.parametrize("size,mult,cond",
                         [(8, (1, 2), None), (16, (1, 2, 2), 10), (12, (1, 1), 3)])
def test_unet_shapes_and_gradients(size, mult, cond):
    pdg.manual_seed(1)
    net = UNet(in_channels=2, image_size=size, ch=8, ch_mult=mult, num_res_blocks=1,
               attention=True, heads=2, groups=4, num_classes=cond)
    x = pdg.randn(3, 2, size, size)
    t = pdg.from_numpy(np.array([0, 5, 99]))
    labels = None if cond is None else pdg.from_numpy(np.array([0, 1, cond]))  # cond = "none"
    out = net(x, t, labels)
    assert out.shape == (3, 2, size, size)
    # zero-initialized output conv: the untrained net predicts eps = 0
    assert np.all(out.detach().numpy() == 0)
    (out * out + out).sum().backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None]
    assert not missing
    # the output conv's weight gets a gradient (d/dout = 1), so the net can learn
    assert np.abs(net.conv_out.weight.grad.numpy()).sum() > 0


def test_unet_bad_input():
    with pytest.raises(ValueError, match="divisible"):
        UNet(image_size=28, ch_mult=(1, 2, 2, 2))
    with pytest.raises(ValueError, match="ch_mult"):
        UNet(image_size=8, ch_mult=())
    with pytest.raises(ValueError, match="heads"):
        SelfAttention(6, heads=4)


def _group_norm_np(x, groups, w, b, eps=1e-5):
    n, c, h, wd = x.shape
    g = x.reshape(n, groups, -1)
    g = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)
    return g.reshape(n, c, h, wd) * w[None, :, None, None] + b[None, :, None, None]


@pytest.mark.parametrize("heads", [1, 2])
def test_self_attention_matches_numpy(heads):
    pdg.manual_seed(3)
    att = SelfAttention(8, heads=heads, groups=4)
    with pdg.no_grad():  # non-zero projection so the attention output is visible
        att.proj.weight.copy_(pdg.randn(*att.proj.weight.shape) * 0.3)
        att.proj.bias.copy_(pdg.randn(*att.proj.bias.shape) * 0.1)
    x = pdg.randn(2, 8, 3, 5)
    out = att(x).detach().numpy().astype(np.float64)

    xn = x.numpy().astype(np.float64)
    P = {k: v.detach().numpy().astype(np.float64) for k, v in att.state_dict().items()}
    h = _group_norm_np(xn, 4, P["norm.weight"], P["norm.bias"])
    qkv = (np.einsum("oc,nchw->nohw", P["qkv.weight"][:, :, 0, 0], h)
           + P["qkv.bias"][None, :, None, None])
    n, d = 2, 8 // heads
    qkv = qkv.reshape(n, 3, heads, d, 15)
    q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]  # (n, heads, d, hw)
    s = np.einsum("nhdi,nhdj->nhij", q, k) / math.sqrt(d)
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    o = np.einsum("nhij,nhdj->nhdi", a, v).reshape(n, 8, 3, 5)
    ref = (xn + np.einsum("oc,nchw->nohw", P["proj.weight"][:, :, 0, 0], o)
           + P["proj.bias"][None, :, None, None])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


# -- forward process, loss -----------------------------------------------------------------


def test_q_sample_formula():
    m = _tiny()
    x0 = pdg.randn(4, 1, 8, 8)
    noise = pdg.randn(4, 1, 8, 8)
    t = np.array([0, 10, 50, 99])
    xt = m.q_sample(x0, pdg.from_numpy(t), noise).numpy()
    ab = np.cumprod(1 - beta_schedule("linear", 100))[t][:, None, None, None]
    ref = np.sqrt(ab) * x0.numpy() + np.sqrt(1 - ab) * noise.numpy()
    np.testing.assert_allclose(xt, ref, rtol=1e-5, atol=1e-6)


def test_loss_is_mse_to_the_drawn_noise():
    m = _tiny()
    x = pdg.rand(5, 1, 8, 8) * 2 - 1
    g1 = pdg.Generator().manual_seed(4)
    loss = m.loss(x, generator=g1)["loss"].item()
    # replay the same draws: t, then the noise; the untrained net predicts 0
    g2 = pdg.Generator().manual_seed(4)
    pdg.randint(0, 100, (5,), generator=g2)
    noise = pdg.randn(5, 1, 8, 8, generator=g2).numpy()
    assert loss == pytest.approx(float((noise.astype(np.float64) ** 2).mean()), rel=1e-5)


# -- samplers, checked against a known optimum ---------------------------------------------


class _GaussianOracle(nn.Module):
    """The optimal eps-predictor for data x0 ~ N(mean, std^2) per pixel:
    E[eps | x_t] = sqrt(1 - ab) (x_t - sqrt(ab) mean) / (ab std^2 + 1 - ab)."""

    def __init__(self, alphas_cumprod, mean, std):
        super().__init__()
        self.ab, self.mean, self.std = alphas_cumprod, mean, std

    def forward(self, x, t, labels=None):
        ab = self.ab[np.asarray(t)]
        c1 = np.sqrt(1 - ab) / (ab * self.std ** 2 + 1 - ab)
        c0 = c1 * np.sqrt(ab) * self.mean
        n = x.shape[0]
        a = pdg.from_numpy(c1.astype(np.float32).reshape(n, 1, 1, 1))
        b = pdg.from_numpy(c0.astype(np.float32).reshape(n, 1, 1, 1))
        return x * a - b


@pytest.mark.parametrize("sampler,steps,schedule,tol", [
    ("ddpm", None, "linear", 0.03),   # the full ancestral chain
    ("ddpm", 25, "cosine", 0.05),     # respaced ancestral chain
    ("ddim", 20, "linear", 0.05),     # deterministic DDIM, few steps
    ("ddim", 10, "cosine", 0.08),
])
def test_samplers_reach_the_data_distribution(sampler, steps, schedule, tol):
    mean, std = 0.3, 0.5
    m = DDPM(image_size=8, ch=4, ch_mult=(1, 2), timesteps=200, schedule=schedule, groups=2)
    m.net = _GaussianOracle(m.alphas_cumprod, mean, std)
    g = pdg.Generator().manual_seed(0)
    x = m.sample(500, generator=g, sampler=sampler, steps=steps, clip=False).numpy()
    assert x.shape == (500, 1, 8, 8)
    assert abs(x.mean() - mean) < tol
    assert abs(x.std() - std) < tol * 2
    # each pixel is an independent sample: no spurious correlation between neighbours
    corr = np.corrcoef(x[:, 0, 0, 0], x[:, 0, 0, 1])[0, 1]
    assert abs(corr) < 0.2 or sampler == "ddim"  # DDIM is a deterministic map of the noise


def test_ddim_eta1_equals_respaced_ancestral():
    pdg.manual_seed(5)
    m = _tiny()
    _randomize(m)
    noise = pdg.randn(3, 1, 8, 8)
    a = m.sample(3, generator=pdg.Generator().manual_seed(1), sampler="ddpm", steps=10,
                 noise=noise).numpy()
    b = m.sample(3, generator=pdg.Generator().manual_seed(1), sampler="ddim", steps=10, eta=1.0,
                 noise=noise).numpy()
    c = m.sample(3, generator=pdg.Generator().manual_seed(1), sampler="ddim", steps=10,
                 noise=noise).numpy()
    np.testing.assert_allclose(a, b, atol=2e-5)
    assert np.abs(a - c).max() > 1e-3  # eta = 0 is a different (deterministic) path


def test_sampling_timesteps_and_outputs():
    m = _tiny()
    np.testing.assert_array_equal(m.sampling_timesteps(None), np.arange(99, -1, -1))
    ts = m.sampling_timesteps(10)
    assert ts[0] == 99 and ts[-1] == 0 and len(ts) == 10 and np.all(np.diff(ts) < 0)
    seen = []
    x = m.sample(4, sampler="ddim", steps=5, callback=lambda i, t, x: seen.append(t))
    assert seen == list(m.sampling_timesteps(5))
    assert x.shape == (4, 1, 8, 8) and x.numpy().min() >= -1 and x.numpy().max() <= 1
    # the same generator seed gives the same samples
    a = m.sample(2, generator=pdg.Generator().manual_seed(9), sampler="ddpm", steps=7).numpy()
    b = m.sample(2, generator=pdg.Generator().manual_seed(9), sampler="ddpm", steps=7).numpy()
    np.testing.assert_array_equal(a, b)
    assert m.training  # mode restored


@pytest.mark.parametrize("cond", [False, True])
def test_batched_ddim_sampling_gives_the_same_images(cond):
    m = _randomize(_tiny(num_classes=10 if cond else None), 0.05)
    labels = [3, 1, 4, 1, 5, 9, 2] if cond else None
    whole = m.sample(7, labels, generator=pdg.Generator().manual_seed(4), steps=6).numpy()
    parts = m.sample(7, labels, generator=pdg.Generator().manual_seed(4), steps=6,
                     batch_size=3).numpy()
    # Same images up to float32 rounding: the batch size changes how the conv rungs group
    # images into GEMMs (so the summation order), and six sampler steps amplify the
    # last-bit differences (measured 4e-5 relative at PDG_SIMD=baseline).
    np.testing.assert_allclose(parts, whole, rtol=2e-4, atol=1e-5)
    assert np.abs(whole[0] - whole[1]).max() > 1e-3  # different images, not a constant
    # the stochastic sampler runs batched too (its per-step noise depends on the batching)
    x = m.sample(5, labels[:5] if cond else None, sampler="ddpm", steps=4, batch_size=2)
    assert tuple(x.shape) == (5, 1, 8, 8)
    with pytest.raises(ValueError, match="batch_size"):
        m.sample(2, batch_size=0)


def test_sampler_bad_input():
    m = _tiny()
    with pytest.raises(ValueError, match="sampler"):
        m.sample(2, sampler="euler")
    with pytest.raises(ValueError, match="eta"):
        m.sample(2, sampler="ddpm", eta=0.5)
    with pytest.raises(ValueError, match="steps"):
        m.sample(2, steps=0)
    with pytest.raises(ValueError, match="p_uncond"):
        _tiny(p_uncond=1.0)


def test_classifier_free_guidance_combines_two_predictions():
    pdg.manual_seed(6)
    m = _tiny(num_classes=10)
    _randomize(m)
    m.eval()
    x = pdg.randn(4, 1, 8, 8)
    labels = pdg.from_numpy(np.array([1, 2, 3, 4]))
    null = pdg.from_numpy(np.full(4, 10))
    with pdg.no_grad():
        cond = m.net(x, np.full(4, 30), labels).numpy()
        unc = m.net(x, np.full(4, 30), null).numpy()
        guided = m.predict_eps(x, 30, labels, guidance=3.0).numpy()
        plain = m.predict_eps(x, 30, labels).numpy()
    assert np.abs(cond - unc).max() > 1e-4
    np.testing.assert_allclose(guided, unc + 3.0 * (cond - unc), atol=1e-5)
    np.testing.assert_allclose(plain, cond, atol=1e-6)
    assert m.sample(10, sampler="ddim", steps=3, guidance=2.0).shape == (10, 1, 8, 8)
    assert m._labels(12).numpy().tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


def test_label_dropout_uses_the_null_class():
    m = _tiny(num_classes=10, p_uncond=0.5)
    seen = []
    orig = m.net.forward
    def spy(x, t, labels=None):
        seen.append(labels.numpy().copy())
        return orig(x, t, labels)

    m.net.forward = spy
    m.loss(pdg.randn(200, 1, 8, 8), pdg.from_numpy(np.full(200, 3)))
    lab = seen[0]
    assert set(np.unique(lab)) == {3, 10}
    assert 0.35 < (lab == 10).mean() < 0.65


# -- EMA -----------------------------------------------------------------------------------


def test_ema_update_formula_and_warmup():
    pdg.manual_seed(7)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    ema = EMA(net, decay=0.9, warmup=False)
    before = [p.detach().numpy().copy() for p in ema.module.parameters()]
    with pdg.no_grad():
        for p in net.parameters():
            p.add_(1.0)
        net[1].running_mean.fill_(2.0)
    ema.update(net)
    for b, pe, p in zip(before, ema.module.parameters(), net.parameters()):
        p = p.detach()
        np.testing.assert_allclose(pe.numpy(), 0.9 * b + 0.1 * p.numpy(), rtol=1e-6, atol=1e-7)
        assert not pe.requires_grad
    assert np.all(ema.module[1].running_mean.numpy() == 2.0)
    w = EMA(net, decay=0.999)
    decays = []
    for _ in range(3):
        decays.append(w.current_decay())
        w.update(net)
    assert decays == pytest.approx([0.1, 2 / 11, 3 / 12])
    with pytest.raises(ValueError, match="decay"):
        EMA(net, decay=1.0)


# -- training ------------------------------------------------------------------------------


def _digits(n=384):
    (x, y), info = load_gen_data("ddpm", "digits", limit=n)
    return x, y


def test_tiny_ddpm_learns_on_digits(tmp_path):
    pdg.manual_seed(0)
    x, y = _digits(256)
    m = _tiny(ch=8, timesteps=100)
    tr = GenerativeTrainer(m, lr=2e-3, epochs=3, batch_size=32, ema_decay=0.99, progress=False,
                           val_data=(x[:128],), out_dir=tmp_path, n_samples=16, sample_steps=5,
                           sample_every=0)
    hist = tr.fit((x,))
    first, last = hist[0]["loss"], hist[-1]["loss"]
    assert first > 0.5 and last < 0.75 * first, [h["loss"] for h in hist]
    assert hist[-1]["test_loss"] < hist[0]["test_loss"]
    for f in ("checkpoint.safetensors", "samples.png", "losses.png", "log.jsonl"):
        assert (tmp_path / f).is_file(), f
    s = tr.sample_images(6, generator=pdg.Generator().manual_seed(0)).numpy()
    assert s.shape == (6, 1, 8, 8) and s.min() >= -1 and s.max() <= 1
    # the EMA copy is a different set of weights than the trained one
    diff = [np.abs(a.detach().numpy() - b.detach().numpy()).max() for a, b in
            zip(tr.ema.module.parameters(), m.parameters())]
    assert max(diff) > 0


def test_resume_with_ema_is_bit_for_bit(tmp_path):
    x, y = _digits(96)
    cfg = dict(lr=1e-3, batch_size=32, ema_decay=0.9, progress=False, sample_every=0,
               n_samples=4, sample_steps=2)

    def run(epochs, out, resume=False):
        pdg.manual_seed(1)
        tr = GenerativeTrainer(_tiny(num_classes=10), epochs=epochs, out_dir=out, **cfg)
        tr.fit((x, y), resume=resume)
        return tr

    full = run(2, tmp_path / "a")
    run(1, tmp_path / "b")
    resumed = run(2, tmp_path / "b", resume=True)
    for name in ("model", "ema"):
        a = full.modules[name].state_dict()
        b = resumed.modules[name].state_dict()
        for k in a:
            np.testing.assert_array_equal(a[k].detach().numpy(), b[k].detach().numpy(),
                                          err_msg=f"{name}.{k}")
    assert resumed.ema.num_updates == full.ema.num_updates == 6


def test_warm_start_conditional_from_unconditional(tmp_path):
    x, y = _digits(96)
    cfg = dict(lr=1e-3, batch_size=32, ema_decay=0.9, progress=False, sample_every=0,
               n_samples=4, sample_steps=2)
    pdg.manual_seed(3)
    src = GenerativeTrainer(_randomize(_tiny()), epochs=1, out_dir=tmp_path / "u", **cfg)
    src.fit((x,))
    ck = tmp_path / "u" / "checkpoint.safetensors"

    pdg.manual_seed(4)
    tr = GenerativeTrainer(_tiny(num_classes=10), epochs=1, out_dir=tmp_path / "c", **cfg)
    missing = tr.warm_start(ck)
    assert missing == {"model": ["net.label_emb.weight"], "ema": ["net.label_emb.weight"]}
    # the zeroed label embedding makes the new net the source net for every label
    xt = pdg.randn(5, 1, 8, 8)
    t = np.array([0, 10, 40, 70, 99])
    labels = pdg.from_numpy(np.array([0, 3, 9, 10, 5], dtype=np.int64))
    for name in ("model", "ema"):
        with pdg.no_grad():
            want = src.modules[name](xt, t).numpy()
            got = tr.modules[name](xt, t, labels).numpy()
        np.testing.assert_array_equal(got, want, err_msg=name)
    # it then trains as a fresh run: epoch 0, its own optimizer, the source named in meta
    hist = tr.fit((x, y), init_from=ck)
    assert tr.epoch == 1 and len(hist) == 1 and tr.meta["init_from"] == str(ck)
    assert np.abs(tr.model.net.label_emb.weight.detach().numpy()).max() > 0


def test_warm_start_bad_input(tmp_path):
    from pydeepgen.train.checkpoint import CheckpointError

    x, y = _digits(64)
    cfg = dict(lr=1e-3, batch_size=32, progress=False, sample_every=0, n_samples=4,
               sample_steps=2)
    GenerativeTrainer(_tiny(num_classes=10), epochs=1, out_dir=tmp_path / "c", **cfg).fit((x, y))
    ck = tmp_path / "c" / "checkpoint.safetensors"
    # a conditional source has tensors an unconditional model lacks
    with pytest.raises(CheckpointError, match="label_emb"):
        GenerativeTrainer(_tiny(), epochs=1, **cfg).warm_start(ck)
    # a different width: the message counts the mismatches and names one with both shapes
    with pytest.raises(CheckpointError, match=r"tensors of .* differ in shape"):
        GenerativeTrainer(_tiny(ch=4, num_classes=10), epochs=1, **cfg).warm_start(ck)
    bad = tmp_path / "junk.safetensors"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        GenerativeTrainer(_tiny(), epochs=1, **cfg).warm_start(bad)


# -- CLI -----------------------------------------------------------------------------------


def test_cli_train_resume_sample_ddpm(tmp_path, capsys):
    import pydeepgen.cli_generative  # noqa: F401  (registers ae/vae/ddpm)
    from pydeepgen import cli

    out = tmp_path / "run"
    base = ["train", "ddpm", "--dataset", "digits", "--limit", "96", "--ch", "8",
            "--timesteps", "50", "--steps", "3", "--out", str(out), "--quiet",
            "--checkpoint-every", "1", "--conditional", "--threads", "1"]
    assert cli.main(base + ["--epochs", "1"]) == 0
    assert cli.main(base + ["--epochs", "2", "--resume"]) == 0
    text = capsys.readouterr().out
    assert "done: 2 epochs" in text and "samples.png" in text
    ck = str(out / "checkpoint.safetensors")
    for extra in (["--sampler", "ddpm", "--steps", "5"], ["--sampler", "ddim", "--steps", "4",
                                                          "--guidance", "2", "--label", "3"]):
        png = tmp_path / f"grid{len(extra)}.png"
        assert cli.main(["sample", ck, "--n", "10", "--out", str(png)] + extra) == 0
        assert png.is_file()
    assert "ddpm sampler, 5 steps" in capsys.readouterr().out
    # errors are one line, exit status 1
    assert cli.main(["train", "ddpm", "--latent-dim", "3"]) == 1
    assert cli.main(["train", "gan", "--timesteps", "10"]) == 1
    assert cli.main(["eval", ck, "--metric", "fid"]) == 1  # 8x8 digits are not MNIST
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(e.startswith("pydeepgen ") for e in err)
    # --init-from: a new run from those weights; not with --resume, not from a missing file
    fresh = [a if a != str(out) else str(tmp_path / "ft") for a in base]
    assert cli.main(fresh + ["--epochs", "1", "--init-from", ck]) == 0
    assert "done: 1 epoch " in capsys.readouterr().out
    assert cli.main(fresh + ["--epochs", "2", "--init-from", ck, "--resume"]) == 1
    assert cli.main(fresh + ["--epochs", "1", "--init-from", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "--resume" in err[0] and "does not exist" in err[1]


@needs_mnist
def test_cli_eval_conditional_ddpm_on_mnist(tmp_path, capsys):
    """fid and label-accuracy of a (barely trained) conditional MNIST DDPM through the CLI."""
    import pydeepgen.cli_generative  # noqa: F401
    from pydeepgen import cli

    base = ["train", "ddpm", "--dataset", "mnist", "--data-root", str(DATA), "--limit", "64",
            "--ch", "4", "--timesteps", "20", "--steps", "2", "--epochs", "1", "--quiet",
            "--no-attention", "--threads", "1", "--score-every", "0"]
    assert cli.main(base + ["--conditional", "--out", str(tmp_path / "c")]) == 0
    assert cli.main(base + ["--out", str(tmp_path / "u")]) == 0
    capsys.readouterr()
    ck = str(tmp_path / "c" / "checkpoint.safetensors")
    ev = ["--n", "30", "--steps", "2", "--data-root", str(DATA), "--threads", "1"]
    assert cli.main(["eval", ck, "--metric", "label-accuracy", "--guidance", "2"] + ev) == 0
    out = capsys.readouterr().out
    assert out.startswith("label accuracy ") and "guidance=2.0" in out
    assert 0.0 <= float(out.split()[2]) <= 1.0
    assert cli.main(["eval", ck, "--metric", "fid", "--protocol", "clean"] + ev) == 0
    assert float(capsys.readouterr().out.split()[1]) > 0
    uncond = str(tmp_path / "u" / "checkpoint.safetensors")
    assert cli.main(["eval", uncond, "--metric", "label-accuracy"] + ev) == 1
    with pytest.raises(SystemExit) as e:  # a usage error, found by argparse
        cli.main(["eval", ck, "--metric", "label-accuracy", "--n", "0"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "class-conditional" in err[0] and "argument --n: must be" in err[1]
