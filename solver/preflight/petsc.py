"""PETSc option trial of the preflight: the run's Newton solver options, set up on a 2 x 2 system.

The PETSc options of the Newton solver (each ``solver.linear_solver`` preset the run may use,
:func:`possible_presets`, plus ``solver.petsc_options``) are set on a throwaway SNES that solves
a 2 x 2 linear system: an unknown type, a value PETSc cannot parse, a component the install
lacks, or an option PETSc reads with none of those presets is refused (:func:`check_petsc_options`).
petsc4py is imported lazily, and what PETSc prints meanwhile is discarded.
"""

from __future__ import annotations

import ctypes
import difflib
import io
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from solver.config import Case, CaseError
from solver.mesh.estimate import is_1d

__all__ = ["check_petsc_options", "newton_petsc_options", "possible_presets"]

_PETSC_PREFIX = "pvkpreflight_"
_OPTION_NAME = re.compile(r"[a-z][a-z0-9_]*")


def newton_petsc_options(preset: str, max_it: int,
                         extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The PETSc options of the run's Newton solver (one home:
    :func:`solver.linear_solvers.newton_petsc_options`)."""
    from solver.numerics.linear_solvers import newton_petsc_options as options

    return options(preset, max_it, dict(extra or {}))


def possible_presets(requested: str, n_ranks: int = 1, three_d: bool = False
                     ) -> tuple[str, ...]:
    """The linear-solver presets a run with ``solver.linear_solver = requested`` may use.

    ``auto`` picks ``lu`` (``lu_redundant`` on several ranks), ``mumps`` or (3D meshes,
    ``three_d``) ``gmres_twolevel`` by problem size; a run on PETSc's LU or the two-level
    method falls back to ``mumps`` when a linear solve fails (solver/numerics/newton.py).

    Raises:
        CaseError: a serial-only preset on more than one rank.
    """
    from solver.numerics.linear_solvers import MUMPS_FALLBACK_PRESETS, choose_linear_solver

    if requested == "auto":
        direct = ("lu" if n_ranks == 1 else "lu_redundant", "mumps")
        return (*direct, "gmres_twolevel") if three_d else direct
    try:
        chosen = choose_linear_solver(requested, 0, n_ranks)
    except ValueError as exc:
        raise CaseError(str(exc)) from None
    return (chosen, "mumps") if chosen in MUMPS_FALLBACK_PRESETS else (chosen,)


class _Silenced:
    """Discard what PETSc monitors and viewers print: petsc4py routes PETSc's output through
    Python's ``sys.stdout``, C code may also write to file descriptors 1 and 2."""

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self._flush()
        self.saved = [os.dup(1), os.dup(2)]
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
        self.streams = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        return self

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.streams
        self._flush()
        for fd, saved in zip((1, 2), self.saved, strict=True):
            os.dup2(saved, fd)
            os.close(saved)
        return False

    @staticmethod
    def _flush():
        try:
            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError):
            pass


def _petsc_trial(opts: Mapping[str, Any], watch: Sequence[str] = ()):
    """Solve a 2 x 2 linear system with a SNES set up from ``opts``.

    Returns:
        ``(problem, used)``: PETSc's last error line (None if it worked) and, for each option in
        ``watch``, whether PETSc read it.
    """
    from petsc4py import PETSc

    db = PETSc.Options()
    for key, value in opts.items():
        db.setValue(_PETSC_PREFIX + key, value)
    problem = None
    with _Silenced():
        snes = PETSc.SNES().create(PETSc.COMM_SELF)
        A = PETSc.Mat().createAIJ([2, 2], nnz=2, comm=PETSc.COMM_SELF)
        try:
            A.setValues([0, 1], [0, 1], [[2.0, 1.0], [1.0, 3.0]])
            A.assemble()
            x, f = A.createVecs()
            snes.setOptionsPrefix(_PETSC_PREFIX)

            def residual(_snes, xx, ff):
                A.mult(xx, ff)
                ff.shift(-1.0)

            snes.setFunction(residual, f)
            snes.setJacobian(lambda *_: None, A, A)
            snes.setFromOptions()
            pc = snes.getKSP().getPC()
            if pc.getType() == "mg" and pc.getMGLevels() == 2:
                # The run gives two-level presets their coarse space
                # (solver/numerics/coarse_space.py): here one aggregate of both unknowns.
                P = PETSc.Mat().createAIJ([2, 1], csr=([0, 1, 2], [0, 0], [1.0, 1.0]),
                                          comm=PETSc.COMM_SELF)
                pc.setMGInterpolation(1, P)
            snes.solve(None, x)
        except PETSc.Error as exc:
            lines = [ln.removeprefix("[0]").strip() for ln in str(exc).splitlines()]
            lines = [ln for ln in lines if ln and "() at " not in ln and not ln.startswith("See")]
            problem = lines[-1] if lines else f"PETSc error {exc.ierr}"
        finally:
            used = {key: bool(db.used(_PETSC_PREFIX + key)) for key in watch}
            for key in opts:
                db.delValue(_PETSC_PREFIX + key)
            snes.destroy()
            A.destroy()
    return problem, used


