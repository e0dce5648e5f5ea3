"""How sure is the FID classifier about generated digits?

For real MNIST test images and for samples of each checkpoint given: the share whose largest
softmax probability (of the Lipizzaner classifier used by FID/TVD) is below 0.9 and below 0.5,
and the mean top logit. Unconditional GANs lose most of their logit-FID here: in-between,
ambiguous digits rather than a wrong class mix (see docs/results.md).

    python examples/analysis/sample_confidence.py runs/gan/checkpoint.safetensors \\
        ../shared/data/lipizzaner/mnist-generator-000.npz --data-root ../shared/data
"""

import argparse

import numpy as np

import pydeepgen as pdg
from pydeepgen.cli import _load_generator
from pydeepgen.metrics import fid as M


def confidence(images):
    """(share with max prob < 0.9, share < 0.5, mean top logit) of (N, 1, 28, 28) images."""
    logits = M.mnist_features(images)
    p = np.exp(logits - logits.max(1, keepdims=True))
    top = (p / p.sum(1, keepdims=True)).max(1)
    return float(np.mean(top < 0.9)), float(np.mean(top < 0.5)), float(logits.max(1).mean())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoints", nargs="*")
    p.add_argument("--data-root", default=None)
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    real = M.u8_to_m11(M.load_mnist_u8(args.data_root, train=False)[: args.n])
    print(f"{'source':<40} {'p<0.9':>6} {'p<0.5':>6} {'top logit':>9}")
    rows = [("MNIST test images", real)]
    for path in args.checkpoints:
        model, _ = _load_generator(path)
        rows.append((path, model.sample(args.n, generator=pdg.Generator().manual_seed(args.seed))))
    for name, x in rows:
        lo9, lo5, top = confidence(x)
        print(f"{name[-40:]:<40} {lo9:6.3f} {lo5:6.3f} {top:9.2f}")


if __name__ == "__main__":
    main()
