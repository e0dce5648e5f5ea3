"""Lab 14: autoencoders with a 2-D and a 5-D latent space.

Two ``pdg.models.Autoencoder``s (MLP encoder data -> hidden -> latent, mirrored decoder with
a Sigmoid, summed binary cross-entropy) differ only in the latent size: 2 or 5. Both train
with Adam on the same images (grey levels in [0, 1]). The lab shows

- test digits (top row) above their reconstructions by each model,
- the 2-D latent codes of the test digits, coloured by digit (no labels were used to train),
- the reconstruction error (mean squared error per pixel on the test set) of each size:
  5 numbers per image keep more of the digit than 2, so its error is lower (asserted).

Quick mode trains on the embedded 8x8 digits (1,500 train / 297 test); full mode on MNIST
(the first ``--limit`` training images, 2,000 test images) when present.

    python examples/14_autoencoders.py [--quick] [--out DIR] [--epochs N] [--limit N]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from _common import Timer, find_data, heading, parse_args, pyplot, save_fig, say  # noqa: E402
from _common2 import grid_image, mnist_or_digits  # noqa: E402

LAB = "14_autoencoders"


def add_options(p):
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs per model (default 30 quick on digits, 10 full on MNIST)")
    p.add_argument("--limit", type=int, default=20000,
                   help="MNIST training images in full mode (20000)")
    p.add_argument("--batch", type=int, default=64, help="batch size (64)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (1e-3)")


def train_ae(ae, x, epochs, batch, lr):
    opt = pdg.optim.Adam(ae.parameters(), lr=lr)
    rng = np.random.default_rng(0)
    hist = []
    for _ in range(epochs):
        order = rng.permutation(x.shape[0])
        total = 0.0
        for i in range(0, x.shape[0], batch):
            xb = pdg.from_numpy(np.ascontiguousarray(x[order[i:i + batch]]))
            opt.zero_grad()
            loss = ae.loss(xb)["loss"]
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        hist.append(total / x.shape[0])
    return hist


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    pdg.set_num_threads(args.threads or 1)
    pdg.manual_seed(args.seed)
    heading("Lab 14: autoencoders, 2-D vs 5-D latent space")
    if args.quick or find_data("mnist", args.data_root) is None:
        if args.quick:
            say("quick mode: the embedded 8x8 digits")
        xtr, ytr, xte, yte, name = mnist_or_digits(args, 1500, 297, prefer_mnist=False)
        epochs, hidden = args.epochs or 30, (64, 32)
    else:
        xtr, ytr, xte, yte, name = mnist_or_digits(args, args.limit, 2000)
        epochs, hidden = args.epochs or 10, (512, 128)
    # Autoencoders read grey levels in [0, 1] (their decoder ends in a Sigmoid).
    xtr, xte = (xtr + 1) / 2, (xte + 1) / 2
    dim = int(np.prod(xtr.shape[1:]))
    say(f"data: {xtr.shape[0]} train / {xte.shape[0]} test {name} images; "
        f"network {dim} -> {' -> '.join(map(str, hidden))} -> latent -> mirrored, {epochs} epochs")

    results = {"data": name, "epochs": epochs}
    models = {}
    xt = pdg.from_numpy(np.ascontiguousarray(xte))
    for latent in (2, 5):
        pdg.manual_seed(args.seed)
        ae = pdg.models.Autoencoder(data_dim=dim, latent_dim=latent, hidden=hidden,
                                    data_shape=xtr.shape[1:])
        with Timer() as t:
            hist = train_ae(ae, xtr, epochs, args.batch, args.lr)
        ae.eval()
        with pdg.no_grad():
            rec = ae.reconstruct(xt).numpy()
            z = ae.encode(xt).numpy()
        mse = float(np.mean((rec - xte) ** 2))
        models[latent] = (rec, z)
        results[f"mse_{latent}d"] = mse
        results[f"loss_{latent}d"] = hist
        say(f"latent {latent}-D: training loss (BCE summed per image) {hist[0]:.2f} -> "
            f"{hist[-1]:.2f} in {t.seconds:.1f} s; test reconstruction error {mse:.4f} "
            f"(mean squared error per pixel)")
    base = float(np.mean((xte - xtr.mean(axis=0)) ** 2))
    results["mse_mean_image"] = base
    say(f"for scale: predicting the mean training image for every test digit gives {base:.4f}")

    # How well do the 2-D codes separate the digits? Nearest class centre in latent space.
    z2 = models[2][1]
    centres = np.stack([z2[yte == c].mean(axis=0) for c in range(10)])
    pred = np.argmin(((z2[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    results["latent2_centre_acc"] = float(np.mean(pred == yte))
    say(f"in the 2-D latent space {100 * results['latent2_centre_acc']:.0f}% of test digits "
        f"are closest to the centre of their own digit's codes (10% by chance): the encoder "
        f"groups digits without seeing a label")

    if not args.no_plots:
        plt = pyplot()
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [1.4, 1]})
        k = 10
        rows = np.concatenate([xte[:k], models[2][0][:k], models[5][0][:k]])
        axes[0].imshow(grid_image(rows, k), cmap="gray", vmin=0, vmax=1)
        axes[0].set_title(f"test digits / 2-D latent (MSE {results['mse_2d']:.3f}) / "
                          f"5-D latent (MSE {results['mse_5d']:.3f})", fontsize=9)
        axes[0].axis("off")
        sc = axes[1].scatter(z2[:, 0], z2[:, 1], c=yte, cmap="tab10", s=6)
        fig.colorbar(sc, ax=axes[1], ticks=range(10), label="digit")
        axes[1].set_title("2-D latent codes of the test digits")
        axes[1].set_xlabel("z1")
        axes[1].set_ylabel("z2")
        results["plot"] = str(save_fig(fig, args, "lab14_autoencoders"))

    assert results["mse_5d"] < results["mse_2d"] < base, results
    say(f"Result: reconstruction error {results['mse_2d']:.4f} with a 2-D latent, "
        f"{results['mse_5d']:.4f} with 5-D ({results['mse_2d'] / results['mse_5d']:.1f}x "
        f"lower): more latent numbers keep more of each digit.")
    return results


if __name__ == "__main__":
    main()
