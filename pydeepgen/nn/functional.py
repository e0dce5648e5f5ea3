"""``pydeepgen.nn.functional`` (``import pydeepgen.nn.functional as F``): PyTorch's names
and argument orders. Each op family's functions live in ``pydeepgen/ops/<family>.py``;
this module only gathers their public names (each module's ``__all__``)."""

from ..ops.activation import *  # noqa: F401,F403
from ..ops.conv import *  # noqa: F401,F403
from ..ops.dense import *  # noqa: F401,F403
from ..ops.dropout import *  # noqa: F401,F403
from ..ops.embedding import *  # noqa: F401,F403
from ..ops.loss import *  # noqa: F401,F403
from ..ops.norm import *  # noqa: F401,F403
from ..ops.pool import *  # noqa: F401,F403
from ..ops.resample import *  # noqa: F401,F403
from ..ops.rnn import *  # noqa: F401,F403
from ..ops.softmax import *  # noqa: F401,F403
