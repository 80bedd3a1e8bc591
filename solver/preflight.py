"""Checks and derived numbers of a validated case, before any output directory exists.

The schema (:mod:`solver.config`) checks every key on its own and the cross-key rules. This module
adds what needs a little computation, and is called by the CLI before anything is written:

- the mesh size against ``mesh.max_cells``: for the graded 1D mesh the cell count is computed
  without building a huge vertex array (an analytic estimate first, the exact count only when the
  estimate is moderate), so absurd mesh settings are refused in microseconds; for a generated 3D
  mesh, the estimate of :func:`estimated_cells_3d` (a user ``mesh.file`` is
  checked when it is read);
- the derived model parameters (hop rates, Debye length, contact potentials) must be finite and
  positive where they have to be: extreme but individually valid temperatures or activation
  energies can overflow or underflow them; a hop rate above ``MAX_HOP_RATE_PER_S`` (faster than
  the lattice vibrates) is refused;
- a user mesh (``mesh.file``) is read (:func:`solver.mesh3d.inspect_mesh_file`: physical groups,
  tags, cells) and its extent compared with the case geometry, naming the likely unit of a mesh
  not written in µm;
- the PETSc options of the Newton solver (each ``solver.linear_solver`` preset the run may use,
  plus ``solver.petsc_options``) are set on a throwaway solver that solves a 2 x 2 system: an
  unknown type, a value PETSc cannot parse, a component the install lacks, or an option PETSc
  reads with none of those presets is refused;
- :func:`case_warnings`: legal but unusual values (outside :data:`solver.config.PLAUSIBLE`);
- :func:`derived_parameters`: the resolved numbers, with units, that ``--check`` prints.

:func:`check` runs all of it; the CLI calls it for ``--check`` and before a run, and
:func:`solver.run.run_case` calls it again (as :func:`check_case`), so ``--check`` refuses exactly
what a run would refuse before writing anything. Imports neither dolfinx nor UFL (petsc4py, gmsh
and meshio lazily).
"""

from __future__ import annotations

import ctypes
import difflib
import io
import itertools
import math
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from solver.config import PLAUSIBLE, Case, CaseError, range_hint, unit_of_key

__all__ = [
    "EXACT_COUNT_LIMIT",
    "MAX_HOP_RATE_PER_S",
    "Checked",
    "Derived",
    "case_warnings",
    "check",
    "check_case",
    "count_cells",
    "derived_parameters",
    "estimate_cells",
    "mesh_points_um",
    "newton_petsc_options",
    "possible_presets",
    "protocol_tables",
]

#: Largest admissible hop rate [1/s]: no hop is faster than the lattice vibrates (optical
#: phonons of lead-halide perovskites: 1e12-1e13 Hz).
MAX_HOP_RATE_PER_S = 1.0e14

#: Largest estimated cell count for which the exact count is computed (building the vertices).
EXACT_COUNT_LIMIT = 5_000_000
#: Margin on the estimate: refuse without the exact count when the estimate exceeds
#: ``ESTIMATE_MARGIN * max_cells`` (the estimate is within a few cells of the exact count for
#: large meshes) and ``CHEAP_EXACT_COUNT`` (below which the exact count costs milliseconds and
#: gives the exact number in the message).
ESTIMATE_MARGIN = 1.5
CHEAP_EXACT_COUNT = 20_000


def mesh_points_um(case: Case) -> list[float]:
    """Points the 1D mesh is graded toward [µm]: wire ends, electrode edges, interface.

    The same list as :func:`solver.mesh1d.mesh_for_parameters`.
    """
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
    from solver.mesh1d import graded_vertices  # numpy only

    m = case.mesh
    try:
        vertices = graded_vertices(mesh_points_um(case), m.h_min_nm * 1e-3, m.h_max_um, m.growth)
    except (OverflowError, MemoryError, ValueError):
        return round(est), False
    return len(vertices) - 1, True


def _is_1d(case: Case) -> bool:
    """True for the graded 1D mesh (``geometry.dimension`` 1, the default)."""
    return getattr(case.geometry, "dimension", 1) == 1


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


