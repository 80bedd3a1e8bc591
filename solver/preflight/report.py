"""The ``--check`` report: resolved model parameters with units, and the protocol segment tables.

:func:`derived_parameters` lists the numbers a run resolves (thermal voltage, Debye length, hop
rates, diffusion coefficients, bias, sources, mesh cells, Newton settings) as :class:`Derived`
rows; :func:`format_derived` and :func:`protocol_tables` print them as YAML comment lines, so the
``--check`` output stays a valid case file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from solver.config import Case
from solver.config.halides import pair_named
from solver.mesh.estimate import is_1d
from solver.preflight.checks import Checked, check
from solver.preflight.parameters import model_parameters

__all__ = ["Derived", "derived_parameters", "format_derived", "protocol_tables"]


@dataclass(frozen=True)
class Derived:
    """One derived parameter for ``--check``: name, value, unit, comment."""

    name: str
    value: float | str
    unit: str = ""
    note: str = ""


def derived_parameters(case: Case, checked: Checked | None = None) -> list[Derived]:
    """Resolved model parameters with units, for ``--check`` (the case must pass :func:`check`;
    ``checked`` is its result, computed again if not given)."""
    p = model_parameters(case)
    checked = checked or check(case)
    n_cells, cells_note = checked.n_cells, checked.cells_note
    V_T = p.thermal_voltage_V
    lam_nm = math.sqrt(p.lambda2_um2) * 1e3
    lam2_cm2 = p.lambda2_um2 * 1e-8
    x_v_br, x_v_cl = math.exp(p.ln_x_v_br), math.exp(p.ln_x_v_cl)
    pair = pair_named(case.material.halides)
    a, b = pair.halide("a").symbol, pair.halide("b").symbol
    device = (_body_rows(case, p) if case.body is not None
              else [Derived("gap between contact lines", p.gap_um, "um"),
                    *_bias_rows(case, V_T), *_source_rows(p)])
    return [
        Derived("thermal voltage k_BT/e", V_T * 1e3, "mV"),
        *([] if case.body is not None else [
            Derived("Debye length at x_ref", math.sqrt(p.debye2_um2) * 1e3, "nm",
                    f"eps0 eps_r k_BT / (e^2 c_s x_ref), x_ref = {p.x_ref:.4g}")]),
        Derived("jump length lambda", lam_nm, "nm"),
        Derived(f"hop rate w_{a}", p.w_br, "1/s"),
        Derived(f"hop rate w_{b}", p.w_cl, "1/s"),
        Derived(f"x_V,{a} (pure CsPb{a}3)", x_v_br, "-", case.material.vacancy_model),
        Derived(f"x_V,{b} (pure CsPb{b}3)", x_v_cl, "-", case.material.vacancy_model),
        Derived(f"D_{a} = lambda^2 x_V,{a} w_{a}", lam2_cm2 * x_v_br * p.w_br, "cm^2/s"),
        Derived(f"D_{b} = lambda^2 x_V,{b} w_{b}", lam2_cm2 * x_v_cl * p.w_cl, "cm^2/s"),
        *_equilibration_rows(case, p),
        *device,
        Derived("mesh cells", n_cells, "", cells_note),
        *([Derived("mesh h_min", case.mesh.h_min_nm, "nm")] if is_1d(case) else []),
        *_newton_rows(case),
    ]


def _body_rows(case: Case, p) -> list[Derived]:
    """A nanocrystal's or film's rows: its reduction and size, neutrality, the light at the
    beam centre at t = 0 and the surface rates there (docs/nanocrystals.md)."""
    from solver.model.reactions import arrhenius_factor

    body = p.body
    size = ("disc radius" if body.kind == "film" else
            {"spherical": "sphere radius 3V/S", "cartesian": "slab half-thickness V/S"}.get(
                body.coordinate, "half edge"))
    rows = [Derived("body", f"{body.kind}, {body.reduction}", "",
                    "no electrodes, no bias; neutral (potential 0)"),
            Derived(size, body.radius_um * 1e3, "nm"),
            Derived("surface to volume S/V", body.surface_to_volume_per_um * 1e-3, "1/nm")]
    n = 0.0
    if p.light is not None:
        g = float(p.light.generation_per_cm3_s(0.0, *p.light.beam.centre_um))
        n = float(p.light.carrier_density_cm3(0.0, *p.light.beam.centre_um))
        rows += [Derived("generation at the beam centre", g, "1/(cm^3 s)", "t = 0"),
                 Derived("carrier density there", n, "1/cm^3", "G = k1 n + k2 n^2 + k3 n^3")]
    for s in p.surfaces:
        if getattr(s, "kind", "") != "expulsion":
            continue
        light = s.light_rate_um_per_s * (n / s.carrier_ref_per_cm3) ** s.carrier_exponent
        k_out = (s.dark_rate_um_per_s + light) * arrhenius_factor(
            s.expulsion_activation_eV, s.T_ref_K, p.T_K)
        k_in = s.refill_rate_per_s * arrhenius_factor(s.refill_activation_eV, s.T_ref_K, p.T_K)
        rows += [Derived("expulsion rate k_out", k_out, "um/s", f"at T = {p.T_K:g} K, t = 0"),
                 Derived("refill rate k_in", k_in, "1/s", f"at T = {p.T_K:g} K")]
    laser = case.temperature.laser
    if laser is not None:
        rows.append(Derived("laser centre rise", laser.rise_K if laser.model == "prescribed"
                            else "solved at the start of the run", "K" if
                            laser.model == "prescribed" else "", f"model {laser.model}"))
    return rows


def _newton_rows(case: Case) -> list[Derived]:
    """The Newton settings a run resolves from ``auto`` (the values its ``summary.json``
    records as ``newton_stol`` and ``jacobian_reuse_steps``)."""
    from solver.numerics.newton import resolve_jacobian_reuse_steps, resolve_newton_stol

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
    from solver.model.parameters import equilibration_rate_per_s

    k = p.equilibration_rate_per_s
    m = case.material
    note = (f"nu0 exp(-E_a/k_BT), nu0 = {m.equilibration_prefactor_per_s:g} 1/s, E_a = "
            f"{m.equilibration_activation_eV:g} eV")
    rows = [Derived("equilibration rate k(T)", k, "1/s", f"{note}; at t = 0"
                    if case.temperature.protocol is not None else note),
            Derived("equilibration time 1/k", 1.0 / k / 3600.0 if k > 0 else math.inf, "h")]
    if case.temperature.protocol is not None:
        from solver.model.protocols import TemperatureProtocol

        pieces = TemperatureProtocol.from_config(case.temperature).schedule.pieces
        levels = [x for piece in pieces for x in (piece.a, piece.b)]
        lo, hi = (equilibration_rate_per_s(m, T) for T in (min(levels), max(levels)))
        rows.append(Derived("k(T) over the protocol", f"{lo:.4g} .. {hi:.4g}", "1/s",
                            f"1/k = {1 / hi / 3600:.4g} .. {1 / lo / 3600:.4g} h at "
                            f"{max(levels):g} .. {min(levels):g} K"))
    return rows


def _bias_rows(case: Case, V_T: float) -> list[Derived]:
    """The applied bias at t = 0 (and the protocol's extent) for ``--check``."""
    from solver.model.protocols import BiasProtocol, TemperatureProtocol

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
                            f"{_plural(bias.schedule.milestone_count(t_end), 'milestone')}, "
                            f"{_plural(bias.schedule.jump_count(t_end), 'jump')} before t_end; "
                            "table below"))
    if case.temperature.protocol is not None:
        temp = TemperatureProtocol.from_config(case.temperature)
        levels = [x for piece in temp.schedule.pieces for x in (piece.a, piece.b)]
        rows.append(Derived("temperature protocol", f"{min(levels):g}..{max(levels):g}", "K",
                            f"{_plural(len(case.temperature.protocol), 'segment')}, "
                            f"{_plural(temp.schedule.milestone_count(t_end), 'milestone')}, "
                            f"{_plural(temp.schedule.jump_count(t_end), 'jump')} before t_end; "
                            "table below"))
    return rows


def _number(value: float) -> str:
    """``%g`` without a negative zero (``-0`` prints as ``0``)."""
    return f"{value + 0.0:g}"


def _levels(piece, unit: str) -> str:
    """The level(s) of a resolved protocol piece, with the unit."""
    if piece.kind in ("ramp", "table"):
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
    from solver.model.protocols import BiasProtocol, TemperatureProtocol

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
