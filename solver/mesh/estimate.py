"""Cell counts of a case's mesh before it is built: cheap enough to refuse absurd mesh settings.

- the graded 1D mesh (:func:`solver.mesh1d.graded_vertices`): :func:`estimate_cells` is an analytic
  estimate in log space (no overflow, no vertex array, microseconds even for absurd settings);
  :func:`count_cells` gives the exact count, by building the vertices, only when the estimate is
  at most :data:`EXACT_COUNT_LIMIT`;
- the generated 3D wire (meshes/nanowire.py, :mod:`solver.nanowire_gmsh`):
  :func:`estimated_cells_3d`, exact for structured rectangles, rough otherwise (a user
  ``mesh.file`` is counted when it is read).

:mod:`solver.preflight` compares these counts with ``mesh.max_cells``. Imports neither dolfinx nor
numpy at module level (numpy lazily, for the exact 1D count).
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solver.config import Case

__all__ = [
    "EXACT_COUNT_LIMIT",
    "count_cells",
    "estimate_cells",
    "estimated_cells_3d",
    "is_1d",
    "mesh_points_um",
]

#: Largest estimated cell count for which the exact count is computed (building the vertices).
EXACT_COUNT_LIMIT = 5_000_000


def is_1d(case: Case) -> bool:
    """True for the graded 1D mesh (``geometry.dimension`` 1, the default)."""
    return getattr(case.geometry, "dimension", 1) == 1


def mesh_points_um(case: Case) -> list[float]:
    """Points the 1D mesh is graded toward [µm]: wire ends, electrode edges, interface (a
    body: its centre and surface).

    The same list as :func:`solver.mesh1d.mesh_for_parameters`.
    """
    if getattr(case, "body", None) is not None:
        return [0.0, case.body.radius_um_resolved]
    el = case.electrodes
    return sorted({0.0, case.geometry.length_um, el.left.start_um, el.left.end_um,
                   el.right.start_um, el.right.end_um, case.geometry.interface_um})


def _segment_estimate(length: float, h_min: float, h_max: float, growth: float) -> float:
    """Approximate cell count of :func:`solver.mesh1d.graded_segment`, in log space (no overflow).

    Cells grow as ``h_min * growth**k`` from both ends up to ``h_max``; the middle is filled with
    cells of the last graded size.
    """
    if length <= 0.0:
        return 0.0
    if length <= 2.0 * h_min:
        return 1.0 if length <= h_min else 2.0
    lg = math.log1p(growth - 1.0)
    ln_gm1 = math.log(growth - 1.0)
    k_cap = max(0.0, math.ceil((math.log(h_max) - math.log(h_min)) / lg))
    # ln of the length of one graded side up to the cap: h_min (g^k - 1)/(g - 1).
    ln_side = math.log(h_min) + k_cap * lg - ln_gm1
    if k_cap * lg < 30.0:
        ln_side += math.log(-math.expm1(-k_cap * lg)) if k_cap > 0 else -math.inf
    if ln_side + math.log(2.0) >= math.log(length):
        # The graded sides meet before reaching h_max: n_side = ln(1 + (L/2)(g-1)/h_min)/ln g.
        ln_x = math.log(0.5 * length) + ln_gm1 - math.log(h_min)
        ln1px = ln_x if ln_x > 30.0 else math.log1p(math.exp(ln_x))
        return 2.0 * ln1px / lg + 1.0
    side = math.exp(ln_side) if ln_side > -700.0 else 0.0
    return 2.0 * k_cap + (length - 2.0 * side) / h_max


def estimate_cells(case: Case) -> float:
    """Approximate number of cells of the case's graded mesh (may be ``inf`` for absurd input)."""
    m = case.mesh
    body = getattr(case, "body", None)
    if body is not None and body.dimension == 3:
        return float(math.prod(max(2, math.ceil(e / m.h_max_um - 1e-9))
                               for e in body.edges_um))
    h_min, h_max = m.h_min_nm * 1e-3, m.h_max_um
    pts = mesh_points_um(case)
    total = 0.0
    for a, b in itertools.pairwise(pts):
        try:
            total += _segment_estimate(b - a, h_min, h_max, m.growth)
        except (OverflowError, ValueError, ZeroDivisionError):
            return math.inf
    return total


def count_cells(case: Case) -> tuple[int, bool]:
    """Cell count of the case's mesh: ``(n, exact)``.

    The count is exact (from the vertices of :func:`solver.mesh1d.graded_vertices`) when the
    estimate is at most ``EXACT_COUNT_LIMIT`` cells, else the rounded estimate.
    """
    est = estimate_cells(case)
    if not math.isfinite(est):
        return (2**63 - 1), False
    if est > EXACT_COUNT_LIMIT:
        return round(est), False
    body = getattr(case, "body", None)
    if body is not None and body.dimension == 3:
        return round(est), True  # n_a n_b n_c hexahedra
    from solver.mesh.interval import graded_vertices

    m = case.mesh
    try:
        vertices = graded_vertices(mesh_points_um(case), m.h_min_nm * 1e-3, m.h_max_um, m.growth)
    except (OverflowError, MemoryError, ValueError):
        return round(est), False
    return len(vertices) - 1, True


def estimated_cells_3d(case) -> int:
    """Cell count of the generated 3D wire: exact for structured rectangles (hexahedra, as
    meshes/nanowire.py builds them), rough otherwise (6 tetrahedra per h³ box at the mean size;
    3 per extruded triangle)."""
    g, m = case.geometry, case.mesh
    if m.h3d_axial_um:
        layers = max(1, round(g.length_um / m.h3d_axial_um))
        if g.cross_section == "rectangle":
            return (max(1, round(g.width_um / m.h3d_max_um))
                    * max(1, round(g.height_um / m.h3d_max_um)) * layers)
        section = max(2.0, 2.0 * g.width_um * g.height_um / m.h3d_max_um**2)  # triangles
        return int(3 * section * layers)
    h = 0.5 * (m.h3d_max_um + m.h3d_min_um)
    return int(6 * g.length_um * max(g.width_um, h) * max(g.height_um, h) / h**3)
