"""Lab 5: the hiring example, a two-layer sigmoid network trained with pydeepgen's kernels.

Four past candidates, (months of programming experience, GitHub projects) -> hired?

    Michael (12, 6) no    Shash (32, 4) yes    Hannah (11, 3) no    Lisa (29, 11) yes

Each feature is centred by its mean (21 months, 6 projects), giving (-9, 0), (11, -2),
(-10, -3), (8, 5). A 2-2-1 network with sigmoid activations (nn.Linear -> nn.Sigmoid ->
nn.Linear -> nn.Sigmoid), mean squared error and SGD with learning rate 0.1 learns the
decision; then two new candidates are scored with the same centring:

    Jamal (14, 6) -> (-7, 0)      Mina (31, 0) -> (10, -6)

The course reports Jamal ~ 0.037 (not hired) and Mina ~ 0.797 (hired), "results may
vary": the lab asserts the decisions and prints its own numbers. Mina has no GitHub
projects at all, outside the training data, so her score is an extrapolation; full mode
shows the spread of both scores over ten random initializations.

    python examples/05_hiring.py [--quick] [--out DIR]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn as nn  # noqa: E402
from pydeepgen import optim  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402
from _common import heading, parse_args, pyplot, save_fig, say  # noqa: E402

LAB = "05_hiring"
CANDIDATES = [("Michael", 12, 6, 0), ("Shash", 32, 4, 1), ("Hannah", 11, 3, 0), ("Lisa", 29, 11, 1)]
NEW = [("Jamal", 14, 6), ("Mina", 31, 0)]


def add_options(p):
    p.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (0.1, as the course)")
    p.add_argument("--epochs", type=int, default=None,
                   help="full-batch epochs (quick 1000, full 5000)")
    p.add_argument("--hidden", type=int, default=2, help="hidden sigmoid units (2)")


def build(hidden):
    return nn.Sequential(nn.Linear(2, hidden), nn.Sigmoid(), nn.Linear(hidden, 1), nn.Sigmoid())


def train(x, y, hidden, lr, epochs, seed):
    pdg.manual_seed(seed)
    model = build(hidden)
    opt = optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    epochs = args.epochs or (1000 if args.quick else 5000)

    raw = np.array([[m, g] for _, m, g, _ in CANDIDATES], dtype=np.float32)
    mean = raw.mean(axis=0)
    heading("Lab 5: hiring with a 2-layer sigmoid network")
    say(f"feature means: {mean[0]:g} months, {mean[1]:g} projects")
    for (name, m, g, hired), c in zip(CANDIDATES, raw - mean):
        say(f"  {name:<8} ({m:>2}, {g:>2}) -> centred ({c[0]:>3g}, {c[1]:>3g})  "
            f"hired: {'yes' if hired else 'no'}")
    x = pdg.tensor(raw - mean)
    y = pdg.tensor([[float(h)] for *_, h in CANDIDATES])
    new_raw = np.array([[m, g] for _, m, g in NEW], dtype=np.float32)
    x_new = pdg.tensor(new_raw - mean)

    say(f"\nTraining 2-{args.hidden}-1 sigmoid net, MSE, SGD lr={args.lr}, {epochs} epochs "
        f"(seed {args.seed})")
    model, losses = train(x, y, args.hidden, args.lr, epochs, args.seed)
    with pdg.no_grad():
        train_scores = model(x).numpy()[:, 0]
        scores = model(x_new).numpy()[:, 0]
    say(f"loss: {losses[0]:.4f} at epoch 1 -> {losses[-1]:.5f} at epoch {epochs}")
    for (name, *_), s in zip(CANDIDATES, train_scores):
        say(f"  {name:<8} score {s:.3f}")
    for (name, m, g), c, s in zip(NEW, new_raw - mean, scores):
        say(f"  new: {name:<6} ({m}, {g}) -> ({c[0]:g}, {c[1]:g}): score {s:.3f} -> "
            + ("HIRE" if s > 0.5 else "do not hire"))
    say("(course: Jamal ~ 0.037, Mina ~ 0.797; results may vary with the initialization)")

    results = {"losses": [losses[0], losses[-1]], "train_scores": train_scores.tolist(),
               "jamal": float(scores[0]), "mina": float(scores[1])}

    if not args.quick:
        seeds = range(10)
        spread = []
        for s in seeds:
            m, _ = train(x, y, args.hidden, args.lr, epochs, s)
            with pdg.no_grad():
                spread.append(m(x_new).numpy()[:, 0])
        spread = np.array(spread)
        agree = int(((spread[:, 0] < 0.5) & (spread[:, 1] > 0.5)).sum())
        say(f"\nOver seeds 0-9: Jamal {spread[:, 0].min():.3f}..{spread[:, 0].max():.3f}, "
            f"Mina {spread[:, 1].min():.3f}..{spread[:, 1].max():.3f}; "
            f"{agree}/10 runs reject Jamal and hire Mina.")
        results["seed_spread"] = spread.tolist()
        results["seeds_agree"] = agree

    if not args.no_plots:
        plt = pyplot()
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
        ax.plot(losses)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE")
        ax.set_title("Training loss")
        g1, g2 = np.meshgrid(np.linspace(-14, 14, 141), np.linspace(-9, 9, 91))
        grid = pdg.tensor(np.stack([g1.ravel(), g2.ravel()], 1).astype(np.float32))
        with pdg.no_grad():
            pg = model(grid).numpy().reshape(g1.shape)
        cs = ax2.contourf(g1, g2, pg, levels=20, cmap="RdYlGn", vmin=0, vmax=1)
        fig.colorbar(cs, ax=ax2, label="hire score")
        for (name, *_ , h), c in zip(CANDIDATES, raw - mean):
            ax2.scatter(c[0], c[1], c="g" if h else "r", edgecolors="k", s=60)
            ax2.annotate(name, c, fontsize=7, xytext=(3, 3), textcoords="offset points")
        for (name, *_), c, s in zip(NEW, new_raw - mean, scores):
            ax2.scatter(c[0], c[1], marker="*", c="w", edgecolors="k", s=160)
            ax2.annotate(f"{name} {s:.2f}", c, fontsize=8, xytext=(3, -10),
                         textcoords="offset points")
        ax2.set_xlabel("months of experience (centred)")
        ax2.set_ylabel("GitHub projects (centred)")
        ax2.set_title("Learned hire score")
        results["plot"] = str(save_fig(fig, args, "lab05_hiring"))

    assert losses[-1] < losses[0]
    assert results["jamal"] < 0.5, results
    assert results["mina"] > 0.5, results
    say(f"Result: Jamal is not hired ({results['jamal']:.3f}), "
        f"Mina is hired ({results['mina']:.3f}).")
    return results


if __name__ == "__main__":
    main()
