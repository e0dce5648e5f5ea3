"""Lab 10: a GAN learns a Gaussian.

Real data: vectors of 64 values drawn from N(4.0, 0.2) (mean 4, standard deviation 0.2).
The generator maps uniform noise U[0, 1)^8 to ONE value through SELU hidden layers and a
linear output (the data are not in [-1, 1]); 64 such values, from 64 noise draws, form one
generated vector. The discriminator reads a whole vector through ELU hidden layers and a
final Sigmoid (the probability that the vector is real), so it judges the spread of the
values as well as their level. Both train with binary cross entropy and Adam, with the
learning rate annealed to 0 on a cosine (GAN losses oscillate; annealing lets them settle).

The lab fits a normal distribution to the generated values ("Fit results: mu = ..., std
= ...") and plots it over the real density, plus both losses over training. It asserts
the fitted mean within 0.1 of 4.0 and the fitted std within 0.1 of 0.2 (quick mode too:
1200 steps with the fixed seed; seeds 0-5 all land within the bounds).

    python examples/10_gan_gaussian.py [--quick] [--out DIR] [--steps N]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from pydeepgen import nn  # noqa: E402
from _common import Timer, heading, parse_args, pyplot, save_fig, say  # noqa: E402
from _common2 import fit_normal, gan_step  # noqa: E402

LAB = "10_gan_gaussian"
MEAN, STD = 4.0, 0.2


def add_options(p):
    p.add_argument("--steps", type=int, default=None,
                   help="training steps (default 1200 quick, 3000 full)")
    p.add_argument("--dim", type=int, default=64, help="values per vector (64)")
    p.add_argument("--latent", type=int, default=8, help="uniform noise size (8)")
    p.add_argument("--hidden", type=int, default=32, help="hidden width of both networks (32)")
    p.add_argument("--batch", type=int, default=64, help="vectors per batch (64)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (1e-3)")


class Generator(nn.Module):
    """Uniform noise (latent) -> SELU -> SELU -> one value; ``dim`` draws make a vector."""

    def __init__(self, latent, hidden, dim):
        super().__init__()
        self.latent, self.dim = latent, dim
        self.net = nn.Sequential(nn.Linear(latent, hidden), nn.SELU(),
                                 nn.Linear(hidden, hidden), nn.SELU(),
                                 nn.Linear(hidden, 1))

    def noise(self, n):
        """Noise for ``n`` vectors: (n, dim * latent) uniform in [0, 1)."""
        return pdg.rand(n, self.dim * self.latent)

    def forward(self, z):
        # Every value comes from its own noise draw through the same network.
        return self.net(z.reshape(-1, self.latent)).reshape(z.shape[0], self.dim)


def make_discriminator(dim, hidden):
    """Vector -> ELU -> ELU -> Sigmoid: P(vector is real)."""
    return nn.Sequential(nn.Linear(dim, hidden), nn.ELU(),
                         nn.Linear(hidden, hidden), nn.ELU(),
                         nn.Linear(hidden, 1), nn.Sigmoid())


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    steps = args.steps or (1200 if args.quick else 3000)
    # Layers this small are faster on one thread (default 1; --threads N to change).
    pdg.set_num_threads(args.threads or 1)
    pdg.manual_seed(args.seed)
    heading(f"Lab 10: GAN on vectors from N({MEAN}, {STD})")
    G = Generator(args.latent, args.hidden, args.dim)
    D = make_discriminator(args.dim, args.hidden)
    say(f"generator:     U[0,1)^{args.latent} -> {args.hidden} SELU -> {args.hidden} SELU -> "
        f"1 value (linear); {args.dim} draws = one vector")
    say(f"discriminator: {args.dim} -> {args.hidden} ELU -> {args.hidden} ELU -> 1 Sigmoid")
    opt_g = pdg.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = pdg.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    sched = [pdg.optim.lr_scheduler.CosineAnnealingLR(o, T_max=steps) for o in (opt_g, opt_d)]

    d_hist, g_hist, fit_hist = [], [], []
    with Timer() as t:
        for step in range(steps):
            real = pdg.datasets.normal_vectors(args.batch, args.dim, MEAN, STD)
            d_loss, g_loss = gan_step(G, D, opt_g, opt_d, real, G.noise(args.batch))
            for sc in sched:
                sc.step()
            d_hist.append(d_loss)
            g_hist.append(g_loss)
            if (step + 1) % max(1, steps // 10) == 0:
                with pdg.no_grad():
                    mu, sd = fit_normal(G(G.noise(64)).numpy())
                fit_hist.append((step + 1, mu, sd))
                say(f"step {step + 1:5d}: D loss {np.mean(d_hist[-50:]):.3f}  "
                    f"G loss {np.mean(g_hist[-50:]):.3f}  generated mu {mu:.3f} std {sd:.3f}")
    say(f"{steps} steps in {t.seconds:.1f} s")

    with pdg.no_grad():
        fake = G(G.noise(500)).numpy()
    mu, sd = fit_normal(fake)
    real_mu, real_sd = fit_normal(pdg.datasets.normal_vectors(500, args.dim, MEAN, STD).numpy())
    say()
    say(f"Fit results: mu = {mu:.3f}, std = {sd:.3f}   (target mu = {MEAN}, std = {STD}; "
        f"a real sample of the same size fits mu = {real_mu:.3f}, std = {real_sd:.3f})")
    say(f"D loss at the end {np.mean(d_hist[-100:]):.3f} (2 ln 2 = {2 * np.log(2):.3f} when D "
        f"can only guess), G loss {np.mean(g_hist[-100:]):.3f} (ln 2 = {np.log(2):.3f})")

    results = {"mu": mu, "std": sd, "steps": steps, "d_loss": d_hist, "g_loss": g_hist,
               "fit_history": fit_hist, "seconds": t.seconds}

    if not args.no_plots:
        plt = pyplot()
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
        ax.hist(fake.ravel(), bins=60, density=True, alpha=0.5, color="tab:orange",
                label="generated")
        xs = np.linspace(MEAN - 5 * STD, MEAN + 5 * STD, 300)

        def pdf(x, m, s):
            return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))

        ax.plot(xs, pdf(xs, MEAN, STD), "k-", lw=2, label=f"real N({MEAN}, {STD})")
        ax.plot(xs, pdf(xs, mu, sd), "--", color="tab:red", lw=2, label="normal fit to generated")
        ax.set_title(f"Fit results: mu = {mu:.2f}, std = {sd:.2f}")
        ax.legend(fontsize=8)
        ax.set_xlabel("value")
        ax.set_ylabel("density")
        k = 20
        smooth = np.ones(k) / k
        ax2.plot(np.convolve(d_hist, smooth, "valid"), label="discriminator")
        ax2.plot(np.convolve(g_hist, smooth, "valid"), label="generator")
        ax2.axhline(2 * np.log(2), color="gray", ls=":", lw=1)
        ax2.axhline(np.log(2), color="gray", ls=":", lw=1)
        ax2.set_xlabel("step")
        ax2.set_ylabel("BCE loss (moving average of 20)")
        ax2.set_title("Losses")
        ax2.legend(fontsize=8)
        results["plot"] = str(save_fig(fig, args, "lab10_gan_gaussian"))

    assert abs(mu - MEAN) < 0.1, f"fitted mean {mu:.3f} not within 0.1 of {MEAN}"
    assert abs(sd - STD) < 0.1, f"fitted std {sd:.3f} not within 0.1 of {STD}"
    say(f"Result: the generator's values fit N({mu:.2f}, {sd:.2f}), within 0.1 of "
        f"N({MEAN}, {STD}) in both mean and standard deviation.")
    return results


if __name__ == "__main__":
    main()
