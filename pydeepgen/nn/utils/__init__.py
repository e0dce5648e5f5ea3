"""``pydeepgen.nn.utils``: gradient clipping, parameter <-> vector conversion, spectral norm."""

from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .spectral_norm import remove_spectral_norm, spectral_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters",
           "spectral_norm", "remove_spectral_norm"]
