"""Lab 17: a denoising diffusion model (DDPM) on 8x8 digits.

The forward process adds Gaussian noise in T small steps:
x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, so by t = T the image is (almost exactly)
N(0, I) noise. ``pdg.models.DDPM`` trains a small UNet to predict eps from (x_t, t) (mean
squared error at random t); sampling runs the chain backwards from pure noise. The lab shows

- the forward chain: test digits at t = 0, T/4, T/2, 3T/4, T, with the correlation of x_t
  with x_0 and the std of x_t at each (asserted: correlation ~0 and std ~1 at T),
- reverse-process samples with the full ancestral sampler (all T steps, stochastic),
- DDIM with few steps (deterministic, 10 and 25 steps): the same net, a fraction of the
  network evaluations,
- a number for each: the mean distance from each sample to its nearest training image,
  compared with real test images (the target) and with the starting noise (asserted: the
  samples are much closer to the data than the noise is).

Both modes use the embedded 8x8 digits (a diffusion model on 28x28 MNIST takes hours on
a CPU; ``pydeepgen train ddpm --dataset mnist`` does it): quick trains 150 steps (batch 32)
with T = 100, full 2,000 steps (batch 64) with T = 500; the same width-16 UNet (a width-32
one trains 4x slower here).

    python examples/17_diffusion.py [--quick] [--out DIR] [--steps N] [--timesteps T]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from _common import Timer, heading, parse_args, pyplot, save_fig, say  # noqa: E402
from _common2 import grid_image, mnist_or_digits  # noqa: E402

LAB = "17_diffusion"


def add_options(p):
    p.add_argument("--steps", type=int, default=None,
                   help="training steps (default 150 quick, 2000 full)")
    p.add_argument("--timesteps", type=int, default=None,
                   help="diffusion steps T (default 100 quick, 500 full)")
    p.add_argument("--batch", type=int, default=None, help="batch size (32 quick, 64 full)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate (2e-3)")
    p.add_argument("--n-samples", type=int, default=None,
                   help="samples per sampler (36 quick, 64 full)")


def nn_distance(samples, reference):
    """Mean Euclidean distance from each sample to its nearest reference image."""
    a = samples.reshape(len(samples), -1).astype(np.float64)
    b = reference.reshape(len(reference), -1).astype(np.float64)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T
    return float(np.sqrt(np.maximum(d2.min(axis=1), 0)).mean())


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    pdg.set_num_threads(args.threads or 1)
    pdg.manual_seed(args.seed)
    heading("Lab 17: diffusion (DDPM) on 8x8 digits")
    steps = args.steps or (150 if args.quick else 2000)
    T = args.timesteps or (100 if args.quick else 500)
    batch = args.batch or (32 if args.quick else 64)
    xtr, _, xte, _, name = mnist_or_digits(args, 1500, 297, prefer_mnist=False)
    model = pdg.models.DDPM(in_channels=1, image_size=8, ch=16,
                            ch_mult=(1, 2), num_res_blocks=1, attention=False, groups=8,
                            timesteps=T)
    n_params = sum(int(np.prod(p.shape)) for p in model.parameters())
    say(f"data: {xtr.shape[0]} {name} images in [-1, 1]; UNet with {n_params} parameters; "
        f"T = {T}, linear beta schedule")

    # The forward chain needs no training: it is fixed noise arithmetic.
    heading("Forward process")
    g = pdg.Generator().manual_seed(11)
    x0 = pdg.from_numpy(np.ascontiguousarray(xte[:8]))
    noise = pdg.randn(*x0.shape, generator=g)
    ts = [0, T // 4, T // 2, 3 * T // 4, T - 1]
    chain, stats = [], []
    for t in ts:
        xt = model.q_sample(x0, np.full(8, t), noise).numpy()
        chain.append(xt)
        corr = float(np.corrcoef(xt.ravel(), xte[:8].ravel())[0, 1])
        stats.append((t, corr, float(xt.std())))
        say(f"t = {t:4d}: sqrt(abar) = {np.sqrt(model.alphas_cumprod[t]):.3f}; x_t correlates "
            f"{corr:+.3f} with x_0, std {xt.std():.3f}")

    heading("Training")
    opt = pdg.optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(0)
    losses = []
    with Timer() as t_train:
        for step in range(1, steps + 1):
            idx = rng.integers(0, xtr.shape[0], batch)
            xb = pdg.from_numpy(np.ascontiguousarray(xtr[idx]))
            opt.zero_grad()
            loss = model.loss(xb)["loss"]
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if step % max(1, steps // 4) == 0:
                say(f"step {step:5d}: eps-prediction MSE {np.mean(losses[-50:]):.4f}")
    say(f"{steps} steps in {t_train.seconds:.1f} s (an untrained net predicts eps = 0: MSE 1)")

    heading("Reverse process")
    n = args.n_samples or (36 if args.quick else 64)
    start = pdg.randn(n, 1, 8, 8, generator=pdg.Generator().manual_seed(5))
    runs = {}
    for label, kw in (("ancestral", dict(sampler="ddpm", steps=None)),
                      ("DDIM 25", dict(sampler="ddim", steps=25)),
                      ("DDIM 10", dict(sampler="ddim", steps=10))):
        with Timer() as ts_:
            s = model.sample(n, sampler=kw["sampler"], steps=kw["steps"], noise=start,
                             generator=pdg.Generator().manual_seed(6)).numpy()
        evals = T if kw["steps"] is None else kw["steps"]
        d = nn_distance(s, xtr)
        runs[label] = (s, d, evals, ts_.seconds)
        say(f"{label:10s}: {evals:4d} network evaluations, {ts_.seconds:5.2f} s; mean distance "
            f"to the nearest training image {d:.3f}")
    d_real = nn_distance(xte[:n], xtr)
    d_noise = nn_distance(np.clip(start.numpy(), -1, 1), xtr)
    say(f"for scale: real test digits {d_real:.3f}, the starting noise (clipped) {d_noise:.3f}")

    results = {"forward": stats, "loss": losses, "nn_real": d_real, "nn_noise": d_noise,
               "samplers": {k: {"nn": v[1], "evals": v[2], "seconds": v[3]}
                            for k, v in runs.items()},
               "seconds": t_train.seconds}

    if not args.no_plots:
        plt = pyplot()
        fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), gridspec_kw={"width_ratios":
                                                                       [1.3, 1, 1, 1]})
        col = np.stack(chain, axis=1).reshape(-1, 1, 8, 8)  # row = image, column = t
        axes[0].imshow(grid_image(np.clip(col, -1, 1), len(ts)), cmap="gray", vmin=-1, vmax=1)
        axes[0].set_title("forward: t = " + ", ".join(str(t) for t in ts), fontsize=9)
        for ax, (label, (s, d, evals, _)) in zip(axes[1:], runs.items()):
            ax.imshow(grid_image(s[:36], 6), cmap="gray", vmin=-1, vmax=1)
            ax.set_title(f"{label} ({evals} steps)\nNN distance {d:.2f}", fontsize=9)
        for ax in axes:
            ax.axis("off")
        results["plot"] = str(save_fig(fig, args, "lab17_diffusion"))

    t_end, corr_end, std_end = stats[-1]
    assert abs(corr_end) < 0.1 and abs(std_end - 1.0) < 0.1, stats[-1]
    assert np.mean(losses[-50:]) < 0.6 * np.mean(losses[:10]), "training did not reduce the loss"
    for label, (s, d, _, _) in runs.items():
        assert -1.0 <= s.min() and s.max() <= 1.0
        assert d < 0.6 * d_noise, f"{label}: samples not closer to the data than noise"
    say(f"Result: at t = T the chain is noise (correlation {corr_end:+.3f}, std {std_end:.2f}); "
        f"run backwards, ancestral sampling ({T} steps) reaches distance "
        f"{runs['ancestral'][1]:.2f} from the data and DDIM with 10 steps "
        f"{runs['DDIM 10'][1]:.2f} (real digits {d_real:.2f}, noise {d_noise:.2f}).")
    return results


if __name__ == "__main__":
    main()
