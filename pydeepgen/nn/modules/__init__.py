"""Layers and containers. Each family's layer classes live in their own module here."""

from .container import ModuleDict, ModuleList, Sequential
from .module import Module
from .activation import *  # noqa: F401,F403
from .activation import __all__ as _activation_all
from .conv import *  # noqa: F401,F403
from .conv import __all__ as _conv_all
from .dropout import *  # noqa: F401,F403
from .dropout import __all__ as _dropout_all
from .flatten import *  # noqa: F401,F403
from .flatten import __all__ as _flatten_all
from .linear import *  # noqa: F401,F403
from .linear import __all__ as _linear_all
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _loss_all
from .normalization import *  # noqa: F401,F403
from .normalization import __all__ as _normalization_all
from .pooling import *  # noqa: F401,F403
from .pooling import __all__ as _pooling_all
from .rnn import *  # noqa: F401,F403
from .rnn import __all__ as _rnn_all
from .sparse import *  # noqa: F401,F403
from .sparse import __all__ as _sparse_all
from .upsampling import *  # noqa: F401,F403
from .upsampling import __all__ as _upsampling_all

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict"]
for _m in (_activation_all, _conv_all, _dropout_all, _flatten_all, _linear_all, _loss_all, _normalization_all, _pooling_all, _rnn_all, _sparse_all, _upsampling_all):
    __all__ += list(_m)
