"""Checkpoints: ``pdg.save(obj, path)`` / ``pdg.load(path)`` in the safetensors format.

* Tensors go into the safetensors file through the ``safetensors`` package's NumPy API.
  A flat ``{name: Tensor}`` dict (a ``state_dict()``) keeps its names as the safetensors
  keys, so ``safetensors.torch.load_file`` reads it straight into a PyTorch module of the
  same architecture.
* Anything else JSON can hold (optimizer hyper-parameters and step counts, the epoch, a
  scheduler's state, nested dicts/lists/tuples) is stored as a JSON "skeleton" string in
  the safetensors metadata (key ``pydeepgen.structure``) in which each tensor is replaced
  by ``{"__tensor__": key}``. Nothing is ever pickled.
* Metadata: ``pydeepgen.version``, ``pydeepgen.order`` (a flat dict's key order),
  ``pydeepgen.sha256`` (a digest of every tensor's name, dtype, shape and bytes),
  ``pydeepgen.header_sha256`` (a digest of that digest and of every other metadata entry:
  the structure record, the order, the caller's own ``metadata={str: str}``) and
  ``pydeepgen.integrity`` ("2": the file has the header digest). Both digests are checked on
  load, so a flipped bit anywhere (tensor bytes, a stored step count or string, a metadata
  key) is an error, not silently different data. Files from before the header digest (no
  ``pydeepgen.integrity``) still load, with only the tensor digest checked.
* Writes are atomic: the bytes go to a temporary file ``.<name>.<pid>.<random>.tmp`` in the
  same directory, which is flushed, fsync'ed and renamed over the target (``os.replace``),
  then the directory is fsync'ed. An interrupted save leaves the previous file untouched.
  A killed save (SIGKILL, power loss) leaves its temporary file behind; the next save to the
  same path removes it. The writer holds an exclusive ``flock`` on its temporary file until
  the rename, and the kernel drops a dead process's locks, so a temporary file that can be
  locked belongs to no live writer (POSIX only; on Windows they stay).
"""

import hashlib
import json
import os
import re
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no flock, so stale temporary files are not cleaned up there
    fcntl = None

from ._tensor import Tensor

__all__ = ["save", "load", "load_metadata", "CheckpointError"]

_STRUCT = "pydeepgen.structure"
_VERSION = "pydeepgen.version"
_DIGEST = "pydeepgen.sha256"
_ORDER = "pydeepgen.order"
_HEADER_DIGEST = "pydeepgen.header_sha256"
_INTEGRITY = "pydeepgen.integrity"
_RESERVED = (_STRUCT, _VERSION, _DIGEST, _ORDER, _HEADER_DIGEST, _INTEGRITY, "format")


class CheckpointError(ValueError):
    """A checkpoint file is truncated, corrupt or not what the caller expects."""


def _version():
    from . import _C

    return _C.build_config()["version"]


def _as_array(t):
    a = t.detach().numpy() if isinstance(t, Tensor) else np.asarray(t)
    # not np.ascontiguousarray: it turns a 0-d array (BatchNorm's num_batches_tracked) into
    # shape (1,), and the checkpoint would no longer load into the module it came from
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _digest(arrays):
    h = hashlib.sha256()
    for k in sorted(arrays):
        a = arrays[k]
        h.update(k.encode())
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(memoryview(a).cast("B") if a.size else b"")
    return h.hexdigest()


