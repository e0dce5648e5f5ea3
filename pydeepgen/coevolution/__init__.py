"""Spatial coevolution of GANs on a toroidal grid over MPI (Lipizzaner).

``mpiexec -n R*C python -m pydeepgen.coevolution --grid RxC ...`` (or ``pydeepgen train
lipizzaner``) trains one cell per process (:mod:`.cell`), exchanging networks with the four
neighbours every iteration (:mod:`.grid`), and ends with the best cell's neighbourhood
mixture of generators (:mod:`.ensemble`), saved as safetensors plus a JSON manifest.
"""

from .cell import Cell
from .ensemble import Ensemble
from .grid import Grid
from .run import coevolve

__all__ = ["Grid", "Cell", "Ensemble", "coevolve"]
