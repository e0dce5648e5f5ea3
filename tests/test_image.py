"""The one image-grid helper, ``pydeepgen.utils.image.make_grid`` (torchvision's semantics),
against an independent NumPy construction (pad, reshape, transpose), and the labs' imshow grid
(``examples/_common2.grid_image``), which is built on it, against the copy it replaced."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.utils import image
from pydeepgen.utils.image import make_grid, save_image

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _reference_grid(x, nrow=8, padding=2, pad_value=0.0, normalize=False, value_range=None,
                    scale_each=False):
    """torchvision.utils.make_grid in NumPy, built another way: every image padded on its
    top and left, the blocks laid out by reshape/transpose, the bottom/right edge added."""
    x = np.array(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = x[None]
    if x.shape[1] == 1:
        x = np.concatenate([x] * 3, axis=1)
    if normalize:
        def norm(a):
            lo, hi = value_range if value_range is not None else (a.min(), a.max())
            return (np.clip(a, lo, hi) - lo) / max(hi - lo, 1e-5)

        x = np.stack([norm(a) for a in x]) if scale_each else norm(x)
    if x.shape[0] == 1:
        return x[0]
    n, c, h, w = x.shape
    cols = min(nrow, n)
    rows = -(-n // cols)
    blank = np.full((rows * cols - n, c, h, w), pad_value)
    x = np.concatenate([x, blank])
    x = np.pad(x, ((0, 0), (0, 0), (padding, 0), (padding, 0)), constant_values=pad_value)
    x = x.reshape(rows, cols, c, h + padding, w + padding).transpose(2, 0, 3, 1, 4)
    x = x.reshape(c, rows * (h + padding), cols * (w + padding))
    return np.pad(x, ((0, 0), (0, padding), (0, padding)), constant_values=pad_value)


@pytest.mark.parametrize("n,c,nrow,padding", [
    (2, 1, 8, 2), (5, 1, 2, 1), (7, 3, 3, 0), (8, 1, 8, 2), (9, 3, 4, 3), (12, 1, 1, 1),
    (3, 3, 5, 2), (10, 1, 10, 1)])
def test_make_grid_matches_numpy(n, c, nrow, padding):
    rng = np.random.default_rng(n * 100 + c * 10 + nrow)
    x = rng.uniform(-1, 1, (n, c, 5, 4)).astype(np.float32)
    for kw in ({}, {"pad_value": 0.25}, {"normalize": True},
               {"normalize": True, "value_range": (-1.0, 1.0)},
               {"normalize": True, "scale_each": True}):
        got = make_grid(pdg.from_numpy(x), nrow=nrow, padding=padding, **kw).numpy()
        want = _reference_grid(x, nrow=nrow, padding=padding, **kw)
        assert got.shape == want.shape and got.dtype == np.float32, kw
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=str(kw))


def test_make_grid_single_images_and_lists():
    rng = np.random.default_rng(1)
    hw = rng.uniform(0, 1, (5, 4)).astype(np.float32)
    np.testing.assert_array_equal(make_grid(hw).numpy(), _reference_grid(hw))  # (3, 5, 4)
    chw = [pdg.from_numpy(rng.uniform(0, 1, (3, 5, 4)).astype(np.float32)) for _ in range(3)]
    np.testing.assert_allclose(make_grid(chw, nrow=2).numpy(),
                               _reference_grid(np.stack([t.numpy() for t in chw]), nrow=2),
                               rtol=1e-6)


def test_save_image_is_the_grid_in_bytes(tmp_path):
    from PIL import Image

    x = np.random.default_rng(2).uniform(-1, 1, (6, 1, 4, 4)).astype(np.float32)
    save_image(x, tmp_path / "g.png", nrow=3, normalize=True, value_range=(-1, 1))
    want = _reference_grid(x, nrow=3, normalize=True, value_range=(-1, 1))
    want = np.clip(want * 255.0 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "g.png")), want)


def test_the_sample_grids_use_it(tmp_path, monkeypatch):
    """The trainers' and the CLI's PNG grids (train.logs.save_sample_grid) go through
    utils.image's one grid builder."""
    from pydeepgen.train import logs

    seen = []
    real = image._grid_numpy
    monkeypatch.setattr(image, "_grid_numpy", lambda *a, **k: seen.append(a[1]) or real(*a, **k))
    logs.save_sample_grid(np.zeros((4, 1, 28, 28), np.float32), tmp_path / "s.png", nrow=2)
    assert seen == [2] and (tmp_path / "s.png").is_file()


def _old_grid_image(images, nrow):
    """The labs' grid before it was built on make_grid (examples/_common2.py)."""
    a = np.asarray(images, dtype=np.float32)
    if a.ndim == 4:
        a = a[:, 0]
    n, h, w = a.shape
    rows = (n + nrow - 1) // nrow
    out = np.full((rows * (h + 1) - 1, nrow * (w + 1) - 1), float(a.min()) if n else 0.0,
                  dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, nrow)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = a[i]
    return out


@pytest.fixture(scope="module")
def common2():
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location("_common2_under_test", EXAMPLES / "_common2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("n,nrow,four_d", [(32, 8, True), (36, 6, False), (20, 10, True),
                                           (9, 9, False), (7, 3, True), (3, 8, True),
                                           (1, 1, False), (1, 4, True), (5, 1, False)])
def test_lab_grid_image_unchanged(common2, n, nrow, four_d):
    x = np.random.default_rng(n + nrow).uniform(-1, 1, (n, 1, 6, 5) if four_d else (n, 6, 5))
    got = common2.grid_image(x.astype(np.float32), nrow)
    want = _old_grid_image(x, nrow)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
