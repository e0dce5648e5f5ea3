"""DistributedSampler: each rank iterates its own shard of a dataset's indices."""

import math

import numpy as np

from .._args import int_arg
from . import comm


class DistributedSampler:
    """Indices ``rank, rank + world, rank + 2 * world, ...`` of a (shuffled) index list.

    As torch.utils.data.distributed.DistributedSampler: the list is padded by repeating
    its head to a multiple of the world size (``drop_last=False``) or truncated
    (``drop_last=True``), so every rank gets the same number of samples; the shuffle is
    seeded by ``seed + epoch`` so that every rank draws the same permutation. Call
    ``set_epoch(e)`` at the start of each epoch."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        self.dataset = dataset
        self.num_replicas = comm.world_size() if num_replicas is None else \
            int_arg("DistributedSampler", "num_replicas", num_replicas, 1)
        self.rank = comm.rank() if rank is None else int_arg("DistributedSampler", "rank", rank)
        if self.rank >= self.num_replicas:
            raise ValueError(f"DistributedSampler: rank {self.rank} must be < num_replicas {self.num_replicas}")
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if drop_last:
            self.num_samples = n // self.num_replicas
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch):
        self.epoch = int_arg("DistributedSampler.set_epoch", "epoch", epoch)

    def indices(self):
        n = len(self.dataset)
        if self.shuffle:
            idx = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            idx = np.arange(n)
        if self.total_size > n and n:
            reps = math.ceil((self.total_size - n) / n)
            idx = np.concatenate([idx] + [idx] * reps)[:self.total_size]
        else:
            idx = idx[:self.total_size]
        return idx[self.rank:self.total_size:self.num_replicas]

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.num_samples
