"""Checks and derived numbers of a validated case, before any output directory exists.

The schema (:mod:`solver.config`) checks every key on its own and the cross-key rules. This package
adds what needs a little computation, and is called by the CLI before anything is written:

- the mesh size against ``mesh.max_cells`` (:mod:`~solver.preflight.mesh`): for the graded 1D
  mesh the cell count is computed without building a huge vertex array (an analytic estimate
  first, the exact count only when the estimate is moderate: :mod:`solver.mesh.estimate`), so
  absurd mesh settings are refused in microseconds; for a generated 3D mesh, the estimate of
  :func:`~solver.mesh.estimate.estimated_cells_3d` (a user ``mesh.file`` is checked when it is
  read);
- the derived model parameters (hop rates, Debye length, contact potentials) must be finite and
  positive where they have to be (:mod:`~solver.preflight.parameters`): extreme but individually
  valid temperatures or activation energies can overflow or underflow them; a hop rate above
  ``MAX_HOP_RATE_PER_S`` (faster than the lattice vibrates) is refused;
- a user mesh (``mesh.file``) is read (:func:`solver.mesh3d.inspect_mesh_file`: physical groups,
  tags, cells) and its extent compared with the case geometry, naming the likely unit of a mesh
  not written in µm (:mod:`~solver.preflight.mesh`);
- the PETSc options of the Newton solver (each ``solver.linear_solver`` preset the run may use,
  plus ``solver.petsc_options``) are set on a throwaway solver that solves a 2 x 2 system: an
  unknown type, a value PETSc cannot parse, a component the install lacks, or an option PETSc
  reads with none of those presets is refused (:mod:`~solver.preflight.petsc`);
- :func:`case_warnings`: legal but unusual values (outside :data:`solver.config.PLAUSIBLE`)
  (:mod:`~solver.preflight.warnings`);
- :func:`derived_parameters`: the resolved numbers, with units, that ``--check`` prints
  (:mod:`~solver.preflight.report`).

:func:`check` (:mod:`~solver.preflight.checks`) runs all of it; the CLI calls it for ``--check``
and before a run, and :func:`solver.run.run_case` calls it again (as :func:`check_case`), so
``--check`` refuses exactly what a run would refuse before writing anything. Imports neither
dolfinx nor UFL (petsc4py, gmsh and meshio lazily).
"""

from __future__ import annotations

from solver.mesh.estimate import (
    EXACT_COUNT_LIMIT,
    count_cells,
    estimate_cells,
    estimated_cells_3d,
    mesh_points_um,
)
from solver.preflight.checks import Checked, check, check_case
from solver.preflight.mesh import CHEAP_EXACT_COUNT, ESTIMATE_MARGIN
from solver.preflight.parameters import MAX_HOP_RATE_PER_S
from solver.preflight.petsc import _PETSC_PREFIX, newton_petsc_options, possible_presets
from solver.preflight.report import Derived, derived_parameters, format_derived, protocol_tables
from solver.preflight.warnings import case_warnings

__all__ = [
    "CHEAP_EXACT_COUNT",
    "ESTIMATE_MARGIN",
    "EXACT_COUNT_LIMIT",
    "MAX_HOP_RATE_PER_S",
    "_PETSC_PREFIX",
    "Checked",
    "Derived",
    "case_warnings",
    "check",
    "check_case",
    "count_cells",
    "derived_parameters",
    "estimate_cells",
    "estimated_cells_3d",
    "format_derived",
    "mesh_points_um",
    "newton_petsc_options",
    "possible_presets",
    "protocol_tables",
]
