"""Lab 1: the artificial neuron and its activation functions.

A neuron computes y = f(w . x + b): a weighted sum of its inputs plus a bias, passed
through an activation f. The lab evaluates one neuron under each activation, then plots
step, sigmoid, tanh, ReLU, leaky ReLU, ELU and SELU with their derivatives. The
derivatives come from pydeepgen's autograd (f(z).sum().backward() leaves f'(z) in z.grad)
and are checked against the closed forms the course gives:

    sigmoid' = s (1 - s)      tanh' = 1 - tanh^2      ReLU' = step(z > 0)
    leaky ReLU' = 1 or a      ELU' = 1 or f(z) + a    SELU' = l or f(z) + l a
    step' = 0 (undefined at 0: no gradient flows through a step, which is why
               networks are trained with smooth activations)

    python examples/01_neuron_activations.py [--quick] [--out DIR]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402
from _common import heading, parse_args, pyplot, save_fig, say  # noqa: E402

LAB = "01_neuron_activations"

LEAKY_SLOPE = 0.1  # larger than PyTorch's 0.01 default so the plot shows the slope
ELU_ALPHA = 1.0
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def activations():
    """name -> (pydeepgen function, NumPy closed-form value, NumPy closed-form derivative)."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    return {
        "step": (F.step, lambda z: (z >= 0).astype(float), lambda z: np.zeros_like(z)),
        "sigmoid": (F.sigmoid, sig, lambda z: sig(z) * (1 - sig(z))),
        "tanh": (F.tanh, np.tanh, lambda z: 1 - np.tanh(z) ** 2),
        "relu": (F.relu, lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
        "leaky_relu": (lambda z: F.leaky_relu(z, LEAKY_SLOPE),
                       lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
                       lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE)),
        "elu": (lambda z: F.elu(z, ELU_ALPHA),
                lambda z: np.where(z > 0, z, ELU_ALPHA * np.expm1(z)),
                lambda z: np.where(z > 0, 1.0, ELU_ALPHA * np.exp(z))),
        "selu": (F.selu,
                 lambda z: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(z)),
                 lambda z: SELU_SCALE * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(z))),
    }


def value_and_derivative(fn, z_np):
    """f(z) and f'(z) through pydeepgen autograd, in float64."""
    z = pdg.tensor(z_np, dtype=pdg.float64, requires_grad=True)
    y = fn(z)
    if y.requires_grad:
        y.sum().backward()
        dy = z.grad.numpy() if z.grad is not None else np.zeros_like(z_np)
    else:  # F.step is not differentiable: its result never requires grad
        dy = np.zeros_like(z_np)
    return y.detach().numpy(), dy


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB)
    acts = activations()

    heading("Lab 1: one neuron, y = f(w . x + b)")
    x = pdg.tensor([0.5, -1.0, 2.0], dtype=pdg.float64)
    w = pdg.tensor([0.4, 0.3, -0.2], dtype=pdg.float64)
    b = 0.1
    z = (w * x).sum() + b
    say(f"x = {x.tolist()}, w = {w.tolist()}, b = {b}")
    say(f"z = w . x + b = 0.4*0.5 + 0.3*(-1) + (-0.2)*2 + 0.1 = {z.item():.4f}")
    neuron = {}
    for name, (fn, _, _) in acts.items():
        neuron[name] = fn(z.reshape(1)).item()
        say(f"  y = {name:<10}(z) = {neuron[name]: .6f}")

    heading("Activations and their derivatives (autograd vs closed form)")
    n = 161 if args.quick else 801
    zs = np.linspace(-4.0, 4.0, n)
    zs = zs[np.abs(zs) > 1e-12]  # leave out z = 0, where step/ReLU derivatives are undefined
    curves = {}
    errors = {}
    for name, (fn, f_np, df_np) in acts.items():
        y, dy = value_and_derivative(fn, zs)
        curves[name] = (y, dy)
        errors[name] = (float(np.max(np.abs(y - f_np(zs)))), float(np.max(np.abs(dy - df_np(zs)))))
        say(f"  {name:<10}  max |f - formula| = {errors[name][0]:.1e}   "
            f"max |f' (autograd) - formula| = {errors[name][1]:.1e}")
    say("sigmoid squashes to (0, 1) with slope at most 0.25; tanh to (-1, 1), slope at most 1; "
        "ReLU passes positives and kills negatives (slope 0 or 1); leaky ReLU, ELU and SELU "
        "keep a small slope for negatives, so those neurons can still learn.")

    results = {"z": z.item(), "neuron": neuron, "errors": errors,
               "max_sigmoid_slope": float(curves["sigmoid"][1].max()),
               "max_tanh_slope": float(curves["tanh"][1].max())}

    if not args.no_plots:
        plt = pyplot()
        names = list(acts)
        fig, axes = plt.subplots(2, len(names), figsize=(2.1 * len(names), 4.2), sharex=True)
        for j, name in enumerate(names):
            y, dy = curves[name]
            axes[0, j].plot(zs, y, color="tab:blue")
            axes[0, j].set_title(name, fontsize=9)
            axes[1, j].plot(zs, dy, color="tab:orange")
            axes[1, j].set_xlabel("z", fontsize=8)
            for ax in axes[:, j]:
                ax.axhline(0, color="gray", lw=0.5)
                ax.axvline(0, color="gray", lw=0.5)
                ax.tick_params(labelsize=7)
        axes[0, 0].set_ylabel("f(z)")
        axes[1, 0].set_ylabel("f'(z) (autograd)")
        results["plot"] = str(save_fig(fig, args, "lab01_activations"))

    for name, (ef, ed) in errors.items():
        assert ef < 1e-9 and ed < 1e-9, (name, ef, ed)
    assert abs(results["max_sigmoid_slope"] - 0.25) < 1e-3
    assert abs(results["max_tanh_slope"] - 1.0) < 1e-2
    say("Result: every activation and its autograd derivative match the closed forms "
        "(sigmoid' = s(1-s), tanh' = 1-tanh^2, ReLU' = step).")
    return results


if __name__ == "__main__":
    main()
