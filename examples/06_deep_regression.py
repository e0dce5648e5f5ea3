"""Lab 6: deep regression with an MLP and LeakyReLU.

A noisy nonlinear 1-D function, y = sin(2x) + 0.3 x + noise (noise std 0.1) for x in
[-3, 3], is fitted by Linear(1, 64) -> LeakyReLU -> Linear(64, 64) -> LeakyReLU ->
Linear(64, 1), trained with Adam on the mean squared error. A straight line (the best
linear fit) cannot follow the wiggles; the MLP's piecewise-linear pieces can, until its
error reaches the noise floor (0.1^2 = 0.01). The lab plots the data, the fit and the
loss curve.

    python examples/06_deep_regression.py [--quick] [--out DIR]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn as nn  # noqa: E402
from pydeepgen import optim  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402
from _common import Timer, heading, parse_args, pyplot, save_fig, say  # noqa: E402

LAB = "06_deep_regression"
NOISE = 0.1


def add_options(p):
    p.add_argument("--steps", type=int, default=None, help="Adam steps (quick 400, full 3000)")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (3e-3)")
    p.add_argument("--hidden", type=int, default=64, help="hidden width (64)")


def target(x):
    return np.sin(2 * x) + 0.3 * x


def make_data(n, rng):
    x = rng.uniform(-3, 3, size=(n, 1)).astype(np.float32)
    y = (target(x) + NOISE * rng.standard_normal((n, 1))).astype(np.float32)
    return x, y


def build(hidden):
    return nn.Sequential(
        nn.Linear(1, hidden), nn.LeakyReLU(0.01),
        nn.Linear(hidden, hidden), nn.LeakyReLU(0.01),
        nn.Linear(hidden, 1),
    )


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    steps = args.steps or (400 if args.quick else 3000)
    rng = np.random.default_rng(args.seed)
    pdg.manual_seed(args.seed)
    n = 256 if args.quick else 1024
    x_np, y_np = make_data(n, rng)
    x, y = pdg.tensor(x_np), pdg.tensor(y_np)
    xt_np = np.linspace(-3, 3, 400, dtype=np.float32).reshape(-1, 1)

    heading("Lab 6: deep regression, y = sin(2x) + 0.3x + noise")
    # Baseline: the least-squares straight line.
    A = np.hstack([x_np, np.ones_like(x_np)])
    coef, *_ = np.linalg.lstsq(A, y_np, rcond=None)
    line_mse = float(np.mean((A @ coef - y_np) ** 2))
    say(f"{n} noisy samples; noise variance {NOISE ** 2:.4f} (the best possible MSE)")
    say(f"best straight line: y = {coef[0, 0]:.3f} x + {coef[1, 0]:.3f}, train MSE {line_mse:.4f}")

    model = build(args.hidden)
    n_params = sum(p.numel() for p in model.parameters())
    say(f"MLP 1-{args.hidden}-{args.hidden}-1 with LeakyReLU: {n_params} parameters; "
        f"Adam lr={args.lr}, {steps} full-batch steps")
    opt = optim.Adam(model.parameters(), lr=args.lr)
    losses = []
    with Timer() as t:
        for i in range(steps):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if (i + 1) % max(steps // 5, 1) == 0:
                say(f"  step {i + 1:>5}: train MSE {losses[-1]:.4f}")
    with pdg.no_grad():
        fit = model(pdg.tensor(xt_np)).numpy()
    clean_mse = float(np.mean((fit - target(xt_np)) ** 2))
    say(f"trained in {t.seconds:.1f} s; final train MSE {losses[-1]:.4f} "
        f"(line {line_mse:.4f}, noise floor {NOISE ** 2:.4f})")
    say(f"MSE of the fit against the noise-free function on a grid: {clean_mse:.4f}")

    results = {"line_mse": line_mse, "final_mse": losses[-1], "clean_mse": clean_mse,
               "params": n_params, "seconds": t.seconds}

    if not args.no_plots:
        plt = pyplot()
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
        ax.scatter(x_np[:, 0], y_np[:, 0], s=4, alpha=0.4, color="gray", label="data")
        ax.plot(xt_np, target(xt_np), "k--", lw=1, label="true function")
        ax.plot(xt_np, fit, color="tab:red", lw=2, label="MLP fit")
        ax.plot(xt_np, coef[0, 0] * xt_np + coef[1, 0], color="tab:blue", lw=1, label="best line")
        ax.legend(fontsize=7)
        ax.set_title("Data and fit")
        ax2.semilogy(losses)
        ax2.axhline(NOISE ** 2, color="gray", ls="--", lw=1, label="noise floor")
        ax2.set_xlabel("step")
        ax2.set_ylabel("train MSE")
        ax2.legend(fontsize=7)
        ax2.set_title("Loss")
        results["plot"] = str(save_fig(fig, args, "lab06_regression"))

    assert losses[-1] < 0.5 * line_mse, (losses[-1], line_mse)
    if not args.quick:
        assert losses[-1] < 2.0 * NOISE ** 2, losses[-1]
    say(f"Result: the MLP fits the curve (MSE {losses[-1]:.4f}) far better than a line "
        f"({line_mse:.4f}).")
    return results


if __name__ == "__main__":
    main()
