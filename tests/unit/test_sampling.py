"""The line sampler's precomputed point operator equals dolfinx's Function.eval."""

from __future__ import annotations

import numpy as np
import pytest
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from solver.mesh.sampling import LineSampler, cross_section_grid


@pytest.mark.parametrize("cell", [dmesh.CellType.hexahedron, dmesh.CellType.tetrahedron])
@pytest.mark.parametrize("degree", [1, 2])
def test_point_operator_matches_eval_on_distorted_cells(cell, degree):
    msh = dmesh.create_box(MPI.COMM_WORLD, [[0.0, -0.1, 0.0], [7.0, 0.1, 0.2]], [20, 3, 3], cell)
    x = msh.geometry.x
    x[:, 1] += 0.01 * np.sin(3.0 * x[:, 0]) * x[:, 2]  # non-affine hexahedra
    V = fem.functionspace(msh, ("Lagrange", degree))
    f = fem.Function(V)
    f.interpolate(lambda p: np.sin(p[0]) + p[1] * p[2] + 0.1 * p[0] ** 2)
    sampler = LineSampler(msh, np.linspace(1e-6, 7.0 - 1e-6, 301), cross_section_grid(0.2, 0.2))
    weights, dofs = sampler._point_operator(f)
    expected = np.asarray(f.eval(sampler.points, sampler.cells)).reshape(-1)
    np.testing.assert_allclose((weights * f.x.array[dofs]).sum(axis=1), expected,
                               rtol=0, atol=1e-12)
    values = sampler.sample([f])
    if values is not None:  # rank 0: every line, every point, the exact function nearby
        exact = np.sin(sampler.x_um)
        assert values.shape == (9, 301, 1)
        assert np.abs(values[4, :, 0] - exact - 0.1 * sampler.x_um ** 2).max() < 0.05
