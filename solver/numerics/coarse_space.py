"""Coarse space of cross-section aggregates, for the two-level preconditioner of 3D wires.

A nanowire is long and thin: along its axis x the solution varies over the whole device (the
depleted gap, the moving front), across its section only over the section's width. Krylov
methods with a local preconditioner (ILU, additive Schwarz) resolve the in-section coupling in
a few sweeps but need more and more iterations for the axial one as the mesh is refined
(README "Linear solvers": ILU(1)/Schwarz grew 15x under 2x refinement). The two-level method
of preset ``gmres_twolevel`` (solver/numerics/linear_solvers.py) adds an exact solve on a
coarse space that keeps the full axial resolution and lumps each cross-section: one unknown
per field and axial layer,

    P[i, (f, k)] = 1  if dof i belongs to field f and its node lies in layer k, else 0,

with the Galerkin coarse operator A_c = P^T A P (PETSc ``PCMG``, ``pc_mg_galerkin``). This is
unsmoothed aggregation (Vaněk, Mandel & Brezina, Computing 56 (1996) 179) with aggregates chosen
by the geometry: the coarse problem is a 1D system of 3 x (number of layers) unknowns, small
even for 10^6-dof wires, and the smoother (additive Schwarz ILU(0)) only has to handle what varies
across a section.

Layers: on structured (extruded) meshes the distinct axial coordinates of the nodes; otherwise
(tetrahedra, unstructured sections) bins whose width is the median axial extent of the cells.
Dofs with Dirichlet values (identity rows of the Jacobian) are left out of the aggregates: the
smoother solves them exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

#: Layers are the distinct axial node coordinates when they hold at least this many nodes on
#: average (an extruded mesh); otherwise equal-width bins (see :func:`axial_layers`).
MIN_NODES_PER_LAYER = 3


def axial_layers(x: np.ndarray, cell_extent: Callable[[], float], comm: MPI.Comm,
                 copies: int = 1) -> tuple[np.ndarray, int]:
    """The axial layer of each node.

    Args:
        x: axial coordinates [µm] of this rank's owned nodes, shape (n,).
        cell_extent: returns the median axial extent [µm] of the cells, the bin width when the
            nodes do not lie on a few distinct planes (called only then, on every rank).
        comm: communicator of the mesh.
        copies: how many times each node appears in ``x`` (one entry per field).

    Returns:
        (layer index of each entry of ``x`` (shape (n,), in 0 .. n_layers - 1, increasing with
        x), n_layers), the same on every rank.
    """
    lo = comm.allreduce(float(x.min()) if x.size else np.inf, op=MPI.MIN)
    hi = comm.allreduce(float(x.max()) if x.size else -np.inf, op=MPI.MAX)
    tol = 1e-9 * max(hi - lo, 1.0)
    planes = np.unique(np.round((x - lo) / tol).astype(np.int64))
    planes = np.unique(np.concatenate(comm.allgather(planes)))
    n_nodes = comm.allreduce(x.size) // copies
    if n_nodes >= MIN_NODES_PER_LAYER * planes.size:
        return np.searchsorted(planes, np.round((x - lo) / tol).astype(np.int64)), planes.size
    width = cell_extent()
    width = width if width > 0 else (hi - lo)
    n_layers = max(1, int(np.ceil((hi - lo) / width - 1e-9)))
    return np.minimum(((x - lo) / width).astype(np.int64), n_layers - 1), n_layers


def median_axial_cell_extent(msh) -> float:
    """Median over the cells of (max x - min x of the cell's vertices) [µm], all ranks."""
    from dolfinx import mesh as dmesh

    tdim = msh.topology.dim
    n_cells = msh.topology.index_map(tdim).size_local
    vertices = dmesh.entities_to_geometry(msh, tdim, np.arange(n_cells, dtype=np.int32))
    xs = msh.geometry.x[vertices, 0]
    extent = xs.max(axis=1) - xs.min(axis=1) if n_cells else np.zeros(0)
    gathered = np.concatenate(msh.comm.allgather(extent))
    return float(np.median(gathered)) if gathered.size else 0.0


def section_aggregation(owned_dofs: list[np.ndarray], owned_x: list[np.ndarray],
                        excluded: np.ndarray, n_owned: int,
                        cell_extent: Callable[[], float], comm: MPI.Comm) -> PETSc.Mat:
    """The prolongation P from cross-section aggregates to the fine dofs (see module docstring).

    Args:
        owned_dofs: per field, the local indices of this rank's owned dofs (three-field space).
        owned_x: per field, their axial coordinates [µm] (same shapes).
        excluded: local indices of dofs left out of every aggregate (Dirichlet dofs).
        n_owned: number of owned dofs (not nodes) of the three-field space on this rank.
        cell_extent: returns the median axial extent of the cells [µm]
            (:func:`median_axial_cell_extent`), called only for meshes not made of planes.
        comm: communicator of the mesh.

    Returns:
        An assembled AIJ matrix of shape (global dofs, n_fields x n_layers), one entry 1.0 per
        row (none for excluded dofs); coarse unknown (f, k) is column f * n_layers + k.
    """
    x_all = np.concatenate(owned_x)
    layer, n_layers = axial_layers(x_all, cell_extent, comm, copies=len(owned_x))
    field = np.concatenate([np.full(d.size, f) for f, d in enumerate(owned_dofs)])
    rows = np.concatenate(owned_dofs).astype(np.int64)  # local indices, all < n_owned
    cols = field * n_layers + layer
    keep = ~np.isin(rows, excluded)
    rows, cols = rows[keep], cols[keep]
    n_coarse = len(owned_dofs) * n_layers
    local = np.zeros(n_owned, dtype=np.int32)
    local_cols = np.zeros(n_owned, dtype=np.int32)
    np.add.at(local, rows, 1)
    local_cols[rows] = cols
    indptr = np.r_[0, np.cumsum(local)].astype(np.int32)
    # Coarse ownership: PETSc's even split of the columns.
    P = PETSc.Mat().createAIJ(((n_owned, PETSc.DETERMINE), (PETSc.DECIDE, n_coarse)),
                              csr=(indptr, local_cols[local > 0], np.ones(indptr[-1])),
                              comm=comm)
    P.assemble()
    return P
