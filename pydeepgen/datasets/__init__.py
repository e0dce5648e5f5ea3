"""``pydeepgen.datasets``: MNIST/Fashion-MNIST, embedded tabular data, the course's synthetic
generators and transforms. The data root (:mod:`pydeepgen.datasets.roots`): ``root=``, else
``$PDG_DATA``, else a ``shared/data`` folder beside the checkout that holds the data set, else
``$PDG_CACHE/data`` (default ``~/.cache/pydeepgen/data``, where downloads go)."""

from . import roots, transforms
from .mnist import MNIST, DatasetError, FashionMNIST, default_root, read_idx
from .roots import cache_dir, data_root
from .synthetic import (gaussian_grid, gaussian_ring, hiring, logic_gate, normal_vectors,
                        points_on_line, y_equals_2x)
from .tabular import airline_passengers, breast_cancer, digits

__all__ = ["MNIST", "FashionMNIST", "DatasetError", "data_root", "cache_dir", "default_root",
           "read_idx", "roots", "digits",
           "breast_cancer", "airline_passengers", "logic_gate", "hiring", "y_equals_2x",
           "normal_vectors", "points_on_line", "gaussian_ring", "gaussian_grid", "transforms"]
