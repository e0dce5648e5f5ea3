"""``pydeepgen.utils``: ``pydeepgen.utils.data`` mirrors ``torch.utils.data``."""

from . import data

__all__ = ["data"]