def _check_mesh_3d(case: Case) -> int:
    """Cell count of a generated 3D mesh from :func:`estimated_cells_3d` (a user ``mesh.file``
    is checked when it is read); raise CaseError above ``mesh.max_cells``."""
    if getattr(case.mesh, "file", None):
        return 0
    try:
        n = estimated_cells_3d(case)
    except (ArithmeticError, ValueError):
        n = 2**63 - 1
    if n > case.mesh.max_cells:
        raise CaseError("mesh.max_cells", f"the 3D mesh would have about {n:.3g} cells, more "
                        f"than mesh.max_cells = {case.mesh.max_cells} (raise mesh.h3d_min_um, "
                        "mesh.h3d_max_um or mesh.max_cells)")
    return n


def _check_mesh(case: Case) -> tuple[int, bool]:
    """Cell count and whether it is exact; raise CaseError if it exceeds ``mesh.max_cells``."""
    if not _is_1d(case):
        return _check_mesh_3d(case), False
    limit = case.mesh.max_cells
    est = estimate_cells(case)
    if est > ESTIMATE_MARGIN * limit + 10 and est > CHEAP_EXACT_COUNT:
        shown = "an overflowing number of" if not math.isfinite(est) else f"about {est:.3g}"
        raise CaseError("mesh.max_cells", f"the mesh would have {shown} cells, more than "
                        f"mesh.max_cells = {limit} (raise mesh.h_min_nm, mesh.h_max_um or "
                        "mesh.growth, or mesh.max_cells)")
    n, exact = count_cells(case)
    if n > limit:
        raise CaseError("mesh.max_cells", f"the mesh would have {n} cells, more than "
                        f"mesh.max_cells = {limit} (raise mesh.h_min_nm, mesh.h_max_um or "
                        "mesh.growth, or mesh.max_cells)")
    return n, exact


@dataclass(frozen=True)
class Derived:
    """One derived parameter for ``--check``: name, value, unit, comment."""

    name: str
    value: float | str
    unit: str = ""
    note: str = ""


def _model_parameters(case: Case):
    """``solver.parameters.from_case`` with arithmetic failures turned into a CaseError."""
    from solver.parameters import from_case

    try:
        return from_case(case)
    except (ArithmeticError, ValueError) as exc:
        raise CaseError("temperature.T_K", f"derived model parameters cannot be computed "
                        f"({exc}); check it together with material.T_ref_K, "
                        "material.hop_activation_eV and the material energies") from None


def _check_onsager_table(case: Case, p) -> None:
    """``transport.onsager_model: kmc`` needs the rate ratio w_Br/w_Cl in the shipped table."""
    if case.transport.onsager_model != "kmc":
        return
    from solver.physics.onsager import kmc_fit_for_ratio

    try:
        kmc_fit_for_ratio(p.w_br / p.w_cl)
    except (OSError, ValueError) as exc:
        raise CaseError("material.hop_ratio_br_cl", str(exc)) from None


