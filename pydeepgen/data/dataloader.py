"""``DataLoader``: batches of pdg tensors from a map-style dataset (torch.utils.data's API).

Shuffling draws one ``pdg.randperm`` per epoch from ``generator`` (or pdg's default
generator), so ``pdg.manual_seed(s)`` makes the order reproducible. Datasets with a
``_get_batch`` method (TensorDataset, the array-backed pdg.datasets, Subsets of them)
are gathered with one fancy-index per tensor per batch; others go sample by sample
through ``collate_fn`` (``default_collate``).
"""

import numbers

import numpy as np

from .._tensor import Tensor

__all__ = ["DataLoader", "default_collate"]


def default_collate(batch):
    """Stack a list of samples: tensors/arrays -> one tensor with a new first dim; numbers ->
    a 1-D tensor (int64 or float64, as PyTorch); tuples, lists and dicts recursively."""
    from ..ops.creation import from_numpy, tensor
    from ..ops.shape import stack

    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch))
    if isinstance(elem, np.ndarray):
        return from_numpy(np.stack(batch))
    if isinstance(elem, (bool, np.bool_)):
        return tensor(list(batch))
    if isinstance(elem, numbers.Integral):
        return tensor(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        return {k: default_collate([b[k] for b in batch]) for k in elem}
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("default_collate: each element in the batch should be of equal size")
        out = [default_collate(list(s)) for s in zip(*batch)]
        return tuple(out) if isinstance(elem, tuple) else out
    raise TypeError(f"default_collate: batch elements of type {type(elem).__name__} are not "
                    "supported (tensors, NumPy arrays, numbers, str, dicts, tuples, lists)")


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 generator=None, **unused):
        if batch_size is not None and (int(batch_size) != batch_size or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive int or None, got {batch_size}")
        if int(num_workers) < 0:
            raise ValueError(f"DataLoader: num_workers must be >= 0, got {num_workers}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = int(num_workers)  # loading runs in this process (fast paths need no workers)
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.drop_last = bool(drop_last)
        self.generator = generator

    def _order(self):
        from ..ops.creation import randperm

        if self.sampler is not None:
            return np.asarray(list(iter(self.sampler)), dtype=np.int64)
        n = len(self.dataset)
        if self.shuffle:
            return randperm(n, generator=self.generator).numpy().astype(np.int64, copy=False)
        return np.arange(n, dtype=np.int64)

    def _batches(self):
        if self.batch_sampler is not None:
            for b in self.batch_sampler:
                yield np.asarray(list(b), dtype=np.int64)
            return
        order = self._order()
        bs = self.batch_size
        stop = len(order) - (len(order) % bs if self.drop_last else 0)
        for i in range(0, stop, bs):
            yield order[i:i + bs]

    def __iter__(self):
        if self.batch_size is None and self.batch_sampler is None:
            for i in self._order():
                yield self.dataset[int(i)]
            return
        fast = self.collate_fn is None and hasattr(self.dataset, "_get_batch")
        collate = self.collate_fn or default_collate
        for idx in self._batches():
            if fast:
                yield self.dataset._get_batch(idx)
            else:
                yield collate([self.dataset[int(i)] for i in idx])

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
