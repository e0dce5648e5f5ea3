"""Progress bars that suit where the output goes.

On a terminal: a tqdm bar redrawn in place (``\\r``). Anywhere else (a file, a pipe, a CI
log): no redraws, only plain lines -- one at most every ``every`` seconds while it runs and one
when it ends -- so ``pydeepgen ... > log.txt 2>&1`` stays readable.
"""

import sys
import time

__all__ = ["is_terminal", "progress_bar", "PlainProgress"]


def is_terminal(stream=None):
    """Whether ``stream`` (default ``sys.stderr``) is an interactive terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


class PlainProgress:
    """The non-terminal stand-in for a tqdm bar (``update``, ``set_postfix``, ``close``):
    ``desc: i/total`` lines, at most one per ``every`` seconds, and a last one with the time."""

    def __init__(self, total, desc="", stream=None, every=10.0, initial=0, unit="it"):
        self.total = int(total)
        self.n = int(initial)
        self.desc = desc
        self.stream = sys.stderr if stream is None else stream
        self.every = float(every)
        self.unit = unit
        self._t0 = self._last = time.perf_counter()
        self._closed = False

    def update(self, n=1):
        self.n += int(n)
        now = time.perf_counter()
        if self.every and now - self._last >= self.every and self.n < self.total:
            self._last = now
            self._line(f"{self.n}/{self.total} {self.unit}, {now - self._t0:.0f} s")

    def set_postfix(self, *args, **kwargs):
        pass

    def _line(self, text):
        print(f"{self.desc}: {text}" if self.desc else text, file=self.stream, flush=True)

    def close(self):
        if not self._closed:
            self._closed = True
            elapsed = time.perf_counter() - self._t0
            self._line(f"{self.n}/{self.total} {self.unit} in {elapsed:.1f} s")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def progress_bar(total, desc="", stream=None, initial=0, unit="it", leave=False, every=10.0,
                 plain=True):
    """A tqdm bar on ``stream`` (default stderr) if it is a terminal; else a
    :class:`PlainProgress` printing plain lines there, or None if not ``plain`` (for callers
    that print their own line per epoch)."""
    stream = sys.stderr if stream is None else stream
    if is_terminal(stream):
        from tqdm.auto import tqdm

        return tqdm(total=total, initial=initial, desc=desc, unit=unit, leave=leave,
                    file=stream, dynamic_ncols=True)
    if not plain:
        return None
    return PlainProgress(total, desc, stream, every=every, initial=initial, unit=unit)
