"""Run-time choice of kernel variants (the numbered rungs of each op family).

Every op family with several implementations of the same kernel (``gemm``: ``01_naive``,
``02_blocked``, ``03_packed_avx2``, ``04_packed_avx512``) registers three functions here;
labs and benchmarks then switch between variants of the same compiled code::

    import pydeepgen as pdg
    pdg.kernels.list()                           # every family's variants, supported flags, choice
    pdg.kernels.use("gemm", "02_blocked")        # from now on
    with pdg.kernels.use("gemm", "01_naive"):    # only inside the block
        y = x @ w
    pdg.kernels.current("gemm")                  # -> "04_packed_avx512" on an AVX-512 CPU

``"auto"`` (the default) picks the fastest variant the CPU supports at the SIMD level in
use (``pdg.set_simd_level`` / ``PDG_SIMD`` can lower it; ``supported`` follows). Another family
registers with ``register(family, list_fn, set_fn, get_fn)``:

- ``list_fn()`` -> iterable of ``(name, description, supported)``, slowest first
- ``set_fn(name)`` selects (``"auto"`` included) and raises ``ValueError`` for bad names
- ``get_fn()`` -> the name of the variant that runs now (``"auto"`` resolved)
"""

import builtins
from dataclasses import dataclass

from . import _C

__all__ = ["Variant", "register", "families", "list", "use", "current"]


@dataclass(frozen=True)
class Variant:
    family: str
    name: str
    description: str
    supported: bool
    current: bool


_registry = {}  # family -> (list_fn, set_fn, get_fn)
_forced = {}  # family -> the name last passed to use() ("auto" when never)


def register(family, list_fn, set_fn, get_fn):
    """Make ``family``'s variants selectable through ``use``/``list``/``current``."""
    _registry[family] = (list_fn, set_fn, get_fn)
    _forced.setdefault(family, "auto")


def families():
    return sorted(_registry)


def _entry(family):
    try:
        return _registry[family]
    except KeyError:
        raise ValueError(
            f"kernels: unknown family {family!r} (known: {', '.join(families()) or 'none'})"
        ) from None


def list(family=None):  # noqa: A001  (pdg.kernels.list, as the issue names it)
    """The variants of ``family`` (or of every family) as ``Variant`` records."""
    out = []
    for fam in [family] if family is not None else families():
        list_fn, _, get_fn = _entry(fam)
        now = get_fn()
        for name, desc, supported in list_fn():
            out.append(Variant(fam, name, desc, bool(supported), name == now))
    return out


def current(family):
    """Name of the variant ``family``'s kernels run now (``"auto"`` resolved)."""
    return _entry(family)[2]()


class _Use:
    """Returned by ``use``: the switch is already made; ``with`` restores the previous one."""

    def __init__(self, family, previous):
        self._family = family
        self._previous = previous

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _entry(self._family)[1](self._previous)
        _forced[self._family] = self._previous
        return False


def use(family, variant="auto"):
    """Select ``variant`` for ``family`` (``"auto"``: fastest supported). Usable as a
    context manager that restores the previous choice on exit."""
    _, set_fn, _ = _entry(family)
    previous = _forced.get(family, "auto")
    set_fn(variant)
    _forced[family] = variant
    return _Use(family, previous)


def _table():
    """A printable table of every family's variants (``print(pdg.kernels._table())``)."""
    rows = [f"{'family':8} {'variant':20} {'supported':9} {'current':7}  description"]
    for v in list():
        rows.append(f"{v.family:8} {v.name:20} {builtins.str(v.supported):9} "
                    f"{'*' if v.current else '':7}  {v.description}")
    return "\n".join(rows)


register("gemm", _C.gemm_variants, _C.set_gemm_variant, _C.get_gemm_variant)


# Families whose switches live only in _C: listed and chosen here like the others.
register("norm", _C.norm_variants, _C.set_norm_variant, _C.get_norm_variant)

_OPTIM_RUNGS = {
    "01_reference": "baseline loops, one thread (the oracle)",
    "02_avx2": "the same loops built for AVX2+FMA, split across threads",
    "03_avx512": "the same loops built for AVX-512, split across threads",
}
register("optim",
         lambda: [(n, d, n in _C.optim_variants()) for n, d in _OPTIM_RUNGS.items()],
         _C.set_optim_variant, _C.get_optim_variant)


def _math_variants():
    level = ("baseline", "avx2", "avx512").index(_C.get_simd_level())
    return [("scalar", "std::exp / log / tanh loops (the reference)", True),
            ("avx2", "8-wide AVX2+FMA polynomials", level >= 1),
            ("avx512", "16-wide AVX-512 polynomials", level >= 2)]


register("math", _math_variants, _C.set_math_variant, _C.get_math_variant)
register("binary", _C.binary_variants, _C.set_binary_variant, _C.get_binary_variant)

