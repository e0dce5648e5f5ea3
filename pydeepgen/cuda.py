"""CUDA backend status. This build's CUDA kernels live in csrc/cuda/ and are compiled
when a CUDA compiler is found at build time; they need an NVIDIA driver and GPU to run."""

from . import _C


def build_info():
    """dict: compiled (bool), cuda_version, available (bool), device_count, reason."""
    cfg = _C.build_config()
    usable, count, reason = _C.cuda_status()
    return {
        "compiled": cfg["cuda_compiled"],
        "cuda_version": cfg["cuda_version"],
        "available": usable,
        "device_count": count,
        "reason": reason,
    }


def is_available():
    """True when pydeepgen was built with CUDA and a usable GPU is present."""
    return bool(_C.cuda_status()[0])


def device_count():
    return int(_C.cuda_status()[1])
