"""The preflight's entry points: :func:`check` runs every check a run makes before it writes
anything, in order (count bounds, mesh, derived parameters, protocol temperatures, KMC table,
PETSc options), and returns a :class:`Checked` (cell count, warnings). Re-exported by
:mod:`solver.preflight`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.config import Case, CaseError, unit_hint_first
from solver.preflight.bounds import check_counts
from solver.preflight.mesh import check_mesh
from solver.preflight.parameters import (
    check_onsager_table,
    check_temperature_levels,
    model_parameters,
)
from solver.preflight.petsc import check_petsc_options
from solver.preflight.warnings import case_warnings

__all__ = ["Checked", "check", "check_case"]


@dataclass(frozen=True)
class Checked:
    """What :func:`check` found: the mesh size and the warnings (``"<key>: <message>"``)."""

    n_cells: int
    cells_note: str
    warnings: list[str] = field(default_factory=list)


def check(case: Case, comm=None) -> Checked:
    """Every check a run makes before it writes anything (also what ``--check`` runs).

    Args:
        case: validated case.
        comm: MPI communicator whose ranks all call this; a user mesh file is then read on its
            rank 0 only. None: read it here.

    Returns:
        The cell count and the plausibility warnings.

    A refusal by a derived check (counts, mesh, derived parameters, protocol temperatures)
    while a value looks given in another unit (a wire length in nm: "did you give nm?") names
    that value and its unit first, then the refusal (:func:`solver.config.unit_hint_first`).

    Raises:
        CaseError: a count bound (protocol milestones, output times, PL probes, time steps:
            :mod:`~solver.preflight.bounds`, checked first), the mesh (size, user mesh file), a
            derived parameter or a PETSc option.
    """
    try:
        check_counts(case)
        n, note = check_mesh(case, comm)
        params = model_parameters(case)
        check_temperature_levels(case, params)  # T(0), then every protocol level
    except CaseError as exc:  # a value given in the wrong unit is the fix: say that first
        raise unit_hint_first(exc, case) from None
    check_onsager_table(case, params)
    check_petsc_options(case, 1 if comm is None else comm.size)
    return Checked(n, note, case_warnings(case))


def check_case(case: Case) -> int:
    """:func:`check` (without a communicator); return the number of mesh cells."""
    return check(case).n_cells
