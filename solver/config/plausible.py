"""Physical plausibility, units of keys, and the message for a value outside its hard range.

See docs/reliability.md, "Bounds and plausibility".

Every key has a hard range in its Field (gt/ge/lt/le, also in the JSON schema) or in a
cross-key rule of Case: outside it the model does not apply or the numbers break, and the case
is refused. PLAUSIBLE adds, for the keys people get wrong, the usual range (outside it
solver.preflight.case_warnings warns) and the wrong units a value is often given in, so that
both the error and the warning can say "did you give °C?".
"""

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic.fields import FieldInfo

from solver.config.errors import CaseError, apart
from solver.config.keys import _model_at, format_loc

__all__ = ["PLAUSIBLE", "Plausible", "plausibility_warnings", "plausible_key", "range_hint",
           "unit_hint_first", "unit_of_key"]

@dataclass(frozen=True)
class Plausible:
    """Usual range of a key and the units it is mistakenly given in.

    Attributes:
        lo, hi: usual range, in the key's unit (of ``|value|`` if ``signed``).
        why: what the range rests on (shown in warnings).
        ref: a typical value; among several wrong-unit readings the closest one is suggested.
        units: ``(unit, scale, offset)``: a value meant in ``unit`` is ``value * scale + offset``
            in the key's unit.
        signed: compare ``|value|`` (signed keys such as the field).
    """

    lo: float
    hi: float
    why: str
    ref: float
    units: tuple[tuple[str, float, float], ...] = ()
    signed: bool = False


_CELSIUS = (("°C", 1.0, 273.15),)
_TEMPERATURE = Plausible(
    200.0, 700.0, "halide hopping is frozen below ~200 K, the lead-halide perovskites decompose "
    "or melt above ~700-900 K, and the model's parameters are calibrated at 300-400 K",
    300.0, _CELSIUS)
_WIRE_SECTION = Plausible(0.01, 10.0, "nanowire sections are 10 nm to a few µm", 0.2,
                          (("m", 1e6, 0.0), ("nm", 1e-3, 0.0), ("mm", 1e3, 0.0)))
_ENERGY_UNITS = (("kJ/mol", 1.0 / 96.4853, 0.0), ("kcal/mol", 1.0 / 23.0605, 0.0),
                 ("meV", 1e-3, 0.0))

#: Usual ranges and frequent wrong units, by dotted key.
PLAUSIBLE: dict[str, Plausible] = {
    "temperature.T_K": _TEMPERATURE,
    "material.T_ref_K": _TEMPERATURE,
    "geometry.length_um": Plausible(
        0.1, 100.0, "nanowires are 0.1-100 µm long", 7.0,
        (("m", 1e6, 0.0), ("nm", 1e-3, 0.0), ("mm", 1e3, 0.0))),
    "geometry.width_um": _WIRE_SECTION,
    "geometry.height_um": _WIRE_SECTION,
    "material.lattice_constant_nm": Plausible(
        0.45, 0.75, "cubic lead-halide perovskites have a = 0.56-0.64 nm", 0.58,
        (("Å", 0.1, 0.0), ("pm", 1e-3, 0.0))),
    "material.jump_length_nm": Plausible(
        0.3, 0.9, "a halide hop spans a/sqrt(2) to a, 0.4-0.65 nm", 0.41,
        (("Å", 0.1, 0.0), ("pm", 1e-3, 0.0))),
    "sources.T_ref_K": _TEMPERATURE,
    "sources.activation_eV": Plausible(
        0.0, 2.0, "vacancy formation energies of lead-halide perovskites are 0.3-1.5 eV",
        0.5, _ENERGY_UNITS),
    "material.hop_activation_eV": Plausible(
        0.0, 1.5, "halide-vacancy migration barriers in lead-halide perovskites are 0.1-0.6 eV",
        0.3, _ENERGY_UNITS),
    "material.formation_lattice_br_eV": Plausible(0.0, 5.0, "formation energies", 1.3,
                                                  _ENERGY_UNITS[:2]),
    "material.formation_lattice_cl_eV": Plausible(0.0, 5.0, "formation energies", 1.3,
                                                  _ENERGY_UNITS[:2]),
    "material.chemical_potential_br_eV": Plausible(0.0, 5.0, "chemical potentials", 1.0,
                                                   _ENERGY_UNITS[:2], signed=True),
    "material.chemical_potential_cl_eV": Plausible(0.0, 5.0, "chemical potentials", 1.0,
                                                   _ENERGY_UNITS[:2], signed=True),
    "material.D_cl_ref_cm2_per_s": Plausible(
        1e-18, 1e-6, "measured halide diffusivities in lead-halide perovskites are "
        "1e-16-1e-7 cm^2/s", 1e-12,
        (("µm^2/s", 1e-8, 0.0), ("nm^2/s", 1e-14, 0.0), ("m^2/s", 1e4, 0.0))),
    "material.hop_ratio_br_cl": Plausible(
        0.01, 100.0, "Br and Cl barriers differing by < 0.12 eV at room temperature", 3.0),
    "body.edge_nm": Plausible(
        2.0, 200.0, "perovskite nanocrystals are 2-200 nm across (seeds 002-004: 3-23 nm)",
        20.0, (("m", 1e9, 0.0), ("µm", 1e3, 0.0), ("Å", 0.1, 0.0))),
    "body.radius_um": Plausible(
        0.5, 1000.0, "a film disc of a few beam radii around a µm-sized spot", 20.0,
        (("m", 1e6, 0.0), ("nm", 1e-3, 0.0), ("mm", 1e3, 0.0))),
    "light.irradiance_W_per_cm2": Plausible(
        0.0, 1.0e5, "continuous-wave excitation of perovskites: sunlight 0.1 W/cm², seeds "
        "003/004 50-2e4 W/cm²; above ~1e5 W/cm² they are damaged", 50.0,
        (("W/m^2", 1e-4, 0.0), ("mW/cm^2", 1e-3, 0.0), ("kW/cm^2", 1e3, 0.0))),
    "light.power_uW": Plausible(
        0.0, 1.0e5, "focused cw laser powers of µW to mW (seed 004: 10-400 µW)", 50.0,
        (("W", 1e6, 0.0), ("mW", 1e3, 0.0), ("nW", 1e-3, 0.0))),
    "bias.field_V_per_um": Plausible(
        0.0, 100.0, "about 1 MV/cm = 100 V/µm is the dielectric breakdown of halide "
        "perovskites", 4.0,
        (("V/cm", 1e-4, 0.0), ("kV/cm", 0.1, 0.0), ("V/m", 1e-6, 0.0)), signed=True),
}

