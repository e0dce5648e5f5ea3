"""Lab 13: three ways a GAN fails, each with a plot and a number.

1. Non-convergence (the "Dirac GAN" of Mescheder et al. 2018). Real data: the single point
   x = 0. Generator: one parameter theta (it outputs x = theta). Discriminator:
   D(x) = sigmoid(psi * x). Minimax BCE game. The equilibrium is theta = psi = 0, but
   gradient descent on both players circles around it instead of reaching it:
   simultaneous updates spiral OUT, alternating updates orbit at about the same distance.
   Number: distance to the equilibrium after N steps vs at the start.
2. Mode collapse. Real data: a ring of 8 Gaussians (radius 2, std 0.02). A plain MLP GAN
   (BCE, Adam; the unrolled-GAN paper's setup with D slower than G) puts all its samples
   near one mode and hops from mode to mode. Numbers: modes covered (a mode counts when at
   least 2% of 1000 samples lie within 0.2 of its centre), sectors occupied (modes that are
   the nearest centre of at least 2% of the samples) at several points in training. The
   full mode adds the same GAN with D as fast as G, which covers most modes by the end.
3. Vanishing generator gradients. A discriminator trained to win against a fixed
   generator gives D(G(z)) -> 0. The original minimax generator loss log(1 - D(G(z))) is
   then flat ("saturating"): its gradient w.r.t. the generator is proportional to
   D(G(z)). The non-saturating loss -log D(G(z)) keeps a gradient of order 1.
   Number: the generator's gradient norm under both losses as D gets better.

    python examples/13_gan_failure_modes.py [--quick] [--out DIR]
"""

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402
from pydeepgen import nn  # noqa: E402
from _common import Timer, heading, parse_args, pyplot, save_fig, say  # noqa: E402
from _common2 import gan_step, grad_norm  # noqa: E402

LAB = "13_gan_failure_modes"
RING_MODES, RING_RADIUS, RING_STD = 8, 2.0, 0.02
LATENT, LR_G, LR_D, BATCH = 16, 1e-3, 1e-4, 256


def add_options(p):
    p.add_argument("--ring-steps", type=int, default=None,
                   help="GAN steps on the ring (default 1500 quick, 5000 full)")
    p.add_argument("--dirac-steps", type=int, default=500, help="Dirac GAN steps (500)")


# --------------------------------------------------------------------------------------
# 1. Non-convergence: the Dirac GAN
# --------------------------------------------------------------------------------------

def dirac_gan(steps, lr, simultaneous, theta0=1.0, psi0=1.0):
    """Gradient descent on the Dirac GAN; returns the (theta, psi) path, shape (steps+1, 2).

    D loss  = BCE(D(0), 1) + BCE(D(theta), 0) = ln 2 + softplus(psi * theta)
    G loss  = -BCE(D(theta), 0) = -softplus(psi * theta)   (the minimax game as written)
    In continuous time theta^2 + psi^2 is conserved: the players orbit the equilibrium.
    Gradients come from pydeepgen's autograd.
    """
    zero = pdg.zeros(1, dtype=pdg.float64)
    one = pdg.ones(1, dtype=pdg.float64)

    def leaf(v):
        return pdg.tensor([v], dtype=pdg.float64, requires_grad=True)

    def d_grad(theta, psi):
        p = leaf(psi)
        loss = (F.binary_cross_entropy_with_logits(p * zero, one)
                + F.binary_cross_entropy_with_logits(p * theta, zero))
        loss.backward()
        return p.grad.item()

    def g_grad(theta, psi):
        t = leaf(theta)
        (-F.binary_cross_entropy_with_logits(psi * t, zero)).backward()
        return t.grad.item()

    theta, psi = float(theta0), float(psi0)
    path = [(theta, psi)]
    for _ in range(steps):
        if simultaneous:  # both players step from the same old state
            psi, theta = psi - lr * d_grad(theta, psi), theta - lr * g_grad(theta, psi)
        else:  # D moves first, then G answers the new D
            psi = psi - lr * d_grad(theta, psi)
            theta = theta - lr * g_grad(theta, psi)
        path.append((theta, psi))
    return np.array(path)


# --------------------------------------------------------------------------------------
# 2. Mode collapse on a ring of 8 Gaussians
# --------------------------------------------------------------------------------------

def ring_centers():
    a = 2 * math.pi * np.arange(RING_MODES) / RING_MODES
    return np.stack([RING_RADIUS * np.cos(a), RING_RADIUS * np.sin(a)], axis=1)


def modes_covered(points, min_share=0.02, radius=0.2):
    """(modes with >= min_share of the points within ``radius`` of the centre, share of
    points near any mode, sectors: modes that are the NEAREST centre of >= min_share)."""
    d = np.linalg.norm(points[:, None, :] - ring_centers()[None], axis=2)  # (n, 8)
    near = d < radius
    per_mode = near.sum(axis=0) / len(points)
    nearest = np.bincount(d.argmin(axis=1), minlength=RING_MODES) / len(points)
    return (int((per_mode >= min_share).sum()), float(near.any(axis=1).mean()),
            int((nearest >= min_share).sum()))


