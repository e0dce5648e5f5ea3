"""MNIST and Fashion-MNIST from their IDX files (gzipped or raw), with optional download.

Files are looked up in ``root/<folder>/`` (``mnist`` or ``fashion-mnist``, the layout of
the shared data directory) and in torchvision's ``root/<Name>/raw/``; without ``root`` the
folder is :func:`pydeepgen.datasets.roots.data_root`'s (``$PDG_DATA``, a ``shared/data``
folder beside the checkout that holds the data set, ``~/.cache/pydeepgen/data``).
``download=True`` fetches missing files from the standard public mirrors and checks their md5 before
moving them into place. Any missing, truncated or corrupt file raises ``DatasetError``
naming the file and saying how to get it.

A sample is ``(image, label)``: image float32 (1, 28, 28) in [0, 1] then ``transform``;
label int64 then ``target_transform``. ``.data`` (uint8 N x 28 x 28) and ``.targets``
(int64 N) hold the raw arrays, as in torchvision.
"""

import gzip
import hashlib
import os
import struct
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from ..data.dataset import Dataset
from .roots import data_root, searched_text
from .transforms import apply_batch

__all__ = ["MNIST", "FashionMNIST", "DatasetError", "default_root", "read_idx"]


class DatasetError(RuntimeError):
    """A dataset file is missing, truncated or corrupt (the message says which and what to do)."""


def default_root(need=None):
    """The data root when none is given: :func:`pydeepgen.datasets.roots.data_root` (kept
    under its old name)."""
    return data_root(None, need)


_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path, expect_ndim=None):
    """Parse one IDX file (``.gz`` or raw) into a NumPy array; DatasetError when malformed."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError(f"{path}: cannot decompress ({e}); the file is truncated or corrupt. "
                           "Delete it and download it again (download=True).") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DatasetError(f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'}); "
                           "the file is corrupt or not the dataset file. Delete it and download "
                           "it again (download=True).")
    ndim = raw[3]
    if expect_ndim is not None and ndim != expect_ndim:
        raise DatasetError(f"{path}: IDX file has {ndim} dimensions, expected {expect_ndim} "
                           "(images are 3-d, labels 1-d): wrong or corrupt file")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path}: IDX header is truncated")
    dims = struct.unpack(">" + "I" * ndim, raw[4:header])
    dt = np.dtype(_IDX_DTYPES[raw[2]])
    need = header + int(np.prod(dims, dtype=np.int64)) * dt.itemsize
    if len(raw) != need:
        raise DatasetError(f"{path}: IDX file holds {len(raw)} bytes, its header {dims} needs "
                           f"{need}: the file is truncated or corrupt. Delete it and download it "
                           "again (download=True).")
    return np.frombuffer(raw, dtype=dt, offset=header).reshape(dims).astype(dt.newbyteorder("="))


def _md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class MNIST(Dataset):
    """MNIST digits: 60000 training and 10000 test images (LeCun, Cortes & Burges)."""

    folder = "mnist"
    torchvision_folder = "MNIST"
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        self._given_root = root is not None
        self.root = Path(root).expanduser() if root is not None else data_root(
            None, need=self._needs())
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        split = "train" if self.train else "t10k"
        img_name, lab_name = f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz"
        img_path = self._find(img_name, download)
        lab_path = self._find(lab_name, download)
        images = read_idx(img_path, expect_ndim=3)
        labels = read_idx(lab_path, expect_ndim=1)
        if images.dtype != np.uint8 or labels.dtype != np.uint8:
            raise DatasetError(f"{img_path} / {lab_path}: expected unsigned-byte IDX files")
        if images.shape[0] != labels.shape[0]:
            raise DatasetError(f"{img_path} has {images.shape[0]} images but {lab_path} has "
                               f"{labels.shape[0]} labels: one of the files is wrong")
        if labels.size and labels.max() >= len(self.classes):
            raise DatasetError(f"{lab_path}: label {labels.max()} out of range [0, 10): corrupt file")
        from ..ops.creation import from_numpy

        self._images = np.ascontiguousarray(images)
        self._labels = labels.astype(np.int64)
        self.data = from_numpy(self._images)
        self.targets = from_numpy(self._labels)

    # -- files ---------------------------------------------------------------------------
    @classmethod
    def _needs(cls):
        """What a shared data folder must hold to be this dataset's root."""
        return (cls.folder, f"{cls.torchvision_folder}/raw")

    def _candidates(self, name):
        raw = name[:-3]
        dirs = [self.root / self.folder, self.root / self.torchvision_folder / "raw", self.root]
        return [d / n for d in dirs for n in (name, raw)]

    def _find(self, name, download):
        for p in self._candidates(name):
            if p.is_file():
                return p
        if download:
            return self._download(name)
        where = self.root / self.folder
        searched = "" if self._given_root else (
            f"; the data roots searched: {searched_text(None, self.folder)}")
        raise DatasetError(
            f"{type(self).__name__}: file {name} not found in {where} (also looked for the "
            f"uncompressed file and in {self.root / self.torchvision_folder / 'raw'}{searched})."
            f" Pass download=True to fetch it from {self.mirrors[0]}, or copy the IDX files "
            "there (set $PDG_DATA or root= to use another directory).")

    def _download(self, name):
        dest_dir = self.root / self.folder
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / name
        errors = []
        for mirror in self.mirrors:
            url = mirror + name
            fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=name + ".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as r:
                    while True:
                        chunk = r.read(1 << 20)
                        if not chunk:
                            break
                        out.write(chunk)
                digest = _md5(tmp)
                if digest != self.resources[name]:
                    errors.append(f"{url}: md5 {digest} != expected {self.resources[name]}")
                    os.unlink(tmp)
                    continue
                os.replace(tmp, dest)
                return dest
            except OSError as e:
                errors.append(f"{url}: {e}")
                if os.path.exists(tmp):
                    os.unlink(tmp)
        raise DatasetError(f"{type(self).__name__}: could not download {name} into {dest_dir}:\n  "
                           + "\n  ".join(errors))

    # -- samples -------------------------------------------------------------------------
    def __len__(self):
        return self._labels.shape[0]

    def __getitem__(self, index):
        from ..ops.creation import from_numpy, tensor

        # same arithmetic as _get_batch, so a sample equals its row of a batch bit for bit
        img = from_numpy(self._images[index].astype(np.float32)[None] * np.float32(1.0 / 255.0))
        label = tensor(int(self._labels[index]))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return img, label

    def _get_batch(self, idx):
        """A batch with one gather: images (B, 1, 28, 28) float32, labels (B,) int64."""
        from ..ops.creation import from_numpy

        imgs = np.take(self._images, idx, axis=0).astype(np.float32)
        imgs *= np.float32(1.0 / 255.0)
        x = from_numpy(imgs[:, None])
        y = from_numpy(np.take(self._labels, idx))
        return apply_batch(self.transform, x), apply_batch(self.target_transform, y)

    def __repr__(self):
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {'Train' if self.train else 'Test'}")


class FashionMNIST(MNIST):
    """Fashion-MNIST (Xiao, Rasul & Vollgraf, Zalando Research; MIT licence)."""

    folder = "fashion-mnist"
    torchvision_folder = "FashionMNIST"
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
