"""How much of the MNIST logit-FID is class balance?

Scores *real* MNIST training images, drawn with their class proportions skewed by a known
amount, against the test set (clean protocol, n = 10,000): a generator with perfect digits but
the wrong class histogram would score this. Used in docs/results.md to read the GAN runs.

    python examples/analysis/fid_class_balance.py --data-root ../shared/data
"""

import argparse

import numpy as np

from pydeepgen.metrics import fid as M


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-root", default=None)
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    x, y = M.load_mnist_u8(args.data_root, train=True, labels=True)
    images = M.u8_to_m11(x)
    rng = np.random.default_rng(args.seed)
    base = np.bincount(y, minlength=10) / len(y)
    print("shift  TVD     FID (clean)")
    for shift in (0.0, 0.02, 0.04, 0.07, 0.10, 0.20):
        # move `shift` of probability mass from digits 5-9 to digits 0-4
        q = base.copy()
        q[:5] += shift / 5
        q[5:] -= shift / 5
        q = np.clip(q, 0, None) / np.clip(q, 0, None).sum()
        w = q[y] / base[y]
        idx = rng.choice(len(y), args.n, replace=False, p=w / w.sum())
        s = M.mnist_scores(images[idx], protocol="clean", n=args.n, data_root=args.data_root)
        print(f"{shift:5.2f}  {s['tvd']:.3f}  {s['fid']:7.2f}")


if __name__ == "__main__":
    main()
