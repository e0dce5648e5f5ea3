"""Lab 16: a conditional GAN draws the digit it is asked for.

``pdg.models.ConditionalGAN`` (Mirza & Osindero 2014): a learned embedding of the label is
joined to the noise in the generator and to the image in the discriminator, so the
discriminator judges "is this a real image OF THIS DIGIT" and the generator must obey the
label. Non-saturating BCE loss, Adam (betas 0.5, 0.999). The lab draws a grid with one row per
requested digit 0-9 and measures the label accuracy: the fraction of generated images that
the FID classifier (``pdg.metrics.label_accuracy``, 99.3% on real MNIST test digits)
recognises as the requested digit (10% by chance).

Label accuracy needs 28x28 MNIST images: both modes train on MNIST (quick: the first 3,000
training images, seconds; full: the first 10,000) with 128-wide networks and a 50-d label
embedding. Without MNIST the lab trains on the 8x8 digits, draws the grid and reports no
accuracy.

    python examples/16_conditional_gan.py [--quick] [--out DIR] [--epochs N] [--limit N]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from _common import Timer, heading, parse_args, pyplot, save_fig, say  # noqa: E402
from _common2 import grid_image, mnist_or_digits  # noqa: E402

LAB = "16_conditional_gan"


def add_options(p):
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs (default 25 quick, 20 full)")
    p.add_argument("--limit", type=int, default=None,
                   help="MNIST training images (default 3000 quick, 10000 full)")
    p.add_argument("--embed", type=int, default=50,
                   help="label embedding size (50; a 10-d embedding beside 784 pixels is "
                        "a weak signal that takes many epochs to be used)")
    p.add_argument("--d-dropout", type=float, default=0.3,
                   help="dropout in the discriminator's hidden layers (0.3): slows the "
                        "discriminator down so it does not win outright")
    p.add_argument("--batch", type=int, default=64, help="batch size (64)")
    p.add_argument("--lr", type=float, default=None,
                   help="Adam learning rate (5e-4)")


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    pdg.set_num_threads(args.threads or 1)
    pdg.manual_seed(args.seed)
    heading("Lab 16: a conditional GAN")
    limit = args.limit or (3000 if args.quick else 10000)
    x, y, _, _, name = mnist_or_digits(args, limit)
    epochs = args.epochs or (25 if args.quick else 20)
    lr = args.lr or 5e-4
    side = x.shape[-1]
    # 128-wide networks in both modes: with Lipizzaner's 256-wide ones at lr 2e-4 the
    # discriminator won outright within 20 epochs (D loss 0.005) and every row drew a "3".
    hidden, latent = (128, 128), 32
    cgan = pdg.models.ConditionalGAN(data_dim=side * side, latent_dim=latent, g_hidden=hidden,
                                     embed_dim=args.embed,
                                     d_hidden=hidden, data_shape=(1, side, side),
                                     d_dropout=args.d_dropout)
    say(f"data: {x.shape[0]} {name} images with labels; generator (noise {latent} + label "
        f"embedding {args.embed}) -> {' -> '.join(map(str, hidden))} -> {side * side} Tanh; "
        f"discriminator (image + label embedding) -> {' -> '.join(map(str, hidden))} -> 1")
    opt_g = pdg.optim.Adam(cgan.generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = pdg.optim.Adam(cgan.discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    rng = np.random.default_rng(0)
    d_hist, g_hist = [], []
    losses = pdg.models.gan_losses
    with Timer() as t:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(x.shape[0])
            for i in range(0, x.shape[0] - args.batch + 1, args.batch):
                idx = order[i:i + args.batch]
                real = pdg.from_numpy(np.ascontiguousarray(x[idx]))
                lab = pdg.from_numpy(np.ascontiguousarray(y[idx]))
                # fakes of the same labels as the real batch: D must check the label
                fake = cgan.generate(cgan.sample_noise(len(idx)), lab)
                opt_d.zero_grad()
                d_loss = losses("bce", cgan.d_logits(real, lab),
                                cgan.d_logits(fake.detach(), lab), part="d")
                d_loss.backward()
                opt_d.step()
                opt_g.zero_grad()
                g_loss = losses("bce", fake_logits=cgan.d_logits(fake, lab), part="g")
                g_loss.backward()
                opt_g.step()
                d_hist.append(d_loss.item())
                g_hist.append(g_loss.item())
            if epoch in (1, epochs // 2, epochs):
                say(f"epoch {epoch:3d}: D loss {np.mean(d_hist[-50:]):.3f}  "
                    f"G loss {np.mean(g_hist[-50:]):.3f}")
    say(f"{epochs} epochs ({len(d_hist)} steps) in {t.seconds:.1f} s")

    # One row per digit: labels 0..0, 1..1, ... (10 per row).
    labels = np.repeat(np.arange(10, dtype=np.int64), 10)
    grid = cgan.sample(100, labels=pdg.from_numpy(labels),
                       generator=pdg.Generator().manual_seed(3)).numpy()
    results = {"data": name, "epochs": epochs, "d_loss": d_hist, "g_loss": g_hist,
               "seconds": t.seconds}
    if side == 28:
        n = 1000
        lab_eval = np.arange(n, dtype=np.int64) % 10
        imgs = cgan.sample(n, labels=pdg.from_numpy(lab_eval),
                           generator=pdg.Generator().manual_seed(4)).numpy()
        acc = pdg.metrics.label_accuracy(imgs, lab_eval)
        feats = pdg.metrics.fid.mnist_features(imgs)
        per_digit = [float(np.mean(feats[lab_eval == c].argmax(1) == c)) for c in range(10)]
        results["label_accuracy"], results["per_digit"] = acc, per_digit
        say(f"label accuracy: the FID classifier reads the requested digit in "
            f"{100 * acc:.1f}% of {n} generated images (10% by chance)")
        say("per requested digit: " + "  ".join(f"{c}: {100 * a:.0f}%"
                                               for c, a in enumerate(per_digit)))
    else:
        say("no label accuracy: the FID classifier reads 28x28 MNIST images")

    if not args.no_plots:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(4.2, 4.4))
        ax.imshow(grid_image(grid, 10), cmap="gray", vmin=-1, vmax=1)
        title = "row = requested digit 0-9"
        if "label_accuracy" in results:
            title += f"\nlabel accuracy {100 * results['label_accuracy']:.0f}%"
        ax.set_title(title)
        ax.set_yticks([(i + 0.5) * (side + 1) for i in range(10)])
        ax.set_yticklabels(range(10))
        ax.set_xticks([])
        results["plot"] = str(save_fig(fig, args, "lab16_conditional_gan"))

    assert all(np.isfinite(d_hist)) and all(np.isfinite(g_hist))
    if "label_accuracy" in results:
        assert results["label_accuracy"] > 0.3, results["label_accuracy"]
        say(f"Result: asked for a digit, the generator draws it {100 * acc:.0f}% of the time "
            f"(by the classifier), against 10% by chance.")
    return results


if __name__ == "__main__":
    main()
