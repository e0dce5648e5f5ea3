"""Shared helpers for the course labs in ``examples/``.

Every lab is a script ``examples/NN_name.py`` with a ``main(argv=None)`` that parses its
arguments, prints what it shows in words, saves its plots and returns a dict of results
(the tests in ``tests/test_labs_part1.py`` call ``main(["--quick", ...])`` and assert on
that dict). This module gives them the common pieces:

- ``parse_args``: ``--quick``, ``--out DIR``, ``--seed``, ``--data-root``, ``--threads``,
  ``--no-plots`` plus lab options
- ``out_dir``: where plots go (``--out`` or ``./lab_outputs/<lab>``), created on demand
- ``pyplot``: matplotlib with the headless Agg backend
- ``find_data``: a data set in the data root that the ``pydeepgen`` command uses too
  (``--data-root``, else ``$PDG_DATA``, else a ``shared/data`` folder beside the checkout,
  else ``~/.cache/pydeepgen/data``: :func:`pydeepgen.datasets.roots.data_root`)
- ``heading`` / ``say``: uniform printed output
"""

import argparse
import sys
import time
from pathlib import Path


def parse_args(argv, description, lab, add_options=None):
    """Parse a lab's command line; ``add_options(parser)`` adds lab-specific flags."""
    p = argparse.ArgumentParser(prog=f"examples/{lab}.py", description=description)
    p.add_argument("--quick", action="store_true",
                   help="small, fast run (what CI executes); asserts the lab's result")
    p.add_argument("--out", default=None,
                   help=f"folder for plots (default ./lab_outputs/{lab})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--data-root", default=None,
                   help="folder holding the data sets (default: $PDG_DATA, else a "
                        "shared/data folder beside the checkout, else "
                        "~/.cache/pydeepgen/data, as for the pydeepgen command)")
    p.add_argument("--no-plots", action="store_true", help="skip writing PNG files")
    p.add_argument("--threads", type=int, default=None,
                   help="threads for pydeepgen's kernels (default: the library's default); "
                        "1 avoids OpenMP slowdowns on a machine shared with other jobs")
    if add_options is not None:
        add_options(p)
    args = p.parse_args(argv)
    args.lab = lab
    if args.threads:
        import pydeepgen

        pydeepgen.set_num_threads(args.threads)
    return args


def out_dir(args):
    d = Path(args.out) if args.out else Path.cwd() / "lab_outputs" / args.lab
    d.mkdir(parents=True, exist_ok=True)
    return d


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_fig(fig, args, name, dpi=90):
    """Save ``fig`` as ``<out>/<name>.png`` (small PNGs for docs) and close it."""
    plt = pyplot()
    path = out_dir(args) / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    say(f"plot saved: {path}")
    return path


def find_data(name, data_root=None):
    """Path of ``name`` (a file or folder, e.g. ``"mnist"``) in the data root, or None if absent.

    The data root is pydeepgen's own (:func:`pydeepgen.datasets.roots.data_root`):
    ``data_root`` (``--data-root``), else ``$PDG_DATA``, else a ``shared/data`` folder beside
    the checkout that holds ``name``, else ``~/.cache/pydeepgen/data``; the labs find what the
    ``pydeepgen`` command finds.
    """
    from pydeepgen.datasets.roots import data_root as lookup

    candidate = lookup(data_root, need=name) / name
    return candidate if candidate.exists() else None


def data_searched(name, data_root=None):
    """Where :func:`find_data` looked for ``name``, for a "not found" message."""
    from pydeepgen.datasets.roots import searched_text

    return searched_text(data_root, name)


def heading(text):
    print()
    print(text)
    print("-" * len(text))
    sys.stdout.flush()


def say(text=""):
    print(text)
    sys.stdout.flush()


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        return False


# The 16 boolean functions of two inputs, keyed by their truth table
# (f(0,0), f(0,1), f(1,0), f(1,1)) as a 4-character string (labs 2 and 3).
GATE_NAMES = {
    "0000": "FALSE", "0001": "AND", "0010": "x1 AND NOT x2", "0011": "x1",
    "0100": "NOT x1 AND x2", "0101": "x2", "0110": "XOR", "0111": "OR",
    "1000": "NOR", "1001": "XNOR", "1010": "NOT x2", "1011": "x2 -> x1 (x1 OR NOT x2)",
    "1100": "NOT x1", "1101": "x1 -> x2 (NOT x1 OR x2)", "1110": "NAND", "1111": "TRUE",
}


def gate_name(table):
    """Name of the two-input boolean function with truth table ``table`` (4 values 0/1)."""
    return GATE_NAMES["".join(str(int(v)) for v in table)]