def _check_params(p) -> None:
    """Refuse derived parameters that are not finite, or zero where they must be positive."""
    activation = "material.hop_activation_eV and material.T_ref_K"
    positive = (
        ("thermal voltage k_BT/e", p.thermal_voltage_V, "temperature.T_K", "temperature"),
        ("hop rate w_Br", p.w_br, "temperature.T_K", activation),
        ("hop rate w_Cl", p.w_cl, "temperature.T_K", activation),
        ("squared Debye length", p.debye2_um2, "material.eps_r", "temperature.T_K"),
        ("reference vacancy fraction", p.x_ref, "material", "the vacancy fractions"),
        ("squared jump length", p.lambda2_um2, "material.jump_length_nm",
         "material.lattice_constant_nm"),
    )
    for name, value, key, also in positive:
        if not (math.isfinite(value) and value > 0.0):
            raise CaseError(key, f"derived {name} = {value:g} is not a positive finite number "
                            f"(check it together with {also})")
    finite = (("ln x_V,Br", p.ln_x_v_br, "material"), ("ln x_V,Cl", p.ln_x_v_cl, "material"))
    for name, value, key in finite:
        if not math.isfinite(value):
            raise CaseError(key, f"derived {name} is not finite ({value:g})")
    if not p.x_ref < 1.0:
        raise CaseError("material", f"derived pure-phase vacancy fraction {p.x_ref:g} is not < 1 "
                        "(check the vacancy parameters)")
    for name, rate in (("w_Br", p.w_br), ("w_Cl", p.w_cl)):
        if rate > MAX_HOP_RATE_PER_S:
            raise CaseError("material.D_cl_ref_cm2_per_s", f"derived hop rate {name} = {rate:.3g} "
                            f"/s is above {MAX_HOP_RATE_PER_S:g} /s, faster than the lattice "
                            "vibrates (check it together with material.x_v_cl, "
                            "material.jump_length_nm, material.hop_ratio_br_cl, "
                            "material.hop_activation_eV, material.T_ref_K and temperature.T_K)")