def _type_candidates(name: str) -> list[str]:
    """The PETSc type names petsc4py knows for a ``*_type`` option (installed or not)."""
    from petsc4py import PETSc

    enum = {"snes_type": PETSc.SNES.Type, "ksp_type": PETSc.KSP.Type, "pc_type": PETSc.PC.Type,
            "snes_linesearch_type": PETSc.SNESLineSearch.Type,
            "pc_factor_mat_solver_type": PETSc.Mat.SolverType, "mat_type": PETSc.Mat.Type}
    kind = next((v for k, v in enum.items() if name.endswith(k)), None)
    if kind is None:
        return []
    return sorted({str(getattr(kind, a)) for a in dir(kind) if a.isupper()})


def check_petsc_options(case: Case, n_ranks: int = 1) -> None:
    """Refuse PETSc options the run's solver cannot use (see the module doc).

    Every preset the run may use (:func:`possible_presets`) is tried: an option PETSc refuses
    with any of them is refused, an option none of them reads is refused.

    Args:
        case: validated case (``solver.linear_solver``, ``solver.petsc_options``,
            ``solver.newton_max_it``, ``geometry.dimension``).
        n_ranks: number of MPI ranks of the run (``auto`` and serial-only presets depend on it).

    Raises:
        CaseError: ``solver.linear_solver`` (a preset this PETSc cannot set up, or a serial-only
            one on several ranks) or ``solver.petsc_options.<name>`` (not an option name, a value
            PETSc refuses, or an option no preset reads).
    """
    sv = case.solver
    user = dict(sv.petsc_options)
    _check_option_names(user)
    presets = possible_presets(sv.linear_solver, n_ranks, three_d=not is_1d(case))
    used = dict.fromkeys(user, False)
    described = []
    for preset in presets:
        opts, seen = _trial_with_preset(sv, preset, presets, user)
        used = {name: used[name] or seen[name] for name in user} if user else used
        described.append(_describe(preset, opts))
    unused = [name for name in user if not used[name]]
    if unused:
        raise CaseError(f"solver.petsc_options.{unused[0]}", "PETSc does not use this option "
                        f"with the run's solver (snes newtonls; {'; '.join(described)}), so it "
                        "would be silently ignored: it is misspelt, or it belongs to a solver "
                        "type that is not selected")


def _check_option_names(user: Mapping[str, Any]) -> None:
    """Refuse a ``solver.petsc_options`` key that is not a bare lower-case PETSc option name."""
    for name in user:
        if not _OPTION_NAME.fullmatch(name):
            raise CaseError(f"solver.petsc_options.{name}", "not a PETSc option name: write it "
                            "in lower case without the leading '-' and without a prefix, e.g. "
                            "mat_mumps_icntl_14")


def _trial_with_preset(sv, preset: str, presets: Sequence[str], user: Mapping[str, Any]
                       ) -> tuple[dict[str, Any], dict[str, bool]]:
    """Try ``preset`` alone, then with the user's options added one at a time.

    Returns:
        ``(opts, seen)``: the preset's options with every user option, and for each user option
        whether PETSc read it in the last trial (empty without user options).

    Raises:
        CaseError: PETSc refuses the preset or a user option with it.
    """
    base = newton_petsc_options(preset, sv.newton_max_it)
    problem, _ = _petsc_trial(base)
    if problem:
        raise CaseError("solver.linear_solver", f"{sv.linear_solver}: this PETSc cannot set "
                        f"up the {preset} preset ({problem})")
    opts = dict(base)
    seen: dict[str, bool] = {}
    for name, value in user.items():
        opts[name] = value
        problem, seen = _petsc_trial(opts, watch=list(user))
        if problem:
            raise _refused(sv, preset, presets, name, value, problem, opts)
    return opts, seen


def _refused(sv, preset: str, presets: Sequence[str], name: str, value: Any, problem: str,
             opts: Mapping[str, Any]) -> CaseError:
    """The error for a user option PETSc refuses with ``preset``: PETSc's reason, the preset if
    another preset the run may use accepts the option, and a close type name if there is one."""
    if "Unable to find requested" in problem or "Could not locate" in problem:
        problem += " (misspelt, or a package this PETSc was built without)"
    others = [q for q in presets if q != preset and _petsc_trial(
        {**newton_petsc_options(q, sv.newton_max_it), name: value})[0] is None]
    with_preset = (f" with the {preset} linear solver (which solver.linear_solver: "
                   f"{sv.linear_solver} may use)" if others else "")
    return CaseError(f"solver.petsc_options.{name}", f"PETSc refuses {value!r}"
                     f"{with_preset}: {problem}{_type_suggestion(name, value, opts)}")


def _describe(preset: str, opts: Mapping[str, Any]) -> str:
    """``lu: ksp preonly pc lu (petsc)``: a preset's Krylov method, preconditioner and factor
    package, for the message about an unused option."""
    kinds = " ".join(f"{k.split('_')[0]} {opts[k]}" for k in ("ksp_type", "pc_type")
                     if k in opts)
    factor = opts.get("pc_factor_mat_solver_type")
    return f"{preset}: {kinds}{f' ({factor})' if factor else ''}"


def _type_suggestion(name: str, value: Any, opts: Mapping[str, Any]) -> str:
    """``; did you mean 'x'?`` for a ``*_type`` value close to an installed type, else ``""``."""
    close = difflib.get_close_matches(str(value).lower(), _type_candidates(name), n=3, cutoff=0.6)
    for candidate in close:
        if _petsc_trial({**opts, name: candidate})[0] is None:
            return f"; did you mean '{candidate}'?"
    return ""
