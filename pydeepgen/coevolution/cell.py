"""One cell of the grid: a generator and a discriminator trained against the neighbourhood.

Each iteration (Lipizzaner, Schmiedlechner et al. 2018; Toutouh et al. 2019, simplified):

1. **exchange**: the cell's networks and learning rates go to its neighbours and theirs come
   back (``Grid.exchange``); the neighbourhood is the cell plus up to four distinct neighbours;
2. **fitness**: on one real batch and one latent batch, every generator plays every
   discriminator of the neighbourhood; a generator's fitness is its mean generator loss over
   the discriminators, a discriminator's its mean loss over the generators (lower is better);
3. **selection**: a size-2 tournament over the neighbourhood picks a challenger for each
   network; it replaces the cell's own (with its learning rate, the Adam state reset) only
   when it is fitter (elitism keeps a good cell's network);
4. **mutation**: each learning rate is multiplied by exp(0.2 N(0, 1)) with probability 1/2
   (kept in [1e-5, 1e-2]);
5. **training**: ``steps`` batches, each a discriminator step against a generator drawn from
   the neighbourhood and a generator step against a drawn discriminator (only the cell's own
   networks change);
6. **mixture**: every ``mixture_every`` iterations a (1+1) evolution strategy perturbs the
   mixture weights over the neighbourhood's generators and keeps the perturbation when the
   mixture's score (lower is better: FID, or TVD on the 8x8 digits) improves.

Every random draw is seeded by (seed, rank, iteration), so a run resumed from a checkpoint
continues as if it had not stopped.
"""

import numpy as np

from .. import random as pdg_random
from ..autograd import no_grad
from ..models.gan import GAN, gan_losses
from ..ops.creation import from_numpy
from ..optim import Adam
from .ensemble import Ensemble

LR_RANGE = (1e-5, 1e-2)


def _vector(gan, lr_g, lr_d):
    parts = [p.detach().numpy().reshape(-1) for p in gan.generator.parameters()]
    parts += [p.detach().numpy().reshape(-1) for p in gan.discriminator.parameters()]
    return np.concatenate(parts + [np.array([lr_g, lr_d], np.float32)]).astype(np.float32)


def _load_vector(gan, vec):
    """Unpack a vector from ``_vector`` into ``gan``; returns (lr_g, lr_d)."""
    off = 0
    with no_grad():
        for p in list(gan.generator.parameters()) + list(gan.discriminator.parameters()):
            n = p.numel()
            p.numpy(force=True).reshape(-1)[...] = vec[off:off + n]
            p._buf.bump_version()
            off += n
    if vec.size != off + 2:
        raise ValueError(f"coevolution: a neighbour sent {vec.size} values, this cell's networks "
                         f"need {off + 2} (do all cells use the same model?)")
    return float(vec[off]), float(vec[off + 1])


def _adam(module, lr):
    """Lipizzaner's optimizer for either network of a cell."""
    return Adam(module.parameters(), lr=lr, betas=(0.5, 0.999))