def _check_temperature_levels(case: Case, params) -> None:
    """Every temperature a protocol reaches gives usable derived parameters (as T_K does)."""
    import dataclasses

    from solver.protocols import TemperatureProtocol

    if case.temperature.protocol is None:
        return
    temp = TemperatureProtocol.from_config(case.temperature)
    for level in sorted({x for piece in temp.schedule.pieces for x in (piece.a, piece.b)}):
        try:
            state = params.thermal_law.state(level)
        except (ArithmeticError, ValueError) as exc:
            raise CaseError("temperature.protocol", f"derived model parameters cannot be "
                            f"computed at {level:g} K ({exc})") from None
        try:
            _check_params(dataclasses.replace(params, **dataclasses.asdict(state)))
        except CaseError as exc:
            raise CaseError("temperature.protocol", f"at {level:g} K: {exc}") from None


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

    Raises:
        CaseError: the mesh (size, user mesh file), a derived parameter or a PETSc option.
    """
    if getattr(case.mesh, "file", None) and not _is_1d(case):
        info = _mesh_file_info(case.mesh.file, comm)
        _check_mesh_extent(case, info)
        n, note = info.n_cells, f"{info.cell_type}, from mesh.file"
        if n > case.mesh.max_cells:
            raise CaseError("mesh.max_cells", f"{info.path} has {n} cells, more than "
                            f"mesh.max_cells = {case.mesh.max_cells}")
    elif _is_1d(case):
        n, exact = _check_mesh(case)
        note = "exact" if exact else "estimate"
    else:
        n, note = _check_mesh_3d(case), "3D estimate"
    params = _model_parameters(case)
    _check_params(params)
    _check_temperature_levels(case, params)
    _check_onsager_table(case, params)
    _check_petsc_options(case, 1 if comm is None else comm.size)
    return Checked(n, note, case_warnings(case))


def check_case(case: Case) -> int:
    """:func:`check` (without a communicator); return the number of mesh cells."""
    return check(case).n_cells


# --------------------------------------------------------------------------------------------
# Plausibility warnings


def _value_at(case: Case, dotted: str) -> Any:
    """The value of a dotted key of ``case`` (None if absent)."""
    node: Any = case
    for part in dotted.split("."):
        node = getattr(node, part, None)
    return node


def case_warnings(case: Case) -> list[str]:
    """``"<key>: <message>"`` for every value outside its usual range (``PLAUSIBLE``), and for
    a key the chosen model ignores (``transport.f0`` with ``onsager_model`` kmc or ideal).

    Legal but unusual: the run goes ahead, the CLI prints these as ``warning:`` lines. The
    formation-energy keys are only looked at when ``material.vacancy_model`` uses them.
    """
    out = []
    for key, p in PLAUSIBLE.items():
        formation = "formation" in key or "chemical_potential" in key
        if formation and case.material.vacancy_model != "formation_energy":
            continue
        value = _value_at(case, key)
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        size = abs(value) if p.signed else value
        if p.lo <= size <= p.hi:
            continue
        unit = unit_of_key(key)
        u = f" {unit}" if unit else ""
        side = "below" if size < p.lo else "above"
        what = f"|{key.rsplit('.', 1)[-1]}| = " if p.signed else ""
        text = (f"{key}: {what}{value:g}{u} is {side} the usual range {p.lo:g} ... {p.hi:g}{u} "
                f"({p.why})")
        hint = range_hint(key, float(value), unit)
        out.append(f"{text}; {hint}" if hint else text)
    return out + _unused_key_warnings(case)


#: Why ``transport.f0`` is not used by an Onsager model.
_F0_UNUSED = {
    "kmc": "the KMC table carries its own f0 = 0.68892, docs/onsager_kmc.md",
    "ideal": "ideal (uncorrelated) coefficients have no correlation factor",
}


def _unused_key_warnings(case: Case) -> list[str]:
    """Keys set explicitly to a non-default value that the chosen model ignores.

    ``transport.f0`` enters only ``onsager_model: manning``. A value equal to the default does
    not warn: resolved case files (``--check``, summary.json, fitted_case.yaml) carry every key.
    """
    tr = case.transport
    default = type(tr).model_fields["f0"].default
    why = _F0_UNUSED.get(tr.onsager_model)
    if why and "f0" in tr.model_fields_set and tr.f0 != default:
        return [f"transport.f0: {tr.f0:g} is not used with transport.onsager_model: "
                f"{tr.onsager_model} ({why}); it applies to onsager_model: manning only, so "
                "remove it or choose manning"]
    return []


# --------------------------------------------------------------------------------------------
# User mesh files

#: Mesh coordinate units other than µm: (unit, name, coordinate value of 1 µm).
_LENGTH_UNITS = (("m", "metres", 1e-6), ("mm", "millimetres", 1e-3), ("cm", "centimetres", 1e-4),
                 ("nm", "nanometres", 1e3), ("Å", "ångström", 1e4), ("pm", "picometres", 1e6))


def _mesh_file_info(path: str, comm):
    """:func:`solver.mesh3d.inspect_mesh_file`, on rank 0 of ``comm`` (broadcast)."""
    from solver.mesh3d import inspect_mesh_file

    def inspect():
        try:
            return inspect_mesh_file(path)
        except CaseError as exc:
            return exc
        except Exception as exc:  # noqa: BLE001  (any reader failure is bad input, and rank 0
            # must return it, not raise: the other ranks wait in the bcast below)
            text = " ".join(str(exc).split())[:160]
            return CaseError("mesh.file", f"{path} cannot be read ({type(exc).__name__}: {text})")

    if comm is None or comm.size == 1:
        result = inspect()
    else:
        result = comm.bcast(inspect() if comm.rank == 0 else None, root=0)
    if isinstance(result, CaseError):
        raise result
    return result


def _check_mesh_extent(case: Case, info) -> None:
    """The mesh runs along x from 0 to ``geometry.length_um`` (µm) and holds the sampled lines.

    A mesh whose length is the wire length times 1e-6, 1e-3, 1e3, ... is reported with its
    likely unit.
    """
    g = case.geometry
    length = g.length_um
    (x0, y0, z0), (x1, y1, z1) = info.lower, info.upper
    # The run samples x = 1e-9 L ... (1 - 1e-9) L (solver/run.py): the mesh must cover it.
    covers = x0 <= 1e-9 * length and x1 >= (1.0 - 1e-9) * length
    if not (covers and x1 <= (1.0 + 1e-3) * length and x0 >= -1e-3 * length):
        span = x1 - x0
        ratio = span / length
        for unit, name, per_um in _LENGTH_UNITS:
            if span > 0.0 and abs(math.log10(ratio / per_um)) < 0.15:
                raise CaseError("mesh.file", f"{info.path} spans x = {x0:g} ... {x1:g} along the "
                                f"wire, {ratio:.3g} x geometry.length_um = {length:g}: it looks "
                                f"written in {name} ({unit}), and mesh coordinates must be in "
                                f"µm; scale it by {1.0 / per_um:g} (gmsh: -clscale or "
                                "Mesh.ScalingFactor) or write it in µm")
        raise CaseError("mesh.file", f"{info.path} spans x = {x0:g} ... {x1:g} µm along the wire, "
                        f"but the wire runs along x from 0 to geometry.length_um = {length:g} µm "
                        "and the mesh must cover exactly that; set geometry.length_um (and the "
                        "electrodes) to the mesh, or fix the mesh")
    from solver.sampling import cross_section_grid

    width = g.width_um if g.cross_section == "rectangle" else g.height_um / math.sqrt(3.0)
    ys, zs = zip(*cross_section_grid(width, g.height_um), strict=True)
    if min(ys) < y0 or max(ys) > y1 or min(zs) < z0 or max(zs) > z1:
        raise CaseError("mesh.file", f"{info.path}: its section spans y = {y0:g} ... {y1:g}, "
                        f"z = {z0:g} ... {z1:g} µm, but the run samples y = {min(ys):g} ... "
                        f"{max(ys):g}, z = {min(zs):g} ... {max(zs):g} µm (from "
                        f"geometry.width_um = {g.width_um:g}, geometry.height_um = "
                        f"{g.height_um:g}); set them to the mesh's section (centred on y = 0, "
                        "bottom at z = 0)")


# --------------------------------------------------------------------------------------------
# PETSc options

_PETSC_PREFIX = "pvkpreflight_"
_OPTION_NAME = re.compile(r"[a-z][a-z0-9_]*")


def newton_petsc_options(preset: str, max_it: int,
                         extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The PETSc options of the run's Newton solver (one home:
    :func:`solver.linear_solvers.newton_petsc_options`)."""
    from solver.linear_solvers import newton_petsc_options as options

    return options(preset, max_it, dict(extra or {}))


