"""``pydeepgen.datasets``: MNIST/Fashion-MNIST, embedded tabular data, the course's synthetic
generators and transforms. Default root: ``$PDG_DATA``, else ``~/.cache/pydeepgen/data``."""

from . import transforms
from .mnist import MNIST, DatasetError, FashionMNIST, default_root, read_idx
from .synthetic import (gaussian_grid, gaussian_ring, hiring, logic_gate, normal_vectors,
                        points_on_line, y_equals_2x)
from .tabular import airline_passengers, breast_cancer, digits

__all__ = ["MNIST", "FashionMNIST", "DatasetError", "default_root", "read_idx", "digits",
           "breast_cancer", "airline_passengers", "logic_gate", "hiring", "y_equals_2x",
           "normal_vectors", "points_on_line", "gaussian_ring", "gaussian_grid", "transforms"]
