"""Linear-solver presets for the Newton iterations, and the automatic choice by problem size.

Each Newton step solves J d = -F for the coupled (y, ln x_V, phi) system: non-symmetric, with
rows spanning many decades even after the vacancy-row equilibration (newton.py), and a
potential block that is a Poisson operator with nm-thin contact layers. Direct factorisation
is the robust default; which package is fastest depends on the size and the number of ranks:

=============  ===========================================================================
preset         what it is, and where it fits
=============  ===========================================================================
``lu``         PETSc's own sparse LU with reverse Cuthill–McKee ordering. Serial only. The
               Jacobian of a wire is banded (1D: bandwidth 2 x 3 dofs), and for banded
               matrices this has far less overhead than a multifrontal solver: 1D reference
               device 0.1 ms per factorisation against 1.2 ms with MUMPS (2751 dofs).
``lu_redundant`` PETSc's LU (RCM) of the whole matrix on every rank (``pc_type redundant``):
               the matrix is gathered at each factorisation and every rank solves the full
               system. For small problems on several ranks, where a parallel factorisation is
               mostly communication: wire3d (18 927 dofs) on 2 ranks, first 30 min, 19.6 s
               against 26.1 s with MUMPS (README "Benchmark").
``mumps``      MUMPS multifrontal LU (nested-dissection ordering), serial or parallel: 3D
               meshes and every run on more than one rank. Memory grows with the square of
               the section's node count (docs: README "Benchmark").
``mumps_blr``  MUMPS with block low-rank compression of the factors (ICNTL(35) = 1,
               CNTL(7) = 1e-10 dropping tolerance, used as a preconditioner for GMRES so the
               compression error does not enter the Newton step): less memory for large 3D
               sections.
``gmres_twolevel`` GMRES with a two-level multigrid preconditioner (PETSc ``PCMG``, Galerkin
               coarse operator): one additive-Schwarz ILU(0) sweep before and after an exact
               (redundant LU) solve on the cross-section aggregates of
               :mod:`solver.numerics.coarse_space`, one unknown per field and axial layer. The
               coarse problem is 1D and small; everything else is local to a rank, so memory and
               work grow linearly with the mesh. For large 3D wires (README "Linear solvers"
               has the measured iterations under refinement).
``gmres_asm``  GMRES preconditioned by additive Schwarz (overlap 2) with ILU(1) on each
               rank's block: no global factorisation, so memory per rank stays flat. Not a
               scalable preconditioner for this system (iterations grow with the number of
               ranks and the mesh); offered for experiments with ``solver.petsc_options``.
=============  ===========================================================================

``auto`` (the default) picks, for at most :data:`SERIAL_LU_MAX_DOFS` (25 000) dofs, ``lu`` on
one rank and ``lu_redundant`` on several, ``gmres_twolevel`` for 3D meshes of at least
:data:`TWO_LEVEL_MIN_DOFS` (300 000) dofs, and ``mumps`` in between (and for larger 1D/2D
problems).
``solver.petsc_options`` are applied after the preset.
"""

from __future__ import annotations

#: Presets by name (PETSc options without the problem's prefix).
PRESETS: dict[str, dict] = {
    "lu": {
        "ksp_type": "preonly",
        "pc_type": "lu",
        "pc_factor_mat_solver_type": "petsc",
        "pc_factor_mat_ordering_type": "rcm",
    },
    "lu_redundant": {
        "ksp_type": "preonly",
        "pc_type": "redundant",
        "redundant_pc_type": "lu",
        "redundant_pc_factor_mat_solver_type": "petsc",
        "redundant_pc_factor_mat_ordering_type": "rcm",
    },
    "mumps": {
        "ksp_type": "preonly",
        "pc_type": "lu",
        "pc_factor_mat_solver_type": "mumps",
    },
    "mumps_blr": {
        "ksp_type": "gmres",
        "ksp_rtol": 1e-12,
        "ksp_atol": 0.0,
        "ksp_max_it": 50,
        "pc_type": "lu",
        "pc_factor_mat_solver_type": "mumps",
        "mat_mumps_icntl_35": 1,
        "mat_mumps_cntl_7": 1e-10,
    },
    "gmres_twolevel": {
        "ksp_type": "gmres",
        # Inexact Newton needs no more: wire3d, 4 h, 2 ranks, newton_stol 1e-6: 1978 Newton
        # iterations against 1977 with 1e-6 and with LU, L_m and the lateral spread changed by
        # 3e-11 and 4e-10 relative, 4708 instead of 9685 Krylov iterations (33.5 against
        # 45.2 s). 105 075 dofs, first 71 steps: 335 against 332 Newton iterations, 890 against
        # 1717 Krylov iterations (README "Linear solvers").
        "ksp_rtol": 1e-3,
        "ksp_atol": 0.0,
        "ksp_max_it": 500,
        "ksp_gmres_restart": 100,
        "pc_type": "mg",
        "pc_mg_levels": 2,
        "pc_mg_galerkin": "both",
        "mg_levels_ksp_type": "richardson",
        "mg_levels_ksp_max_it": 1,
        # Additive Schwarz with overlap 1 (restricted): on one rank the ILU(0) of the whole
        # matrix; on 2 ranks 1921 Krylov iterations where block Jacobi needed 2334 (105 075
        # dofs, first 71 steps; one rank: 1333).
        "mg_levels_pc_type": "asm",
        "mg_levels_pc_asm_overlap": 1,
        "mg_levels_sub_pc_type": "ilu",
        "mg_coarse_ksp_type": "preonly",
        "mg_coarse_pc_type": "redundant",
        "mg_coarse_redundant_pc_type": "lu",
    },
    "gmres_asm": {
        "ksp_type": "gmres",
        "ksp_rtol": 1e-10,
        "ksp_atol": 0.0,
        "ksp_max_it": 1000,
        "ksp_gmres_restart": 200,
        "pc_type": "asm",
        "pc_asm_overlap": 2,
        "sub_ksp_type": "preonly",
        "sub_pc_type": "ilu",
        "sub_pc_factor_levels": 1,
    },
}

