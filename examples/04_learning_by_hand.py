"""Lab 4: how a network learns, by hand.

Data x = 0..4 with targets y = 2x, a one-weight model y_hat = W*x and the total squared
error L(W) = sum_i (W*x_i - y_i)^2. The lab

1. evaluates the loss at W = 3, 3.0001 and 2.9999 (30, 30.006, 29.994),
2. compares three derivatives of L at W = 3: a finite difference from those numbers,
   the analytic dL/dW = 2 * sum_i (W*x_i - y_i) * x_i, and pydeepgen's autograd,
3. runs the delta rule W <- W - lr * dL/dW (gradient from autograd) until W = 2, and shows
   that a learning rate above 2 / L''(W) = 2/60 makes it diverge,
4. plots the loss curve over W with derivative arrows and the path the delta rule takes.

    python examples/04_learning_by_hand.py [--quick] [--out DIR]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from _common import heading, parse_args, pyplot, save_fig, say  # noqa: E402

LAB = "04_learning_by_hand"


def add_options(p):
    p.add_argument("--lr", type=float, default=0.01, help="delta-rule learning rate (0.01)")
    p.add_argument("--w0", type=float, default=3.0, help="starting weight (3.0)")


def loss_at(w, x, y):
    """Total squared error of y_hat = w*x, as a float64 pydeepgen scalar."""
    return ((w * x - y) ** 2).sum()


def grad_at(w_value, x, y):
    """dL/dW at w_value through autograd (a fresh leaf each call)."""
    w = pdg.tensor(w_value, dtype=pdg.float64, requires_grad=True)
    loss = loss_at(w, x, y)
    loss.backward()
    return loss.item(), w.grad.item()


def delta_rule(w0, lr, steps, x, y, tol=1e-9):
    """Run W <- W - lr*dL/dW; returns the list of (W, loss, grad) before each step."""
    history = []
    w = w0
    for _ in range(steps):
        loss, g = grad_at(w, x, y)
        history.append((w, loss, g))
        if abs(g) < tol or not np.isfinite(loss) or abs(w) > 1e6:
            break
        w = w - lr * g
    return history


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    x = pdg.arange(5, dtype=pdg.float64)
    y = 2 * x
    heading("Lab 4: learning by hand (y = W*x, data x = 0..4, y = 2x)")
    say(f"x = {x.tolist()}   y = {y.tolist()}")

    # 1. The loss at three nearby weights.
    h = 1e-4
    losses = {w: loss_at(pdg.tensor(w, dtype=pdg.float64), x, y).item()
              for w in (3.0, 3.0 + h, 3.0 - h)}
    for w, l in losses.items():
        say(f"W = {w:<7g} loss = sum (W*x - y)^2 = {l:.6f}")

    # 2. Three ways to the derivative at W = 3.
    fd_forward = (losses[3.0 + h] - losses[3.0]) / h
    fd_central = (losses[3.0 + h] - losses[3.0 - h]) / (2 * h)
    analytic = float(2.0 * ((3.0 * x - y) * x).sum().item())
    _, autograd = grad_at(3.0, x, y)
    say()
    say("dL/dW at W = 3:")
    say(f"  forward difference (L(3.0001) - L(3)) / 0.0001      = {fd_forward:.6f}")
    say(f"  central difference (L(3.0001) - L(2.9999)) / 0.0002 = {fd_central:.6f}")
    say(f"  analytic 2 * sum (W*x - y) * x                      = {analytic:.6f}")
    say(f"  pydeepgen autograd (loss.backward(); W.grad)        = {autograd:.6f}")
    say("The loss rises by 0.006 when W grows by 0.0001: slope 60, so W must go DOWN.")

    # 3. The delta rule.
    steps = 40 if args.quick else 200
    hist = delta_rule(args.w0, args.lr, steps, x, y)
    say()
    say(f"Delta rule W <- W - lr * dL/dW with lr = {args.lr}, from W = {args.w0}:")
    for i, (w, l, g) in enumerate(hist[:5]):
        say(f"  step {i}: W = {w:.6f}  loss = {l:.6f}  dL/dW = {g:.6f}")
    w_final = hist[-1][0] - args.lr * hist[-1][2]
    say(f"  ... after {len(hist)} steps: W = {w_final:.9f} (target 2)")
    # L(W) = 30 (W - 2)^2, so each step multiplies (W - 2) by (1 - 60 lr).
    curvature = 60.0
    say(f"Each step multiplies the error W - 2 by (1 - lr * 60) = {1 - args.lr * curvature:g}; "
        f"any lr above 2/60 = {2 / curvature:.4f} makes |1 - 60 lr| > 1.")
    diverge = delta_rule(args.w0, 0.04, 8, x, y)
    say("With lr = 0.04 the weights go " + ", ".join(f"{w:.2f}" for w, _, _ in diverge[:6])
        + " ...: divergence.")

    results = {
        "loss_3": losses[3.0],
        "loss_3p": losses[3.0 + h],
        "loss_3m": losses[3.0 - h],
        "fd_forward": fd_forward,
        "fd_central": fd_central,
        "analytic": analytic,
        "autograd": autograd,
        "w_final": w_final,
        "steps": len(hist),
        "diverged_w": diverge[-1][0],
    }

    if not args.no_plots:
        plt = pyplot()
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
        ws = np.linspace(0.0, 4.0, 201)
        xs = x.numpy()
        ax.plot(ws, [float(((w * xs - 2 * xs) ** 2).sum()) for w in ws], "k-", lw=1.5,
                label="L(W) = sum (Wx - y)^2")
        for w in (0.5, 1.2, 2.8, 3.5):
            l, g = grad_at(w, x, y)
            dw = -0.35 * np.sign(g)  # arrow toward lower loss, slope from the derivative
            ax.annotate("", xy=(w + dw, l + g * dw), xytext=(w, l),
                        arrowprops=dict(arrowstyle="->", color="tab:red", lw=1.5))
            ax.text(w, l + 6, f"dL/dW={g:.0f}", fontsize=7, ha="center", color="tab:red")
        path_w = [w for w, _, _ in hist[:12]]
        path_l = [l for _, l, _ in hist[:12]]
        ax.plot(path_w, path_l, "o", ms=4, color="tab:blue", label=f"delta rule, lr={args.lr}")
        ax.set_xlabel("W")
        ax.set_ylabel("loss")
        ax.set_title("Loss over W with derivative arrows")
        ax.legend(fontsize=8)
        ax2.plot([w for w, _, _ in hist], "o-", ms=3)
        ax2.axhline(2.0, color="gray", ls="--", lw=1)
        ax2.set_xlabel("step")
        ax2.set_ylabel("W")
        ax2.set_title("Delta rule converges to W = 2")
        results["plot"] = str(save_fig(fig, args, "lab04_loss_curve"))

    assert abs(results["loss_3"] - 30.0) < 1e-12
    assert abs(results["loss_3p"] - 30.006) < 1e-6 and abs(results["loss_3m"] - 29.994) < 1e-6
    assert abs(fd_central - analytic) < 1e-6 and abs(autograd - analytic) < 1e-9
    assert abs(w_final - 2.0) < 1e-6, w_final
    say("Result: finite difference, analytic and autograd derivatives agree (60), "
        "and the delta rule lands on W = 2.")
    return results


if __name__ == "__main__":
    main()
