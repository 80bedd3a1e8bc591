"""Case files: pydantic models, YAML loading, ``--set`` overrides and one-line errors.

The models implement ``docs/case_format.md`` key by key (names, defaults, units, constraints).
Every model forbids unknown keys, is immutable and validates strictly: numbers must be YAML
numbers (not quoted strings, not booleans), ``inf``/``nan`` are refused. Cross-field rules are
checked by ``model_validator`` hooks and reported with the dotted key they concern.

This module imports neither dolfinx nor UFL, so validating a case is cheap.

Typical use::

    case = load_case("cases/reference_forward.yaml", ["bias.field_V_per_um=2.5"])
    case.bias_V            # |forward field| * gap [V]
    case_to_dict(case)     # fully resolved, JSON-serialisable
"""

import copy
import difflib
import itertools
import math
import pathlib
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import annotated_types
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "PL",
    "PLAUSIBLE",
    "Bias",
    "Case",
    "CaseError",
    "Checkpoint",
    "Electrode",
    "ElectrodeSource",
    "Electrodes",
    "Geometry",
    "Material",
    "Mesh",
    "Output",
    "Plausible",
    "Solver",
    "Sources",
    "Temperature",
    "Time",
    "Transport",
    "case_from_dict",
    "case_to_dict",
    "first_error",
    "format_loc",
    "load_case",
    "range_hint",
    "schema_json",
    "unit_of_key",
    "unknown_key_message",
]

_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

#: Default electrode zones [µm]: 1.5 µm zone, 4 µm gap, 1.5 µm zone (docs/model.md,
#: "Parameters and sources").
_DEFAULT_ELECTRODES = {
    "left": {"start_um": 0.0, "end_um": 1.5},
    "right": {"start_um": 5.5, "end_um": 7.0},
}
_DEFAULT_T_END_S = 14400.0
_N_DEFAULT_OUTPUTS = 5


class CaseError(Exception):
    """An invalid case: ``str(err)`` is one line, ``"<dotted.key>: <message>"``.

    For unreadable or malformed files the key is the file path. Both
    ``CaseError("mesh.max_cells", "too many cells")`` and the one-argument form
    ``CaseError("mesh.max_cells: too many cells")`` are accepted.

    Attributes:
        key: Dotted key (or file path) the problem concerns.
        message: Human-readable description, whitespace collapsed to one line.
    """

    def __init__(self, key: str, message: str | None = None) -> None:
        if message is None:
            key, sep, message = str(key).partition(": ")
            if not sep:
                key, message = "case", key
        self.key = " ".join(str(key).split())
        self.message = " ".join(str(message).split())
        super().__init__(f"{self.key}: {self.message}")


def _rule(key: str, message: str) -> PydanticCustomError:
    """Build a cross-field validation error naming ``key`` relative to the current model.

    Args:
        key: Dotted key relative to the model whose validator raises.
        message: What is wrong.

    Returns:
        An error that ``_case_error_from_validation`` turns into ``"<loc>.<key>: <message>"``.
    """
    return PydanticCustomError("case_rule", "{message}", {"key": key, "message": message})


# --------------------------------------------------------------------------------------------
# Physical plausibility (docs/reliability.md, "Bounds and plausibility")
#
# Every key has a hard range in its Field (gt/ge/lt/le, also in the JSON schema) or in a
# cross-key rule of Case: outside it the model does not apply or the numbers break, and the case
# is refused. PLAUSIBLE adds, for the keys people get wrong, the usual range (outside it
# solver.preflight.case_warnings warns) and the wrong units a value is often given in, so that
# both the error and the warning can say "did you give °C?".


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


def _bound_message(loc: Sequence[Any], value: Any) -> str | None:
    """``"<value> <unit> is below <lo> <unit> (expected lo <= key <= hi unit: why); hint"`` for a
    value outside a field's numeric range, or None if ``loc`` is not a plain numeric field."""
    model = _model_at(loc[:-1])
    name = loc[-1] if loc else None
    if model is None or not isinstance(name, str) or name not in model.model_fields:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    field = model.model_fields[name]
    unit = _unit_of(field.description)
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
    u = f" {unit}" if unit else ""
    expected = name
    if lower:
        expected = f"{lower[0]:g} {lower[1]} {expected}"
    if upper:
        expected = f"{expected} {upper[1]} {upper[0]:g}"
    if lower and not lower[2]:
        head = f"{value:g}{u} is {'not above' if lower[1] == '<' else 'below'} {lower[0]:g}{u}"
    elif upper and not upper[2]:
        head = f"{value:g}{u} is {'not below' if upper[1] == '<' else 'above'} {upper[0]:g}{u}"
    else:
        return None
    dotted = format_loc(loc)
    why = _RANGE_WHY.get(dotted)
    text = f"{head} (expected {expected}{u}{': ' + why if why else ''})"
    hint = range_hint(dotted, float(value), unit)
    return f"{text}; {hint}" if hint else text


class Geometry(BaseModel):
    """Wire geometry along z (0 = left wire end)."""

    model_config = _MODEL_CONFIG

    length_um: float = Field(7.0, ge=0.01, le=1.0e4,
                             description="[µm] wire length; z runs from 0 to length_um")
    interface_um: float = Field(
        3.5,
        description="[µm] initial Br/Cl interface position; must lie strictly inside the gap "
        "between the contact lines (electrodes.left.end_um < . < electrodes.right.start_um)",
    )
    br_rich_side: Literal["left", "right"] = Field(
        "left", description="[-] side of the interface holding the Br-rich segment"
    )
    interface_width_nm: float = Field(
        30.0, ge=0.01, le=1.0e5, description="[nm] tanh half-width of the initial composition step"
    )
    dimension: Literal[1, 3] = Field(
        1, description="[-] 1 = wire axis only (graded interval mesh); 3 = the wire as a solid "
        "on two bottom electrodes (gmsh, or mesh.file)",
    )
    width_um: float = Field(0.2, ge=1.0e-3, le=100.0,
                            description="[µm] 3D: wire width (across, y)")
    height_um: float = Field(0.2, ge=1.0e-3, le=100.0,
                             description="[µm] 3D: wire height (z; bottom on the "
                             "electrodes); hexagon: flat-to-flat height")
    cross_section: Literal["rectangle", "hexagon"] = Field(
        "rectangle", description="[-] 3D: cross-section shape of the generated wire"
    )


class Electrode(BaseModel):
    """One electrode zone under the wire, [start_um, end_um]."""

    model_config = _MODEL_CONFIG

    start_um: float = Field(description="[µm] start of the electrode zone (0 <= . < end_um)")
    end_um: float = Field(description="[µm] end of the electrode zone (start_um < . <= length)")

    @model_validator(mode="after")
    def _start_before_end(self) -> "Electrode":
        if not self.start_um < self.end_um:
            raise _rule("end_um", f"must be > start_um = {self.start_um:g}")
        return self


