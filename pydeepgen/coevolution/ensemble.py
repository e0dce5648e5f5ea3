"""A mixture of generators: the result of spatial coevolution (Lipizzaner's ensemble).

Sampling draws each image from generator k with probability ``weights[k]`` (the counts are
multinomial under the sampling generator's seed). Saved as ``<path>`` (safetensors: every
generator's state under ``g<k>.``) plus ``<path>.json`` (the manifest: the GAN config, the
weights and where each member came from).
"""

import json
import os

import numpy as np

from .. import io
from ..autograd import no_grad
from ..models.gan import GAN
from ..ops.creation import from_numpy
from ..ops.shape import cat


class Ensemble:
    def __init__(self, generators, weights, config=None, sources=None):
        if not generators:
            raise ValueError("Ensemble: needs at least one generator")
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (len(generators),) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"Ensemble: weights must be {len(generators)} non-negative finite "
                             f"numbers with a positive sum, got {weights!r}")
        self.generators = list(generators)
        self.weights = w / w.sum()
        self.config = dict(config or {})
        self.sources = list(sources or [])

    conditional = False  # the CLI's sample/eval treat an ensemble like one generator

    def __len__(self):
        return len(self.generators)

    @property
    def data_shape(self):
        return self.generators[0].data_shape

    @property
    def latent_dim(self):
        return self.generators[0].latent_dim

    def sample_noise(self, n, generator=None):
        return self.generators[0].sample_noise(n, generator)

    def eval(self):
        for g in self.generators:
            g.eval()
        return self

    def sample(self, n, seed=0, generator=None):
        """``n`` samples (a tensor), each from a member drawn with the mixture weights;
        ``generator`` (a pdg.Generator), when given, chooses the seed."""
        if generator is not None:
            from ..ops.creation import randint

            seed = int(randint(0, 2**31 - 1, (1,), generator=generator).item())
        rng = np.random.default_rng(seed)
        counts = rng.multinomial(int(n), self.weights)
        parts = []
        for k, (g, m) in enumerate(zip(self.generators, counts)):
            if m:
                z = from_numpy(rng.standard_normal((int(m), g.latent_dim)).astype(np.float32))
                was = g.training
                g.eval()
                with no_grad():
                    parts.append(g.generate(z))
                g.train(was)
        out = cat(parts, 0)
        perm = rng.permutation(int(n))
        return out[from_numpy(perm.astype(np.int64))]

    def save(self, path):
        tensors = {}
        for k, g in enumerate(self.generators):
            for name, t in g.generator.state_dict().items():
                tensors[f"g{k}.{name}"] = t
        io.save(tensors, path)
        manifest = {"kind": "gan-ensemble", "config": self.config, "weights": self.weights.tolist(),
                    "sources": self.sources}
        tmp = f"{path}.json.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(manifest, f, indent=1)
        os.replace(tmp, f"{path}.json")

    @classmethod
    def load(cls, path):
        mpath = f"{path}.json"
        if not os.path.exists(mpath):
            raise FileNotFoundError(f"Ensemble.load: no manifest {mpath} beside {path}")
        with open(mpath) as f:
            manifest = json.load(f)
        if manifest.get("kind") != "gan-ensemble":
            raise ValueError(f"Ensemble.load: {mpath} is not a GAN ensemble manifest")
        state = io.load(path)
        gens = []
        for k in range(len(manifest["weights"])):
            g = GAN(**manifest["config"])
            sub = {n[len(f"g{k}."):]: t for n, t in state.items() if n.startswith(f"g{k}.")}
            g.generator.load_state_dict(sub)
            gens.append(g)
        return cls(gens, manifest["weights"], manifest["config"], manifest.get("sources"))
