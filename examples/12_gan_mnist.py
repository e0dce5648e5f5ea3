"""Lab 12: an MLP GAN on handwritten digits, scored with FID and TVD.

The GAN is ``pdg.models.GAN`` (Lipizzaner's MNIST networks: generator 64 -> 256 -> 256 ->
784 LeakyReLU(0.2) + Tanh, discriminator 784 -> 256 -> 256 -> 1 LeakyReLU(0.2) + Sigmoid),
trained with the non-saturating BCE loss (``pdg.models.gan_losses``) and Adam(2e-4, 0.5).
During training the lab saves a grid of real digits next to grids generated from one fixed
noise batch, so the same 32 noise vectors can be watched turning into digits.

At the end it scores the samples with ``pdg.metrics.mnist_fid`` / ``mnist_tvd`` (the
classifier-feature FID of Lipizzaner; lower is better; TVD = half the L1 distance between
the class histograms). Those need 28x28 MNIST images, so:

- full mode trains on MNIST (the first ``--limit`` training images) and scores its own
  samples, and also scores Lipizzaner's shipped generator
  (``lipizzaner/mnist-generator-000.npz`` in the shared data) on the same protocol as a
  reference for what a long training run reaches;
- quick mode trains on the embedded 8x8 digits (seconds) and asserts the losses behave
  (finite, the discriminator neither wins outright nor is fooled outright) and the samples
  lie in [-1, 1]; if MNIST is there it scores the Lipizzaner generator on 1,000 images.

    python examples/12_gan_mnist.py [--quick] [--out DIR] [--epochs N] [--limit N]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from _common import Timer, find_data, heading, parse_args, pyplot, save_fig, say  # noqa: E402
from _common2 import grid_image, mnist_or_digits  # noqa: E402

LAB = "12_gan_mnist"


def add_options(p):
    p.add_argument("--epochs", type=int, default=None,
                   help="training epochs (default 25 quick on digits, 15 full on MNIST)")
    p.add_argument("--limit", type=int, default=20000,
                   help="MNIST training images used in full mode (20000)")
    p.add_argument("--batch", type=int, default=64, help="batch size (64)")
    p.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate (2e-4)")
    p.add_argument("--score-n", type=int, default=None,
                   help="images scored for FID/TVD (default 1000 quick, 10000 full)")


def train_gan(gan, x, epochs, batch, lr, fixed_z, snapshots):
    """Train ``gan`` on array ``x`` (N, 1, H, W) in [-1, 1]; returns losses and grids."""
    opt_g = pdg.optim.Adam(gan.generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = pdg.optim.Adam(gan.discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    n = x.shape[0]
    rng = np.random.default_rng(0)
    d_hist, g_hist, grids = [], [], {}
    grids[0] = _sample(gan, fixed_z)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for i in range(0, n - batch + 1, batch):
            real = pdg.from_numpy(np.ascontiguousarray(x[order[i:i + batch]]))
            z = gan.sample_noise(batch)
            fake = gan.generate(z)
            opt_d.zero_grad()
            d_loss = pdg.models.gan_losses("bce", gan.d_logits(real), gan.d_logits(fake.detach()),
                                           part="d")
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = pdg.models.gan_losses("bce", fake_logits=gan.d_logits(fake), part="g")
            g_loss.backward()
            opt_g.step()
            d_hist.append(d_loss.item())
            g_hist.append(g_loss.item())
        if epoch in snapshots:
            grids[epoch] = _sample(gan, fixed_z)
            say(f"epoch {epoch:4d}: D loss {np.mean(d_hist[-50:]):.3f}  "
                f"G loss {np.mean(g_hist[-50:]):.3f}")
    return d_hist, g_hist, grids


def _sample(gan, z):
    with pdg.no_grad():
        return gan.generate(z).numpy()


def lipizzaner_generator(args):
    """Lipizzaner's shipped MNIST generator loaded into ``pdg.models.GAN``, or None."""
    path = find_data("lipizzaner/mnist-generator-000.npz", args.data_root)
    if path is None:
        return None
    gan = pdg.models.GAN(data_shape=(1, 28, 28))
    w = np.load(path)
    gan.generator.load_state_dict({k: w[k] for k in w.files})
    return gan


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    pdg.set_num_threads(args.threads or 1)
    pdg.manual_seed(args.seed)
    heading("Lab 12: an MLP GAN on handwritten digits")
    mnist_root = find_data("mnist", args.data_root)
    if args.quick or mnist_root is None:
        if args.quick:
            say("quick mode: training on the embedded 8x8 digits (seconds)")
        x, _, _, _, name = mnist_or_digits(args, 1500, prefer_mnist=False)
        epochs = args.epochs or 25
    else:
        x, _, _, _, name = mnist_or_digits(args, args.limit)
        epochs = args.epochs or 15
    side = x.shape[-1]
    gan = pdg.models.GAN(data_dim=side * side, data_shape=(1, side, side),
                         g_hidden=(256, 256) if side == 28 else (128, 128),
                         d_hidden=(256, 256) if side == 28 else (128, 128),
                         latent_dim=64 if side == 28 else 16)
    say(f"data: {x.shape[0]} {name} images in [-1, 1]; generator "
        f"{gan.latent_dim} -> {' -> '.join(map(str, gan.config['g_hidden']))} -> {side * side} "
        f"Tanh, discriminator mirrors it with a Sigmoid")
    fixed_z = gan.sample_noise(32, generator=pdg.Generator().manual_seed(123))
    snaps = sorted({1, max(1, epochs // 4), max(1, epochs // 2), epochs})
    with Timer() as t:
        d_hist, g_hist, grids = train_gan(gan, x, epochs, args.batch, args.lr, fixed_z, snaps)
    say(f"{epochs} epochs ({len(d_hist)} steps) in {t.seconds:.1f} s")

    samples = gan.sample(1000, generator=pdg.Generator().manual_seed(7)).numpy()
    d_end, g_end = float(np.mean(d_hist[-100:])), float(np.mean(g_hist[-100:]))
    say(f"losses over the last 100 steps: D {d_end:.3f}, G {g_end:.3f} "
        f"(a D that can only guess: {2 * np.log(2):.3f} and {np.log(2):.3f})")
    say(f"samples lie in [{samples.min():.3f}, {samples.max():.3f}] (Tanh output); "
        f"mean pixel {samples.mean():.3f} vs real {x.mean():.3f}")
    results = {"data": name, "epochs": epochs, "d_loss": d_hist, "g_loss": g_hist,
               "d_end": d_end, "g_end": g_end, "sample_min": float(samples.min()),
               "sample_max": float(samples.max()), "sample_mean": float(samples.mean()),
               "real_mean": float(x.mean()), "seconds": t.seconds}

    # Scores: need 28x28 MNIST images (the classifier's input) and the MNIST files.
    score_n = args.score_n or (1000 if args.quick else 10000)
    if mnist_root is not None:
        data_root = str(mnist_root.parent)
        if side == 28:
            own = gan.sample(score_n, generator=pdg.Generator().manual_seed(0)).numpy()
            s = pdg.metrics.mnist_scores(own, n=score_n, data_root=data_root)
            results["fid"], results["tvd"] = s["fid"], s["tvd"]
            say(f"this run's generator: FID {s['fid']:.2f}, TVD {s['tvd']:.3f} "
                f"({s['n_used']} images, Lipizzaner protocol)")
        lip = lipizzaner_generator(args)
        if lip is not None:
            ref = lip.sample(score_n, generator=pdg.Generator().manual_seed(0)).numpy()
            s = pdg.metrics.mnist_scores(ref, n=score_n, data_root=data_root)
            results["lipizzaner_fid"], results["lipizzaner_tvd"] = s["fid"], s["tvd"]
            results["lipizzaner_samples"] = ref[:32]
            say(f"Lipizzaner's shipped generator (mnist-generator-000.npz): FID {s['fid']:.2f}, "
                f"TVD {s['tvd']:.3f} ({s['n_used']} images)")
            rand = np.random.default_rng(0).uniform(-1, 1, (score_n, 1, 28, 28)).astype(np.float32)
            s = pdg.metrics.mnist_scores(rand, n=score_n, data_root=data_root)
            results["noise_fid"] = s["fid"]
            say(f"for scale, uniform noise images: FID {s['fid']:.2f}, TVD {s['tvd']:.3f}")
    else:
        say("MNIST not found: no FID/TVD (they score 28x28 MNIST images)")

    if not args.no_plots:
        plt = pyplot()
        cols = len(grids) + 1 + ("lipizzaner_samples" in results)
        fig, axes = plt.subplots(1, cols, figsize=(2.3 * cols, 2.8))
        axes[0].imshow(grid_image(x[:32], 8), cmap="gray", vmin=-1, vmax=1)
        axes[0].set_title("real")
        for ax, (ep, g) in zip(axes[1:], sorted(grids.items())):
            ax.imshow(grid_image(g, 8), cmap="gray", vmin=-1, vmax=1)
            ax.set_title(f"generated, epoch {ep}")
        if "lipizzaner_samples" in results:
            axes[-1].imshow(grid_image(results["lipizzaner_samples"], 8), cmap="gray",
                            vmin=-1, vmax=1)
            axes[-1].set_title(f"Lipizzaner gen.\nFID {results['lipizzaner_fid']:.1f}")
        for ax in axes:
            ax.axis("off")
        results["plot"] = str(save_fig(fig, args, "lab12_gan_mnist"))
        fig, ax = plt.subplots(figsize=(5, 3))
        k = 50
        ax.plot(np.convolve(d_hist, np.ones(k) / k, "valid"), label="discriminator")
        ax.plot(np.convolve(g_hist, np.ones(k) / k, "valid"), label="generator")
        ax.set_xlabel("step")
        ax.set_ylabel(f"BCE loss (moving average of {k})")
        ax.legend(fontsize=8)
        results["loss_plot"] = str(save_fig(fig, args, "lab12_gan_mnist_losses"))

    assert all(np.isfinite(d_hist)) and all(np.isfinite(g_hist)), "a loss became NaN/inf"
    assert 0.2 < d_end < 2.0, f"D loss {d_end:.3f}: one player won outright"
    assert -1.0 <= results["sample_min"] and results["sample_max"] <= 1.0
    say(f"Result: after {epochs} epochs neither network wins outright (D {d_end:.2f}, "
        f"G {g_end:.2f}) and the generated digits lie in [-1, 1]"
        + (f"; FID {results['fid']:.1f}" if "fid" in results else "") + ".")
    return results


if __name__ == "__main__":
    main()
