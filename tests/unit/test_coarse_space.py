"""Coarse space of cross-section aggregates (solver/numerics/coarse_space.py) for
``gmres_twolevel``."""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

from solver.numerics.coarse_space import MIN_NODES_PER_LAYER, axial_layers, section_aggregation

COMM = MPI.COMM_SELF


def _not_needed() -> float:
    raise AssertionError("the cell extent is needed only for meshes not made of planes")


def test_extruded_mesh_layers_are_the_node_planes():
    planes = np.array([0.0, 0.01, 0.02, 0.5, 7.0])
    x = np.repeat(planes, 9)[::-1]  # 3 x 3 nodes per section, any order
    layer, n = axial_layers(x, cell_extent=_not_needed, comm=COMM)
    assert n == planes.size
    np.testing.assert_array_equal(planes[layer], x)
    # round-off in the coordinates does not split a plane
    layer2, n2 = axial_layers(x * (1 + 1e-13), cell_extent=_not_needed, comm=COMM)
    assert n2 == n and np.array_equal(layer2, layer)


def test_unstructured_nodes_are_binned_by_cell_extent():
    x = np.random.default_rng(1).uniform(0.0, 1.0, 400)
    assert np.unique(x).size * MIN_NODES_PER_LAYER > x.size  # not on planes
    layer, n = axial_layers(x, cell_extent=lambda: 0.1, comm=COMM)
    assert n == 10
    np.testing.assert_array_equal(layer, np.minimum((x - x.min()) / 0.1, 9).astype(int))


def test_nodes_repeated_per_field_are_not_mistaken_for_planes():
    """Three fields on the same unstructured nodes: 3 entries per distinct x, which are nodes,
    not planes (counting entries would make every node its own layer)."""
    x = np.random.default_rng(2).uniform(0.0, 1.0, 300)
    _, n = axial_layers(np.tile(x, 3), cell_extent=lambda: 0.1, comm=COMM,
                        copies=3)
    assert n == 10


def test_prolongation_maps_each_dof_to_its_field_and_layer():
    planes = np.array([0.0, 1.0, 2.0])
    n_nodes = 12  # 4 per plane
    x = np.repeat(planes, 4)
    # mixed space, 3 fields interleaved per node: local dof 3 i + f
    owned = [np.arange(n_nodes) * 3 + f for f in range(3)]
    owned_x = [x, x, x]
    excluded = np.array([2, 5])  # phi of nodes 0 and 1 (Dirichlet)
    P = section_aggregation(owned, owned_x, excluded, 3 * n_nodes, cell_extent=_not_needed,
                            comm=COMM)
    assert P.getSize() == (3 * n_nodes, 3 * planes.size)
    dense = P.convert("dense").getDenseArray()
    assert dense[excluded].sum() == 0
    for f in range(3):
        for i in range(n_nodes):
            row = 3 * i + f
            if row in excluded:
                continue
            expected = np.zeros(3 * planes.size)
            expected[f * planes.size + i // 4] = 1.0
            np.testing.assert_array_equal(dense[row], expected)


def test_median_axial_cell_extent_of_a_box_mesh():
    from dolfinx import mesh as dmesh

    from solver.numerics.coarse_space import median_axial_cell_extent

    msh = dmesh.create_box(MPI.COMM_WORLD, [[0.0, 0.0, 0.0], [2.0, 0.2, 0.2]], [40, 2, 2],
                           dmesh.CellType.hexahedron)
    assert abs(median_axial_cell_extent(msh) - 0.05) < 1e-12
    tets = dmesh.create_box(MPI.COMM_WORLD, [[0.0, 0.0, 0.0], [2.0, 0.2, 0.2]], [40, 2, 2],
                            dmesh.CellType.tetrahedron)
    assert abs(median_axial_cell_extent(tets) - 0.05) < 1e-12  # each tet spans one layer
