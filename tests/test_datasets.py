"""pdg.datasets: MNIST / Fashion-MNIST from the shared files (skipped when absent), IDX
errors on corrupt copies, download with md5 check (local file:// mirror), the embedded
datasets, synthetic generators and transforms."""

import hashlib

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.datasets as D
from pydeepgen.datasets import transforms as T

from conftest import DATA, fake_mnist, require_data, write_idx

MNIST_TRAIN_HIST = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_HIST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _need(folder):
    require_data(f"{folder}/t10k-labels-idx1-ubyte.gz")


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


_write_idx = write_idx
_fake_mnist = fake_mnist


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
    assert D.default_root() == D.data_root()  # the old name of the one lookup


# --------------------------------------------------------------------------------------
# the one data-root lookup (pydeepgen.datasets.roots): explicit > $PDG_DATA > a shared/data
# folder beside the checkout > $PDG_CACHE/data (~/.cache/pydeepgen/data)
# --------------------------------------------------------------------------------------


def test_data_root_precedence(data_roots, tmp_path, monkeypatch):
    from pydeepgen.datasets import roots

    shared, cache = data_roots.shared, data_roots.cache
    assert roots.shared_data_dirs() == [shared]
    assert roots.data_root() == shared  # a shared/data folder exists: nothing asked of it
    assert roots.data_root(need="mnist") == cache  # ... but it does not hold mnist/
    _fake_mnist(shared)
    assert roots.data_root(need="mnist") == shared
    assert roots.data_root(need=("nothing", "mnist")) == shared  # any of the alternatives
    assert roots.data_root(need="fashion-mnist") == cache  # the download folder
    monkeypatch.setenv("PDG_CACHE", str(tmp_path / "c"))
    assert roots.cache_dir() == tmp_path / "c"
    assert roots.data_root(need="fashion-mnist") == tmp_path / "c" / "data"
    monkeypatch.setenv("PDG_DATA", str(tmp_path / "env"))  # taken as given, even empty
    assert roots.data_root(need="mnist") == tmp_path / "env"
    assert roots.search_path() == [("$PDG_DATA", tmp_path / "env")]
    assert roots.data_root(tmp_path / "x", need="mnist") == tmp_path / "x"  # explicit wins
    assert roots.data_root("~/d") == data_roots.home / "d"
    assert roots.data_root("") == tmp_path / "env"  # an empty --data-root is no --data-root


def test_data_root_nearest_shared_folder_and_none(data_roots, tmp_path, monkeypatch):
    from pydeepgen.datasets import roots

    inner = data_roots.work / "checkout" / "shared" / "data"  # shared/ inside the checkout
    (inner / "mnist").mkdir(parents=True)
    (data_roots.shared / "mnist").mkdir()
    assert roots.shared_data_dirs() == [inner, data_roots.shared]
    assert roots.data_root(need="mnist") == inner
    # an install with no shared/data above it: the download folder
    monkeypatch.setattr(roots, "__file__", str(tmp_path / "site" / "pydeepgen" / "datasets"
                                               / "roots.py"))
    assert roots.shared_data_dirs() == [] and roots.data_root() == data_roots.cache
    assert roots.search_path() == [("the download folder", data_roots.cache)]


def test_cache_dir_is_the_digits_classifier_cache(data_roots, tmp_path, monkeypatch):
    from pydeepgen.datasets import roots
    from pydeepgen.metrics import digits

    assert roots.cache_dir() == digits.cache_dir() == data_roots.home / ".cache" / "pydeepgen"
    monkeypatch.setenv("PDG_CACHE", str(tmp_path / "c"))
    assert roots.cache_dir() == digits.cache_dir() == tmp_path / "c"
    assert D.cache_dir is roots.cache_dir and D.data_root is roots.data_root


def test_mnist_and_the_metrics_use_the_lookup(data_roots):
    from pydeepgen.metrics import fid

    imgs, _ = _fake_mnist(data_roots.shared, n=7)
    ds = D.MNIST(train=False)
    assert ds.root == data_roots.shared and len(ds) == 7
    np.testing.assert_array_equal(fid.load_mnist_u8(train=False), imgs)  # FID's real images
    with pytest.raises(D.DatasetError) as e:  # not in the shared folder: the download folder
        D.FashionMNIST(train=False)
    msg = str(e.value)
    for text in ("t10k-images-idx3-ubyte.gz not found", "the data roots searched",
                 str(data_roots.shared / "fashion-mnist"), "shared/data beside the checkout",
                 str(data_roots.cache / "fashion-mnist"), "the download folder"):
        assert text in msg, (text, msg)


def test_download_goes_to_the_cache_not_the_shared_folder(data_roots, monkeypatch):
    from pydeepgen.datasets import mnist

    calls = []

    def fake_download(self, name):
        calls.append((self.root, name))
        raise D.DatasetError("no network in tests")

    monkeypatch.setattr(mnist.MNIST, "_download", fake_download)
    with pytest.raises(D.DatasetError, match="no network"):
        D.MNIST(train=False, download=True)
    assert calls == [(data_roots.cache, "t10k-images-idx3-ubyte.gz")]


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
