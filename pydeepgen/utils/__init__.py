"""``pydeepgen.utils``: ``pydeepgen.utils.data`` mirrors ``torch.utils.data``;
``pydeepgen.utils.image`` has ``make_grid`` / ``save_image`` as in torchvision."""

from . import data
from .image import make_grid, save_image

__all__ = ["data", "make_grid", "save_image"]
