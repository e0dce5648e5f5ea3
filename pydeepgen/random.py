"""Seeded random numbers: a Philox4x32-10 generator in C++ (csrc/core/rng.h).

The state is (seed, offset): saving it with ``get_state()`` and restoring it with
``set_state()`` resumes the exact stream, whatever the number of threads.
"""

import numpy as np

from . import _C


class Generator:
    """A random number generator, as ``torch.Generator``."""

    def __init__(self, device="cpu", _c=None):
        self._c = _c if _c is not None else _C.Generator()

    def manual_seed(self, seed):
        from ._args import int_arg

        seed = int_arg("manual_seed()", "seed", seed, minimum=-(1 << 63))
        if seed < 0:  # as PyTorch: a negative seed is read as its 64-bit two's complement
            seed += 1 << 64
        if not 0 <= seed < (1 << 64):
            raise ValueError(f"manual_seed(): seed must be in [-2**63, 2**64), got {seed}")
        self._c.manual_seed(seed)
        return self

    def initial_seed(self):
        return self._c.seed()

    def seed(self):
        import os

        s = int.from_bytes(os.urandom(8), "little")
        self._c.manual_seed(s)
        return s

    def get_state(self):
        """The state as a uint8 tensor of 16 bytes (seed, offset; little endian)."""
        from .ops.creation import from_numpy

        a = np.array([self._c.seed(), self._c.offset()], dtype="<u8").view(np.uint8).copy()
        return from_numpy(a)

    def set_state(self, state):
        try:
            a = np.asarray(state.numpy() if hasattr(state, "numpy") else state, dtype=np.uint8)
        except (TypeError, ValueError) as e:
            raise TypeError(f"set_state(): expected a 16-byte uint8 tensor, got {type(state).__name__} ({e})") from None
        if a.size != 16:
            raise ValueError(f"set_state(): expected a 16-byte uint8 state, got {a.size} bytes")
        seed, offset = (int(x) for x in a.reshape(16).view("<u8"))
        self._c.set_state(seed, offset)
        return self


default_generator = Generator(_c=_C.default_generator())


def manual_seed(seed):
    """Seed the default generator (every pdg random draw uses it unless given another)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)
