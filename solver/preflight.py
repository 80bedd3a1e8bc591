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
  energies can overflow or underflow them;
- :func:`derived_parameters`: the resolved numbers, with units, that ``--check`` prints.

Imports neither dolfinx nor UFL.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from solver.config import Case, CaseError

__all__ = [
    "EXACT_COUNT_LIMIT",
    "Derived",
    "check_case",
    "count_cells",
    "derived_parameters",
    "estimate_cells",
    "mesh_points_um",
]

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


def _check_mesh(case: Case) -> int:
    """Cell count; raise CaseError if it exceeds ``mesh.max_cells``."""
    if not _is_1d(case):
        return _check_mesh_3d(case)
    limit = case.mesh.max_cells
    est = estimate_cells(case)
    if est > ESTIMATE_MARGIN * limit + 10 and est > CHEAP_EXACT_COUNT:
        shown = "an overflowing number of" if not math.isfinite(est) else f"about {est:.3g}"
        raise CaseError("mesh.max_cells", f"the mesh would have {shown} cells, more than "
                        f"mesh.max_cells = {limit} (raise mesh.h_min_nm, mesh.h_max_um or "
                        "mesh.growth, or mesh.max_cells)")
    n, _ = count_cells(case)
    if n > limit:
        raise CaseError("mesh.max_cells", f"the mesh would have {n} cells, more than "
                        f"mesh.max_cells = {limit} (raise mesh.h_min_nm, mesh.h_max_um or "
                        "mesh.growth, or mesh.max_cells)")
    return n


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
    finite = (("ln x_V,Br", p.ln_x_v_br, "material"), ("ln x_V,Cl", p.ln_x_v_cl, "material"),
              ("left contact potential", p.phi_left, "bias.field_V_per_um"),
              ("right contact potential", p.phi_right, "bias.field_V_per_um"))
    for name, value, key in finite:
        if not math.isfinite(value):
            raise CaseError(key, f"derived {name} is not finite ({value:g})")
    if not p.x_ref < 1.0:
        raise CaseError("material", f"derived pure-phase vacancy fraction {p.x_ref:g} is not < 1 "
                        "(check the vacancy parameters)")


def check_case(case: Case) -> int:
    """Everything that must hold before a run starts; return the number of mesh cells.

    Raises:
        CaseError: the mesh exceeds ``mesh.max_cells`` or a derived parameter is not finite.
    """
    n = _check_mesh(case)
    _check_params(_model_parameters(case))
    return n


def derived_parameters(case: Case) -> list[Derived]:
    """Resolved model parameters with units, for ``--check`` (the case must pass check_case)."""
    p = _model_parameters(case)
    if _is_1d(case):
        n_cells, exact = count_cells(case)
        cells_note = "exact" if exact else "estimate"
    else:
        n_cells = _check_mesh_3d(case)
        cells_note = "from mesh.file" if n_cells == 0 else "3D estimate"
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
        Derived("gap between contact lines", p.gap_um, "um"),
        Derived("forward field", case.forward_field_V_per_um, "V/um"),
        Derived("applied voltage |dpsi|", p.bias_V, "V", f"{p.bias_V / V_T:.4g} k_BT/e"),
        Derived("left contact potential", p.phi_left * V_T, "V"),
        Derived("right contact potential", p.phi_right * V_T, "V"),
        Derived("left source equilibrium", p.source_left.equilibrium, "",
                f"sources.model = {p.source_model}"),
        Derived("right source equilibrium", p.source_right.equilibrium, ""),
        Derived("mesh cells", n_cells, "", cells_note),
        *([Derived("mesh h_min", case.mesh.h_min_nm, "nm")] if _is_1d(case) else []),
    ]


def format_derived(rows: list[Derived]) -> str:
    """``--check`` block: one YAML comment line per derived parameter (keeps the output a case)."""
    lines = ["# derived parameters (not case keys):"]
    width = max(len(r.name) for r in rows)
    for r in rows:
        value = f"{r.value:.6g}" if isinstance(r.value, float) else str(r.value)
        unit = f" {r.unit}" if r.unit and r.unit != "-" else ""
        note = f"   ({r.note})" if r.note else ""
        lines.append(f"#   {r.name:<{width}}  {value}{unit}{note}")
    return "\n".join(lines)
