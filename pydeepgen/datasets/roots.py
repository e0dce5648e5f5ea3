"""Where the data sets are: the one lookup that the CLI, the Python API (``pdg.datasets``,
the training recipes, the MNIST metrics), the examples and the tests share.

The data root is the first of

1. an explicit folder: ``--data-root DIR`` on the command line, ``root=`` / ``data_root=`` in
   Python (taken as given, even when it does not hold the data yet: the error names it);
2. ``$PDG_DATA`` (the same);
3. a ``shared/data`` folder beside the checkout: the nearest ``shared/data`` in a folder above
   pydeepgen's source (a course checkout sits next to ``shared/``), taken only when it holds
   what is asked for (``need``) and, without ``need``, whenever it exists;
4. ``cache_dir() / "data"``: ``$PDG_CACHE/data``, by default ``~/.cache/pydeepgen/data``,
   where ``--download`` (``download=True``) puts the files.

Nothing here depends on the current folder.
"""

import os
from pathlib import Path

__all__ = ["data_root", "cache_dir", "shared_data_dirs", "search_path", "searched_text",
           "PRECEDENCE"]

PRECEDENCE = ("--data-root DIR, else $PDG_DATA, else a shared/data folder beside the checkout "
              "(when it holds the data), else $PDG_CACHE/data (default ~/.cache/pydeepgen/data, "
              "where --download puts the files)")


def cache_dir():
    """``$PDG_CACHE`` if set, else ``~/.cache/pydeepgen`` (the data lives in its ``data/``)."""
    env = os.environ.get("PDG_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pydeepgen"


def shared_data_dirs():
    """Every ``shared/data`` folder in a folder above pydeepgen's source, nearest first."""
    here = Path(__file__).resolve().parent
    return [p / "shared" / "data" for p in here.parents if (p / "shared" / "data").is_dir()]


def search_path(explicit=None):
    """The places :func:`data_root` considers, in order, as ``(what, folder)`` pairs: the
    explicit folder alone, else ``$PDG_DATA`` alone, else the shared folders and the cache."""
    if explicit is not None and str(explicit) != "":
        return [("--data-root", Path(explicit).expanduser())]
    env = os.environ.get("PDG_DATA")
    if env:
        return [("$PDG_DATA", Path(env).expanduser())]
    return ([("shared/data beside the checkout", p) for p in shared_data_dirs()]
            + [("the download folder", cache_dir() / "data")])


def _holds(folder, need):
    if need is None:
        return True
    names = [need] if isinstance(need, (str, os.PathLike)) else list(need)
    return any((folder / n).exists() for n in names)


def data_root(explicit=None, need=None):
    """The data root (see the module docstring for the order).

    Args:
        explicit: a folder given by the user (``--data-root``, ``root=``); None or "" for none.
        need: a path inside the root (``"mnist"``, ``"lipizzaner/mnist-generator-000.npz"``),
            or a list of alternatives, that a ``shared/data`` folder must hold to be chosen.
    Returns:
        a ``Path`` (it may not exist: the download folder is returned when nothing holds
        ``need``, and an explicit folder or ``$PDG_DATA`` is returned as given).
    """
    places = search_path(explicit)
    for _, folder in places[:-1]:
        if _holds(folder, need):
            return folder
    return places[-1][1]


def searched_text(explicit=None, need=None):
    """Where :func:`data_root` looked, for an error message: ``"/a/mnist (shared/data beside
    the checkout), /b/mnist (the download folder)"`` (``need`` appended when given)."""
    def show(folder):
        if need is None:
            return folder
        return folder / (need if isinstance(need, (str, os.PathLike)) else list(need)[0])

    return ", ".join(f"{show(folder)} ({what})" for what, folder in search_path(explicit))