def possible_presets(requested: str, n_ranks: int = 1, three_d: bool = False
                     ) -> tuple[str, ...]:
    """The linear-solver presets a run with ``solver.linear_solver = requested`` may use.

    ``auto`` picks ``lu`` (``lu_redundant`` on several ranks), ``mumps`` or (3D meshes,
    ``three_d``) ``gmres_twolevel`` by problem size; a run on PETSc's LU or the two-level
    method falls back to ``mumps`` when a linear solve fails (solver/newton.py).

    Raises:
        CaseError: a serial-only preset on more than one rank.
    """
    from solver.linear_solvers import MUMPS_FALLBACK_PRESETS, choose_linear_solver

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
                # The run gives two-level presets their coarse space (solver/coarse_space.py):
                # here one aggregate of both unknowns.
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


def _check_petsc_options(case: Case, n_ranks: int = 1) -> None:
    """Refuse PETSc options the run's solver cannot use (see the module doc).

    Every preset the run may use (:func:`possible_presets`) is tried: an option PETSc refuses
    with any of them is refused, an option none of them reads is refused.
    """
    sv = case.solver
    user = dict(sv.petsc_options)
    for name in user:
        if not _OPTION_NAME.fullmatch(name):
            raise CaseError(f"solver.petsc_options.{name}", "not a PETSc option name: write it "
                            "in lower case without the leading '-' and without a prefix, e.g. "
                            "mat_mumps_icntl_14")
    presets = possible_presets(sv.linear_solver, n_ranks, three_d=not _is_1d(case))
    used = dict.fromkeys(user, False)
    described = []
    for preset in presets:
        base = newton_petsc_options(preset, sv.newton_max_it)
        problem, _ = _petsc_trial(base)
        if problem:
            raise CaseError("solver.linear_solver", f"{sv.linear_solver}: this PETSc cannot set "
                            f"up the {preset} preset ({problem})")
        opts = dict(base)
        for name, value in user.items():
            opts[name] = value
            problem, seen = _petsc_trial(opts, watch=list(user))
            if problem:
                if "Unable to find requested" in problem or "Could not locate" in problem:
                    problem += " (misspelt, or a package this PETSc was built without)"
                others = [q for q in presets if q != preset and _petsc_trial(
                    {**newton_petsc_options(q, sv.newton_max_it), name: value})[0] is None]
                with_preset = (f" with the {preset} linear solver (which solver.linear_solver: "
                               f"{sv.linear_solver} may use)" if others else "")
                raise CaseError(f"solver.petsc_options.{name}", f"PETSc refuses {value!r}"
                                f"{with_preset}: {problem}{_type_suggestion(name, value, opts)}")
        used = {name: used[name] or seen[name] for name in user} if user else used
        kinds = " ".join(f"{k.split('_')[0]} {opts[k]}" for k in ("ksp_type", "pc_type")
                         if k in opts)
        factor = opts.get("pc_factor_mat_solver_type")
        described.append(f"{preset}: {kinds}{f' ({factor})' if factor else ''}")
    unused = [name for name in user if not used[name]]
    if unused:
        raise CaseError(f"solver.petsc_options.{unused[0]}", "PETSc does not use this option "
                        f"with the run's solver (snes newtonls; {'; '.join(described)}), so it "
                        "would be silently ignored: it is misspelt, or it belongs to a solver "
                        "type that is not selected")


