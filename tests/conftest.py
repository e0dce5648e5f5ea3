"""Shared pytest configuration, and the one place the tests find their data.

Data: ``DATA`` is the data root the tests read: ``$PDG_TEST_DATA`` if set (CI sets it; an
alias of ``--data-root`` for the tests alone), else pydeepgen's own lookup
(:func:`pydeepgen.datasets.roots.data_root`: ``$PDG_DATA``, else a ``shared/data`` folder
beside the checkout, else ``~/.cache/pydeepgen/data``). A test that needs a file of it skips
cleanly without it::

    from conftest import DATA, needs_data

    @needs_data("mnist/t10k-images-idx3-ubyte.gz")
    def test_x(): ...

or asks for a path with the ``data_file`` helper / skips with ``require_data``. Tests never
download. The ``data_roots`` fixture isolates the lookup itself (a fake checkout, HOME and
no $PDG_DATA / $PDG_CACHE) for the tests of it; ``fake_mnist`` writes tiny IDX files.
"""

import gzip
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from pydeepgen.datasets.roots import data_root, searched_text

TEST_DATA_ENV = "PDG_TEST_DATA"
MNIST_FILE = "mnist/t10k-images-idx3-ubyte.gz"
LIPIZZANER_FILE = "lipizzaner/mnist-generator-000.npz"


def _test_root(need=None):
    return data_root(os.environ.get(TEST_DATA_ENV) or None, need=need)


DATA = _test_root("mnist")


def _where(name):
    given = os.environ.get(TEST_DATA_ENV) or None
    where = (f"${TEST_DATA_ENV}/{name} = {DATA / name}" if given
             else f"searched {searched_text(None, name)}")
    return f"{name} not found ({where}; set ${TEST_DATA_ENV} or $PDG_DATA to the data folder)"


def data_file(name):
    """``DATA / name`` when it exists, else None (a file or folder of the shared data)."""
    p = DATA / name
    return p if p.exists() else None


def needs_data(*names):
    """A skip marker: the test runs only where every ``name`` exists under ``DATA``."""
    missing = [n for n in names if data_file(n) is None]
    return pytest.mark.skipif(bool(missing), reason=_where(missing[0]) if missing else "")


def require_data(*names):
    """Skip the running test unless every ``name`` exists under ``DATA``."""
    for n in names:
        if data_file(n) is None:
            pytest.skip(_where(n))


needs_mnist = needs_data(MNIST_FILE, "mnist/train-images-idx3-ubyte.gz")
needs_lipizzaner = needs_data(LIPIZZANER_FILE)


@pytest.fixture(scope="session")
def data_dir():
    """The tests' data root (``DATA``), as a fixture."""
    return DATA


# --------------------------------------------------------------------------------------
# tests of the lookup itself: a fake checkout and fake MNIST files
# --------------------------------------------------------------------------------------

def write_idx(path, arr, gz=True):
    """``arr`` (uint8) as an IDX file (gzipped if ``gz``); returns the raw bytes."""
    arr = np.asarray(arr, dtype=np.uint8)
    raw = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    raw += arr.tobytes()
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(raw)
    else:
        Path(path).write_bytes(raw)
    return raw


def fake_mnist(root, n=6, gz=True, folder="mnist"):
    """Both splits of a tiny MNIST (``n`` random images, labels 0, 1, ...) in ``root/folder``."""
    d = Path(root) / folder
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (n, 28, 28))
    labels = np.arange(n) % 10
    suffix = ".gz" if gz else ""
    for split in ("train", "t10k"):
        write_idx(d / f"{split}-images-idx3-ubyte{suffix}", imgs, gz)
        write_idx(d / f"{split}-labels-idx1-ubyte{suffix}", labels, gz)
    return imgs, labels


@pytest.fixture
def data_roots(tmp_path, monkeypatch):
    """The data-root lookup, isolated: pydeepgen's source seems to live in a checkout
    ``work/checkout`` beside an empty ``work/shared/data``, HOME is a fresh folder, and
    neither $PDG_DATA nor $PDG_CACHE is set. Gives ``shared``, ``home`` and ``cache`` (the
    download folder, ``~/.cache/pydeepgen/data``)."""
    from pydeepgen.datasets import roots

    work = tmp_path / "work"
    shared = work / "shared" / "data"
    shared.mkdir(parents=True)
    monkeypatch.setattr(roots, "__file__",
                        str(work / "checkout" / "pydeepgen" / "datasets" / "roots.py"))
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("PDG_DATA", raising=False)
    monkeypatch.delenv("PDG_CACHE", raising=False)
    return SimpleNamespace(work=work, shared=shared, home=home,
                           cache=home / ".cache" / "pydeepgen" / "data")


def pytest_configure(config):
    # One marker per course lab (`pytest -m lab05`); --strict-markers needs them declared.
    # pyproject.toml may declare them too: registering a marker twice is harmless.
    for n in range(1, 19):
        config.addinivalue_line("markers", f"lab{n:02d}: course lab {n} (examples/{n:02d}_*.py)")
