"""``pydeepgen.utils.data``: the same objects as ``pydeepgen.data`` (torch.utils.data's path)."""

from ..data import *  # noqa: F401,F403
from ..data import __all__  # noqa: F401
