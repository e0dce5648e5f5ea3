"""Threads and build configuration (``pdg.show_config()``)."""

import platform

from . import _C


def set_num_threads(n):
    """Number of OpenMP threads the kernels use."""
    if int(n) < 1:
        raise ValueError(f"set_num_threads: expected a positive number, got {n}")
    _C.set_num_threads(int(n))


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
    return cfg


def show_config():
    """Print version, compiler, SIMD level found at run time, threads and CUDA status."""
    c = config()
    lines = [
        f"pydeepgen {c['version']}",
        f"  compiler:     {c['compiler']}",
        f"  python:       {c['python']}",
        f"  simd:         {c['simd']} (detected at run time; avx2={c['avx2']}, avx512={c['avx512']})",
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