def _header_digest(meta):
    """sha256 of every metadata entry but the header digest itself (canonical JSON)."""
    rest = {k: v for k, v in meta.items() if k != _HEADER_DIGEST}
    return hashlib.sha256(json.dumps(rest, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _flatten(obj, arrays, path):
    """The JSON skeleton of ``obj``; tensors/arrays are moved into ``arrays``."""
    if isinstance(obj, (Tensor, np.ndarray)):
        key = "/".join(path) if path else "tensor"
        if key in arrays:
            raise ValueError(f"save: two tensors would be stored under the key {key!r}")
        arrays[key] = _as_array(obj)
        return {"__tensor__": key}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    if isinstance(obj, tuple):
        return {"__tuple__": [_flatten(v, arrays, path + [str(i)]) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_flatten(v, arrays, path + [str(i)]) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": [[k, _flatten(v, arrays, path + [k])] for k, v in obj.items()]}
        if all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in obj):
            return {"__intdict__": [[int(k), _flatten(v, arrays, path + [str(k)])]
                                    for k, v in obj.items()]}
        raise TypeError(f"save: dict keys at {'/'.join(path) or '<root>'} must be all str or all "
                        "int")
    raise TypeError(f"save: cannot store a {type(obj).__name__} at {'/'.join(path) or '<root>'} "
                    "(tensors, arrays, numbers, str, None, lists, tuples and dicts only; "
                    "objects are never pickled)")


def _unflatten(node, tensors):
    if isinstance(node, list):
        return [_unflatten(v, tensors) for v in node]
    if isinstance(node, dict):
        if "__tensor__" in node:
            return tensors[node["__tensor__"]]
        if "__tuple__" in node:
            return tuple(_unflatten(v, tensors) for v in node["__tuple__"])
        if "__dict__" in node:
            return OrderedDict((k, _unflatten(v, tensors)) for k, v in node["__dict__"])
        if "__intdict__" in node:
            return {int(k): _unflatten(v, tensors) for k, v in node["__intdict__"]}
        raise KeyError(f"unknown node {sorted(node)}")
    return node


def _is_flat_tensor_dict(obj):
    return isinstance(obj, dict) and len(obj) > 0 and all(
        isinstance(k, str) and isinstance(v, (Tensor, np.ndarray)) for k, v in obj.items())


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # e.g. platforms without directory fds
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temp_pattern(name):
    """The temporary files of saves to ``name``: ``.<name>.<pid>.<random>.tmp`` (mkstemp's
    random part has no dots, so the temps of ``name.bak`` do not match)."""
    return re.compile(re.escape("." + name) + r"\.\d+\.[^.]+\.tmp")


def _try_lock(fd):
    """Take an exclusive flock on ``fd`` without waiting; False if another holds one."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:  # held by a live writer, or a file system without locks
        return False


def _remove_stale_temps(directory, name):
    """Delete the temporary files that killed saves to ``name`` left in ``directory``: those
    no live writer holds a lock on."""
    if fcntl is None:
        return
    pattern = _temp_pattern(name)
    try:
        names = [e.name for e in os.scandir(directory) if pattern.fullmatch(e.name)]
    except OSError:
        return
    for stale in names:
        p = os.path.join(directory, stale)
        try:
            fd = os.open(p, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
        except OSError:  # gone already (its writer renamed it), or not ours to open
            continue
        try:
            # and still under that name: a live writer renames its file before unlocking it
            if _try_lock(fd) and os.path.samestat(os.fstat(fd), os.stat(p)):
                os.unlink(p)
        except OSError:
            pass
        finally:
            os.close(fd)


def _locked_temp(directory, name):
    """A new temporary file for a save to ``name``, opened and (POSIX) exclusively locked."""
    prefix = f".{name}.{os.getpid()}."
    while True:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
        if fcntl is None:
            return fd, tmp
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: no save there can clean up either
            return fd, tmp
        # Another save may have taken the new file for stale and deleted it between mkstemp
        # and flock; once locked, it is safe. Start again if the name is no longer ours.
        try:
            if os.path.samestat(os.stat(tmp), os.fstat(fd)):
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)


def _atomic_write(path, data):
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"save: cannot write {path}: the directory {directory} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"save: cannot write {path}: it is a directory")
    _remove_stale_temps(directory, path.name)
    fd, tmp = _locked_temp(directory, path.name)
    f = os.fdopen(fd, "wb")
    try:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
        if os.name == "nt":
            f.close()  # Windows cannot rename an open file (and it holds no lock)
        # POSIX: rename while still locked, so a cleaner can never take the finished file
        os.replace(tmp, path)
    except BaseException:
        f.close()
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    f.close()  # releases the lock
    _fsync_dir(directory)


def save(obj, path, metadata=None):
    """Write ``obj`` (a state dict, or a dict of state dicts, numbers, ...) to ``path``."""
    from safetensors.numpy import save as st_save

    arrays = OrderedDict()
    if _is_flat_tensor_dict(obj):
        for k, v in obj.items():
            arrays[k] = _as_array(v)
        structure = None
    else:
        structure = _flatten(obj, arrays, [])
    meta = {"format": "pt", _VERSION: _version(), _DIGEST: _digest(arrays)}
    if structure is not None:
        meta[_STRUCT] = json.dumps(structure, allow_nan=True)
    else:  # safetensors sorts its keys; remember the state dict's order
        meta[_ORDER] = json.dumps(list(arrays))
    for k, v in (metadata or {}).items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"save: metadata must map str to str, got {k!r}: {type(v).__name__}")
        if k in _RESERVED:
            raise ValueError(f"save: metadata key {k!r} is reserved by pydeepgen")
        meta[k] = v
    meta[_INTEGRITY] = "2"
    meta[_HEADER_DIGEST] = _header_digest(meta)
    _atomic_write(_path_arg("save", path), st_save(dict(arrays), metadata=meta))


def _read(path):
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    path = _path_arg("load", path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"load: checkpoint {path} does not exist") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"load: {path} is a directory, not a checkpoint file") from None
    except PermissionError:
        raise PermissionError(f"load: no permission to read {path}") from None
    if len(raw) < 8:
        raise CheckpointError(f"load: {path} is truncated ({len(raw)} bytes): not a complete "
                              "safetensors checkpoint")
    try:
        header_len = int.from_bytes(raw[:8], "little")
        if header_len > len(raw) - 8:
            raise CheckpointError(f"load: {path} is truncated or corrupt: its header claims "
                                  f"{header_len} bytes, the file has {len(raw) - 8} after the "
                                  "length field")
        header = json.loads(raw[8:8 + header_len])
        arrays = st_load(raw)
    except CheckpointError:
        raise
    except (SafetensorError, ValueError, UnicodeDecodeError) as e:
        raise CheckpointError(f"load: {path} is not a valid safetensors checkpoint "
                              f"(truncated or corrupt): {e}") from None
    meta = header.get("__metadata__", {}) or {}
    if not isinstance(meta, dict):
        raise CheckpointError(f"load: {path} is corrupt: its metadata is not a mapping")
    _check_header(path, meta)
    return path, arrays, meta


def _check_header(path, meta):
    marked, digest = meta.get(_INTEGRITY), meta.get(_HEADER_DIGEST)
    if marked is None and digest is None:
        if any(k.startswith("pydeepgen.") for k in meta) and _DIGEST not in meta:
            raise CheckpointError(f"load: {path} is corrupt: a pydeepgen checkpoint without its "
                                  "checksum")
        return  # a file of an older pydeepgen, or any other safetensors file
    if marked != "2" or digest is None or digest != _header_digest(meta):
        raise CheckpointError(f"load: {path} is corrupt: its header (the structure record or the "
                              "metadata) does not match the checksum written with it")


def _path_arg(op, path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{op}: path must be a str or os.PathLike, got {type(path).__name__} ({path!r})")
    return Path(path)


def load_metadata(path):
    """The file's metadata dict (library version, user keys); tensors are not returned."""
    _, _, meta = _read(path)
    return dict(meta)


def load(path, return_metadata=False):
    """Read a file written by ``save`` (or any safetensors file: a flat dict of tensors)."""
    from .ops.creation import from_numpy

    path, arrays, meta = _read(path)
    if _DIGEST in meta and _digest(arrays) != meta[_DIGEST]:
        raise CheckpointError(f"load: {path} is corrupt: the tensor data does not match the "
                              "checksum written with it")
    keys = list(arrays)
    if _ORDER in meta:
        try:
            order = json.loads(meta[_ORDER])
        except ValueError:
            order = None
        if isinstance(order, list) and sorted(order) == sorted(keys):
            keys = order
    tensors = OrderedDict((k, from_numpy(np.array(arrays[k]))) for k in keys)
    if _STRUCT in meta:
        try:
            obj = _unflatten(json.loads(meta[_STRUCT]), tensors)
        except (ValueError, KeyError, TypeError) as e:
            raise CheckpointError(f"load: {path} has a corrupt structure record: {e}") from None
    else:
        obj = tensors
    if return_metadata:
        return obj, dict(meta)
    return obj
