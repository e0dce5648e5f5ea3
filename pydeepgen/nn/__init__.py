"""Neural-network building blocks: ``Module``, ``Parameter``, layers and ``functional``."""

from . import functional
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Parameter
from . import init, utils  # noqa: E402

__all__ = ["Parameter", "functional", *_modules_all]
