"""The exponentially fitted fluxes of a box-hexahedron mesh, assembled edge by edge.

On hexahedra the flux terms of :func:`solver.physics.transport.transport_terms` are the box
(edge-based) Scharfetter–Gummel scheme: the vertex rule evaluates, at both ends of every cell
edge E, the edge flux F_E of :func:`solver.numerics.fluxes.halide_fluxes_exponential_fitting`
(a function of the two end nodes only). When every cell is a rectangular box (orthogonal edges,
J^T J diagonal) the cell's contribution to the residual row of a test function v is

.. math::
    -\\frac{|T|}{4 h_E^2}\\,F_E\\,(v_R - v_L) \\quad\\text{for each of its 12 edges,}

so the whole flux part is :math:`-\\sum_E \\omega_E F_E (v_R - v_L)` with the edge weight
:math:`\\omega_E = \\sum_{T \\ni E} |T| / (4 h_E^2)` (the dual face area over the edge length).
Evaluated per cell, UFL differentiates 24 edge fluxes per hexahedron (each edge twice, and each
interior edge in 4 cells); here each edge is evaluated once, by the interval kernel of the same
UFL flux (one unit interval per edge with discontinuous P1 unknowns, so that its two ends are
not shared with other edges; weight ω_E as a DG0 coefficient), and the results are added into
the hexahedral residual and Jacobian through index maps computed once. The scheme and its
discrete maximum principle are unchanged; only the order of floating-point sums differs
(tests/unit/test_edge_assembly.py compares both assemblies).

Used by :class:`solver.numerics.problem.TransportProblem` on box-hexahedron meshes (the
structured wires of solver/mesh/wire3d.py) at a constant temperature, serial or parallel
(each rank takes the edges of its owned cells, with those cells' share of the weights);
otherwise the flux terms stay in the cell forms.
"""

from __future__ import annotations

import basix.ufl
import numpy as np
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

#: Cells count as boxes when |e_i . e_j| <= BOX_TOL |e_i| |e_j| (i != j) and every vertex lies
#: within BOX_TOL times the cell size of the parallelepiped spanned by the three edges.
BOX_TOL = 1e-9

#: Basix reference vertices of the hexahedron (x fastest), and its 12 edges as
#: (direction k, vertex L, vertex R) with R = L + e_k.
_HEX_VERTICES = np.array([[(i >> 0) & 1, (i >> 1) & 1, (i >> 2) & 1] for i in range(8)])
_HEX_EDGES = [(k, lo, lo + (1 << k)) for k in range(3) for lo in range(8) if not (lo >> k) & 1]


def box_hexahedra(msh) -> tuple[bool, np.ndarray, np.ndarray]:
    """Whether every local cell of a hexahedron mesh is a rectangular box.

    Returns:
        (is_box, volumes [µm³] of shape (cells,), edge lengths h_k [µm] of shape (cells, 3)).
    """
    nodes = msh.geometry.x[msh.geometry.dofmaps[0]]  # (cells, 8, 3)
    v0 = nodes[:, 0, :]
    e = np.stack([nodes[:, 1, :] - v0, nodes[:, 2, :] - v0, nodes[:, 4, :] - v0], axis=1)
    h = np.linalg.norm(e, axis=2)
    ok = bool(np.all(h > 0))
    for i, j in ((0, 1), (0, 2), (1, 2)):
        dots = np.abs(np.einsum("cd,cd->c", e[:, i], e[:, j]))
        ok = ok and bool(np.all(dots <= BOX_TOL * h[:, i] * h[:, j]))
    expected = v0[:, None, :] + np.einsum("vk,ckd->cvd", _HEX_VERTICES.astype(float), e)
    size = h.max(axis=1)[:, None]
    ok = ok and bool(np.all(np.linalg.norm(nodes - expected, axis=2) <= BOX_TOL * size))
    return ok, np.prod(h, axis=1), h


