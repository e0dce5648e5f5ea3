"""Lab 15: a variational autoencoder.

``pdg.models.VAE``: an MLP encoder gives a mean and a log-variance per latent variable, a
sample z = mu + sigma * eps (the reparameterization trick) goes through the decoder (Sigmoid
output). Training minimizes the negative ELBO = reconstruction (binary cross-entropy summed
over pixels) + KL(q(z|x) || N(0, I)), in nats per image. The lab shows

- samples from the prior: decode z ~ N(0, I) (an autoencoder has no such prior),
- test digits above their reconstructions,
- a latent traversal: encode one digit, then move ONE latent variable at a time from -3 to
  +3 (the others fixed) and decode,
- the ELBO on the test set split into its reconstruction and KL terms
  (``pdg.metrics.elbo``), before and after training (asserted: it falls, and rec + KL
  equals the bound).

Quick mode: the embedded 8x8 digits, latent size 4; full mode: MNIST (first ``--limit``
training images), the PyTorch example's 784-400-20 VAE.

    python examples/15_vae.py [--quick] [--out DIR] [--epochs N] [--limit N]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from _common import Timer, find_data, heading, parse_args, pyplot, save_fig, say  # noqa: E402
from _common2 import grid_image, mnist_or_digits  # noqa: E402

LAB = "15_vae"


def add_options(p):
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs (default 30 quick on digits, 10 full on MNIST)")
    p.add_argument("--limit", type=int, default=20000,
                   help="MNIST training images in full mode (20000)")
    p.add_argument("--batch", type=int, default=64, help="batch size (64)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (1e-3)")


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    pdg.set_num_threads(args.threads or 1)
    pdg.manual_seed(args.seed)
    heading("Lab 15: a variational autoencoder")
    if args.quick or find_data("mnist", args.data_root) is None:
        if args.quick:
            say("quick mode: the embedded 8x8 digits")
        xtr, ytr, xte, yte, name = mnist_or_digits(args, 1500, 297, prefer_mnist=False)
        epochs, hidden, latent = args.epochs or 30, (128,), 4
    else:
        xtr, ytr, xte, yte, name = mnist_or_digits(args, args.limit, 2000)
        epochs, hidden, latent = args.epochs or 10, (400,), 20
    xtr, xte = (xtr + 1) / 2, (xte + 1) / 2  # grey levels in [0, 1]
    dim = int(np.prod(xtr.shape[1:]))
    vae = pdg.models.VAE(data_dim=dim, hidden=hidden, latent_dim=latent,
                         data_shape=xtr.shape[1:])
    say(f"data: {xtr.shape[0]} train / {xte.shape[0]} test {name} images; VAE {dim} -> "
        f"{hidden[0]} -> (mu, log var) in R^{latent} -> {hidden[0]} -> {dim}")

    before = pdg.metrics.elbo(vae, xte)
    opt = pdg.optim.Adam(vae.parameters(), lr=args.lr)
    rng = np.random.default_rng(0)
    hist = []
    with Timer() as t:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(xtr.shape[0])
            sums = np.zeros(3)
            for i in range(0, xtr.shape[0], args.batch):
                xb = pdg.from_numpy(np.ascontiguousarray(xtr[order[i:i + args.batch]]))
                opt.zero_grad()
                terms = vae.loss(xb)
                terms["loss"].backward()
                opt.step()
                sums += xb.shape[0] * np.array([terms["loss"].item(), terms["rec"].item(),
                                                terms["kl"].item()])
            hist.append(sums / xtr.shape[0])
            if epoch in (1, epochs // 2, epochs):
                say(f"epoch {epoch:3d}: -ELBO {hist[-1][0]:.2f} = reconstruction "
                    f"{hist[-1][1]:.2f} + KL {hist[-1][2]:.2f} nats per image")
    say(f"{epochs} epochs in {t.seconds:.1f} s")
    after = pdg.metrics.elbo(vae, xte)
    say(f"test set, untrained: -ELBO {before['nll_bound']:.2f} = rec {before['rec']:.2f} + "
        f"KL {before['kl']:.2f} nats per image")
    say(f"test set, trained:   -ELBO {after['nll_bound']:.2f} = rec {after['rec']:.2f} + "
        f"KL {after['kl']:.2f} nats per image")
    say("the KL term is the price of keeping q(z|x) close to the prior N(0, I); it is what "
        "makes decoded prior samples look like digits")

    vae.eval()
    g = pdg.Generator().manual_seed(1)
    prior = vae.sample(32, generator=g).numpy()
    with pdg.no_grad():
        xt = pdg.from_numpy(np.ascontiguousarray(xte[:10]))
        rec = vae.reconstruct(xt).numpy()
        mu, _ = vae.encode(xt)
        mu = mu.numpy()
        steps = np.linspace(-3, 3, 9)
        n_trav = min(latent, 6)
        z = np.repeat(mu[:1], n_trav * len(steps), axis=0).astype(np.float32)
        for j in range(n_trav):
            z[j * len(steps):(j + 1) * len(steps), j] = steps
        trav = vae.decode(pdg.from_numpy(z)).numpy()
    # How much does each latent variable change the image? (mean abs pixel change over the sweep)
    effect = [float(np.abs(np.diff(trav[j * 9:(j + 1) * 9], axis=0)).sum(axis=0).mean())
              for j in range(n_trav)]
    say("latent traversal of the first test digit, one variable at a time from -3 to +3: "
        "mean pixel change per variable " + ", ".join(f"z{j + 1} {e:.3f}"
                                                       for j, e in enumerate(effect)))
    results = {"data": name, "epochs": epochs, "before": before, "after": after,
               "history": hist, "prior_min": float(prior.min()), "prior_max": float(prior.max()),
               "traversal_effect": effect, "seconds": t.seconds}

    if not args.no_plots:
        plt = pyplot()
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6),
                                 gridspec_kw={"width_ratios": [1, 1.2, 1.1]})
        axes[0].imshow(grid_image(prior, 8), cmap="gray", vmin=0, vmax=1)
        axes[0].set_title("samples from the prior N(0, I)")
        axes[1].imshow(grid_image(np.concatenate([xte[:10], rec]), 10), cmap="gray",
                       vmin=0, vmax=1)
        axes[1].set_title("test digits / reconstructions")
        axes[2].imshow(grid_image(trav, 9), cmap="gray", vmin=0, vmax=1)
        axes[2].set_title("traversal: row j moves z_j from -3 to 3")
        for ax in axes:
            ax.axis("off")
        results["plot"] = str(save_fig(fig, args, "lab15_vae"))
        fig, ax = plt.subplots(figsize=(5, 3))
        h = np.array(hist)
        ax.plot(range(1, epochs + 1), h[:, 0], label="-ELBO")
        ax.plot(range(1, epochs + 1), h[:, 1], label="reconstruction")
        ax.plot(range(1, epochs + 1), h[:, 2], label="KL")
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per image (train)")
        ax.legend(fontsize=8)
        results["loss_plot"] = str(save_fig(fig, args, "lab15_vae_elbo"))

    assert after["nll_bound"] < 0.8 * before["nll_bound"], (before, after)
    assert abs(after["rec"] + after["kl"] - after["nll_bound"]) < 1e-3 * after["nll_bound"]
    assert after["kl"] > 0.0
    assert 0.0 <= results["prior_min"] and results["prior_max"] <= 1.0
    say(f"Result: the test -ELBO fell from {before['nll_bound']:.1f} to "
        f"{after['nll_bound']:.1f} nats per image = reconstruction {after['rec']:.1f} + "
        f"KL {after['kl']:.1f}.")
    return results


if __name__ == "__main__":
    main()