class Electrodes(BaseModel):
    """The two electrodes; a partial ``left``/``right`` mapping is completed from its defaults."""

    model_config = _MODEL_CONFIG

    left: Electrode = Field(
        default_factory=lambda: Electrode(**_DEFAULT_ELECTRODES["left"]),
        description="[µm] left electrode zone (default 0.0-1.5); its end_um is the left "
        "contact line",
    )
    right: Electrode = Field(
        default_factory=lambda: Electrode(**_DEFAULT_ELECTRODES["right"]),
        description="[µm] right electrode zone (default 5.5-7.0); its start_um is the right "
        "contact line",
    )
    potential_on: Literal["contact_line", "zone"] = Field(
        "contact_line",
        description="[-] where the potential is imposed in 1D: at the contact lines (inner "
        "electrode edges) or over the whole electrode zones",
    )

    floating: bool = Field(
        False,
        description="[-] true = floating wire (zero-bias anneals): no potential imposed on the "
        "contacts; the potential's gauge is fixed by psi = 0 at one node (the left wire end, "
        "z = 0; in 3D the vertex with the smallest (z, x, y)). Requires zero bias",
    )

    @model_validator(mode="before")
    @classmethod
    def _complete_sides(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for side, default in _DEFAULT_ELECTRODES.items():
            if isinstance(data.get(side), dict):
                data[side] = {**default, **data[side]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> "Electrodes":
        if not self.left.end_um < self.right.start_um:
            raise _rule(
                "right.start_um",
                f"must be > electrodes.left.end_um = {self.left.end_um:g} (electrodes must not "
                "overlap and the left electrode must lie left of the right one)",
            )
        return self


_SEGMENT_COMMON = ("kind", "duration_s", "output_times_s")


def _check_segment(seg: BaseModel, uses: dict, required: dict) -> None:
    """Kind-specific keys of a protocol segment: the required ones present, the others left at
    their defaults (so that a resolved case dict validates again)."""
    kind = seg.kind
    for key in required.get(kind, ()):
        if getattr(seg, key) is None:
            raise _rule(key, f"required for kind {kind}")
    for key, info in type(seg).model_fields.items():
        if key in _SEGMENT_COMMON or key in uses[kind]:
            continue
        if getattr(seg, key) != info.default:
            used = ", ".join(uses[kind]) or "no level keys"
            raise _rule(key, f"not used by kind {kind} (it uses {used})")
    if seg.kind == "square" and seg.period_s > seg.duration_s:
        raise _rule("period_s", f"{seg.period_s:g} s is longer than duration_s = "
                    f"{seg.duration_s:g} s (at least one period per square segment)")
    _check_output_times(seg.output_times_s, seg.duration_s, "duration_s",
                        " (times from the segment start)")


def _check_output_times(times, end: float, end_name: str, note: str = "") -> None:
    """Output times within [0, ``end``] and strictly increasing (``output_times_s`` of the time
    section and of protocol segments); raises the one-line rule error naming the entry."""
    for i, t in enumerate(times):
        if not 0.0 <= t <= end:
            raise _rule(f"output_times_s[{i}]", f"{t:g} not in [0, {end_name} = {end:g}]{note}")
    if any(b <= a for a, b in itertools.pairwise(times)):
        raise _rule("output_times_s", "must be strictly increasing")


_SEGMENT_KIND_DOC = (
    "[-] hold (keep a level; default the previous one), step (jump to a level), ramp (linear "
    "from a start level, default the previous one, to an end level), square (high for "
    "duty x period_s, then low, repeated)"
)


class BiasSegment(BaseModel):
    """One segment of ``bias.protocol`` (docs/case_format.md, "Protocols")."""

    model_config = _MODEL_CONFIG

    kind: Literal["hold", "step", "ramp", "square", "reversal"] = Field(
        description=_SEGMENT_KIND_DOC + ", reversal (the previous field with the opposite "
        "sign, or |field_V_per_um| against the previous sign)")
    duration_s: float = Field(gt=0, le=1.0e10, description="[s] duration of the segment")
    field_V_per_um: float | None = Field(
        None, ge=-1000.0, le=1000.0, description="[V/µm] hold/step/reversal: field over the gap "
        "(signed; times the polarity sign)")
    field_start_V_per_um: float | None = Field(
        None, ge=-1000.0, le=1000.0, description="[V/µm] ramp: start field (default: the "
        "previous segment's end field)")
    field_end_V_per_um: float | None = Field(
        None, ge=-1000.0, le=1000.0, description="[V/µm] ramp: end field (required)")
    field_high_V_per_um: float | None = Field(
        None, ge=-1000.0, le=1000.0, description="[V/µm] square: field of the high part")
    field_low_V_per_um: float = Field(
        0.0, ge=-1000.0, le=1000.0, description="[V/µm] square: field of the low part")
    period_s: float | None = Field(None, gt=0, le=1.0e10, description="[s] square: period")
    duty: float = Field(0.5, gt=0, lt=1, description="[-] square: high fraction of a period")
    polarity: Literal["forward", "reverse"] = Field(
        "forward", description="[-] multiplies the sign of the segment's fields (reverse = -1); "
        "not for reversal")
    output_times_s: tuple[float, ...] = Field(
        (), strict=False, description="[s] profile outputs, from the segment start, each in "
        "[0, duration_s] (added to time.output_times_s)")

    _USES: ClassVar[dict] = {
             "hold": ("field_V_per_um", "polarity"), "step": ("field_V_per_um", "polarity"),
             "ramp": ("field_start_V_per_um", "field_end_V_per_um", "polarity"),
             "square": ("field_high_V_per_um", "field_low_V_per_um", "period_s", "duty",
                        "polarity"),
             "reversal": ("field_V_per_um",)}
    _REQUIRED: ClassVar[dict] = {"step": ("field_V_per_um",), "ramp": ("field_end_V_per_um",),
                 "square": ("field_high_V_per_um", "period_s")}

    @model_validator(mode="after")
    def _check(self) -> "BiasSegment":
        _check_segment(self, self._USES, self._REQUIRED)
        return self


class TemperatureSegment(BaseModel):
    """One segment of ``temperature.protocol`` (docs/case_format.md, "Protocols")."""

    model_config = _MODEL_CONFIG

    kind: Literal["hold", "step", "ramp", "square"] = Field(description=_SEGMENT_KIND_DOC)
    duration_s: float = Field(gt=0, le=1.0e10, description="[s] duration of the segment")
    T_K: float | None = Field(None, gt=0, le=900.0,
                              description="[K] hold/step: temperature (hold: default previous)")
    T_start_K: float | None = Field(None, gt=0, le=900.0, description="[K] ramp: start "
                                    "temperature (default: the previous end temperature)")
    T_end_K: float | None = Field(None, gt=0, le=900.0,
                                  description="[K] ramp: end temperature (required)")
    T_high_K: float | None = Field(None, gt=0, le=900.0, description="[K] square: high part")
    T_low_K: float | None = Field(None, gt=0, le=900.0, description="[K] square: low part")
    period_s: float | None = Field(None, gt=0, le=1.0e10, description="[s] square: period")
    duty: float = Field(0.5, gt=0, lt=1, description="[-] square: high fraction of a period")
    output_times_s: tuple[float, ...] = Field(
        (), strict=False, description="[s] profile outputs, from the segment start, each in "
        "[0, duration_s] (added to time.output_times_s)")

    _USES: ClassVar[dict] = {"hold": ("T_K",), "step": ("T_K",), "ramp": ("T_start_K", "T_end_K"),
             "square": ("T_high_K", "T_low_K", "period_s", "duty")}
    _REQUIRED: ClassVar[dict] = {"step": ("T_K",), "ramp": ("T_end_K",),
                 "square": ("T_high_K", "T_low_K", "period_s")}

    @model_validator(mode="after")
    def _check(self) -> "TemperatureSegment":
        _check_segment(self, self._USES, self._REQUIRED)
        return self


class Bias(BaseModel):
    """Applied bias over the gap between the contact lines: constant (``field_V_per_um``,
    ``polarity``, ``ramp_s``) or a ``protocol`` of segments."""

    model_config = _MODEL_CONFIG

    field_V_per_um: float = Field(
        4.0, ge=-1000.0, le=1000.0,
        description="[V/µm] signed applied field over the gap; forward field = field_V_per_um "
        "* (+1 forward, -1 reverse); positive forward field puts the higher potential on the "
        "Br-rich electrode",
    )
    polarity: Literal["forward", "reverse"] = Field(
        "forward", description="[-] multiplies the sign of field_V_per_um (reverse = -1)"
    )
    ramp_s: float = Field(
        0.0, ge=0, le=1.0e10,
        description="[s] duration of a linear ramp of the bias from 0; 0 = step"
    )
    protocol: tuple[BiasSegment, ...] | None = Field(
        None, strict=False, min_length=1,
        description="[-] list of segments (hold, step, ramp, square, reversal) from t = 0, "
        "starting from no bias; the last level holds after the last segment; null = the "
        "constant bias above. With a protocol, field_V_per_um, polarity and ramp_s are not used "
        "and must be left out",
    )

    @model_validator(mode="after")
    def _protocol_or_constant(self) -> "Bias":
        if self.protocol is None:
            return self
        for key in ("field_V_per_um", "polarity", "ramp_s"):
            if getattr(self, key) != type(self).model_fields[key].default:
                raise _rule(key, "not used with bias.protocol: give the field per segment "
                            "(or remove bias.protocol)")
        return self


class Temperature(BaseModel):
    """Device temperature: constant ``T_K``, or a ``protocol`` of segments starting at ``T_K``."""

    model_config = _MODEL_CONFIG

    T_K: float = Field(300.0, gt=0, le=900.0,
                       description="[K] temperature; with a protocol, the temperature before "
                       "the first segment (the default of a first hold, or ramp start)")
    protocol: tuple[TemperatureSegment, ...] | None = Field(
        None, strict=False, min_length=1,
        description="[-] list of segments (hold, step, ramp, square) from t = 0; the last "
        "temperature holds after the last segment; null = constant T_K. Hop rates, the "
        "Debye length, the thermal voltage and (vacancy_model formation_energy) the "
        "equilibrium vacancy fractions follow T(t)",
    )


class Material(BaseModel):
    """CsPbBr3-CsPbCl3 material parameters (docs/model.md, "Parameters and sources")."""

    model_config = _MODEL_CONFIG

    lattice_constant_nm: float = Field(
        0.58, ge=0.2, le=2.0, description="[nm] lattice constant a; site density c_s = 3/a^3"
    )
    jump_length_nm: float | None = Field(
        None, ge=0.1, le=2.0,
        description="[nm] hop length lambda; null = lattice constant (seed 000 Eq. 2)"
    )
    eps_r: float = Field(250.0, ge=1, le=1.0e5, description="[-] relative permittivity")
    x_v_br: float = Field(
        2.0e-9, gt=0, lt=1, description="[-] equilibrium vacancy fraction of pure CsPbBr3"
    )
    x_v_cl: float = Field(
        3.0e-7, gt=0, lt=1, description="[-] equilibrium vacancy fraction of pure CsPbCl3"
    )
    y_br_segment: float = Field(
        1.0, gt=0, le=1, description="[-] initial y = x_Br/(x_Br+x_Cl) of the Br-rich segment"
    )
    y_cl_segment: float = Field(
        0.10, ge=0, lt=1, description="[-] initial y of the Cl-rich segment (< y_br_segment)"
    )
    hop_ratio_br_cl: float = Field(3.0, ge=1.0e-4, le=1.0e4,
                                   description="[-] hop-rate ratio w_Br / w_Cl")
    D_cl_ref_cm2_per_s: float = Field(
        1.0e-12,
        gt=0, le=1.0e-4,
        description="[cm^2/s] lambda^2 x_v_cl w_Cl at T_ref_K; fixes the hop-rate scale",
    )
    T_ref_K: float = Field(373.15, gt=0, le=900.0,
                           description="[K] reference temperature of D_cl_ref")
    hop_activation_eV: float = Field(
        0.28, ge=0, le=5.0, description="[eV] Arrhenius activation energy of w_Br and w_Cl"
    )
    vacancy_model: Literal["frozen", "formation_energy"] = Field(
        "frozen",
        description="[-] pure-phase equilibrium vacancy fractions: frozen = x_v_br/x_v_cl, the "
        "synthesis values, at every T (seed 000: vacancy content set by the synthesis "
        "conditions); formation_energy = x_V,a(T) = exp(-(E_lat,a + mu_a)/(k_B T)), a = Br, Cl "
        "(seed 000: lattice part of the formation free energy 1.32/1.44 eV plus the standard-state "
        "chemical potentials -0.9/-1.09 eV gives the totals 0.42/0.35 eV), x_v_br/x_v_cl then "
        "only fix the hop-rate scale (D_cl_ref_cm2_per_s). In both, ln x_V,eq(y) = y ln x_V,Br + "
        "(1-y) ln x_V,Cl (ideal solution: formation free energy linear in y). docs/thermal.md",
    )
    formation_lattice_br_eV: float = Field(
        1.32, ge=-10.0, le=10.0,
        description="[eV] vacancy_model formation_energy: lattice part of the vacancy "
        "formation free energy in CsPbBr3 (seed 000, MD thermodynamic integration)",
    )
    formation_lattice_cl_eV: float = Field(
        1.44, ge=-10.0, le=10.0,
        description="[eV] vacancy_model formation_energy: lattice part of the vacancy "
        "formation free energy in CsPbCl3 (seed 000)",
    )
    chemical_potential_br_eV: float = Field(
        -0.9, ge=-10.0, le=10.0,
        description="[eV] vacancy_model formation_energy: standard-state chemical "
        "potential of Br (seed 000, synthesis conditions, excess Cl)",
    )
    chemical_potential_cl_eV: float = Field(
        -1.09, ge=-10.0, le=10.0,
        description="[eV] vacancy_model formation_energy: standard-state chemical "
        "potential of Cl (seed 000)",
    )

    vacancy_equilibration: Literal["none", "schottky"] = Field(
        "none",
        description="[-] bulk equilibration of the halide vacancies: none = anion vacancies "
        "conserved, Poisson background frozen at x_V,eq(y(z, 0)); schottky = a bulk term "
        "R = k(T) (x_V,eq(y(z, t)) - x_V) [1/s] in the vacancy balance, with the compensating "
        "(cation-vacancy) background created and removed with it, dx_bg/dt = R "
        "(solver/physics/equilibration.py, docs/model.md \"Vacancy equilibration\")",
    )
    equilibration_prefactor_per_s: float = Field(
        1.0e13, gt=0, le=1.0e20,
        description="[1/s] vacancy_equilibration schottky: prefactor nu0 of "
        "k(T) = nu0 exp(-E_a/(k_B T)); default 1e13 1/s, a lattice attempt frequency "
        "(the order of the optical-phonon frequencies of lead-halide perovskites, 1-3 THz)",
    )
    equilibration_activation_eV: float = Field(
        1.32, ge=0, le=5.0,
        description="[eV] vacancy_equilibration schottky: activation energy E_a of k(T); "
        "default 1.32 eV, the lattice part of the vacancy formation free energy in CsPbBr3 "
        "(seed 000; 1.44 eV in CsPbCl3)",
    )

    @model_validator(mode="after")
    def _segments_ordered(self) -> "Material":
        if not self.y_cl_segment < self.y_br_segment:
            raise _rule("y_cl_segment", f"must be < material.y_br_segment = {self.y_br_segment:g}")
        return self

    @model_validator(mode="after")
    def _formation_energies_positive(self) -> "Material":
        if self.vacancy_model != "formation_energy":
            return self
        for a in ("br", "cl"):
            total = getattr(self, f"formation_lattice_{a}_eV") + getattr(
                self, f"chemical_potential_{a}_eV")
            if not total > 0.0:
                raise _rule(f"chemical_potential_{a}_eV", f"formation_lattice_{a}_eV + "
                            f"chemical_potential_{a}_eV = {total:g} eV must be > 0 (x_V < 1)")
        return self


class Transport(BaseModel):
    """Onsager (transport) model of the halide/vacancy sublattice."""

    model_config = _MODEL_CONFIG

    onsager_model: Literal["ideal", "manning", "kmc"] = Field(
        "manning", description="[-] Onsager coefficients: ideal (uncorrelated), Manning, or kmc "
        "(fitted kinetic Monte Carlo table, docs/onsager_kmc.md; material.hop_ratio_br_cl must "
        "be one of the table's ratios 1/3, 1, 3, 10)"
    )
    f0: float = Field(
        0.6889, gt=0, lt=1,
        description="[-] tracer correlation factor of the pure anion sublattice of cubic ABX3 "
        "(0.68892 computed, docs/onsager.md; 0.69 in Ishigaki et al. 1988)",
    )
    flux_scheme: Literal["exponential_fitting", "galerkin"] = Field(
        "exponential_fitting",
        description="[-] flux discretisation: exponential_fitting (Scharfetter-Gummel per cell "
        "edge; degree 1: intervals, hexahedra, triangles/tetrahedra (edge-averaged); degree 2 "
        "falls back to galerkin) or galerkin (log "
        "variables at quadrature points)",
    )


class ElectrodeSource(BaseModel):
    """Vacancy creation/annihilation at one electrode (docs/model.md, "Electrode sources")."""

    model_config = _MODEL_CONFIG

    alpha_c: float = Field(
        1.3e-5, ge=0, description="[µm V^-1 s^-1] creation coefficient (rate_law fixed)"
    )
    alpha_d: float = Field(
        1.3e-5, ge=0, description="[µm V^-1 s^-1] annihilation coefficient (rate_law fixed)"
    )
    equilibrium: Literal["half", "local", "auto"] = Field(
        "auto",
        description="[-] electrode equilibrium: half = r_c/(r_c+r_d); local = relax to "
        "x_V,eq(y) (alpha_d ignored); auto = half at the positive contact, local at the "
        "negative one",
    )


class Sources(BaseModel):
    """Electrode sources: model, rate law and per-electrode coefficients."""

    model_config = _MODEL_CONFIG

    model: Literal["none", "contact", "zone"] = Field(
        "contact",
        description="[-] none = no sources; contact = flux at the contact lines; zone = "
        "volumetric rate r/w_e over the electrode zones",
    )
    rate_law: Literal["fixed", "composition"] = Field(
        "composition",
        description="[-] fixed = each electrode's alpha_c/alpha_d; composition = ln alpha(y) = "
        "y ln alpha_br + (1-y) ln alpha_cl at both electrodes; r = alpha |dpsi(t)| / 2 [µm/s]. "
        "Default composition: one parameter set for both polarities (calibration, issue 3, "
        "docs/validation.md)",
    )
    left: ElectrodeSource = Field(
        default_factory=ElectrodeSource, description="left electrode source parameters"
    )
    right: ElectrodeSource = Field(
        default_factory=ElectrodeSource, description="right electrode source parameters"
    )
    alpha_br: float = Field(
        1.3e-5, gt=0, description="[µm V^-1 s^-1] rate_law composition: alpha at y = 1"
    )
    alpha_cl: float = Field(
        2.57e-7, gt=0,
        description="[µm V^-1 s^-1] rate_law composition: alpha at y = 0; the default makes "
        "alpha(y = 0.10) = 3.8e-7, seed 001's reverse-bias value (alpha(1) = 1.3e-5, forward)",
    )


class Mesh(BaseModel):
    """Graded 1D mesh."""

    model_config = _MODEL_CONFIG

    h_min_nm: float = Field(
        0.5, gt=0, description="[nm] cell size at the contact lines and the interface (>= 0.01 "
        "material.lattice_constant_nm)"
    )
    h_max_um: float = Field(0.01, gt=0, description="[µm] largest cell size (>= h_min_nm, "
                             "<= geometry.length_um)")
    growth: float = Field(
        1.08, gt=1, le=2.0, description="[-] geometric growth factor away from refinement points"
    )
    degree: Literal[1, 2] = Field(1, description="[-] Lagrange element degree")
    max_cells: int = Field(200000, gt=0, description="[-] refuse meshes with more cells")
    h3d_max_um: float = Field(0.05, gt=0, description="[µm] 3D: largest cell size")
    h3d_min_um: float = Field(0.01, gt=0, description="[µm] 3D: cell size at the contact lines")
    grading_distance_um: float = Field(
        0.3, gt=0, description="[µm] 3D: distance over which cells grow from h3d_min to h3d_max"
    )
    h3d_axial_um: float | None = Field(
        None, gt=0, description="[µm] 3D: if set, a structured mesh: the section meshed at "
        "h3d_max_um, extruded along the wire in layers of this thickness (thin wires: the "
        "sharp front needs ~10 nm along the wire, which unstructured tets cannot afford)",
    )
    file: str | None = Field(
        None, description="[-] 3D: user mesh (.msh with named physical groups, or .xdmf/.vtu "
        "with cell_tags/facet_tags; see solver/mesh3d.py); null = generate with gmsh",
    )

    @field_validator("degree", mode="before")
    @classmethod
    def _degree_not_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("Input should be 1 or 2")
        return value

    @model_validator(mode="after")
    def _h_ordered(self) -> "Mesh":
        if self.h_min_nm * 1e-3 > self.h_max_um:
            raise _rule("h_max_um", f"must be >= mesh.h_min_nm * 1e-3 = {self.h_min_nm * 1e-3:g}")
        return self


class Time(BaseModel):
    """Time span, outputs and adaptive time stepping."""

    model_config = _MODEL_CONFIG

    t_end_s: float = Field(_DEFAULT_T_END_S, ge=1.0e-15, le=1.0e10, description="[s] end time")
    output_times_s: tuple[float, ...] = Field(
        tuple(_DEFAULT_T_END_S * i / (_N_DEFAULT_OUTPUTS - 1) for i in range(_N_DEFAULT_OUTPUTS)),
        strict=False,
        description="[s] times of profile outputs, increasing, each in [0, t_end_s]; if "
        "omitted: 5 evenly spaced times from 0 to t_end_s ([0, 3600, 7200, 10800, 14400] "
        "for the default t_end_s)",
    )
    scheme: Literal["bdf1", "bdf2"] = Field("bdf2", description="[-] time-stepping scheme")
    dt_initial_s: float = Field(
        1.0e-9, ge=1.0e-15, le=1.0e10,
        description="[s] first time step (dt_min_s <= . <= dt_max_s)"
    )
    dt_min_s: float = Field(1.0e-12, ge=1.0e-15, le=1.0e10, description="[s] smallest time step")
    dt_max_s: float = Field(1000.0, ge=1.0e-15, le=1.0e10, description="[s] largest time step")
    tol_y: float = Field(2.0e-3, ge=1.0e-12, le=1.0,
                         description="[-] local error tolerance on y")
    tol_psi_VT: float = Field(0.05, ge=1.0e-12, le=100.0,
                              description="[k_BT/e] local error tolerance on psi")
    rtol_x_v: float = Field(0.05, ge=1.0e-12, le=1.0,
                            description="[-] relative local error tolerance on x_V")
    atol_x_v: float = Field(1.0e-10, gt=0, le=1.0,
                            description="[-] absolute floor of the x_V tolerance")
    dt_after_jump_s: float | None = Field(
        None, ge=1.0e-15, le=1.0e10,
        description="[s] first step after a jump of the bias or temperature protocol (the "
        "stepper restarts there with BDF1); null = dt_initial_s")

    @model_validator(mode="before")
    @classmethod
    def _default_outputs(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "output_times_s" in data:
            return data
        t_end = data.get("t_end_s", _DEFAULT_T_END_S)
        if isinstance(t_end, bool) or not isinstance(t_end, (int, float)) or not t_end > 0:
            return data  # left to field validation
        n = _N_DEFAULT_OUTPUTS - 1
        return {**data, "output_times_s": [float(t_end) * i / n for i in range(n + 1)]}

    @model_validator(mode="after")
    def _check(self) -> "Time":
        _check_output_times(self.output_times_s, self.t_end_s, "time.t_end_s")
        if self.dt_min_s > self.dt_initial_s:
            raise _rule("dt_initial_s", f"must be >= time.dt_min_s = {self.dt_min_s:g}")
        if self.dt_initial_s > self.dt_max_s:
            raise _rule("dt_initial_s", f"must be <= time.dt_max_s = {self.dt_max_s:g}")
        return self


class Solver(BaseModel):
    """Nonlinear and linear solver settings."""

    model_config = _MODEL_CONFIG

    newton_max_it: int = Field(30, ge=1, le=1000,
                               description="[-] maximum Newton iterations per step")
    newton_stol: float | Literal["auto"] = Field(
        "auto", description="[-] Newton converges when the estimated max-norm error left in "
        "the iterate (y, ln x_V, psi/(k_BT/e); from the last update and its contraction) is "
        "below this. auto = 1e-6 (against 1e-9: wire3d 4 h 2546 -> 1977 Newton iterations, "
        "L_m changed by 1e-8 and the lateral front spread by 1.4e-7 relative; 1D "
        "reference_forward 1675 -> 1584, L_m changed by 1.4e-12; a local time error of 2e-3 "
        "in y is allowed per step, time.tol_y)",
    )
    max_update_VT: float = Field(
        10.0, gt=0, description="[k_BT/e] damping: cap on |d psi| and |d ln x_V| per iteration"
    )
    linear_solver: Literal["auto", "lu", "lu_redundant", "mumps", "mumps_blr",
                           "gmres_twolevel", "gmres_asm"] = Field(
        "auto", description="[-] linear solver of the Newton steps (solver/linear_solvers.py): "
        "auto = lu (serial) or lu_redundant (parallel) up to 25 000 dofs, gmres_twolevel for 3D "
        "meshes from 300 000 dofs, else mumps; lu = "
        "PETSc's sparse LU with RCM ordering (serial only); lu_redundant = the same LU of the "
        "whole matrix on every rank; mumps = MUMPS LU; mumps_blr = MUMPS with block low-rank "
        "compression as a GMRES preconditioner; gmres_twolevel = GMRES with a two-level "
        "preconditioner (additive Schwarz ILU(0) smoothing, exact solve on cross-section "
        "aggregates); gmres_asm = GMRES with additive Schwarz/ILU(1)",
    )
    petsc_options: dict[str, str | bool | int | float] = Field(
        default_factory=dict,
        description="[-] extra PETSc options for the Newton solver (prefix-free, e.g. "
        "mat_mumps_icntl_14: 80, or ksp_type: gmres with ksp_rtol: 1e-10); applied after the "
        "linear_solver preset; each must be an option PETSc reads with the resulting solver "
        "(checked before the run)",
    )

    @field_validator("petsc_options", mode="after")
    @classmethod
    def _petsc_booleans(cls, v: dict) -> dict:
        """YAML booleans (``true``/``false``) in PETSc's spelling, e.g. for
        ``snes_lag_preconditioner_persists: true``."""
        return {k: (("true" if x else "false") if isinstance(x, bool) else x)
                for k, x in v.items()}

    jacobian_reuse_steps: int | Literal["auto"] = Field(
        "auto", description="[-] how many time steps' Newton solves may start with the "
        "Jacobian and LU factors of an earlier one (the modified Newton method of BDF codes, "
        "as in CVODE). A reused Jacobian is replaced when a0/dt changed by 30 %, when a Newton "
        "update exceeds 1 or shrinks by less than 10x, and after this many solves, so the "
        "answer changes only within newton_stol. 0 = a fresh Jacobian every time step; auto = "
        "0 in 1D (residuals dominate there) and 20 in 3D (Jacobian assembly dominates: wire3d "
        "4 h with the fluxes in the cell kernels 148 -> 84 s, L_m changed by 1e-11 relative)",
    )

    edge_assembly: bool = Field(
        True, description="[-] box-hexahedron meshes (the structured wires): assemble the "
        "exponentially fitted fluxes once per mesh edge instead of per cell "
        "(solver/edge_assembly.py; the same scheme to round-off, wire3d 4 h 84 -> 48 s); "
        "false = in the cell kernels. Other meshes and temperature protocols always use the "
        "cell kernels",
    )

    @field_validator("newton_stol", mode="after")
    @classmethod
    def _newton_stol_range(cls, v):
        if v != "auto" and not 1.0e-14 <= v <= 1.0:
            raise ValueError("must be 'auto' or a number from 1e-14 to 1 (below 1e-14 Newton "
                             "cannot converge in double precision)")
        return v

    @field_validator("jacobian_reuse_steps", mode="after")
    @classmethod
    def _nonnegative_reuse(cls, v):
        if v != "auto" and v < 0:
            raise ValueError("must be 'auto' or an integer >= 0")
        return v

    native_kernels: bool = Field(
        False, description="[-] compile the form kernels for this CPU (C compiler flag "
        "-march=native; about 15 % faster Jacobian assembly on hexahedra). Results can differ "
        "in the last digits (fused multiply-add). Off by default: a kernel compiled on one CPU "
        "can fail with 'illegal instruction' on an older one sharing the JIT cache (a cluster "
        "with mixed nodes, a container image moved between machines)",
    )


class Output(BaseModel):
    """What to write besides summary.json and the profiles."""

    model_config = _MODEL_CONFIG

    vtx: bool = Field(
        True, description="write fields for ParaView (VTX/ADIOS2 if available, else XDMF)"
    )
    figures: bool = Field(True, description="write PNG figures")


class PL(BaseModel):
    """Synthetic confocal photoluminescence (docs/model.md, "Synthetic photoluminescence";
    solver/pl.py): the PL peak along the wire and the composition read from it."""

    model_config = _MODEL_CONFIG

    enabled: bool = Field(
        True, description="compute the PL outputs (pl/*.csv, figures/pl_wavelength_map.png, "
        "summary.json 'pl') from the profiles at the output times")
    wavelength_br_nm: float = Field(
        526.0, ge=300.0, le=1000.0, description="[nm] PL peak of CsPbBr3 (seed 001 Fig. 1b)")
    wavelength_cl_nm: float = Field(
        420.0, ge=300.0, le=1000.0, description="[nm] PL peak of CsPbCl3 (seed 001 Fig. 1b)")
    bowing_eV: float = Field(
        0.0, ge=-1.0, le=1.0, description="[eV] bowing b of E(y) = y E_Br + (1-y) E_Cl - "
        "b y (1-y); |b| < E_Cl - E_Br (0 = linear, Yin et al. 2014)")
    psf_fwhm_um: float = Field(
        0.35, gt=0.0, le=10.0, description="[µm] FWHM of the Gaussian confocal point-spread "
        "function along the wire")
    linewidth_eV: float = Field(
        0.085, gt=0.0, le=1.0, description="[eV] FWHM of the emission line of one point")
    peak: Literal["spectrum", "mean_energy"] = Field(
        "spectrum", description="[-] PL peak: maximum of the summed spectrum, or the "
        "intensity-weighted mean energy")
    funnelling: bool = Field(
        False, description="carriers recombine preferentially at the lowest gap within "
        "diffusion_length_um")
    diffusion_length_um: float = Field(
        1.0, gt=0.0, le=100.0, description="[µm] carrier diffusion length (funnelling only)")
    step_um: float = Field(
        0.01, gt=0.0, le=10.0, description="[µm] spacing of the PL probe positions")

    @model_validator(mode="after")
    def _check_emission(self) -> "PL":
        if not self.wavelength_cl_nm < self.wavelength_br_nm:
            raise _rule("wavelength_cl_nm", f"{self.wavelength_cl_nm:g} nm must be below "
                        f"pl.wavelength_br_nm = {self.wavelength_br_nm:g} nm (CsPbCl3 has the "
                        "larger gap)")
        from solver.pl import HC_EV_NM  # the one definition of E = hc / wavelength

        spread = HC_EV_NM / self.wavelength_cl_nm - HC_EV_NM / self.wavelength_br_nm
        if not abs(self.bowing_eV) < spread:
            raise _rule("bowing_eV", f"|{self.bowing_eV:g}| eV must be below E_Cl - E_Br = "
                        f"{spread:.4g} eV, else E(y) is not monotonic and a wavelength does not "
                        "define a composition")
        return self


class Checkpoint(BaseModel):
    """Periodic checkpoints of the full solver state (docs/reliability.md).

    A checkpoint is written after an accepted step once ``every_steps`` steps or
    ``every_minutes`` minutes of wall time have passed since the previous one (whichever comes
    first; 0 disables that trigger), and always on SIGTERM/SIGINT.
    """

    model_config = _MODEL_CONFIG

    every_steps: int = Field(
        100, ge=0, description="[-] checkpoint every this many accepted steps (0 = not by count)"
    )
    every_minutes: float = Field(
        10.0, ge=0, le=1.0e6,
        description="[min] checkpoint after this much wall time since the last one "
        "(0 = not by time)",
    )


class Case(BaseModel):
    """A complete case (docs/case_format.md); defaults are the reference device
    (docs/model.md, "Parameters and sources")."""

    model_config = _MODEL_CONFIG

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="[-] case name (letters, digits, '_', '.', '-'); default output directory "
        "is results/<name>",
    )
    description: str = Field("", description="[-] free text, copied to summary.json")
    geometry: Geometry = Field(default_factory=Geometry, description="wire geometry")
    electrodes: Electrodes = Field(default_factory=Electrodes, description="electrode zones")
    bias: Bias = Field(default_factory=Bias, description="applied bias")
    temperature: Temperature = Field(default_factory=Temperature, description="temperature")
    material: Material = Field(default_factory=Material, description="material parameters")
    transport: Transport = Field(default_factory=Transport, description="transport model")
    sources: Sources = Field(default_factory=Sources, description="electrode sources")
    mesh: Mesh = Field(default_factory=Mesh, description="mesh")
    time: Time = Field(default_factory=Time, description="time span and stepping")
    solver: Solver = Field(default_factory=Solver, description="solver settings")
    output: Output = Field(default_factory=Output, description="output options")
    checkpoint: Checkpoint = Field(
        default_factory=Checkpoint, description="checkpoint/restart (docs/reliability.md)"
    )
    pl: PL = Field(default_factory=PL, description="synthetic photoluminescence (solver/pl.py)")

    @model_validator(mode="after")
    def _check_geometry(self) -> "Case":
        length = self.geometry.length_um
        for side in ("left", "right"):
            zone = getattr(self.electrodes, side)
            if zone.start_um < 0.0:
                raise _rule(f"electrodes.{side}.start_um", "must be >= 0 (inside the wire)")
            if zone.end_um > length:
                raise _rule(
                    f"electrodes.{side}.end_um",
                    f"must be <= geometry.length_um = {length:g} (inside the wire)",
                )
        lo, hi = self.contact_left_um, self.contact_right_um
        if not lo < self.geometry.interface_um < hi:
            raise _rule(
                "geometry.interface_um",
                f"must lie strictly inside the gap between the contact lines ({lo:g}, {hi:g})",
            )
        return self

    @model_validator(mode="after")
    def _check_sizes(self) -> "Case":
        """Mesh sizes between a hundredth of a lattice constant and the wire length; a mesh
        file only in 3D."""
        m, length = self.mesh, self.geometry.length_um
        floor_nm = 0.01 * self.material.lattice_constant_nm
        why = ("a continuum cell below a hundredth of a lattice constant means nothing, and far "
               "below it the mesh coordinates drown in round-off")
        if m.h_min_nm < floor_nm:
            raise _rule("mesh.h_min_nm", f"{m.h_min_nm:g} nm is below 0.01 x "
                        f"material.lattice_constant_nm = {floor_nm:g} nm (expected {floor_nm:g} "
                        f"nm <= h_min_nm <= mesh.h_max_um: {why})")
        for name in ("h_max_um", "h3d_max_um", "h3d_min_um", "h3d_axial_um",
                     "grading_distance_um"):
            value = getattr(m, name)
            if value is None:
                continue
            expected = f"expected {floor_nm * 1e-3:g} <= {name} <= {length:g} µm"
            if value * 1e3 < floor_nm:
                raise _rule(f"mesh.{name}", f"{value:g} µm is below 0.01 x "
                            f"material.lattice_constant_nm = {floor_nm * 1e-3:g} µm ({expected}: "
                            f"{why})")
            if value > length and name != "grading_distance_um":
                raise _rule(f"mesh.{name}", f"{value:g} µm is above geometry.length_um = "
                            f"{length:g} µm ({expected}: a cell cannot be longer than the wire)")
        if m.file is not None:
            if not m.file.strip():
                raise _rule("mesh.file", "must be a mesh file path, or null to generate the mesh")
            if self.geometry.dimension != 3:
                raise _rule("mesh.file", "a mesh file is only read in 3D, and this case is 1D "
                            "(geometry.dimension = 1, the graded interval is generated): set "
                            "geometry.dimension: 3, or remove mesh.file")
        return self

    @model_validator(mode="after")
    def _floating_needs_zero_bias(self) -> "Case":
        """A floating wire has no contact potentials, so it cannot carry a bias."""
        if not self.electrodes.floating:
            return self
        b = self.bias
        fields = [("bias.field_V_per_um", b.field_V_per_um)]
        for i, seg in enumerate(b.protocol or ()):
            fields += [(f"bias.protocol[{i}].{k}", getattr(seg, k))
                       for k in type(seg).model_fields if k.startswith("field")]
        if b.protocol is not None:
            fields = fields[1:]  # the constant field is not used with a protocol
        for key, value in fields:
            if value is not None and value != 0.0:
                raise _rule(key, f"{value:g} V/µm, but electrodes.floating is true: a floating "
                            "wire has no contact potentials, so the bias must be 0 (or set "
                            "electrodes.floating: false)")
        return self

    @property
    def contact_left_um(self) -> float:
        """Left contact line [µm]: inner edge of the left electrode (``left.end_um``)."""
        return self.electrodes.left.end_um

    @property
    def contact_right_um(self) -> float:
        """Right contact line [µm]: inner edge of the right electrode (``right.start_um``)."""
        return self.electrodes.right.start_um

    @property
    def gap_um(self) -> float:
        """Distance between the contact lines [µm]."""
        return self.contact_right_um - self.contact_left_um

    @property
    def forward_field_V_per_um(self) -> float:
        """Signed forward field [V/µm]: ``field_V_per_um`` times +1 (forward) or -1 (reverse)."""
        sign = 1.0 if self.bias.polarity == "forward" else -1.0
        return sign * self.bias.field_V_per_um

    @property
    def bias_V(self) -> float:
        """Magnitude of the applied voltage [V]: ``|forward field| * gap``."""
        return abs(self.forward_field_V_per_um) * self.gap_um

    @property
    def jump_length_nm_resolved(self) -> float:
        """Hop length [nm]: ``material.jump_length_nm``, or the lattice constant if null."""
        if self.material.jump_length_nm is None:
            return self.material.lattice_constant_nm
        return self.material.jump_length_nm


# --------------------------------------------------------------------------------------------
# YAML reading


class _CaseLoader(yaml.SafeLoader):
    """SafeLoader that reads ``1e-12`` as a float and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """Construct a mapping, raising on a key that appears twice."""
        self.flatten_mapping(node)
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable key: let the base class report it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


_CaseLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)
_CaseLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                            _CaseLoader.construct_mapping)


def _parse_yaml(text: str, where: str) -> Any:
    """Parse YAML text with ``_CaseLoader``; errors become a one-line ``CaseError``."""
    try:
        return yaml.load(text, Loader=_CaseLoader)  # SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise CaseError(where, f"invalid YAML: {exc.problem or exc.context}{place}") from None
    except yaml.YAMLError as exc:
        raise CaseError(where, f"invalid YAML: {exc}") from None


def _read_mapping(path: pathlib.Path) -> dict:
    """Read a case file whose top level must be a mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseError(str(path), "no such file") from None
    except IsADirectoryError:
        raise CaseError(str(path), "is a directory, not a case file") from None
    except UnicodeDecodeError:
        raise CaseError(str(path), "not UTF-8 text") from None
    except OSError as exc:
        raise CaseError(str(path), f"cannot read ({exc.strerror})") from None
    data = _parse_yaml(text, str(path))
    if data is None:
        raise CaseError(str(path), "empty case file (the top level must be a mapping with 'name')")
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise CaseError(str(path), f"the top level must be a mapping of keys, got a {kind}")
    return data


def read_section_file(path: pathlib.Path, key: str, kind: str) -> Any:
    """The value under the one top-level ``key`` of a YAML file (campaign and fit files).

    Raises:
        CaseError: unreadable file, malformed YAML, or a top level other than ``{key: ...}``.
    """
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise CaseError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise CaseError(f"{path}: malformed YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or set(data) != {key}:
        raise CaseError(f"{path}: a {kind} file has exactly one top-level key, '{key}'")
    return data[key]


# --------------------------------------------------------------------------------------------
# Overrides


def _split_override(override: str) -> tuple[list[str], str]:
    """Split ``a.b.c=value`` into its key path and raw value."""
    key, sep, raw = override.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(p.strip() for p in parts):
        raise CaseError(f"--set {override}", "expected key.sub=value")
    return [p.strip() for p in parts], raw


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str]) -> dict:
    """Return a deep copy of ``data`` with ``key.sub=value`` overrides applied.

    Values are parsed as YAML (numbers, lists, booleans, null). Missing intermediate mappings
    are created; unknown keys are left for the schema to reject.

    Args:
        data: Raw case mapping.
        overrides: Strings ``dotted.key=value``.

    Returns:
        The new mapping.

    Raises:
        CaseError: Malformed override, or a path through a value that is not a mapping.
    """
    result = copy.deepcopy(dict(data))
    for override in overrides:
        parts, raw = _split_override(override)
        dotted = ".".join(parts)
        node = result
        for depth, part in enumerate(parts[:-1]):
            if part not in node and _is_scalar_field(parts[: depth + 1]):
                node[part] = None  # reported just below, before the schema sees it
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                raise CaseError(dotted, f"cannot set it: {where} is not a mapping")
            node = child
        node[parts[-1]] = _parse_yaml(raw, f"--set {dotted}")
    return result


def _is_scalar_field(loc: Sequence[str]) -> bool:
    """True if ``loc`` names a known case field that is neither a section (sub-model) nor a
    mapping (``solver.petsc_options``: ``--set solver.petsc_options.ksp_type=gmres``)."""
    parent = _model_at(loc[:-1])
    if parent is None or loc[-1] not in parent.model_fields or _model_at(loc) is not None:
        return False
    annotation = parent.model_fields[loc[-1]].annotation
    return getattr(annotation, "__origin__", annotation) is not dict


# --------------------------------------------------------------------------------------------
# Validation errors -> CaseError


def format_loc(loc: Sequence[Any]) -> str:
    """Join a pydantic ``loc`` as a dotted key, list indices as ``[i]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "case"


def _item_model(annotation: Any) -> Any:
    """The model class of ``X``, ``tuple[X, ...] | None`` or ``X | None`` annotations (else the
    annotation)."""
    for arg in typing.get_args(annotation):
        inner = _item_model(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def _model_at(loc: Sequence[Any], root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The model class reached by following ``loc`` from ``root`` (default ``Case``; None if
    not a model). List indices are skipped, and so is the key of a mapping of models
    (``dict[str, X]``, e.g. the fitted keys of a fit file)."""
    model: type[BaseModel] = Case if root is None else root
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(part, int):  # an item of a list of models (protocol segments)
            continue
        field = model.model_fields.get(part)
        annotation = _item_model(field.annotation) if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        if getattr(field.annotation, "__origin__", None) is dict and parts:
            parts.pop(0)  # the mapping's own key
        model = annotation
    return model


def unknown_key_message(loc: Sequence[Any], root: type[BaseModel] | None = None) -> str:
    """Message for an unknown key at pydantic location ``loc`` of model ``root`` (default
    ``Case``), with a "did you mean" suggestion and the allowed keys. Also used for fit files
    (solver/fitting/spec.py)."""
    model = _model_at(loc[:-1], root)
    if model is None:
        return "unknown key"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key ({hint}allowed: {', '.join(allowed)})"


def _got(value: Any) -> str:
    """`` (got X)`` for short scalar inputs, else an empty string."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        text = repr(value)
        return f" (got {text})" if len(text) <= 40 else ""
    return f" (got a {type(value).__name__})"


def first_error(exc: ValidationError) -> dict[str, Any]:
    """The error of ``exc`` to report: an unknown key if there is one (a misspelt key is also a
    missing one, and the unknown key names the typo: "did you mean"), else the first error."""
    errors = exc.errors(include_url=False)
    return next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])


#: Words for pydantic's union-member tags (the last element of a union error's ``loc``).
_UNION_TAGS = {"str": "a string", "bool": "true/false", "int": "an integer",
               "float": "a number"}


def _union_word(err: dict) -> str | None:
    """A union member in words from one of its errors: its type tag (:data:`_UNION_TAGS`) or
    the values of a ``Literal`` member (tag ``literal[...]``); None if neither."""
    tag = err["loc"][-1] if err["loc"] else None
    if tag in _UNION_TAGS:
        return _UNION_TAGS[tag]
    if isinstance(tag, str) and tag.startswith("literal[") and "ctx" in err:
        return err["ctx"]["expected"]
    return None


def _union_alternatives(errors: list[dict], loc: list) -> list[str]:
    """For a value matching no member of a union (e.g. ``solver.petsc_options`` values: a
    string, true/false or a number; ``solver.jacobian_reuse_steps``: 'auto' or an integer),
    pydantic reports one error per member, each with the member's tag appended to the key's
    ``loc``: the members in words, or [] if ``loc`` is not such an error."""
    if not loc:
        return []
    words = [_union_word(e) for e in errors if list(e["loc"][:-1]) == loc[:-1]]
    if len(words) < 2 or None in words:
        return []
    return list(dict.fromkeys(words))


def _case_error_from_validation(exc: ValidationError) -> CaseError:
    """Turn the error of a ``ValidationError`` (:func:`first_error`) into a one-line
    ``CaseError``."""
    err = first_error(exc)
    loc = list(err["loc"])
    kind = err["type"]
    union = _union_alternatives(exc.errors(include_url=False), loc)
    if union:
        return CaseError(format_loc(loc[:-1]), f"must be {' or '.join(union)}"
                         + _got(err.get("input")))
    if kind == "case_rule":
        key = format_loc(loc)
        sub = err["ctx"]["key"]
        key = f"{key}.{sub}" if loc else sub
        return CaseError(key, err["ctx"]["message"])
    if kind == "extra_forbidden":
        return CaseError(format_loc(loc), unknown_key_message(loc))
    if kind == "missing":
        return CaseError(format_loc(loc), "required key is missing")
    if kind == "string_pattern_mismatch":
        msg = "use only letters, digits, '_', '.', '-' (not first); it names the output directory"
        return CaseError(format_loc(loc), msg + _got(err["input"]))
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return CaseError(format_loc(loc), "must be a mapping of keys" + _got(err["input"]))
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        text = _bound_message(loc, err.get("input"))
        if text:
            return CaseError(format_loc(loc), text)
    msg = err["msg"].removeprefix("Value error, ")
    return CaseError(format_loc(loc), msg + _got(err.get("input")))


# --------------------------------------------------------------------------------------------
# Public API


def case_from_dict(data: Mapping[str, Any]) -> Case:
    """Validate a raw case mapping.

    Args:
        data: Mapping as read from YAML (not modified).

    Returns:
        The validated, immutable case.

    Raises:
        CaseError: First validation problem, as ``"<dotted.key>: <message>"``.
    """
    if not isinstance(data, Mapping):
        raise CaseError("case", f"must be a mapping of keys, got a {type(data).__name__}")
    try:
        return Case.model_validate(dict(data))
    except ValidationError as exc:
        raise _case_error_from_validation(exc) from None


def case_to_dict(case: Case) -> dict[str, Any]:
    """Fully resolved case (all defaults filled) as a JSON-serialisable dict.

    ``case_from_dict(case_to_dict(case)) == case``.
    """
    return case.model_dump(mode="json")


def load_case(path: str | pathlib.Path, overrides: Sequence[str] = ()) -> Case:
    """Read a case YAML file, apply ``--set`` overrides and validate.

    Args:
        path: Case file.
        overrides: Strings ``dotted.key=value`` (value parsed as YAML), applied in order.

    Returns:
        The validated case.

    Raises:
        CaseError: Unreadable or malformed file, bad override, or invalid case.
    """
    data = _read_mapping(pathlib.Path(path))
    return case_from_dict(apply_overrides(data, overrides))


def schema_json() -> dict[str, Any]:
    """JSON schema of the case format (for ``--print-schema``)."""
    return Case.model_json_schema()
