"""Training checkpoints: nested training state <-> one safetensors file, written atomically.

A checkpoint is any nesting of dicts/lists/tuples whose leaves are pdg tensors, NumPy arrays
or JSON values (numbers, strings, bools, None). :func:`flatten_state` splits it into a flat
``{key: tensor}`` dict plus one JSON tree in which every tensor is replaced by a reference
to its key (dict keys keep their type: optimizer states are keyed by int). ``pdg.save``
writes the tensors as safetensors with the tree as a JSON string in the file's metadata
(key ``pydeepgen.training_state``), atomically (temporary file, fsync, rename): an interrupted
save never replaces the last good checkpoint with a half-written one. No pickle anywhere.
The file's tensor keys are ``modules.model.<state dict key>`` etc., so
``safetensors.torch.load_file`` reads it too.
"""

import json
import os
from pathlib import Path

import numpy as np

__all__ = ["flatten_state", "unflatten_state", "save_checkpoint", "load_checkpoint",
           "CheckpointError", "FORMAT"]

FORMAT = "pydeepgen-checkpoint/1"
_STATE_KEY = "pydeepgen.training_state"


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read or does not hold what the caller needs."""


def _is_tensor(x):
    from .._tensor import Tensor

    return isinstance(x, Tensor)


def flatten_state(obj):
    """Split ``obj`` into (``{key: tensor-or-ndarray}``, JSON-able tree)."""
    tensors = {}

    def walk(x, path):
        if _is_tensor(x) or isinstance(x, np.ndarray):
            key = path or "tensor"
            tensors[key] = x
            return {"__t__": key, "np": isinstance(x, np.ndarray)}
        if isinstance(x, dict):
            return {"__d__": [[k, walk(v, f"{path}.{k}" if path else str(k))]
                              for k, v in x.items()]}
        if isinstance(x, tuple):
            return {"__tuple__": [walk(v, f"{path}.{i}") for i, v in enumerate(x)]}
        if isinstance(x, list):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(x)]
        if isinstance(x, (np.generic,)):
            return x.item()
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        raise TypeError(f"checkpoint: cannot store a {type(x).__name__} at {path!r}")

    tree = walk(obj, "")
    return tensors, tree


def unflatten_state(tensors, tree):
    """Inverse of :func:`flatten_state` (tensors come back as pdg tensors or ndarrays)."""

    def walk(x):
        if isinstance(x, dict):
            if "__t__" in x:
                t = tensors[x["__t__"]]
                if x.get("np"):
                    return t.numpy().copy() if _is_tensor(t) else np.asarray(t)
                return t
            if "__d__" in x:
                return {(tuple(k) if isinstance(k, list) else k): walk(v) for k, v in x["__d__"]}
            if "__tuple__" in x:
                return tuple(walk(v) for v in x["__tuple__"])
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    return walk(tree)


def save_checkpoint(state, path):
    """Write nested training ``state`` to ``path`` (safetensors via ``pdg.save``, atomic)."""
    import pydeepgen as pdg

    tensors, tree = flatten_state(state)
    out = {}
    for k, v in tensors.items():
        if isinstance(v, np.ndarray):
            v = pdg.from_numpy(v if v.flags.c_contiguous else np.ascontiguousarray(v))  # keeps 0-d
        out[k] = v.detach().contiguous()
    blob = json.dumps({"format": FORMAT, "tree": tree})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdg.save(out, os.fspath(path), metadata={_STATE_KEY: blob})
    return path


def load_checkpoint(path):
    """Read a checkpoint written by :func:`save_checkpoint` back into its nested state.

    Raises ``FileNotFoundError`` if it does not exist and :class:`CheckpointError` if it is
    not a pydeepgen training checkpoint (corrupt, truncated, or a bare state dict)."""
    import pydeepgen as pdg

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        flat, meta = pdg.load(os.fspath(path), return_metadata=True)
    except (ValueError, RuntimeError, OSError) as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e}") from None
    if _STATE_KEY not in meta:
        raise CheckpointError(f"{path} is not a pydeepgen training checkpoint (no training "
                              f"state inside; a bare state dict loads with pdg.load)")
    try:
        blob = json.loads(meta[_STATE_KEY])
    except ValueError as e:
        raise CheckpointError(f"checkpoint {path}: unreadable training state ({e})") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path}: unknown format")
    try:
        return unflatten_state(flat, blob["tree"])
    except (KeyError, TypeError) as e:
        raise CheckpointError(f"checkpoint {path}: tensors and training state disagree ({e})") \
            from None
