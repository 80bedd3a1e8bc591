"""The Newton Jacobian: assembled into a dolfinx CSR matrix, handed to PETSc without MatSetValues.

dolfinx's PETSc assembly inserts every element matrix with ``MatSetValuesLocal``, which maps
each index to its global number and searches each row for each column. Assembling into
dolfinx's own CSR matrix (:class:`dolfinx.la.MatrixCSR`) instead, and giving PETSc the values
in bulk, is faster and scales with the ranks:

- **one rank**: the PETSc matrix is a sequential AIJ matrix created on the CSR arrays
  (``MatCreateSeqAIJWithArrays``, no copy), so the factorisation sees exactly the values
  assembled (should a row's columns not be increasing, as that format needs, the values go
  through the coordinate interface below instead). 1D device 0.45 instead of 0.58 µs per
  cell (row scaling included), hexahedra 30.0 instead of 31.6 µs
  (``benchmarks/bench_assembly.py``, README "Benchmark");
- **several ranks**: dolfinx's CSR matrix holds this rank's owned rows and its ghost rows
  (partial sums of rows owned by a neighbour). The PETSc MPIAIJ matrix is preallocated once with
  that pattern in coordinate form (``MatSetPreallocationCOO``, global row and column numbers,
  ghost rows included); each assembly passes the CSR value array to ``MatSetValuesCOO``, which
  sends the ghost rows to their owners and sums them there (PETSc manual, "Assembly with
  coordinate format"). Measured on the 200 nm wire at 105 075 dofs, 2 ranks: 91 instead of
  139 ms per Jacobian (the transfer itself 5.4 ms), the same matrix to 5e-13 in the Frobenius
  norm (summation order only) (README "Benchmark", "Parallel assembly").

The dof numbering is the one dolfinx gives ``problem.A`` (the blocked space expanded to one
index per dof, ``la.BlockMode.expanded``), so vectors, Dirichlet rows and the preconditioners'
index sets are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from dolfinx import fem, la
from petsc4py import PETSc


class CSRJacobian:
    """A Jacobian form assembled into dolfinx's CSR matrix and passed on to a PETSc AIJ matrix.

    Attributes:
        J: the Jacobian form it assembles.
        csr: the :class:`dolfinx.la.MatrixCSR` (owned and ghost rows, local column indices).
        mat: the PETSc matrix the linear solver uses: ``MATSEQAIJ`` on the CSR arrays with one
            rank, else ``MATMPIAIJ`` filled through the coordinate interface.
        shares_arrays: whether ``mat`` uses the CSR arrays themselves (one rank).

    Args:
        J: the compiled Jacobian form (``dolfinx.fem.Form``) of a square problem.
        options_prefix: PETSc options prefix of the matrix (that of ``problem.A``).
        comm: the mesh's MPI communicator.
        share_arrays: on one rank, let PETSc use the CSR arrays (the default); False passes
            the values through the coordinate interface as on several ranks (for tests).
    """

    def __init__(self, J, options_prefix: str, comm, share_arrays: bool = True):
        self.J = J
        self.csr = fem.create_matrix(J, block_mode=la.BlockMode.expanded)
        if self.csr.block_size != [1, 1]:
            raise RuntimeError(f"expanded CSR matrix with block size {self.csr.block_size}")
        indptr = np.asarray(self.csr.indptr, dtype=PETSc.IntType)
        indices = np.asarray(self.csr.indices, dtype=PETSc.IntType)
        rows = np.repeat(np.arange(indptr.size - 1, dtype=PETSc.IntType), np.diff(indptr))
        # PETSc's sequential AIJ format needs the columns of each row in increasing order.
        self.shares_arrays = share_arrays and comm.size == 1 and bool(
            np.all((np.diff(indices) > 0) | (np.diff(rows) != 0)))
        if self.shares_arrays:
            self._arrays = (indptr, indices)  # used by PETSc without a copy: kept alive here
            n = indptr.size - 1
            self.mat = PETSc.Mat().createAIJWithArrays((n, n), (indptr, indices, self.csr.data),
                                                       comm=PETSc.COMM_SELF)
        else:
            global_rows = _global_numbers(self.csr.index_map(0))
            global_cols = _global_numbers(self.csr.index_map(1))
            n_owned = self.csr.index_map(0).size_local
            self.mat = PETSc.Mat().create(comm)
            self.mat.setSizes(((n_owned, PETSc.DETERMINE), (n_owned, PETSc.DETERMINE)))
            self.mat.setType(PETSc.Mat.Type.AIJ)
            self.mat.setPreallocationCOO(global_rows[rows], global_cols[indices])
        self.mat.setOptionsPrefix(options_prefix)

    def assemble(self, bcs, add: Callable | None = None) -> None:
        """Assemble :attr:`J` into ``mat``: the rows and columns of the ``bcs`` dofs zeroed with 1
        on their (owned) diagonal, as dolfinx's PETSc assembly does; ``add(csr)``, if given,
        adds further contributions to ``csr.data`` (ghost rows included) before the values go
        to PETSc.

        Collective. The state the form depends on must be up to date, ghosts included.
        """
        self.csr.data[:] = 0.0
        fem.assemble_matrix(self.csr, self.J, bcs, diag=1.0)
        if add is not None:
            add(self.csr)
        if self.shares_arrays:
            self.mat.assemble()  # values changed behind PETSc's back: mark the matrix modified
        else:
            self.mat.setValuesCOO(self.csr.data, addv=PETSc.InsertMode.INSERT_VALUES)


def _global_numbers(index_map) -> np.ndarray:
    """Global index of each local index (owned, then ghosts) of a scalar index map, as PETSc
    integers."""
    local = np.arange(index_map.size_local + index_map.num_ghosts, dtype=np.int32)
    return index_map.local_to_global(local).astype(PETSc.IntType)
