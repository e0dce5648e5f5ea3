"""pdg.data: datasets, DataLoader batching, seeded shuffling, the gather fast path, splits."""

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.data import (ConcatDataset, DataLoader, Dataset, Subset, TensorDataset,
                            default_collate, random_split)


def _ds(n=10):
    x = pdg.arange(n * 3, dtype=pdg.float32).reshape(n, 3)
    y = pdg.arange(n)
    return TensorDataset(x, y)


def test_utils_data_alias():
    import pydeepgen.utils.data as ud

    assert ud.DataLoader is DataLoader and ud.TensorDataset is TensorDataset


def test_tensor_dataset():
    ds = _ds()
    assert len(ds) == 10
    x, y = ds[3]
    assert x.tolist() == [9, 10, 11] and int(y) == 3
    with pytest.raises(ValueError, match=r"size mismatch.*\(10, 3\), \(9,\)"):
        TensorDataset(pdg.zeros(10, 3), pdg.zeros(9))
    with pytest.raises(TypeError):
        TensorDataset(np.zeros(3))


@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_in_order(drop_last):
    dl = DataLoader(_ds(10), batch_size=4, drop_last=drop_last)
    batches = list(dl)
    assert len(batches) == len(dl) == (2 if drop_last else 3)
    assert all(isinstance(t, pdg.Tensor) for b in batches for t in b)
    assert batches[0][0].shape == (4, 3) and batches[0][0].dtype is pdg.float32
    assert batches[0][1].dtype is pdg.int64
    ys = np.concatenate([b[1].numpy() for b in batches])
    assert ys.tolist() == list(range(8 if drop_last else 10))


def test_shuffle_is_reproducible_and_a_permutation():
    ds = _ds(50)

    def order(**kw):
        return np.concatenate([b[1].numpy() for b in DataLoader(ds, batch_size=7, shuffle=True, **kw)])

    pdg.manual_seed(123)
    a = order()
    pdg.manual_seed(123)
    b = order()
    np.testing.assert_array_equal(a, b)
    assert sorted(a.tolist()) == list(range(50)) and a.tolist() != list(range(50))
    c = order()  # the generator moved on: a new epoch gets a new order
    assert c.tolist() != a.tolist()
    g1, g2 = pdg.Generator().manual_seed(5), pdg.Generator().manual_seed(5)
    np.testing.assert_array_equal(order(generator=g1), order(generator=g2))
    pdg.manual_seed(123)
    _ = order(generator=pdg.Generator().manual_seed(9))
    np.testing.assert_array_equal(order(), a)  # a private generator leaves the default alone


def test_rows_stay_aligned_under_shuffle():
    ds = _ds(20)
    for x, y in DataLoader(ds, batch_size=6, shuffle=True):
        np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy() * 3)


def test_fast_path_has_no_per_sample_calls(monkeypatch):
    def boom(self, i):
        raise AssertionError("per-sample __getitem__ called")

    monkeypatch.setattr(TensorDataset, "__getitem__", boom)
    ds = _ds(9)
    assert sum(b[0].shape[0] for b in DataLoader(ds, batch_size=4, shuffle=True)) == 9
    sub = Subset(ds, [8, 1, 5])
    (x, y), = list(DataLoader(sub, batch_size=3))
    assert y.tolist() == [8, 1, 5]


def test_generic_dataset_and_collate():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.float32), "y": i * i, "w": 0.5, "name": f"s{i}"}

    b = next(iter(DataLoader(Squares(), batch_size=3)))
    assert b["x"].shape == (3, 2) and b["y"].tolist() == [0, 1, 4]
    assert b["y"].dtype is pdg.int64 and b["w"].dtype is pdg.float64 and b["name"] == ["s0", "s1", "s2"]
    got = list(DataLoader(Squares(), batch_size=2, collate_fn=lambda items: len(items)))
    assert got == [2, 2, 1]
    assert [s["y"] for s in DataLoader(Squares(), batch_size=None)] == [0, 1, 4, 9, 16]
    t = default_collate([(pdg.ones(2), 1), (pdg.zeros(2), 2)])
    assert t[0].shape == (2, 2) and t[1].tolist() == [1, 2]
    with pytest.raises(TypeError, match="not supported"):
        default_collate([object()])


def test_loader_argument_errors():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_ds(), batch_size=0)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(_ds(), sampler=[0, 1], shuffle=True)
    dl = DataLoader(_ds(), batch_sampler=[[0, 5], [9]])
    assert [b[1].tolist() for b in dl] == [[0, 5], [9]] and len(dl) == 2


def test_random_split():
    ds = _ds(10)
    a, b = random_split(ds, [7, 3], generator=pdg.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    ia = {int(a[i][1]) for i in range(7)}
    ib = {int(b[i][1]) for i in range(3)}
    assert not ia & ib and ia | ib == set(range(10))
    a2, _ = random_split(ds, [7, 3], generator=pdg.Generator().manual_seed(0))
    assert a.indices == a2.indices
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    assert [len(p) for p in random_split(_ds(11), [0.5, 0.5])] == [6, 5]
    with pytest.raises(ValueError, match="does not equal"):
        random_split(ds, [5, 4])


def test_subset_concat():
    ds = _ds(6)
    c = ConcatDataset([Subset(ds, [0, 1]), ds])
    assert len(c) == 8 and int(c[2][1]) == 0 and int(c[-1][1]) == 5
    with pytest.raises(IndexError):
        c[8]
    assert len(ds + ds) == 12
    with pytest.raises(IndexError):
        Subset(ds, [6])
