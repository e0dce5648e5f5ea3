"""pdg.datasets: MNIST / Fashion-MNIST from the shared files (skipped when absent), IDX
errors on corrupt copies, download with md5 check (local file:// mirror), the embedded
datasets, synthetic generators and transforms."""

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.datasets as D
from pydeepgen.datasets import transforms as T


def _data_dir():
    env = os.environ.get("PDG_TEST_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    # <repo>/tests/x.py -> <repo>/../shared/data (main checkout), or one level up (worktrees)
    for up in (2, 3):
        p = here.parents[up] / "shared" / "data"
        if p.is_dir():
            return p
    return here.parents[2] / "shared" / "data"


DATA = _data_dir()
MNIST_TRAIN_HIST = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_HIST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _need(folder):
    if not (DATA / folder / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip(f"shared data {DATA / folder} not available (set PDG_TEST_DATA)")


@pytest.fixture(scope="module")
def mnist_train():
    _need("mnist")
    return D.MNIST(DATA, train=True)


def test_mnist_counts_and_histograms(mnist_train):
    test = D.MNIST(DATA, train=False)
    assert len(mnist_train) == 60000 and len(test) == 10000
    assert np.bincount(mnist_train.targets.numpy()).tolist() == MNIST_TRAIN_HIST
    assert np.bincount(test.targets.numpy()).tolist() == MNIST_TEST_HIST
    assert mnist_train.data.shape == (60000, 28, 28) and mnist_train.data.dtype is pdg.uint8
    x, y = mnist_train[0]
    assert x.shape == (1, 28, 28) and x.dtype is pdg.float32 and int(y) == 5
    a = x.numpy()
    assert a.min() == 0.0 and a.max() == 1.0


def test_fashion_mnist_counts():
    _need("fashion-mnist")
    tr, te = D.FashionMNIST(DATA, train=True), D.FashionMNIST(DATA, train=False)
    assert len(tr) == 60000 and len(te) == 10000
    assert np.bincount(tr.targets.numpy()).tolist() == [6000] * 10
    assert np.bincount(te.targets.numpy()).tolist() == [1000] * 10


def test_mnist_loader_batches_match_samples(mnist_train):
    from pydeepgen.data import DataLoader

    tf = T.Compose([T.ScaleToPM1(), T.Flatten()])
    ds = D.MNIST(DATA, train=False, transform=tf, target_transform=T.OneHot(10))
    x, y = next(iter(DataLoader(ds, batch_size=16)))
    assert x.shape == (16, 784) and y.shape == (16, 10)
    x0, y0 = ds[0]
    np.testing.assert_allclose(x.numpy()[0], x0.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(y.numpy()[0], y0.numpy())
    assert x.numpy().min() == -1.0 and x.numpy().max() == 1.0


def _write_idx(path, arr, gz=True):
    arr = np.asarray(arr, dtype=np.uint8)
    raw = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    raw += arr.tobytes()
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(raw)
    else:
        Path(path).write_bytes(raw)
    return raw


def _fake_mnist(root, n=6, gz=True, folder="mnist"):
    d = Path(root) / folder
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (n, 28, 28))
    labels = np.arange(n) % 10
    suffix = ".gz" if gz else ""
    for split in ("train", "t10k"):
        _write_idx(d / f"{split}-images-idx3-ubyte{suffix}", imgs, gz)
        _write_idx(d / f"{split}-labels-idx1-ubyte{suffix}", labels, gz)
    return imgs, labels


@pytest.mark.parametrize("gz", [True, False])
def test_reads_gz_and_raw_idx(tmp_path, gz):
    imgs, labels = _fake_mnist(tmp_path, gz=gz)
    ds = D.MNIST(tmp_path, train=True)
    np.testing.assert_array_equal(ds.data.numpy(), imgs)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)


def test_default_root_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PDG_DATA", str(tmp_path))
    assert D.default_root() == tmp_path
    _fake_mnist(tmp_path)
    assert len(D.MNIST(train=False)) == 6
    monkeypatch.delenv("PDG_DATA")
    assert D.default_root() == Path.home() / ".cache" / "pydeepgen" / "data"


def test_missing_file_message(tmp_path):
    with pytest.raises(D.DatasetError, match=r"train-images-idx3-ubyte.gz not found.*download=True"):
        D.MNIST(tmp_path)


def test_truncated_gz(tmp_path):
    _fake_mnist(tmp_path)
    p = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    p.write_bytes(p.read_bytes()[:-40])
    with pytest.raises(D.DatasetError, match="train-images-idx3-ubyte.gz.*truncated or corrupt"):
        D.MNIST(tmp_path)


def test_truncated_shared_copy(tmp_path):
    _need("mnist")
    d = tmp_path / "mnist"
    d.mkdir()
    src = (DATA / "mnist" / "t10k-images-idx3-ubyte.gz").read_bytes()
    (d / "t10k-images-idx3-ubyte.gz").write_bytes(src[: len(src) // 2])
    (d / "t10k-labels-idx1-ubyte.gz").write_bytes((DATA / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    with pytest.raises(D.DatasetError, match="t10k-images-idx3-ubyte.gz"):
        D.MNIST(tmp_path, train=False)


def test_wrong_magic_and_size(tmp_path):
    _fake_mnist(tmp_path, gz=False)
    p = tmp_path / "mnist" / "train-labels-idx1-ubyte"
    raw = bytearray(p.read_bytes())
    raw[2] = 0x42
    p.write_bytes(bytes(raw))
    with pytest.raises(D.DatasetError, match="train-labels-idx1-ubyte: not an IDX file"):
        D.MNIST(tmp_path)
    _write_idx(p, np.zeros((6, 2)), gz=False)  # labels file with 2 dims
    with pytest.raises(D.DatasetError, match="2 dimensions, expected 1"):
        D.MNIST(tmp_path)
    _write_idx(p, np.zeros(5), gz=False)  # 5 labels for 6 images
    with pytest.raises(D.DatasetError, match="6 images but .* 5 labels"):
        D.MNIST(tmp_path)
    raw = _write_idx(p, np.zeros(6), gz=False)
    p.write_bytes(raw[:-1])
    with pytest.raises(D.DatasetError, match="header .* needs"):
        D.MNIST(tmp_path)


def test_download_checks_md5(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    _fake_mnist(mirror, folder=".")
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    md5 = {n: hashlib.md5((mirror / n).read_bytes()).hexdigest() for n in names}
    monkeypatch.setattr(D.MNIST, "mirrors", [mirror.as_uri() + "/"])
    monkeypatch.setattr(D.MNIST, "resources", md5)
    root = tmp_path / "root"
    ds = D.MNIST(root, train=False, download=True)
    assert len(ds) == 6 and (root / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    bad = dict(md5, **{"train-labels-idx1-ubyte.gz": "0" * 32})
    monkeypatch.setattr(D.MNIST, "resources", bad)
    with pytest.raises(D.DatasetError, match="md5 .* != expected 0000"):
        D.MNIST(tmp_path / "root2", train=True, download=True)
    assert not list((tmp_path / "root2" / "mnist").glob("*.part"))


def test_tabular():
    x, y = D.digits()
    assert x.shape == (1797, 64) and y.shape == (1797,) and float(x.max()) == 16.0
    assert D.digits(as_images=True)[0].shape == (1797, 1, 8, 8)
    x, y = D.breast_cancer()
    assert x.shape == (569, 30) and x.dtype is pdg.float32 and set(y.tolist()) == {0, 1}
    s, months = D.airline_passengers(return_months=True)
    assert s.shape == (144,) and float(s[0]) == 112 and float(s[-1]) == 432
    assert float(s.sum()) == 40363 and months[0] == "1949-01" and months[-1] == "1960-12"


def test_logic_gates_and_course_tables():
    x, y = D.logic_gate("XOR")
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]
    assert D.logic_gate("or")[1].tolist() == [0, 1, 1, 1]
    assert D.logic_gate("and")[1].tolist() == [0, 0, 0, 1]
    with pytest.raises(ValueError, match="unknown gate"):
        D.logic_gate("maybe")
    h = D.hiring(centered=True)
    assert h.X.tolist() == [[-9, 0], [11, -2], [-10, -3], [8, 5]]
    assert h.new_X.tolist() == [[-7, 0], [10, -6]] and h.mean.tolist() == [21, 6]
    assert h.y.tolist() == [[0], [1], [0], [1]] and h.names[1] == "Shash"
    x, y = D.y_equals_2x()
    assert x.tolist() == [0, 1, 2, 3, 4] and y.tolist() == [0, 2, 4, 6, 8]


def test_random_generators_seeded():
    v = D.normal_vectors(4000, 3, mean=2.0, std=0.5, generator=pdg.Generator().manual_seed(1))
    a = v.numpy()
    assert a.shape == (4000, 3) and abs(a.mean() - 2) < 0.02 and abs(a.std() - 0.5) < 0.02
    p = D.points_on_line(50, slope=2.0, intercept=1.0, x_range=(0, 3)).numpy()
    np.testing.assert_allclose(p[:, 1], 2 * p[:, 0] + 1, rtol=1e-5)
    assert p[:, 0].min() >= 0 and p[:, 0].max() <= 3
    pts, lab = D.gaussian_ring(4000, modes=8, radius=2.0, std=0.02,
                               generator=pdg.Generator().manual_seed(2))
    r = np.linalg.norm(pts.numpy(), axis=1)
    assert abs(r.mean() - 2.0) < 0.01 and set(lab.tolist()) == set(range(8))
    pts2, _ = D.gaussian_ring(4000, generator=pdg.Generator().manual_seed(2))
    np.testing.assert_array_equal(pts.numpy(), pts2.numpy())
    pts, lab = D.gaussian_grid(2000, side=3, spacing=2.0, std=0.01)
    centers = np.array([(a, b) for a in (-2, 0, 2) for b in (-2, 0, 2)])
    np.testing.assert_allclose(pts.numpy(), centers[lab.numpy()], atol=0.06)


def test_transforms():
    u8 = pdg.tensor(np.array([[0, 51, 255]], dtype=np.uint8))
    np.testing.assert_allclose(T.scale_to_01(u8).numpy(), [[0, 0.2, 1]], rtol=1e-6)
    np.testing.assert_allclose(T.scale_to_pm1(u8).numpy(), [[-1, -0.6, 1]], rtol=1e-6)
    x = pdg.tensor(np.arange(12, dtype=np.float32).reshape(3, 2, 2))
    n = T.Normalize([0.0, 4.0, 8.0], [1.0, 2.0, 4.0])(x).numpy()
    np.testing.assert_allclose(n[1], (np.arange(4, 8).reshape(2, 2) - 4) / 2)
    batch = pdg.stack([x, x])
    np.testing.assert_allclose(T.Normalize([0.0, 4.0, 8.0], [1.0, 2.0, 4.0]).batch(batch).numpy()[1], n)
    assert T.Flatten()(x).shape == (12,) and T.Flatten().batch(batch).shape == (2, 12)
    oh = T.one_hot(pdg.tensor([2, 0]), 3)
    assert oh.tolist() == [[0, 0, 1], [1, 0, 0]] and oh.dtype is pdg.float32
    with pytest.raises(ValueError, match=r"one_hot: labels must be in \[0, 3\)"):
        T.one_hot(pdg.tensor([3]), 3)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.normalize(x, 0.0, 0.0)
    scaled, (lo, hi) = T.minmax_scale(pdg.tensor([[1.0, 10.0], [3.0, 10.0], [2.0, 10.0]]), (-1, 1))
    assert scaled.tolist() == [[-1, -1], [1, -1], [0, -1]] and lo.tolist() == [[1, 10]]