#: Names accepted by ``solver.linear_solver``.
LINEAR_SOLVERS = ("auto", *PRESETS)

#: Presets that need a single MPI rank.
SERIAL_ONLY = ("lu",)

#: Presets after whose failed linear solve the Newton solver switches to MUMPS for the rest of
#: the run (solver/numerics/newton.py): PETSc's LU does not pivot, and the two-level Krylov
#: method is measured on the wire cases only.
MUMPS_FALLBACK_PRESETS = ("lu", "lu_redundant", "gmres_twolevel")

#: Presets whose preconditioner needs the coarse space of cross-section aggregates
#: (solver/numerics/coarse_space.py), set by the Newton solver after PETSc has read the options.
COARSE_SPACE_PRESETS = ("gmres_twolevel",)

#: Largest problem (global dofs) that ``auto`` gives to PETSc's serial LU. Measured: the 1D
#: device (2751 dofs) 0.1 ms per factorisation against 1.2 ms with MUMPS; the 3D test wire
#: (cases/wire3d.yaml, 18 927 dofs, quasi-1D, 600 s forward) 66 s against 82 s in all.
#: Beyond a few 10^4 dofs the banded fill of an RCM-ordered 3D section grows faster than
#: MUMPS's nested dissection.
SERIAL_LU_MAX_DOFS = 25_000


#: Smallest 3D problem (global dofs) that ``auto`` gives to ``gmres_twolevel``. Measured on
#: the 200 nm wire (README "Linear solvers"): at 105 075 dofs (one rank) MUMPS and the
#: two-level method take the same time; at 1.017 M dofs (2 ranks) MUMPS needs 15 s per Newton
#: iteration and 6 GB per rank, the two-level method 4.3-4.9 s and 2.8 GB (peak). The threshold
#: is a choice between the two.
TWO_LEVEL_MIN_DOFS = 300_000


def choose_linear_solver(requested: str, n_dofs: int, n_ranks: int, tdim: int = 1,
                         compact: bool = False) -> str:
    """The preset to use for ``requested`` ("auto" or a preset name).

    Args:
        requested: ``solver.linear_solver`` from the case.
        n_dofs: global number of unknowns (all three fields).
        n_ranks: MPI ranks of the run.
        tdim: topological dimension of the mesh (``auto`` uses ``gmres_twolevel`` in 3D only).
        compact: a 3D body of similar extent in every direction (a nanocrystal cube), where
            the serial LU's RCM ordering fills in badly (0.6 s per solve at 5 324 dofs against
            0.02 s with MUMPS's nested dissection): ``auto`` takes ``mumps`` below the
            two-level size.

    Returns:
        A key of :data:`PRESETS`.

    Raises:
        ValueError: unknown name, or a serial-only preset on more than one rank (one line,
            naming the key).
    """
    if requested == "auto":
        if tdim == 3 and n_dofs >= TWO_LEVEL_MIN_DOFS:
            return "gmres_twolevel"
        if tdim == 3 and compact:
            return "mumps"
        if n_dofs > SERIAL_LU_MAX_DOFS:
            return "mumps"
        return "lu" if n_ranks == 1 else "lu_redundant"
    if requested not in PRESETS:
        raise ValueError(f"solver.linear_solver: unknown preset {requested!r}; expected one of "
                         f"{', '.join(LINEAR_SOLVERS)}")
    if requested in SERIAL_ONLY and n_ranks > 1:
        raise ValueError(f"solver.linear_solver: {requested!r} (PETSc's serial LU) needs one MPI "
                         f"rank, this run has {n_ranks}; use auto or mumps")
    return requested


def petsc_options(preset: str, overrides: dict | None = None) -> dict:
    """PETSc options of ``preset`` with the case's ``solver.petsc_options`` applied on top."""
    return {**PRESETS[preset], **(overrides or {})}


def newton_petsc_options(preset: str, max_it: int, overrides: dict | None = None) -> dict:
    """All PETSc options of the Newton solver (solver.numerics.problem.TransportProblem): SNES
    Newton with a plain (undamped) line search, whose damping and convergence test the problem
    supplies itself (so PETSc's own tolerances are off), the linear-solver ``preset``, then the
    case's ``solver.petsc_options`` (``overrides``). The preflight tries exactly these."""
    return {
        "snes_type": "newtonls",
        "snes_linesearch_type": "basic",
        "snes_max_it": max_it,
        "snes_atol": 0.0,
        "snes_rtol": 0.0,
        "snes_stol": 0.0,
        **petsc_options(preset, overrides),
    }
