"""Utilities. ``pydeepgen.utils.image``: ``make_grid`` / ``save_image`` as in torchvision.

(Other helpers may add submodules here, e.g. ``utils.data``; keep each in its own file.)
"""

from .image import make_grid, save_image

__all__ = ["make_grid", "save_image"]
