"""Likelihood bounds for VAEs, in nats per image.

``elbo(model, x)`` is the negative evidence lower bound, -ELBO = E_q[-log p(x|z)] + KL(q(z|x)
|| p(z)), estimated with one z per image (as the PyTorch VAE example's "test set loss"), and
split into its reconstruction and KL parts. With ``k > 1`` it returns the importance-weighted
bound of Burda et al. (2016),

    -log p(x) <= -log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x),   z_i ~ q(z|x),

which tightens towards -log p(x) as k grows (k = 1 is the ELBO). Both are upper bounds on the
negative log-likelihood of the decoder's Bernoulli model; for MNIST in [0, 1] (grey levels,
not binarized) the "likelihood" is the cross-entropy the VAE example reports, not a density
of discrete data.
"""

import math

import numpy as np

__all__ = ["elbo", "nll_bound"]


def _batches(x, batch_size):
    import pydeepgen as pdg

    a = x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)
    a = np.ascontiguousarray(a, dtype=np.float32)
    if a.ndim < 2 or a.shape[0] == 0:
        raise ValueError(f"elbo: need a non-empty batch of images, got shape {a.shape}")
    if a.min() < 0.0 or a.max() > 1.0:
        raise ValueError(f"elbo: images must lie in [0, 1] (the VAE's Bernoulli means), got "
                         f"values in [{a.min():.3g}, {a.max():.3g}]")
    for lo in range(0, a.shape[0], batch_size):
        yield pdg.from_numpy(np.ascontiguousarray(a[lo: lo + batch_size]))


def _check_model(model):
    if not (hasattr(model, "encode") and hasattr(model, "decode_logits")
            and hasattr(model, "latent_dim")):
        raise TypeError(f"elbo: needs a VAE (encode -> (mu, logvar), decode_logits), got a "
                        f"{type(model).__name__}")


def elbo(model, x, k=1, batch_size=500, seed=0):
    """The negative ELBO (k = 1) or the k-sample importance-weighted bound of VAE ``model``
    on images ``x`` in [0, 1] (tensor or array, N first), in nats per image.

    Returns ``{"nll_bound", "rec", "kl", "n", "k"}``: ``rec`` and ``kl`` are the one-sample
    ELBO terms (from the first z of each image) so that, for k = 1, nll_bound = rec + kl.
    Draws from its own generator seeded ``seed``; eval mode, no gradients."""
    import pydeepgen as pdg

    from ..models.autoencoder import reconstruction_loss
    from ..models.vae import kl_divergence

    _check_model(model)
    k = int(k)
    if k < 1:
        raise ValueError(f"elbo: k must be >= 1, got {k}")
    g = pdg.Generator().manual_seed(int(seed))
    tot_bound = tot_rec = tot_kl = 0.0
    n = 0
    was = model.training
    model.eval()
    try:
        with pdg.no_grad():
            for xb in _batches(x, int(batch_size)):
                mu, logvar = model.encode(xb)
                std = pdg.exp(logvar * 0.5)
                kl = kl_divergence(mu, logvar, reduction="none").numpy().astype(np.float64)
                log_w = []
                for i in range(k):
                    eps = pdg.randn(*mu.shape, generator=g)
                    z = mu + std * eps
                    rec = reconstruction_loss(model.decode_logits(z), xb, "bce", reduction="none")
                    rec = rec.numpy().astype(np.float64)
                    if i == 0:
                        tot_rec += rec.sum()
                        tot_kl += kl.sum()
                    if k > 1:
                        # log p(z) - log q(z|x) = -|z|^2/2 + |eps|^2/2 + sum(logvar)/2
                        zz = (z * z).sum(1).numpy().astype(np.float64)
                        ee = (eps * eps).sum(1).numpy().astype(np.float64)
                        lv = logvar.sum(1).numpy().astype(np.float64)
                        log_w.append(-rec - 0.5 * zz + 0.5 * ee + 0.5 * lv)
                if k > 1:
                    lw = np.stack(log_w)  # (k, N)
                    m = lw.max(axis=0)
                    lse = m + np.log(np.exp(lw - m).sum(axis=0))
                    tot_bound += float((math.log(k) - lse).sum())
                n += xb.shape[0]
    finally:
        model.train(was)
    rec, kl = tot_rec / n, tot_kl / n
    bound = rec + kl if k == 1 else tot_bound / n
    return {"nll_bound": float(bound), "rec": float(rec), "kl": float(kl), "n": n, "k": k}


def nll_bound(model, x, k=100, batch_size=500, seed=0):
    """The k-sample importance-weighted upper bound on -log p(x), nats per image (a float)."""
    return elbo(model, x, k=k, batch_size=batch_size, seed=seed)["nll_bound"]