#: Why the hard range of a key is what it is (shown when a value is refused).
_RANGE_WHY: dict[str, str] = {
    "temperature.T_K": "above ~900 K CsPbBr3 (840 K) and CsPbCl3 (888 K) melt; the model "
    "describes vacancy hops in a crystal",
    "material.T_ref_K": "above ~900 K CsPbBr3 (840 K) and CsPbCl3 (888 K) melt",
    "geometry.length_um": "a nanowire between 10 nm and 1 cm",
    "geometry.width_um": "a wire section between 1 nm and 100 µm",
    "geometry.height_um": "a wire section between 1 nm and 100 µm",
    "geometry.interface_width_nm": "sharper than 0.01 nm is the same step",
    "material.lattice_constant_nm": "perovskite lattice constants are 0.4-0.7 nm",
    "material.jump_length_nm": "a hop between neighbouring sites, a fraction of a nm",
    "material.hop_activation_eV": "no crystal has a vacancy-hop barrier above a few eV: it "
    "would decompose first",
    "material.D_cl_ref_cm2_per_s": "faster than self-diffusion in liquid water (2.3e-5 cm^2/s) "
    "is not hopping in a solid",
    "material.hop_ratio_br_cl": "a ratio of two hop rates of neighbouring halides",
    "material.eps_r": "no halide perovskite comes near",
    "bias.field_V_per_um": "10 MV/cm, ten times the dielectric breakdown of any halide "
    "perovskite",
    "mesh.growth": "neighbouring cells differing by more than 2x spoil the flux approximation",
    "time.t_end_s": "1 fs (shorter than a lattice vibration) to 300 years",
    "time.dt_initial_s": "1 fs (shorter than a lattice vibration) to 300 years",
    "time.dt_min_s": "1 fs (shorter than a lattice vibration) to 300 years",
    "time.dt_max_s": "1 fs (shorter than a lattice vibration) to 300 years",
    "bias.ramp_s": "at most 300 years",
    "time.tol_y": "below 1e-12 the tolerance is beneath the round-off of the solution",
    "time.tol_psi_VT": "below 1e-12 the tolerance is beneath the round-off of the solution",
    "time.rtol_x_v": "below 1e-12 the tolerance is beneath the round-off of the solution",
}


#: Level keys of protocol segments -> the constant key whose ranges they share.
_SEGMENT_LEVELS = {
    "temperature.protocol": ("temperature.T_K", ("T_K", "T_start_K", "T_end_K", "T_high_K",
                                                 "T_low_K")),
    "bias.protocol": ("bias.field_V_per_um", ("field_V_per_um", "field_start_V_per_um",
                                              "field_end_V_per_um", "field_high_V_per_um",
                                              "field_low_V_per_um")),
}