def _type_suggestion(name: str, value: Any, opts: Mapping[str, Any]) -> str:
    """``; did you mean 'x'?`` for a ``*_type`` value close to an installed type, else ``""``."""
    close = difflib.get_close_matches(str(value).lower(), _type_candidates(name), n=3, cutoff=0.6)
    for candidate in close:
        if _petsc_trial({**opts, name: candidate})[0] is None:
            return f"; did you mean '{candidate}'?"
    return ""


def derived_parameters(case: Case, checked: Checked | None = None) -> list[Derived]:
    """Resolved model parameters with units, for ``--check`` (the case must pass :func:`check`;
    ``checked`` is its result, computed again if not given)."""
    p = _model_parameters(case)
    checked = checked or check(case)
    n_cells, cells_note = checked.n_cells, checked.cells_note
    V_T = p.thermal_voltage_V
    lam_nm = math.sqrt(p.lambda2_um2) * 1e3
    lam2_cm2 = p.lambda2_um2 * 1e-8
    x_v_br, x_v_cl = math.exp(p.ln_x_v_br), math.exp(p.ln_x_v_cl)
    return [
        Derived("thermal voltage k_BT/e", V_T * 1e3, "mV"),
        Derived("Debye length at x_ref", math.sqrt(p.debye2_um2) * 1e3, "nm",
                f"eps0 eps_r k_BT / (e^2 c_s x_ref), x_ref = {p.x_ref:.4g}"),
        Derived("jump length lambda", lam_nm, "nm"),
        Derived("hop rate w_Br", p.w_br, "1/s"),
        Derived("hop rate w_Cl", p.w_cl, "1/s"),
        Derived("x_V,Br (pure CsPbBr3)", x_v_br, "-", case.material.vacancy_model),
        Derived("x_V,Cl (pure CsPbCl3)", x_v_cl, "-", case.material.vacancy_model),
        Derived("D_Br = lambda^2 x_V,Br w_Br", lam2_cm2 * x_v_br * p.w_br, "cm^2/s"),
        Derived("D_Cl = lambda^2 x_V,Cl w_Cl", lam2_cm2 * x_v_cl * p.w_cl, "cm^2/s"),
        *_equilibration_rows(case, p),
        Derived("gap between contact lines", p.gap_um, "um"),
        *_bias_rows(case, V_T),
        *_source_rows(p),
        Derived("mesh cells", n_cells, "", cells_note),
        *([Derived("mesh h_min", case.mesh.h_min_nm, "nm")] if _is_1d(case) else []),
        *_newton_rows(case),
    ]


