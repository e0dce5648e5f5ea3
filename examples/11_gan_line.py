"""Lab 11: a GAN learns points on a line.

Real data: 2-D points (x, y) with x uniform in [-1, 1] and y = 2x + 3 (a fixed line,
away from where an untrained generator puts its points). The GAN is the design of lab 10
(SELU generator on uniform noise with a linear output, ELU discriminator with a Sigmoid,
BCE, Adam). The lab

1. trains for E epochs and plots real vs generated points after 1/8, 1/4, 1/2 and all of
   the epochs: the cloud first moves onto the line, then spreads along it;
2. measures two numbers each time: the mean distance of generated points from the line,
   and how much of the real x range [-1, 1] they cover (the std of x relative to the real
   std 1/sqrt(3));
3. repeats the run with the generator frozen (only the discriminator learns): the
   generated points never move, however long D trains, and D's loss goes to 0;
4. shows the effect of more epochs by training a second run 3x as long: the points reach
   the line and spread along it; the full mode adds a run 9x as long, which shows that
   with a constant learning rate "more" is not always better (the game can drift off
   again: see lab 13, non-convergence).

    python examples/11_gan_line.py [--quick] [--out DIR] [--epochs N]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from pydeepgen import nn  # noqa: E402
from _common import Timer, heading, parse_args, pyplot, save_fig, say  # noqa: E402
from _common2 import gan_step  # noqa: E402

LAB = "11_gan_line"
SLOPE, INTERCEPT = 2.0, 3.0
REAL_X_STD = 1.0 / np.sqrt(3.0)  # std of U[-1, 1]


def add_options(p):
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs of the base run (default 20)")
    p.add_argument("--points", type=int, default=1024, help="real points in the data set (1024)")
    p.add_argument("--batch", type=int, default=32, help="batch size (32)")
    p.add_argument("--latent", type=int, default=4, help="uniform noise size (4)")
    p.add_argument("--hidden", type=int, default=32, help="hidden width (32)")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (3e-3)")


def make_gan(latent, hidden):
    G = nn.Sequential(nn.Linear(latent, hidden), nn.SELU(),
                      nn.Linear(hidden, hidden), nn.SELU(),
                      nn.Linear(hidden, 2))
    D = nn.Sequential(nn.Linear(2, hidden), nn.ELU(),
                      nn.Linear(hidden, hidden), nn.ELU(),
                      nn.Linear(hidden, 1), nn.Sigmoid())
    return G, D


def line_numbers(points):
    """(mean |y - (2x + 3)| / sqrt(1 + 2^2) = distance to the line, std(x) / real std(x))."""
    x, y = points[:, 0], points[:, 1]
    dist = np.abs(y - (SLOPE * x + INTERCEPT)) / np.sqrt(1 + SLOPE ** 2)
    return float(dist.mean()), float(x.std() / REAL_X_STD)


def train(args, data, epochs, freeze_g=False, snapshots=(), seed=0):
    """Train a fresh GAN; returns (snapshots {epoch: generated points}, D losses per epoch)."""
    pdg.manual_seed(seed)
    G, D = make_gan(args.latent, args.hidden)
    opt_g = pdg.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = pdg.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    z_fixed = pdg.rand(500, args.latent)
    n = data.shape[0]
    shots, d_losses = {}, []

    def snap(epoch):
        with pdg.no_grad():
            shots[epoch] = G(z_fixed).numpy().copy()

    snap(0)
    for epoch in range(1, epochs + 1):
        perm = pdg.randperm(n).numpy()
        losses = []
        for i in range(0, n - args.batch + 1, args.batch):
            real = pdg.from_numpy(np.ascontiguousarray(data[perm[i:i + args.batch]]))
            z = pdg.rand(args.batch, args.latent)
            d_loss, _ = gan_step(G, D, opt_g, opt_d, real, z, train_g=not freeze_g)
            losses.append(d_loss)
        d_losses.append(float(np.mean(losses)))
        if epoch in snapshots or epoch == epochs:
            snap(epoch)
    return shots, d_losses


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    epochs = args.epochs or 20
    pdg.set_num_threads(args.threads or 1)  # small layers: one thread is faster and reproducible
    pdg.manual_seed(args.seed)
    data = pdg.datasets.points_on_line(args.points, SLOPE, INTERCEPT, (-1.0, 1.0)).numpy()
    heading(f"Lab 11: GAN on {args.points} points of the line y = {SLOPE:g}x + {INTERCEPT:g}, "
            f"x in [-1, 1]")
    marks = sorted({max(1, epochs // 8), max(1, epochs // 4), max(1, epochs // 2), epochs})

    with Timer() as t:
        shots, d_losses = train(args, data, epochs, snapshots=marks, seed=args.seed)
    say(f"base run: {epochs} epochs in {t.seconds:.1f} s")
    table = {}
    for e in [0, *marks]:
        dist, cover = line_numbers(shots[e])
        table[e] = (dist, cover)
        say(f"  epoch {e:4d}: mean distance to the line {dist:.4f}   x spread / real {cover:.2f}")

    frozen_shots, frozen_d = train(args, data, epochs, freeze_g=True, seed=args.seed)
    f0, f1 = line_numbers(frozen_shots[0]), line_numbers(frozen_shots[epochs])
    moved = float(np.abs(frozen_shots[epochs] - frozen_shots[0]).max())
    say()
    say(f"Generator frozen ({epochs} epochs, only D learns): distance to the line "
        f"{f0[0]:.4f} -> {f1[0]:.4f}, points moved at most {moved:.2g}; D loss "
        f"{frozen_d[0]:.3f} -> {frozen_d[-1]:.4f} (D wins: nothing pushes back)")

    long_epochs = 3 * epochs
    long_shots, long_d = train(args, data, long_epochs, seed=args.seed)
    long_dist, long_cover = line_numbers(long_shots[long_epochs])
    say(f"More epochs ({long_epochs} instead of {epochs}): distance to the line "
        f"{table[epochs][0]:.4f} -> {long_dist:.4f}, x spread / real "
        f"{table[epochs][1]:.2f} -> {long_cover:.2f}")

    very_long = None
    if not args.quick:
        vl_epochs = 9 * epochs
        vl_shots, _ = train(args, data, vl_epochs, seed=args.seed)
        very_long = (vl_epochs, *line_numbers(vl_shots[vl_epochs]))
        say(f"Much longer ({vl_epochs} epochs, constant learning rate): distance to the line "
            f"{very_long[1]:.4f}, x spread / real {very_long[2]:.2f}")

    results = {"very_long": very_long, "table": table, "frozen_before": f0, "frozen_after": f1,
               "frozen_moved": moved,
               "frozen_d_loss": frozen_d, "base_d_loss": d_losses, "long": (long_dist, long_cover),
               "epochs": epochs}

    if not args.no_plots:
        plt = pyplot()
        panels = [0, *marks, "frozen", "long"]
        fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 2.8),
                                 sharex=True, sharey=True)
        for ax, key in zip(axes, panels):
            if key == "frozen":
                pts, title = frozen_shots[epochs], f"G frozen, {epochs} ep"
            elif key == "long":
                pts, title = long_shots[long_epochs], f"{long_epochs} epochs"
            else:
                pts, title = shots[key], f"epoch {key}"
            ax.plot(data[:300, 0], data[:300, 1], ".", ms=2, color="k", label="real")
            ax.plot(pts[:300, 0], pts[:300, 1], ".", ms=2, color="tab:orange", label="generated")
            ax.set_title(title, fontsize=9)
            ax.set_xlim(-1.6, 1.6)
            ax.set_ylim(-1.0, 6.0)
        axes[0].legend(fontsize=7, loc="upper left")
        results["plot"] = str(save_fig(fig, args, "lab11_gan_line"))

    first, last = table[0][0], table[epochs][0]
    assert last < 0.7 * first, f"generated points did not move toward the line: {first} -> {last}"
    assert moved == 0.0, "a frozen generator must not change"
    assert frozen_d[-1] < 0.25 * frozen_d[0], f"D should win against a frozen G: {frozen_d}"
    assert long_dist < 0.1 and long_dist < last, (last, long_dist)
    assert long_cover > 0.5, f"after {long_epochs} epochs x spread / real is only {long_cover:.2f}"
    say(f"Result: training moves the generated cloud onto the line (distance {first:.3f} -> "
        f"{last:.3f}); a frozen generator never moves; more epochs reach distance "
        f"{long_dist:.3f} with {long_cover:.0%} of the real x spread.")
    return results


if __name__ == "__main__":
    main()