def plausible_key(dotted: str) -> str:
    """The key of :data:`PLAUSIBLE` and of the range reasons that ``dotted`` shares.

    A protocol segment's level (``temperature.protocol[2].T_high_K``) is a temperature like
    ``temperature.T_K`` (``bias.protocol[i].field_*_V_per_um``: like ``bias.field_V_per_um``);
    every other key is its own.
    """
    head, _, rest = dotted.partition("[")
    if head in _SEGMENT_LEVELS and "]." in rest:
        parent, names = _SEGMENT_LEVELS[head]
        if rest.partition("].")[2] in names:
            return parent
    return dotted


def _unit_of(description: str | None) -> str:
    """The unit in a field description's leading ``[unit]`` (``""`` for ``[-]`` or none)."""
    match = re.match(r"\[([^\]]*)\]", description or "")
    unit = match.group(1) if match else ""
    return "" if unit == "-" else unit


def unit_of_key(dotted: str) -> str:
    """The unit of a dotted case key, from its description (``""`` if dimensionless)."""
    parts = dotted.split(".")
    model = _model_at(parts[:-1])
    field = model.model_fields.get(parts[-1]) if model else None
    return _unit_of(field.description) if field else ""


def range_hint(key: str, value: float, unit: str = "") -> str:
    """``did you give <unit>? (...)`` if ``value`` read in a frequent wrong unit is usual for
    ``key`` (:data:`PLAUSIBLE`), else ``""``."""
    p = PLAUSIBLE.get(key)
    if p is None or not math.isfinite(value):
        return ""
    best: tuple[float, str] | None = None
    for wrong, scale, offset in p.units:
        converted = value * scale + offset
        size = abs(converted) if p.signed else converted
        if not (p.lo <= size <= p.hi) or size <= 0.0:
            continue
        distance = abs(math.log10(size) - math.log10(p.ref))
        u = f" {unit}" if unit else ""
        text = f"did you give {wrong}? ({value:g} {wrong} = {converted:.5g}{u})"
        if best is None or distance < best[0]:
            best = (distance, text)
    return best[1] if best else ""


#: A bound of a field: ``(bound, "<" or "<=", whether the value satisfies it)``.
_Bound = tuple[float, str, bool]


def _numeric_field(loc: Sequence[Any], value: Any) -> FieldInfo | None:
    """Return the case field at ``loc``, or None.

    None unless ``loc`` is a plain field of a model and ``value`` a number (not a boolean).
    """
    model = _model_at(loc[:-1])
    name = loc[-1] if loc else None
    if model is None or not isinstance(name, str) or name not in model.model_fields:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return model.model_fields[name]


def _field_bounds(field: FieldInfo, value: float) -> tuple[_Bound | None, _Bound | None]:
    """Return the lower and upper bounds of ``field``, each with whether ``value`` satisfies it.

    The bounds come from the field's gt/ge/lt/le metadata; a side without one is None.
    """
    lower = upper = None
    for meta in field.metadata:
        if isinstance(meta, annotated_types.Gt):
            lower = (meta.gt, "<", value > meta.gt)
        elif isinstance(meta, annotated_types.Ge):
            lower = (meta.ge, "<=", value >= meta.ge)
        elif isinstance(meta, annotated_types.Lt):
            upper = (meta.lt, "<", value < meta.lt)
        elif isinstance(meta, annotated_types.Le):
            upper = (meta.le, "<=", value <= meta.le)
    return lower, upper


def _violation(value: float, u: str, lower: _Bound | None, upper: _Bound | None) -> str | None:
    """Return ``"<value> <unit> is below <lo> <unit>"`` for the first bound ``value`` breaks.

    Or "not above", "above", "not below"; the lower bound before the upper; None if ``value``
    breaks neither. ``u`` is ``" <unit>"`` or ``""``.
    """
    for bound, words in ((lower, ("not above", "below")), (upper, ("not below", "above"))):
        if bound and not bound[2]:
            v, b = apart(value, bound[0])  # never "100 µm is above 100 µm"
            return f"{v}{u} is {words[0] if bound[1] == '<' else words[1]} {b}{u}"
    return None


def _expected(name: str, lower: _Bound | None, upper: _Bound | None) -> str:
    """Return the allowed range as ``"lo <= name <= hi"`` (either side left out if unbounded)."""
    expected = name
    if lower:
        expected = f"{lower[0]:g} {lower[1]} {expected}"
    if upper:
        expected = f"{expected} {upper[1]} {upper[0]:g}"
    return expected