def _newton_rows(case: Case) -> list[Derived]:
    """The Newton settings a run resolves from ``auto`` (the values its ``summary.json``
    records as ``newton_stol`` and ``jacobian_reuse_steps``)."""
    from solver.newton import resolve_jacobian_reuse_steps, resolve_newton_stol

    stol, reuse = case.solver.newton_stol, case.solver.jacobian_reuse_steps
    tdim = getattr(case.geometry, "dimension", 1)
    return [
        Derived("Newton step tolerance", resolve_newton_stol(stol), "",
                "solver.newton_stol = auto" if stol == "auto" else ""),
        Derived("Jacobian reuse steps", resolve_jacobian_reuse_steps(reuse, tdim), "",
                f"solver.jacobian_reuse_steps = auto, {tdim}D" if reuse == "auto" else ""),
    ]


def _plural(n: int, word: str) -> str:
    """``1 segment``, ``2 segments``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _source_rows(p) -> list[Derived]:
    """The electrode sources: their equilibria, or that there are none (``sources.model``)."""
    if p.source_model == "none":
        return [Derived("electrode sources", "none", "", "sources.model = none: no vacancy "
                        "creation or annihilation at the electrodes")]
    return [Derived("left source equilibrium", p.source_left.equilibrium, "",
                    f"sources.model = {p.source_model}"),
            Derived("right source equilibrium", p.source_right.equilibrium, "")]


def _equilibration_rows(case: Case, p) -> list[Derived]:
    """``material.vacancy_equilibration: schottky``: k(T) = nu0 exp(-E_a/k_BT) [1/s] and its
    time constant 1/k [h] at t = 0 (and over the temperature protocol's range)."""
    if p.vacancy_equilibration == "none":
        return []
    from solver.parameters import equilibration_rate_per_s

    k = p.equilibration_rate_per_s
    m = case.material
    note = (f"nu0 exp(-E_a/k_BT), nu0 = {m.equilibration_prefactor_per_s:g} 1/s, E_a = "
            f"{m.equilibration_activation_eV:g} eV")
    rows = [Derived("equilibration rate k(T)", k, "1/s", f"{note}; at t = 0"
                    if case.temperature.protocol is not None else note),
            Derived("equilibration time 1/k", 1.0 / k / 3600.0 if k > 0 else math.inf, "h")]
    if case.temperature.protocol is not None:
        from solver.protocols import TemperatureProtocol

        pieces = TemperatureProtocol.from_config(case.temperature).schedule.pieces
        levels = [x for piece in pieces for x in (piece.a, piece.b)]
        lo, hi = (equilibration_rate_per_s(m, T) for T in (min(levels), max(levels)))
        rows.append(Derived("k(T) over the protocol", f"{lo:.4g} .. {hi:.4g}", "1/s",
                            f"1/k = {1 / hi / 3600:.4g} .. {1 / lo / 3600:.4g} h at "
                            f"{max(levels):g} .. {min(levels):g} K"))
    return rows


def _bias_rows(case: Case, V_T: float) -> list[Derived]:
    """The applied bias at t = 0 (and the protocol's extent) for ``--check``."""
    from solver.protocols import BiasProtocol, TemperatureProtocol

    bias = BiasProtocol.from_config(case.bias, case.gap_um, case.geometry.br_rich_side == "left")
    v = bias.values(0.0)
    note = "at t = 0" if case.bias.protocol is not None else ""
    rows = [
        Derived("forward field", v.forward_field_V_per_um, "V/um", note),
        Derived("applied voltage |dpsi|", v.bias_V, "V", f"{v.bias_V / V_T:.4g} k_BT/e"),
        Derived("left contact potential", v.psi_left_V, "V"),
        Derived("right contact potential", v.psi_right_V, "V"),
    ]
    if case.electrodes.floating:
        rows[2:] = [Derived("contact potentials", "none", "", "electrodes.floating: psi = 0 "
                            "at z = 0 fixes the gauge")]
    t_end = case.time.t_end_s
    if case.bias.protocol is not None:
        rows.append(Derived("bias protocol", _plural(len(case.bias.protocol), "segment"), "",
                            f"{_plural(len(bias.milestones(t_end)), 'milestone')}, "
                            f"{_plural(len(bias.jumps(t_end)), 'jump')} before t_end; "
                            "table below"))
    if case.temperature.protocol is not None:
        temp = TemperatureProtocol.from_config(case.temperature)
        levels = [x for piece in temp.schedule.pieces for x in (piece.a, piece.b)]
        rows.append(Derived("temperature protocol", f"{min(levels):g}..{max(levels):g}", "K",
                            f"{_plural(len(case.temperature.protocol), 'segment')}, "
                            f"{_plural(len(temp.milestones(t_end)), 'milestone')}, "
                            f"{_plural(len(temp.jumps(t_end)), 'jump')} before t_end; "
                            "table below"))
    return rows


def _number(value: float) -> str:
    """``%g`` without a negative zero (``-0`` prints as ``0``)."""
    return f"{value + 0.0:g}"


def _levels(piece, unit: str) -> str:
    """The level(s) of a resolved protocol piece, with the unit."""
    if piece.kind == "ramp":
        return f"{_number(piece.a)} -> {_number(piece.b)} {unit}"
    if piece.kind == "square":
        return (f"high {_number(piece.a)} {unit}, low {_number(piece.b)} {unit}, period "
                f"{piece.period_s:g} s, duty {piece.duty:g}")
    return f"{_number(piece.a)} {unit}"


def _segment_table(title: str, schedule, unit: str, t_end: float) -> list[str]:
    """``--check``: one comment line per segment (start, end, kind, level(s)); the levels are
    resolved (a default "previous level" filled in, the polarity applied)."""
    rows = []
    for k, piece in enumerate(schedule.pieces):
        note = ("  (after time.t_end_s: not run)" if piece.t0_s >= t_end
                else "  (cut at time.t_end_s)" if piece.t1_s > t_end else "")
        rows.append((str(k), _number(piece.t0_s), _number(piece.t1_s), piece.label,
                     _levels(piece, unit) + note))
    last = schedule.pieces[-1]
    if last.t1_s < t_end:
        rows.append(("", _number(last.t1_s), _number(t_end), "(held)",
                     f"{_number(last.end())} {unit}  (the last level, to time.t_end_s)"))
    head = ("seg", "start [s]", "end [s]", "kind", "level")
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(4)]
    lines = [f"# {title}:"]
    for r in (head, *rows):
        lines.append(f"#   {r[0]:>{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  "
                     f"{r[3]:<{widths[3]}}  {r[4]}".rstrip())
    return lines


