"""Threads, the SIMD level and the build configuration (``pdg.show_config()``)."""

import os
import platform

from . import _C

SIMD_LEVELS = ("baseline", "avx2", "avx512")  # lowest first
_simd_reason = "the best level this CPU supports"


class _SimdCap:
    """Returned by ``set_simd_level``: the cap is already set; ``with`` restores the
    previous one on exit."""

    def __init__(self, previous, previous_reason):
        self._previous = previous
        self._previous_reason = previous_reason

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _simd_reason
        _C.set_simd_level(self._previous)
        _simd_reason = self._previous_reason
        return False


def set_simd_level(level):
    """Cap the instruction set the CPU kernels may use: ``"baseline"``, ``"avx2"``,
    ``"avx512"`` or ``"auto"`` (the best this CPU supports). The cap can only lower the
    level: asking for more than the CPU has raises ``ValueError``, never an illegal
    instruction. Takes effect at the next kernel call; usable as a context manager that
    restores the previous level. ``PDG_SIMD`` sets it at import."""
    global _simd_reason
    if not isinstance(level, str):
        raise TypeError(f"set_simd_level: expected a level name (str), got {type(level).__name__}")
    previous, previous_reason = _C.get_simd_level(), _simd_reason
    _C.set_simd_level(level.strip().lower())
    _simd_reason = ("the best level this CPU supports" if level.strip().lower() == "auto"
                    else f"capped by pdg.set_simd_level({level!r})")
    return _SimdCap(previous, previous_reason)


def get_simd_level():
    """The SIMD level the CPU kernels use now: ``min(CPU's best, cap)``."""
    return _C.get_simd_level()


def simd_levels():
    """The levels this CPU can run, lowest first (each one a valid ``set_simd_level``)."""
    best = _C.simd_detected()
    return SIMD_LEVELS[: SIMD_LEVELS.index(best) + 1]


def _apply_env_simd():
    """Honour ``PDG_SIMD`` at import; a level the CPU lacks is an error here, before any
    kernel runs."""
    global _simd_reason
    value = os.environ.get("PDG_SIMD", "").strip().lower()
    if not value:
        return
    try:
        _C.set_simd_level(value)
    except ValueError as e:
        raise ImportError(f"pydeepgen: PDG_SIMD={value}: {e}. Unset PDG_SIMD or choose one of "
                          f"{', '.join(simd_levels())}.") from None
    _simd_reason = ("PDG_SIMD=auto: the best level this CPU supports" if value == "auto"
                    else f"capped by PDG_SIMD={value}")


def set_num_threads(n):
    """Number of OpenMP threads the kernels use (an int >= 1; a float or a string is a
    TypeError, as in torch)."""
    from ._args import int_arg

    _C.set_num_threads(int_arg("set_num_threads", "n", n, 1))


def get_num_threads():
    return _C.get_num_threads()


def config():
    from . import cuda

    cfg = dict(_C.build_config())
    info = cuda.build_info()
    cfg["threads"] = _C.get_num_threads()
    cfg["cuda_available"] = info["available"]
    cfg["cuda_reason"] = info["reason"]
    cfg["python"] = platform.python_version()
    cfg["gemm_variant"] = _C.get_gemm_variant()
    cfg["simd_reason"] = _simd_reason
    cfg["machine"] = platform.machine()
    return cfg


def show_config():
    """Print version, compiler, the SIMD level in use and why, threads and CUDA status."""
    c = config()
    lines = [
        f"pydeepgen {c['version']}",
        f"  compiler:     {c['compiler']}",
        f"  python:       {c['python']}",
        f"  simd:         {c['simd']} in use: {c['simd_reason']} "
        f"(CPU supports {c['simd_detected']}; machine {c['machine']}"
        + ("" if c["x86_simd_compiled"] else "; no x86 SIMD rungs in this build") + ")",
        f"  openmp:       {c['openmp']}, threads={c['threads']}",
        f"  gemm:         {c['gemm_variant']}",
        f"  cuda:         compiled={c['cuda_compiled']}"
        + (f" ({c['cuda_version']})" if c["cuda_version"] else "")
        + f", available={c['cuda_available']} ({c['cuda_reason']})",
    ]
    print("\n".join(lines))


def info():
    show_config()


def memory_stats():
    """Caching allocator statistics (bytes in use, cached, peak, cache hits)."""
    return dict(_C.allocator_stats())


def empty_cache():
    """Return the allocator's cached free blocks to the OS."""
    _C.empty_cache()