class Cell:
    def __init__(self, grid, data, gan_config, batch_size=100, lr=2e-4, loss="bce", steps=10,
                 mixture_every=1, mixture_sigma=0.25, score_fn=None, score_n=1000, seed=0):
        self.grid, self.data = grid, np.ascontiguousarray(data, dtype=np.float32)
        self.gan_config = dict(gan_config)
        self.batch_size, self.loss, self.steps = int(batch_size), loss, int(steps)
        self.mixture_every, self.mixture_sigma = int(mixture_every), float(mixture_sigma)
        self.score_fn, self.score_n, self.seed = score_fn, int(score_n), int(seed)
        pdg_random.manual_seed(self.seed)  # the same initial networks on every cell, as Lipizzaner
        self.gan = GAN(**self.gan_config)
        self.lr_g = self.lr_d = float(lr)
        self._new_optimizers()
        self.iteration = 0
        self.neighbours = {}     # rank -> GAN copy (reused between iterations)
        self.pop_ranks = [grid.rank]
        self.weights = np.ones(1)
        self.mixture_score = None
        self.history = []

    def _new_optimizers(self):
        self.opt_g = _adam(self.gan.generator, self.lr_g)
        self.opt_d = _adam(self.gan.discriminator, self.lr_d)

    def _rng(self, what):
        return np.random.default_rng([self.seed, self.grid.rank, self.iteration, what])

    def _batch(self, rng):
        idx = rng.integers(0, len(self.data), self.batch_size)
        return from_numpy(self.data[idx])

    def _z(self, rng, n):
        return from_numpy(rng.standard_normal((n, self.gan.latent_dim)).astype(np.float32))

    # -- one iteration --------------------------------------------------------------------
    def step(self):
        got = self.grid.exchange(_vector(self.gan, self.lr_g, self.lr_d))
        self.pop_ranks = self.grid.neighbourhood()
        pop, lrs = [], []
        for r in self.pop_ranks:
            if r == self.grid.rank:
                pop.append(self.gan)
                lrs.append((self.lr_g, self.lr_d))
                continue
            g = self.neighbours.get(r)
            if g is None:
                g = self.neighbours[r] = GAN(**self.gan_config)
            lrs.append(_load_vector(g, got[r]))
            pop.append(g)
        rng = self._rng(0)
        pdg_random.manual_seed(int(rng.integers(2**62)))
        fg, fd = self._fitness(pop, rng)
        self._select(pop, lrs, fg, fd, rng)
        self._mutate(rng)
        info = self._train(pop, rng)
        if self.score_fn is not None and self.mixture_every and self.iteration % self.mixture_every == 0:
            self._evolve_mixture(pop, rng)
        info.update(iteration=self.iteration, lr_g=self.lr_g, lr_d=self.lr_d,
                    fitness_g=float(fg[0]), fitness_d=float(fd[0]), mixture_score=self.mixture_score,
                    exchange_ms=1e3 * self.grid.exchange_seconds[-1])
        self.history.append(info)
        self.iteration += 1
        return info

    def _fitness(self, pop, rng):
        real = self._batch(rng)
        z = self._z(rng, self.batch_size)
        n = len(pop)
        lg, ld = np.zeros((n, n)), np.zeros((n, n))
        with no_grad():
            fakes = [g.generate(z) for g in pop]
            reals = [d.d_logits(real) for d in pop]
            for i in range(n):
                for j in range(n):
                    s = pop[j].d_logits(fakes[i])
                    lg[i, j] = gan_losses(self.loss, fake_logits=s, part="g").item()
                    ld[i, j] = gan_losses(self.loss, reals[j], s, part="d").item()
        return lg.mean(1), ld.mean(0)

    def _select(self, pop, lrs, fg, fd, rng):
        n = len(pop)
        if n == 1:
            return
        for which, fit in (("g", fg), ("d", fd)):
            a, b = rng.choice(n, size=2, replace=n < 2)
            win = a if fit[a] <= fit[b] else b
            if win != 0 and fit[win] < fit[0]:
                src = pop[win].generator if which == "g" else pop[win].discriminator
                dst = self.gan.generator if which == "g" else self.gan.discriminator
                dst.load_state_dict(src.state_dict())
                if which == "g":  # the winner's learning rate comes with it; Adam starts afresh
                    self.lr_g = lrs[win][0]
                    self.opt_g = _adam(dst, self.lr_g)
                else:
                    self.lr_d = lrs[win][1]
                    self.opt_d = _adam(dst, self.lr_d)

    def _mutate(self, rng):
        for name in ("lr_g", "lr_d"):
            if rng.random() < 0.5:
                v = getattr(self, name) * float(np.exp(0.2 * rng.standard_normal()))
                setattr(self, name, float(np.clip(v, *LR_RANGE)))
        for group in self.opt_g.param_groups:
            group["lr"] = self.lr_g
        for group in self.opt_d.param_groups:
            group["lr"] = self.lr_d

    def _train(self, pop, rng):
        g_losses, d_losses = [], []
        for _ in range(self.steps):
            real = self._batch(rng)
            other_g = pop[int(rng.integers(len(pop)))]
            with no_grad():
                fake = other_g.generate(self._z(rng, self.batch_size))
            self.opt_d.zero_grad()
            d_loss = gan_losses(self.loss, self.gan.d_logits(real), self.gan.d_logits(fake), part="d")
            d_loss.backward()
            self.opt_d.step()
            other_d = pop[int(rng.integers(len(pop)))]
            self.opt_g.zero_grad()
            g_loss = gan_losses(self.loss, fake_logits=other_d.d_logits(self.gan.generate(self._z(rng, self.batch_size))),
                                part="g")
            g_loss.backward()
            self.opt_g.step()
            for d in (other_d.discriminator,):  # the opponent is only read, never trained here
                if d is not self.gan.discriminator:
                    d.zero_grad()
            g_losses.append(g_loss.item())
            d_losses.append(d_loss.item())
        return {"g_loss": float(np.mean(g_losses)), "d_loss": float(np.mean(d_losses))}

    def ensemble(self, pop=None):
        pop = pop if pop is not None else [self.gan] + [self.neighbours[r] for r in self.pop_ranks[1:]]
        w = self.weights if len(self.weights) == len(pop) else np.ones(len(pop))
        return Ensemble(pop, w, self.gan_config, sources=[int(r) for r in self.pop_ranks])

    def _evolve_mixture(self, pop, rng):
        if len(self.weights) != len(pop):
            self.weights = np.ones(len(pop)) / len(pop)
            self.mixture_score = None
        seed = int(rng.integers(2**31))
        if self.mixture_score is None:
            self.mixture_score = float(self.score_fn(Ensemble(pop, self.weights).sample(self.score_n, seed)))
        trial = np.abs(self.weights + self.mixture_sigma * rng.standard_normal(len(pop)))
        trial = trial / trial.sum() if trial.sum() > 0 else self.weights
        score = float(self.score_fn(Ensemble(pop, trial).sample(self.score_n, seed)))
        if score < self.mixture_score:
            self.weights, self.mixture_score = trial, score

    # -- checkpoints ----------------------------------------------------------------------
    def state(self):
        return {"gan": self.gan.state_dict(), "lr": [self.lr_g, self.lr_d],
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "iteration": self.iteration, "weights": self.weights.tolist(),
                "mixture_score": self.mixture_score, "pop_ranks": list(self.pop_ranks),
                "history": self.history, "grid": [self.grid.rows, self.grid.cols], "rank": self.grid.rank}

    def load_state(self, s):
        if list(s["grid"]) != [self.grid.rows, self.grid.cols] or s["rank"] != self.grid.rank:
            raise ValueError(f"coevolution: the checkpoint is cell {s['rank']} of a {s['grid'][0]}x{s['grid'][1]} "
                             f"grid, this run is cell {self.grid.rank} of a {self.grid.rows}x{self.grid.cols} grid")
        self.gan.load_state_dict(s["gan"])
        self.lr_g, self.lr_d = s["lr"]
        self._new_optimizers()
        self.opt_g.load_state_dict(s["opt_g"])
        self.opt_d.load_state_dict(s["opt_d"])
        self.iteration, self.weights = int(s["iteration"]), np.asarray(s["weights"], float)
        self.mixture_score, self.pop_ranks = s["mixture_score"], list(s["pop_ranks"])
        self.history = list(s["history"])
