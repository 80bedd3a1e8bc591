"""Edge weights of the edge-averaged fluxes on simplices (solver.physics.transport).

The cell-wise weights ω_E^T = -|T| ∇λ_i·∇λ_j, summed over the cells around each edge, are the
negated off-diagonal entries of the assembled P1 stiffness matrix; the mask is 0 exactly on the
edges whose sum is negative. Checked on meshes with obtuse cells (vertices moved),
where some assembled weights are negative, in serial and (through the Nédélec edge numbering)
on every rank's part.
"""

from __future__ import annotations

import numpy as np
import pytest
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from solver.numerics.fluxes import (
    _simplex_edge_numbers,
    nonnegative_edge_mask,
    simplex_edge_weights,
)


def _perturbed(dim):
    comm = MPI.COMM_WORLD
    if dim == 2:
        msh = dmesh.create_unit_square(comm, 6, 5, dmesh.CellType.triangle)
    else:
        msh = dmesh.create_unit_cube(comm, 4, 3, 3, dmesh.CellType.tetrahedron)
    x = msh.geometry.x
    shift = 0.04 * np.sin(17.0 * x + 5.3 * x[:, ::-1])  # a function of the node: rank-independent
    inner = np.all((x[:, :dim] > 1e-9) & (x[:, :dim] < 1.0 - 1e-9), axis=1)
    x[inner, :dim] += shift[inner, :dim]
    return msh


@pytest.mark.parametrize("dim", [2, 3])
def test_assembled_edge_weights_are_the_stiffness_off_diagonals(dim):
    msh = _perturbed(dim)
    omega_t, omega = simplex_edge_weights(msh)
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    A = fem_petsc.assemble_matrix(fem.form(ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx))
    A.assemble()
    imap = V.dofmap.index_map
    n_owned = msh.topology.index_map(dim).size_local
    local = np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32)
    glob = imap.local_to_global(local).astype(np.int32)
    iset = PETSc.IS().createGeneral(glob, comm=PETSc.COMM_SELF)
    dense = A.createSubMatrices(iset, iset)[0].convert("dense").getDenseArray()
    cells = V.dofmap.list[:n_owned]
    for (i, j), k in _simplex_edge_numbers(dim).items():
        np.testing.assert_allclose(omega[:n_owned, k], -dense[cells[:, i], cells[:, j]],
                                   atol=1e-12)
    assert omega_t.shape == omega.shape
    mins = msh.comm.allreduce(float(omega.min()), op=MPI.MIN)
    assert mins < 0.0  # the perturbed mesh does have edges of negative weight
    mask = nonnegative_edge_mask(msh)
    values = mask.x.array.reshape(-1, omega.shape[1])[mask.function_space.dofmap.list[:n_owned, 0]]
    np.testing.assert_array_equal(values, (omega[:n_owned] >= -1e-12).astype(float))
