"""The toroidal grid of cells and its neighbourhood exchange over MPI.

One MPI rank is one cell of a ``rows x cols`` torus (a Cartesian communicator with periodic
dimensions). Every iteration each cell sends one flat float32 vector (its generator's and
discriminator's parameters and its hyper-parameters) to its four neighbours (north, south,
west, east) with ``MPI_Neighbor_allgather``, a synchronous collective: every cell sees the
same neighbourhood state, so a seeded run is reproducible. On grids of side 2 a neighbour
appears twice (north = south); duplicates are dropped, so a cell's neighbourhood holds
between 1 and 5 distinct cells (itself first).

Without MPI (or for a 1x1 grid) the same code runs as a single cell whose neighbourhood is
itself.
"""

import time

import numpy as np

from ..distributed import comm


class Grid:
    def __init__(self, rows, cols):
        rows, cols = int(rows), int(cols)
        if rows < 1 or cols < 1:
            raise ValueError(f"Grid: rows and cols must be >= 1, got {rows}x{cols}")
        comm.init()
        world = comm.world_size()
        if rows * cols != world:
            raise ValueError(f"Grid: a {rows}x{cols} grid needs {rows * cols} processes, but "
                             f"{world} were started (mpiexec -n {rows * cols} ...)")
        self.rows, self.cols = rows, cols
        self.size = world
        self.rank = comm.rank()
        base = comm._comm()
        self.cart = None
        if base is not None and world > 1:
            self.cart = base.Create_cart(dims=[rows, cols], periods=[True, True], reorder=False)
        self.coords = divmod(self.rank, cols)
        r, c = self.coords
        order = [((r - 1) % rows, c), ((r + 1) % rows, c), (r, (c - 1) % cols), (r, (c + 1) % cols)]
        # MPI's neighbour order for a Cartesian topology: dim 0 (-1, +1), then dim 1 (-1, +1)
        self.neighbour_ranks = [rr * cols + cc for rr, cc in order]
        self.exchange_seconds = []

    def neighbourhood(self):
        """Distinct ranks of this cell's neighbourhood, itself first."""
        out = [self.rank]
        for n in self.neighbour_ranks:
            if n not in out:
                out.append(n)
        return out

    def exchange(self, vec):
        """This cell's ``vec`` and its neighbours', as ``{rank: array}`` (itself included)."""
        vec = np.ascontiguousarray(vec, dtype=np.float32)
        if self.cart is not None:  # time the transfer, not the wait for a slower neighbour
            self.cart.Barrier()
        t0 = time.perf_counter()
        if self.cart is None:
            got = {self.rank: vec.copy()}
        else:
            recv = np.empty((4, vec.size), dtype=np.float32)
            self.cart.Neighbor_allgather(vec, recv)
            got = {self.rank: vec.copy()}
            for n, row in zip(self.neighbour_ranks, recv):
                got.setdefault(n, row)
        self.exchange_seconds.append(time.perf_counter() - t0)
        return got

    def gather_to_root(self, obj):
        """Every cell's Python object at rank 0 (a list by rank); None elsewhere."""
        base = comm._comm()
        if base is None or self.size == 1:
            return [obj]
        return base.gather(obj, root=0)

    def broadcast_object(self, obj):
        base = comm._comm()
        if base is None or self.size == 1:
            return obj
        return base.bcast(obj, root=0)