def protocol_tables(case: Case) -> str:
    """``--check``: the segment tables of the bias and temperature protocols (YAML comments;
    empty without protocols)."""
    from solver.protocols import BiasProtocol, TemperatureProtocol

    t_end = case.time.t_end_s
    lines = []
    if case.bias.protocol is not None:
        bias = BiasProtocol.from_config(case.bias, case.gap_um,
                                        case.geometry.br_rich_side == "left")
        lines += _segment_table("bias protocol (forward field, polarity applied)",
                                bias.schedule, "V/um", t_end)
    if case.temperature.protocol is not None:
        temp = TemperatureProtocol.from_config(case.temperature)
        lines += _segment_table(f"temperature protocol (from T_K = {case.temperature.T_K:g} K)",
                                temp.schedule, "K", t_end)
    return "\n".join(lines)


def format_derived(rows: list[Derived]) -> str:
    """``--check`` block: one YAML comment line per derived parameter (keeps the output a case)."""
    lines = ["# derived parameters (not case keys):"]
    width = max(len(r.name) for r in rows)
    for r in rows:
        value = f"{r.value + 0.0:.6g}" if isinstance(r.value, float) else str(r.value)
        unit = f" {r.unit}" if r.unit and r.unit != "-" else ""
        note = f"   ({r.note})" if r.note else ""
        lines.append(f"#   {r.name:<{width}}  {value}{unit}{note}")
    return "\n".join(lines)
