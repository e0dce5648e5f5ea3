"""pydeepgen: a deep-learning library whose every kernel is written in the open.

``import pydeepgen as pdg`` gives a PyTorch-like API: tensors with autograd, ``pdg.nn``,
``pdg.optim``, data loading, and models, on C++ (and CUDA) kernels in ``pydeepgen._C``.
"""

import os as _os

# OpenMP threads sleep instead of spinning while they wait for work, unless the user
# chose otherwise. Measured on a shared 2-core machine (load ~7): an MLP training step
# took 76 ms (median) with spinning threads and 0.89 ms with sleeping ones; on a quiet
# machine the cost of sleeping is ~0.1 ms per step (0.84 vs 0.76 ms). Must be set before
# libgomp loads with _C. OMP_WAIT_POLICY=active restores spinning.
if "OMP_WAIT_POLICY" not in _os.environ and "GOMP_SPINCOUNT" not in _os.environ:
    _os.environ["OMP_WAIT_POLICY"] = "passive"

try:
    from . import _C
except ImportError as _e:  # pragma: no cover - depends on how the package was installed
    raise ImportError(
        "pydeepgen: the compiled extension pydeepgen._C could not be imported "
        f"({_e}). If you are running from the source tree "
        f"({_os.path.dirname(_os.path.dirname(__file__))}), Python is importing the "
        "uncompiled sources: install with `python -m pip install .` and run from another "
        "directory, or use an editable install (`pip install --no-build-isolation -e .`)."
    ) from None
from . import config as _config

_config._apply_env_simd()  # PDG_SIMD: checked before any kernel can run
from ._dtype import bool_ as bool  # noqa: A001
from ._dtype import double, dtype, float32, float64, int64, long, promote_types, uint8
from ._dtype import float  # noqa: A001
from ._tensor import Tensor, device
from . import _tensor_methods  # noqa: F401  (attaches operators and methods to Tensor)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .config import (config, empty_cache, get_num_threads, get_simd_level, info, memory_stats,
                     set_num_threads, set_simd_level, show_config, simd_levels)
from .ops.creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                           linspace, normal, ones, ones_like, rand, rand_like, randint, randn,
                           randn_like, randperm, tensor, zeros, zeros_like)
from .ops.elementwise import (add, broadcast_shapes, div, eq, floor_divide, ge, gt, le,
                              logical_and, logical_not, logical_or, logical_xor, lt, maximum,
                              minimum, mul, ne, pow, remainder, sub)
from .ops.linalg import bmm, dot, matmul, mm, outer
from .ops.reduce import (all, amax, amin, any, argmax, argmin, count_nonzero, logsumexp, max,
                         mean, min, prod, std, sum, var)
from .ops.shape import (broadcast_tensors, broadcast_to, cat, chunk, clone, concat, flatten,
                        hstack, narrow, permute, reshape, split, squeeze, stack, transpose,
                        unbind, unsqueeze, vstack)
from .ops.unary import *  # noqa: F401,F403
from .ops.activation import *  # noqa: F401,F403
from .ops.softmax import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.scan import *  # noqa: F401,F403
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from . import autograd, cuda, nn, testing  # noqa: E402
from . import data, datasets, optim, utils  # noqa: E402
from .io import load, save  # noqa: E402
from . import kernels  # noqa: E402

__version__ = _C.build_config()["version"]


def __getattr__(name):
    # Heavier subpackages load on first use (pdg.models, pdg.train, pdg.metrics), so
    # `import pydeepgen` stays quick.
    if name in ("models", "train", "metrics", "cli", "demos"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'pydeepgen' has no attribute '{name}'")