def _bound_message(loc: Sequence[Any], value: Any) -> str | None:
    """``"<value> <unit> is below <lo> <unit> (expected lo <= key <= hi unit: why); hint"`` for a
    value outside a field's numeric range, or None if ``loc`` is not a plain numeric field."""
    field = _numeric_field(loc, value)
    if field is None:
        return None
    unit = _unit_of(field.description)
    u = f" {unit}" if unit else ""
    lower, upper = _field_bounds(field, value)
    head = _violation(value, u, lower, upper)
    if head is None:
        return None
    dotted = plausible_key(format_loc(loc))
    why = _RANGE_WHY.get(dotted)
    text = f"{head} (expected {_expected(loc[-1], lower, upper)}{u}{': ' + why if why else ''})"
    hint = range_hint(dotted, float(value), unit)
    return f"{text}; {hint}" if hint else text


def _get(node: Any, part: str) -> Any:
    """``node[part]`` of a raw case mapping, or ``node.part`` of a validated section (None if
    absent)."""
    if isinstance(node, Mapping):
        return node.get(part)
    return getattr(node, part, None)


def _at(node: Any, dotted: str) -> Any:
    """The value of a dotted key (no indices) in a raw case mapping or a :class:`Case`."""
    for part in dotted.split("."):
        node = _get(node, part)
    return node


def _plausible_values(case: Any) -> Iterator[tuple[str, Plausible, Any]]:
    """``(key as written, its Plausible, value)`` for every key with a usual range: the keys of
    :data:`PLAUSIBLE` and every protocol segment's level keys (under the segment's own key,
    ``temperature.protocol[1].T_K``). ``case``: a raw case mapping or a validated Case. The
    formation-energy keys only count when ``material.vacancy_model`` uses them."""
    formation_model = _at(case, "material.vacancy_model") == "formation_energy"
    for key, p in PLAUSIBLE.items():
        if ("formation" in key or "chemical_potential" in key) and not formation_model:
            continue
        yield key, p, _at(case, key)
    for head, (parent, names) in _SEGMENT_LEVELS.items():
        segments = _at(case, head)
        if not isinstance(segments, (list, tuple)):
            continue
        for i, seg in enumerate(segments):
            for name in names:
                yield f"{head}[{i}].{name}", PLAUSIBLE[parent], _get(seg, name)


def _canonical(key: str) -> str:
    """The schema's (Br/Cl) name of a per-halide key written for another pair."""
    from solver.config.halides import HALIDE_PAIRS

    for pair in HALIDE_PAIRS.values():
        for canonical, written in pair.schema_keys().items():
            if written == key:
                return canonical
    return key


def _warning(key: str, p: Plausible, value: Any) -> str | None:
    """``"<key>: <value> <unit> is below the usual range ... (why); did you give <unit>?"``
    for a number outside ``p``'s usual range, else None."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    size = abs(value) if p.signed else value
    if not math.isfinite(size) or p.lo <= size <= p.hi:
        return None
    unit = unit_of_key(plausible_key(_canonical(key)))
    u = f" {unit}" if unit else ""
    side = "below" if size < p.lo else "above"
    what = f"|{key.rsplit('.', 1)[-1]}| = " if p.signed else ""
    text = (f"{key}: {what}{value:g}{u} is {side} the usual range {p.lo:g} ... {p.hi:g}{u} "
            f"({p.why})")
    hint = range_hint(plausible_key(_canonical(key)), float(value), unit)
    return f"{text}; {hint}" if hint else text


def plausibility_warnings(case: Any) -> list[str]:
    """``"<key>: <message>"`` for every value outside its usual range (:data:`PLAUSIBLE`, also
    protocol segment levels, named by their own key), with the wrong unit it was probably given
    in ("did you give °C?"). ``case``: a raw case mapping or a validated Case."""
    written = _written_names(case)
    found = (_warning(written(key), p, value) for key, p, value in _plausible_values(case))
    return [w for w in found if w]


def _written_names(case: Any):
    """key -> the name the case's halide pair writes for it (``material.D_i_ref_cm2_per_s``
    in a Br/I case; the canonical Br/Cl names are the schema's)."""
    from solver.config.halides import pair_named

    try:
        pair = pair_named(_at(case, "material.halides"))
    except (KeyError, TypeError, ValueError):
        return lambda key: key
    return pair.written


#: How a warning with a unit hint and the error it explains are joined.
_THEN = "; with this value: "


def unit_hint_first(error: CaseError, case: Any) -> CaseError:
    """``error`` (a derived or cross-key check) led by the first value of ``case`` that looks
    given in another unit, since that is the fix: ``"geometry.length_um: 7000 µm is above the
    usual range ...; did you give nm? (7000 nm = 7 µm); with this value: mesh.max_cells: ..."``.
    ``error`` itself if no value has a unit hint, or if ``error`` already names the hint."""
    if "did you give " in error.message:
        return error
    for text in plausibility_warnings(case):
        if "; did you give " in text:
            key, _, message = text.partition(": ")
            then = error.message if error.key == key else str(error)
            return CaseError(key, f"{message}{_THEN}{then}")
    return error
