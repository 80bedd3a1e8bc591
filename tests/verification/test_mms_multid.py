"""Method of manufactured solutions for the multi-dimensional flux discretisation.

Requirement: on tensor-product cells (the structured 3D wire meshes use hexahedra) the
vertex-quadrature fluxes, exponentially fitted per cell edge or Galerkin, converge at the optimal
Q1 rate (L2 order >= 1.9) to a solution that varies along *both* axes, on cells with aspect
ratio 2. This checks the per-direction Scharfetter–Gummel construction and its mapping back
through J^{-T}, which a solution varying along one axis cannot see; the mesh is rotated by 30°
so that J is not diagonal (J^{-T} != J^{-1}).

The setting is a 2D rectangle [0, 1] x [0, 0.5] (in rotated coordinates s, r) of quadrilaterals
with the contacts at its end edges (s = 0 and s = 1): phi is imposed there and the electrode
reactions act there as facet fluxes, as on the bottom facets of the 3D wire. Forcing: the weak
residual of the exact solution built by the same term builder (as in test_mms.py), so the
measured error is spatial only. The setting is shared with test_mms_simplex.py (mms_rotated.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from dolfinx import mesh as dmesh
from mms_rotated import HEIGHT, parameters, tagged_rotated
from mms_rotated import l2_errors as rotated_l2_errors
from mpi4py import MPI

from solver.mesh.tags import TaggedMesh


def rectangle(n: int) -> TaggedMesh:
    """n x n/4 quadrilaterals of aspect ratio 2 (h_x = 1/n, h_y = 2/n) with contact and zone
    tags, rotated (mms_rotated.py)."""
    msh = dmesh.create_rectangle(MPI.COMM_WORLD, [[0.0, 0.0], [1.0, HEIGHT]], [n, n // 4],
                                 cell_type=dmesh.CellType.quadrilateral)
    return tagged_rotated(msh, HEIGHT / (n // 4))


def l2_errors(n: int, flux_scheme: str) -> np.ndarray:
    return rotated_l2_errors(rectangle(n), parameters("mms2d", flux_scheme), 2)


@pytest.mark.parametrize("flux_scheme", ["exponential_fitting", "galerkin"])
def test_mms_quadrilaterals_both_axes(flux_scheme):
    errors = np.array([l2_errors(n, flux_scheme) for n in (16, 32, 64)])
    rates = np.log2(errors[:-1] / errors[1:])
    for field, r in zip(("y", "ln x_V", "phi"), rates.T, strict=True):
        assert np.all(r >= 1.9), f"{field}: rates {r} (errors {errors})"
