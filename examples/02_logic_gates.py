"""Lab 2: logic gates with one neuron.

A step neuron fires when its weighted input reaches a threshold: out = step(w . x, t),
with step(z, t) = 1 if z >= t else 0 (the course writes step(z, 2)). With threshold 2,

- weights (2, 2) give OR  (one active input already reaches 2),
- weights (1, 1) give AND (both inputs are needed to reach 2).

Then the lab searches a grid of weights and thresholds for a single neuron computing each
of the 16 boolean functions of two inputs: 14 are found, XOR and XNOR never are, because
no straight line separates {(0,1), (1,0)} from {(0,0), (1,1)}. The plot shows the OR and
AND decision lines and the XOR points that no line can split.

    python examples/02_logic_gates.py [--quick] [--out DIR]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402
from _common import gate_name, heading, parse_args, pyplot, save_fig, say  # noqa: E402

LAB = "02_logic_gates"

INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]


def neuron(x, w, threshold):
    """One step neuron on a batch of inputs x (4, 2) with weights w (2,)."""
    return F.step(x @ w, threshold)  # the course's step(z, 2)


def truth_table(name, w, threshold, x):
    out = neuron(x, pdg.tensor(w, dtype=pdg.float32), threshold)
    say(f"{name}: out = step({w[0]:g}*x1 + {w[1]:g}*x2, {threshold:g})")
    say("   x1 x2 | z   | out")
    z = (x @ pdg.tensor(w, dtype=pdg.float32)).tolist()
    for (a, b), zi, o in zip(INPUTS, z, out.tolist()):
        say(f"    {a}  {b} | {zi:<3g} | {int(o)}")
    return [int(v) for v in out.tolist()]


def grid_search(x, n):
    """For every (w1, w2, t) on an n-point grid in [-2, 2]^3, the 4-bit truth table the
    neuron step(w . x, t) computes. Returns (tables as ints 0..15, the grid)."""
    g = np.linspace(-2.0, 2.0, n)
    w1, w2, t = (a.ravel() for a in np.meshgrid(g, g, g, indexing="ij"))
    W = pdg.tensor(np.stack([w1, w2]).astype(np.float32))  # (2, n^3)
    z = x @ W  # (4, n^3): each column one neuron on the 4 inputs
    fired = F.step(z - pdg.tensor(t.astype(np.float32)), 0.0)  # (4, n^3)
    bits = pdg.tensor([[8.0], [4.0], [2.0], [1.0]])  # encode (f(00), f(01), f(10), f(11))
    codes = (fired * bits).sum(0).numpy().astype(np.int64)
    return codes, (w1, w2, t)


def code_of(table):
    return table[0] * 8 + table[1] * 4 + table[2] * 2 + table[3]


def name_of(code):
    return gate_name([(code >> s) & 1 for s in (3, 2, 1, 0)])


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB)
    x = pdg.tensor(INPUTS, dtype=pdg.float32)
    heading("Lab 2: logic gates with one step neuron (threshold 2)")
    or_table = truth_table("OR ", (2.0, 2.0), 2.0, x)
    say()
    and_table = truth_table("AND", (1.0, 1.0), 2.0, x)

    n = 21 if args.quick else 81
    codes, (w1, w2, t) = grid_search(x, n)
    found = sorted(set(codes.tolist()))
    missing = [c for c in range(16) if c not in found]
    heading(f"Searching {n}^3 = {n ** 3} neurons (w1, w2, threshold in [-2, 2])")
    say(f"boolean functions of two inputs computed by some neuron: {len(found)} of 16")
    for c in missing:
        bits = [(c >> s) & 1 for s in (3, 2, 1, 0)]
        say(f"never computed: {name_of(c)} (truth table {bits})")
    xor_count = int((codes == code_of([0, 1, 1, 0])).sum())
    say(f"neurons computing XOR: {xor_count}. XOR needs (0,1),(1,0) above the line and "
        "(0,0),(1,1) below it: w1 >= t and w2 >= t give w1+w2 >= 2t; (1,1) off needs "
        "w1+w2 < t, so 2t < t, t < 0; but (0,0) off needs 0 < t. Contradiction.")

    results = {"or": or_table, "and": and_table, "functions_found": len(found),
               "missing": [name_of(c) for c in missing], "xor_count": xor_count}

    if not args.no_plots:
        plt = pyplot()
        fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
        pts = np.array(INPUTS, dtype=float)
        line = np.linspace(-0.5, 1.5, 10)
        gates = [("OR", (2, 2), or_table), ("AND", (1, 1), and_table)]
        for ax, (name, w, table) in zip(axes[:2], gates):
            colors = ["tab:green" if v else "tab:red" for v in table]
            ax.scatter(pts[:, 0], pts[:, 1], c=colors, s=80, zorder=3)
            ax.plot(line, (2 - w[0] * line) / w[1], "k--", lw=1)
            ax.set_title(f"{name}: step({w[0]}x1 + {w[1]}x2, 2)")
        xor = [0, 1, 1, 0]
        colors = ["tab:green" if v else "tab:red" for v in xor]
        axes[2].scatter(pts[:, 0], pts[:, 1], c=colors, s=80)
        axes[2].set_title("XOR: no single line separates")
        for ax in axes:
            ax.set_xlim(-0.5, 1.5)
            ax.set_ylim(-0.5, 1.5)
            ax.set_xlabel("x1")
            ax.set_ylabel("x2")
            ax.set_aspect("equal")
        results["plot"] = str(save_fig(fig, args, "lab02_gates"))

    assert or_table == [0, 1, 1, 1] and and_table == [0, 0, 0, 1]
    assert sorted(results["missing"]) == ["XNOR", "XOR"] and xor_count == 0
    say("Result: one neuron makes OR and AND; no neuron on the grid makes XOR (or XNOR).")
    return results


if __name__ == "__main__":
    main()
