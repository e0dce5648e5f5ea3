"""``pydeepgen.optim``: optimizers (one fused C++ update kernel per parameter) and schedulers."""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer, get_kernel_variant, kernel_variants, set_kernel_variant
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler",
           "set_kernel_variant", "get_kernel_variant", "kernel_variants"]
