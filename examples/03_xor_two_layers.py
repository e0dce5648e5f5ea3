"""Lab 3: XOR with two layers, first set by hand, then trained by backprop.

One neuron cannot compute XOR (lab 2), two layers can: XOR(a, b) = AND(OR(a, b), NAND(a, b)).
With step activations (step(z) = 1 if z >= 0):

    hidden OR   : w = ( 1,  1), b = -0.5
    hidden NAND : w = (-1, -1), b =  1.5
    output AND  : w = ( 1,  1), b = -1.5   (on the two hidden outputs)

Then the same 2-2-1 shape is *trained*: sigmoid activations (a step has no useful
gradient), mean squared error, plain gradient descent written out by hand
(p <- p - lr * p.grad after loss.backward()). Two hidden sigmoid units sometimes get
stuck in a local minimum; the lab restarts from a new random initialization when that
happens and says so.

    python examples/03_xor_two_layers.py [--quick] [--out DIR]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402
from _common import gate_name, heading, parse_args, pyplot, save_fig, say  # noqa: E402

LAB = "03_xor_two_layers"
X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [[0.0], [1.0], [1.0], [0.0]]


def add_options(p):
    p.add_argument("--lr", type=float, default=5.0, help="gradient-descent step (5.0)")
    p.add_argument("--steps", type=int, default=None,
                   help="steps per attempt (quick 1000, full 5000)")


def hand_set_xor(x):
    """The hand-set network: returns (hidden activations (4, 2), output (4, 1))."""
    w1 = pdg.tensor([[1.0, -1.0], [1.0, -1.0]])  # columns: OR neuron, NAND neuron
    b1 = pdg.tensor([-0.5, 1.5])
    w2 = pdg.tensor([[1.0], [1.0]])  # AND neuron
    b2 = pdg.tensor([-1.5])
    h = F.step(x @ w1 + b1)  # 1 where z >= 0
    return h, F.step(h @ w2 + b2)


def train_xor(x, y, lr, steps, seed):
    """Full-batch gradient descent on a 2-2-1 sigmoid net; returns params and loss history."""
    pdg.manual_seed(seed)
    # Uniform(-1, 1) initialization, written out so every number is visible.
    params = {
        "W1": (pdg.rand(2, 2) * 2 - 1).requires_grad_(),
        "b1": (pdg.rand(2) * 2 - 1).requires_grad_(),
        "W2": (pdg.rand(2, 1) * 2 - 1).requires_grad_(),
        "b2": (pdg.rand(1) * 2 - 1).requires_grad_(),
    }
    history = []
    for _ in range(steps):
        h = F.sigmoid(x @ params["W1"] + params["b1"])
        out = F.sigmoid(h @ params["W2"] + params["b2"])
        loss = ((out - y) ** 2).mean()
        for p in params.values():
            p.grad = None
        loss.backward()  # backprop: dloss/dp for every parameter
        with pdg.no_grad():
            for p in params.values():
                p -= lr * p.grad
        history.append(loss.item())
    return params, history


def forward(params, x):
    with pdg.no_grad():
        h = F.sigmoid(x @ params["W1"] + params["b1"])
        return h, F.sigmoid(h @ params["W2"] + params["b2"])


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    steps = args.steps or (1000 if args.quick else 5000)
    x = pdg.tensor(X)
    y = pdg.tensor(Y)

    heading("Lab 3a: XOR from hand-set OR, NAND and AND step neurons")
    h, out = hand_set_xor(x)
    say("  a b | OR NAND | AND(OR, NAND) = XOR")
    hand = []
    for (a, b), (h1, h2), (o,) in zip(X, h.tolist(), out.tolist()):
        say(f"  {a:.0f} {b:.0f} | {h1:.0f}  {h2:.0f}    | {o:.0f}")
        hand.append(int(o))

    heading(f"Lab 3b: training a 2-2-1 sigmoid network (MSE, lr={args.lr}, {steps} steps)")
    attempts = []
    seed = args.seed
    for attempt in range(10):
        params, history = train_xor(x, y, args.lr, steps, seed)
        _, pred = forward(params, x)
        correct = ((pred.numpy() > 0.5) == (np.array(Y) > 0.5)).all()
        attempts.append((seed, history[-1], bool(correct)))
        say(f"  seed {seed}: final loss {history[-1]:.5f} -> "
            + ("solves XOR" if correct else "stuck in a local minimum, restarting"))
        if correct:
            break
        seed += 1
    hidden, pred = forward(params, x)
    say("  a b | hidden h1, h2   | output")
    for (a, b), (h1, h2), (o,) in zip(X, hidden.tolist(), pred.tolist()):
        say(f"  {a:.0f} {b:.0f} | {h1:.3f}, {h2:.3f}  | {o:.3f}")
    w1 = params["W1"].detach().numpy()
    b1 = params["b1"].detach().numpy()
    say("Learned hidden neurons (w1, w2; b): "
        + "; ".join(f"({w1[0, j]:.2f}, {w1[1, j]:.2f}; {b1[j]:.2f})" for j in range(2)))
    # Name what each learned neuron computes: threshold the hidden units at 0.5 on the four
    # inputs, and the output neuron on the four binary hidden patterns.
    learned = [gate_name((hidden.numpy()[:, j] > 0.5).astype(int)) for j in range(2)]
    with pdg.no_grad():
        out_gate = F.sigmoid(x @ params["W2"] + params["b2"]).numpy()[:, 0] > 0.5
    learned.append(gate_name(out_gate.astype(int)))
    say(f"As gates: h1 = {learned[0]}, h2 = {learned[1]}, output = {learned[2]} of (h1, h2).")
    say("The hand-set net used XOR = AND(OR, NAND); training found its own two-layer "
        "decomposition, equally valid.")

    results = {"hand_set": hand, "learned_gates": learned,
               "pred": [round(v[0], 4) for v in pred.tolist()],
               "final_loss": history[-1], "attempts": attempts, "solved": attempts[-1][2]}

    if not args.no_plots:
        plt = pyplot()
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(8.5, 3.5))
        ax.semilogy(history)
        ax.set_xlabel("step")
        ax.set_ylabel("MSE")
        ax.set_title("Training loss (2-2-1 sigmoid)")
        g = np.linspace(-0.25, 1.25, 121)
        gx, gy = np.meshgrid(g, g)
        grid = pdg.tensor(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32))
        _, pg = forward(params, grid)
        cs = ax2.contourf(gx, gy, pg.numpy().reshape(gx.shape), levels=20, cmap="RdYlGn")
        fig.colorbar(cs, ax=ax2)
        pts = np.array(X)
        ax2.scatter(pts[:, 0], pts[:, 1], c=["k" if v[0] == 0 else "w" for v in Y],
                    edgecolors="k", s=70)
        ax2.set_title("Learned XOR output")
        ax2.set_xlabel("x1")
        ax2.set_ylabel("x2")
        results["plot"] = str(save_fig(fig, args, "lab03_xor"))

    assert hand == [0, 1, 1, 0]
    assert results["solved"], attempts
    say(f"Result: the hand-set net computes XOR; the trained net does too "
        f"(outputs {results['pred']}, after {len(attempts)} attempt(s)).")
    return results


if __name__ == "__main__":
    main()
