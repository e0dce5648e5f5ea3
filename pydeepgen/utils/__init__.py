"""``pydeepgen.utils``: ``pydeepgen.utils.data`` mirrors ``torch.utils.data``;
``pydeepgen.utils.image`` has ``make_grid`` / ``save_image`` as in torchvision;
``pydeepgen.utils.progress`` the progress bars (tqdm on a terminal, plain lines elsewhere)."""

from . import data, progress
from .image import make_grid, save_image

__all__ = ["data", "progress", "make_grid", "save_image"]