def edge_flux_assembler(W, flux_terms, excluded_dofs: np.ndarray):
    """An :class:`EdgeFluxAssembler` for the hexahedron mesh of ``W`` if every cell on every
    rank is a rectangular box (:func:`box_hexahedra`, checked once), else None. Arguments as
    for :class:`EdgeFluxAssembler`."""
    is_box, volume, h = box_hexahedra(W.mesh)
    if not W.mesh.comm.allreduce(is_box, op=MPI.LAND):
        return None
    return EdgeFluxAssembler(W, flux_terms, excluded_dofs, volume, h)


class EdgeFluxAssembler:
    """Residual and Jacobian of the flux terms of a box-hexahedron mesh, edge by edge.

    Args:
        W: the mixed (y, u, phi) P1 space on the hexahedron mesh.
        flux_terms: callable(w_edge, tests_edge, weight, dx) -> UFL form of the weighted flux
            terms on the edge mesh (:func:`solver.numerics.fluxes.weighted_edge_flux_form`).
        excluded_dofs: dofs of W whose rows and columns the caller constrains (Dirichlet):
            no contribution is added to them.
        volume, h: cell volumes and edge lengths of the local cells, from
            :func:`box_hexahedra` (every cell a box: build through :func:`edge_flux_assembler`).
    """

    def __init__(self, W, flux_terms, excluded_dofs: np.ndarray, volume: np.ndarray,
                 h: np.ndarray):
        msh = W.mesh
        # Owned cells only: each cell's share of an edge weight is counted on one rank; an edge
        # on a partition boundary gets the rest of its weight from the other ranks, whose
        # contributions reach this rank's rows through the ghost updates of the caller.
        n_cells = msh.topology.index_map(msh.topology.dim).size_local
        geo = msh.geometry.dofmaps[0][:n_cells]
        volume, h = volume[:n_cells], h[:n_cells]
        # Cell edges as pairs of geometry nodes (P1 geometry: one node per vertex), their
        # weights |T| / (4 h_k^2), and the mixed-space dofs of both ends per field.
        lo = np.concatenate([geo[:, a] for _, a, _ in _HEX_EDGES])
        hi = np.concatenate([geo[:, b] for _, _, b in _HEX_EDGES])
        w_cell = np.concatenate([volume / (4.0 * h[:, k] ** 2) for k, _, _ in _HEX_EDGES])
        # Sorted ends: the same edge seen from its cells (orientation does not matter: reversing
        # an edge flips both F_E and v_R - v_L).
        pairs = np.sort(np.stack([lo, hi], axis=1), axis=1)
        edges, inverse = np.unique(pairs, axis=0, return_inverse=True)
        weight = np.bincount(inverse.ravel(), weights=w_cell, minlength=len(edges))
        node_dof = np.empty((3, msh.geometry.x.shape[0]), dtype=np.int64)
        for i in range(3):
            cell_dofs = W.sub(i).dofmap.list[:n_cells]
            node_dof[i, geo.ravel()] = cell_dofs.ravel()

        # The edge mesh: edge E is cell E = [E, E + 1] of a chain of unit intervals, with a
        # discontinuous P1 space, so that the two ends of an edge are dofs of that edge alone.
        # (A mesh of disconnected intervals gives the same kernels, but dolfinx 0.11 builds it
        # in time quadratic in the number of intervals: 12 s for 10^5 edges, about 270 s per
        # rank for the 1.017 M-dof wire. The chain is built in linear time.)
        n_e = len(edges)
        self.mesh = mesh.create_interval(MPI.COMM_SELF, n_e, [0.0, float(n_e)])
        el = basix.ufl.element("Lagrange", "interval", 1, discontinuous=True)
        self.W = fem.functionspace(self.mesh, basix.ufl.mixed_element([el, el, el]))
        self.w = fem.Function(self.W)
        self.weight = fem.Function(fem.functionspace(self.mesh, ("DG", 0)))
        original_cell = np.asarray(self.mesh.topology.original_cell_index)
        self.weight.x.array[self.weight.function_space.dofmap.list[:, 0]] = weight[original_cell]
        input_node = np.asarray(self.mesh.geometry.input_global_indices)
        egeo = self.mesh.geometry.dofmaps[0]
        end = input_node[egeo] - original_cell[:, None]  # (edge cells, 2): 0 = L, 1 = R
        if not np.array_equal(np.sort(end, axis=1), np.tile([0, 1], (n_e, 1))):
            raise RuntimeError("edge assembly: unexpected node numbering of the edge chain")
        hex_node = edges[original_cell[:, None], end]
        #: hex dof of every edge-mesh dof (a DG1 dof sits at its cell's geometry node)
        self.dof_map = np.empty(self.W.dofmap.index_map.size_local * self.W.dofmap.index_map_bs,
                                dtype=np.int64)
        for i in range(3):
            self.dof_map[self.W.sub(i).dofmap.list] = node_dof[i][hex_node]
        imap = W.dofmap.index_map
        self.n_dofs = (imap.size_local + imap.num_ghosts) * W.dofmap.index_map_bs  # with ghosts
        self.excluded = np.zeros(self.n_dofs, dtype=bool)
        self.excluded[np.asarray(excluded_dofs, dtype=np.int64)] = True
        # Residual scatter: edge-mesh dofs whose hex dof is not excluded, and that hex dof.
        self._residual_keep = ~self.excluded[self.dof_map]
        self._residual_rows = self.dof_map[self._residual_keep]

        tests = ufl.TestFunctions(self.W)
        dx = ufl.Measure("dx", domain=self.mesh, metadata={"quadrature_degree": 1})
        F = flux_terms(ufl.split(self.w), tests, self.weight, dx)
        self.F = fem.form(F)
        self.J = fem.form(ufl.derivative(F, self.w))
        self.matrix = fem.create_matrix(self.J)
        self._scatter = None

    def _edge_matrix_values(self, w_hex: np.ndarray) -> np.ndarray:
        """The edge mesh's Jacobian at the state ``w_hex`` (its CSR value array)."""
        self.w.x.array[:] = w_hex[self.dof_map]
        self.matrix.data[:] = 0.0
        fem.assemble_matrix(self.matrix, self.J)
        return self.matrix.data

    def add_residual(self, w_hex: np.ndarray, b_hex: np.ndarray) -> None:
        """b_hex += the flux part of the residual at the state ``w_hex`` (local arrays with
        ghosts; ``b_hex`` before the reverse ghost update that sums shared rows)."""
        self.w.x.array[:] = w_hex[self.dof_map]
        b = fem.assemble_vector(self.F).array
        b_hex += np.bincount(self._residual_rows, weights=b[self._residual_keep],
                             minlength=self.n_dofs)

    def add_jacobian(self, w_hex: np.ndarray, csr) -> None:
        """csr.data += the flux part of the Jacobian at ``w_hex``; ``csr``: the hexahedral
        dolfinx CSR matrix (its sparsity holds every pair of dofs of a cell)."""
        values = self._edge_matrix_values(w_hex)
        if self._scatter is None:
            self._scatter = self._positions(csr)
        pos, keep = self._scatter
        csr.data[:] += np.bincount(pos, weights=values[keep], minlength=csr.data.size)

    def _positions(self, csr) -> tuple[np.ndarray, np.ndarray]:
        """For each stored entry of the edge matrix: its position in ``csr.data``, and the mask
        of entries kept (row and column not excluded)."""
        indptr, indices = np.asarray(self.matrix.indptr), np.asarray(self.matrix.indices)
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        r, c = self.dof_map[rows], self.dof_map[indices]
        keep = ~(self.excluded[r] | self.excluded[c])
        h_indptr, h_indices = np.asarray(csr.indptr), np.asarray(csr.indices)
        n_col = int(h_indices.max()) + 1
        h_rows = np.repeat(np.arange(len(h_indptr) - 1), np.diff(h_indptr))
        keys = h_rows.astype(np.int64) * n_col + h_indices
        want = r[keep] * n_col + c[keep]
        pos = np.searchsorted(keys, want)
        if not np.array_equal(keys[np.minimum(pos, keys.size - 1)], want):
            raise RuntimeError("edge assembly: an edge's dof pair is not in the cell sparsity")
        return pos, keep