def ring_gan(steps, seed, checkpoints, latent=LATENT, lr_g=LR_G, lr_d=LR_D, batch=BATCH):
    """The unrolled-GAN paper's toy setup (Metz et al. 2017): 2x128 ReLU networks, the
    discriminator slower than the generator."""
    pdg.manual_seed(seed)
    h = 128
    G = nn.Sequential(nn.Linear(latent, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 2))
    D = nn.Sequential(nn.Linear(2, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
                      nn.Linear(h, 1), nn.Sigmoid())
    opt_g = pdg.optim.Adam(G.parameters(), lr=lr_g, betas=(0.5, 0.999))
    opt_d = pdg.optim.Adam(D.parameters(), lr=lr_d, betas=(0.5, 0.999))
    z_fixed = pdg.randn(1000, latent)
    shots = {}
    for step in range(1, steps + 1):
        real, _ = pdg.datasets.gaussian_ring(batch, RING_MODES, RING_RADIUS, RING_STD)
        gan_step(G, D, opt_g, opt_d, real, pdg.randn(batch, latent))
        if step in checkpoints:
            with pdg.no_grad():
                shots[step] = G(z_fixed).numpy().copy()
    return shots


# --------------------------------------------------------------------------------------
# 3. Vanishing gradients: saturating vs non-saturating generator loss
# --------------------------------------------------------------------------------------

def vanishing_gradients(d_steps, seed):
    """Train D alone against a fixed G; after each D step record G's gradient norm under
    both losses. Returns a list of (step, mean D(G(z)), norm saturating, norm non-sat)."""
    pdg.manual_seed(seed)
    h = 64
    G = nn.Sequential(nn.Linear(2, h), nn.ReLU(), nn.Linear(h, 2))
    D = nn.Sequential(nn.Linear(2, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
                      nn.Linear(h, 1), nn.Sigmoid())
    opt_d = pdg.optim.Adam(D.parameters(), lr=3e-3)
    opt_g = pdg.optim.SGD(G.parameters(), lr=0.0)  # never changes G: gan_step needs one
    rows = []
    real, _ = pdg.datasets.gaussian_ring(256, RING_MODES, RING_RADIUS, RING_STD)
    z = pdg.randn(256, 2)
    for step in range(d_steps + 1):
        norms = []
        for kind in ("saturating", "non-saturating"):
            G.zero_grad()
            p = D(G(z))
            ones, zeros = pdg.ones(256, 1), pdg.zeros(256, 1)
            loss = -F.binary_cross_entropy(p, zeros) if kind == "saturating" else \
                F.binary_cross_entropy(p, ones)
            loss.backward()
            norms.append(grad_norm(G))
        rows.append((step, float(p.detach().numpy().mean()), norms[0], norms[1]))
        # One discriminator step (the generator's optimizer has lr 0 and is not stepped).
        gan_step(G, D, opt_g, opt_d, real, z, train_g=False)
    return rows


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    pdg.set_num_threads(args.threads or 1)  # small layers: 1 thread is faster
    ring_steps = args.ring_steps or (1500 if args.quick else 5000)
    results = {}

    heading("Lab 13.1: non-convergence (Dirac GAN: data at 0, G(z) = theta, D(x) = sigmoid(psi x))")
    lr = 0.1
    sim = dirac_gan(args.dirac_steps, lr, simultaneous=True)
    alt = dirac_gan(args.dirac_steps, lr, simultaneous=False)
    r0 = float(np.hypot(*sim[0]))
    r_sim, r_alt = float(np.hypot(*sim[-1])), float(np.hypot(*alt[-1]))
    say(f"start (theta, psi) = (1, 1): distance to the equilibrium (0, 0) = {r0:.3f}")
    say(f"after {args.dirac_steps} steps of lr {lr}: simultaneous updates {r_sim:.3f} "
        f"(spirals out), alternating updates {r_alt:.3f} (orbits, never arrives)")
    say(f"theta keeps changing sign: it crossed 0 {int((np.diff(np.sign(alt[:, 0])) != 0).sum())} "
        f"times in the alternating run")
    results.update(dirac_start=r0, dirac_sim=r_sim, dirac_alt=r_alt)

    heading(f"Lab 13.2: mode collapse on a ring of {RING_MODES} Gaussians")
    checkpoints = sorted({ring_steps // 4, ring_steps // 2, 3 * ring_steps // 4, ring_steps})
    with Timer() as t:
        shots = ring_gan(ring_steps, args.seed, set(checkpoints))
    real_pts, _ = pdg.datasets.gaussian_ring(1000, RING_MODES, RING_RADIUS, RING_STD)
    real_modes, real_share, _ = modes_covered(real_pts.numpy())
    say(f"{ring_steps} steps in {t.seconds:.1f} s. A real sample of 1000 covers {real_modes}/8 "
        f"modes, {real_share:.0%} of its points near a mode.")
    say(f"D learning rate {LR_D:g}, G learning rate {LR_G:g}:")
    coverage = {}
    for s in checkpoints:
        m, share, sectors = modes_covered(shots[s])
        coverage[s] = (m, share, sectors)
        say(f"  step {s:5d}: generated samples cover {m}/8 modes ({share:.0%} of them near a "
            f"mode), they sit in {sectors}/8 sectors of the ring")
    most_sectors = max(c[2] for c in coverage.values())
    results.update(ring_coverage=coverage, ring_max_sectors=most_sectors,
                   ring_real_modes=real_modes)
    if not args.quick:
        fast = ring_gan(ring_steps, args.seed, {ring_steps}, lr_d=LR_G)[ring_steps]
        results["ring_fast_d"] = modes_covered(fast)
        say(f"  same GAN with D learning rate {LR_G:g}: after {ring_steps} steps "
            f"{results['ring_fast_d'][0]}/8 modes covered, {results['ring_fast_d'][2]}/8 sectors")

    heading("Lab 13.3: vanishing generator gradients (D trained alone, G fixed)")
    d_steps = 200 if args.quick else 400
    rows = vanishing_gradients(d_steps, args.seed)
    for step, p, ns, nn_ in rows[:: max(1, d_steps // 5)]:
        say(f"  D step {step:4d}: mean D(G(z)) = {p:.4f}   |grad G| saturating {ns:.2e}   "
            f"non-saturating {nn_:.2e}")
    first, last = rows[0], rows[-1]
    say(f"As D wins (mean D(G(z)) {first[1]:.3f} -> {last[1]:.4f}), the ratio of the "
        f"non-saturating to the saturating gradient grows from {first[3] / first[2]:.1f}:1 to "
        f"{last[3] / last[2]:.0f}:1 (per sample, d loss / d logit is -D(G(z)) for the "
        f"saturating loss and -(1 - D(G(z))) for the non-saturating one)")
    results.update(vanish_rows=rows)

    if not args.no_plots:
        plt = pyplot()
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
        ax = axes[0]
        ax.plot(sim[:, 0], sim[:, 1], lw=1, label="simultaneous")
        ax.plot(alt[:, 0], alt[:, 1], lw=1, label="alternating")
        ax.plot([0], [0], "k*", ms=10, label="equilibrium")
        ax.plot([1], [1], "ko", ms=4)
        ax.set_xlabel("theta (generator)")
        ax.set_ylabel("psi (discriminator)")
        ax.set_title(f"Dirac GAN: distance {r0:.2f} -> {r_sim:.2f} / {r_alt:.2f}", fontsize=9)
        ax.legend(fontsize=7)
        ax.set_aspect("equal", "datalim")
        ax = axes[1]
        c = ring_centers()
        ax.plot(real_pts.numpy()[:, 0], real_pts.numpy()[:, 1], ".", ms=2, color="k",
                label="real")
        colors = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
        for col, s in zip(colors, checkpoints):
            ax.plot(shots[s][:400, 0], shots[s][:400, 1], ".", ms=2, color=col, alpha=0.6,
                    label=f"step {s}: {coverage[s][2]}/8 sectors")
        ax.plot(c[:, 0], c[:, 1], "k+", ms=8)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.set_title("Ring of 8 Gaussians: modes covered", fontsize=9)
        ax.legend(fontsize=6, loc="center")
        ax = axes[2]
        steps = [r[0] for r in rows]
        ax.semilogy(steps, [r[2] for r in rows], label="saturating log(1 - D(G(z)))")
        ax.semilogy(steps, [r[3] for r in rows], label="non-saturating -log D(G(z))")
        ax2 = ax.twinx()
        ax2.plot(steps, [r[1] for r in rows], "k:", lw=1)
        ax2.set_ylabel("mean D(G(z)) (dotted)")
        ax.set_xlabel("discriminator steps")
        ax.set_ylabel("|grad of G loss w.r.t. G|")
        ax.set_title("Vanishing gradients", fontsize=9)
        ax.legend(fontsize=7, loc="lower left")
        results["plot"] = str(save_fig(fig, args, "lab13_gan_failure_modes"))

    assert r_sim > 1.25 * r0, f"simultaneous Dirac GAN should spiral out: {r0} -> {r_sim}"
    assert r_alt > 0.5 * r0, f"alternating Dirac GAN should not converge: {r0} -> {r_alt}"
    assert real_modes == RING_MODES
    assert most_sectors <= 3, f"expected the GAN to collapse onto few modes: {coverage}"
    assert last[1] < 0.02, f"D should win against a fixed G: mean D(G(z)) {last[1]}"
    assert first[3] < 2 * first[2], "before D learns, both losses give similar gradients"
    assert last[3] > 50 * last[2], "non-saturating gradient should dwarf the saturating one"
    say()
    say(f"Result: the Dirac GAN never reaches its equilibrium (distance {r0:.2f} -> "
        f"{r_sim:.2f} simultaneous, {r_alt:.2f} alternating); the ring GAN's samples never "
        f"occupy more than {most_sectors}/8 sectors of the ring; the saturating loss's gradient is "
        f"{last[3] / last[2]:.0f}x smaller "
        f"than the non-saturating one once D wins.")
    return results


if __name__ == "__main__":
    main()
