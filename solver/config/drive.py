"""Section models of what drives the device.

``bias`` and ``temperature``, constant or as a ``protocol`` of segments (docs/case_format.md,
"Protocols").

Each protocol segment names its ``kind``; ``_check_segment`` requires the keys the kind needs
and refuses the ones it does not use, so that a resolved case validates again.
"""

from typing import ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from solver.config.base import _MODEL_CONFIG, _check_output_times
from solver.config.errors import _rule, apart

__all__ = ["Bias", "BiasSegment", "Heater", "Laser", "Temperature", "TemperatureSegment",
           "check_solved_laser", "polarity_sign"]

_SEGMENT_COMMON = ("kind", "duration_s", "output_times_s")


def polarity_sign(polarity: str | None) -> float:
    """The sign a ``polarity`` key gives the field: -1 for "reverse", +1 for "forward" (and
    for a missing key, whose default is forward). The one home of that rule: the constant bias,
    protocol segments, the case's derived forward field and the figures all use it."""
    return -1.0 if polarity == "reverse" else 1.0


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
        period, duration = apart(seg.period_s, seg.duration_s)
        raise _rule("period_s", f"{period} s is longer than duration_s = "
                    f"{duration} s (at least one period per square segment)")
    _check_output_times(seg.output_times_s, seg.duration_s, "duration_s",
                        " (times from the segment start)")



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
        "sign, or |field_V_per_um| against the previous sign; refused after 0 V/µm)")
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

    kind: Literal["hold", "step", "ramp", "square", "table"] = Field(
        description=_SEGMENT_KIND_DOC + ", table (linear between measured points times_s, "
        "T_table_K; constant before the first and after the last)")
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
    times_s: tuple[float, ...] | None = Field(
        None, strict=False, min_length=1, description="[s] table: times of the measured "
        "points from the segment start, strictly increasing, each in [0, duration_s]")
    T_table_K: tuple[float, ...] | None = Field(
        None, strict=False, min_length=1, description="[K] table: temperatures at times_s, "
        "each in (0, 900]")
    output_times_s: tuple[float, ...] = Field(
        (), strict=False, description="[s] profile outputs, from the segment start, each in "
        "[0, duration_s] (added to time.output_times_s)")

    _USES: ClassVar[dict] = {"hold": ("T_K",), "step": ("T_K",), "ramp": ("T_start_K", "T_end_K"),
             "square": ("T_high_K", "T_low_K", "period_s", "duty"),
             "table": ("times_s", "T_table_K")}
    _REQUIRED: ClassVar[dict] = {"step": ("T_K",), "ramp": ("T_end_K",),
                 "square": ("T_high_K", "T_low_K", "period_s"),
                 "table": ("times_s", "T_table_K")}

    @model_validator(mode="after")
    def _check(self) -> "TemperatureSegment":
        _check_segment(self, self._USES, self._REQUIRED)
        if self.kind == "table":
            _check_table(self.times_s, self.T_table_K, self.duration_s)
        return self


def _check_table(times_s: tuple, T_K: tuple, duration_s: float) -> None:
    """A ``table`` segment: as many temperatures as times, times strictly increasing inside
    [0, duration_s], temperatures in (0, 900] K."""
    if len(T_K) != len(times_s):
        raise _rule("T_table_K", f"{len(T_K)} values for {len(times_s)} times_s")
    for i, (t, T) in enumerate(zip(times_s, T_K, strict=True)):
        if not 0.0 <= t <= duration_s:  # also refuses nan
            raise _rule("times_s", f"[{i}] = {t:g} s is outside [0, duration_s = "
                        f"{duration_s:g} s]")
        if i and not t > times_s[i - 1]:
            raise _rule("times_s", f"not strictly increasing: [{i}] = {t:g} s after "
                        f"{times_s[i - 1]:g} s")
        if not 0.0 < T <= 900.0:
            raise _rule("T_table_K", f"[{i}] = {T:g} K is outside (0, 900] K")


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


class Heater(BaseModel):
    """A substrate heater switched in pulses: the device temperature follows it through two
    first-order thermal modes (solver/model/temperature_field.py, SubstrateResponse; defaults:
    seed 003's ITO substrate at 400 mA, fitted to its lines 61-70)."""

    model_config = _MODEL_CONFIG

    width_s: float = Field(gt=0, le=1e10, description="[s] heater on-time per period (= "
                           "period_s: DC) (seed 003 Fig. 3: 0.1, 0.5, 1, 2, 5 s)")
    period_s: float = Field(gt=0, le=1e10, description="[s] period of the pulses (seed 003: 1, "
                            "5, 10 s)")
    start_s: float = Field(0.0, ge=0, le=1e10, description="[s] first switch-on")
    stop_s: float | None = Field(None, gt=0, le=1e10,
                                 description="[s] switched off for good at this time; null = "
                                 "never")
    fast_rise_K: float = Field(8.50, ge=0, le=500, description="[K] steady rise of the fast "
                               "mode (seed 003 fit)")
    fast_tau_s: float = Field(2.35, gt=0, le=1e8, description="[s] its time constant (seed 003 "
                              "fit)")
    slow_rise_K: float = Field(9.00, ge=0, le=500, description="[K] steady rise of the slow "
                               "mode (seed 003 fit)")
    slow_tau_s: float = Field(740.0, gt=0, le=1e8, description="[s] its time constant (seed "
                              "003 fit)")

    @model_validator(mode="after")
    def _width_in_period(self) -> "Heater":
        if self.width_s > self.period_s:
            raise _rule("width_s", f"{self.width_s:g} s is longer than period_s = "
                        f"{self.period_s:g} s")
        if self.stop_s is not None and self.stop_s <= self.start_s:
            raise _rule("stop_s", f"must be after start_s = {self.start_s:g} s")
        return self


#: The keys of the solved laser heating, with their defaults (model heat_equation only).
_HEAT_KEYS = ("conductivity_W_per_m_K", "heat_capacity_J_per_m3_K", "conductance_W_per_m2_K",
              "thickness_nm", "heat_fraction")


class Laser(BaseModel):
    """Laser heating of a film around the beam, seed 004 eq. 9 (its line 227):
    T = T_sub(t) + (1 - exp(-B (t - on_s))) ΔT(r), with ΔT = A0 exp(-2 r²/w0²) given
    (``model: prescribed``) or the steady solution of the film heat equation under the light's
    Gaussian beam (``model: heat_equation``; solver/model/solved_laser.py, solver/physics/heat.py,
    whose defaults and sources the thermal keys repeat)."""

    model_config = _MODEL_CONFIG

    model: Literal["prescribed", "heat_equation"] = Field(
        "prescribed", description="[-] prescribed = seed 004 eq. 9 with the given rise_K; "
        "heat_equation = the steady rise solved on the film's disc (body.kind film) with the "
        "light's Gaussian beam as source, the same time law")
    rise_K: float | None = Field(
        None, ge=0, le=1000, description="[K] A0, the steady rise at the beam centre (seed 004 "
        "gives it in its SI only); required with prescribed, left out with heat_equation")
    rate_per_s: float | None = Field(
        None, gt=0, le=1e12, description="[1/s] B, the heating rate; required with prescribed; "
        "heat_equation: default null = the film's relaxation rate G/(l ρc) (2.5e7 /s at the "
        "defaults)")
    waist_um: float = Field(1.0, gt=0, le=1e4, description="[µm] w0, 1/e² radius (seed 004: "
                            "1 µm, line 93); heat_equation: must equal light.waist_um")
    centre_um: tuple[float, float] = Field((0.0, 0.0), description="[µm] beam centre (x0, y0); "
                                           "a film's disc is centred on the light's centre_um")
    on_s: float = Field(0.0, ge=0, le=1e10, description="[s] switch-on time")
    conductivity_W_per_m_K: float = Field(
        0.3, gt=0, le=1e4, description="[W/(m K)] heat_equation: film conductivity k (CsPbBr3 "
        "nanowires 0.36-0.45, Lee et al., PNAS 114, 8693 (2017); 0.3 assumed for a ligand-capped "
        "NC film)")
    heat_capacity_J_per_m3_K: float = Field(
        1.0e6, gt=0, le=1e9, description="[J/(m³ K)] heat_equation: volumetric heat capacity ρc "
        "(derived: Dulong-Petit for CsPbBr3 times 4.55 g/cm³); sets the default rate_per_s")
    conductance_W_per_m2_K: float = Field(
        1.0e6, gt=0, le=1e12, description="[W/(m² K)] heat_equation: film-substrate conductance "
        "G, the sink h = G/l (derived: spreading conductance k_glass/w0 of glass, 1 W/(m K), "
        "under a 1 µm beam)")
    thickness_nm: float | None = Field(
        None, gt=0, le=1e7, description="[nm] heat_equation: film thickness l of the source "
        "2P_abs/(π w0² l) and the sink; null = light.thickness_nm (40 nm, seed 004 line 155)")
    heat_fraction: float = Field(
        1.0, ge=0, le=1, description="[-] heat_equation: fraction of the absorbed power turned "
        "into heat (1 = no luminescence losses, an upper bound); the absorbed fraction is the "
        "light's (1 - R - T, or Beer-Lambert)")

    @model_validator(mode="after")
    def _keys_of_the_model(self) -> "Laser":
        if self.model == "prescribed":
            for key in ("rise_K", "rate_per_s"):
                if getattr(self, key) is None:
                    raise _rule(key, "required with model prescribed")
            for key in _HEAT_KEYS:
                if getattr(self, key) != type(self).model_fields[key].default:
                    raise _rule(key, "only used with model heat_equation")
        elif self.rise_K is not None:
            raise _rule("rise_K", "not used with model heat_equation (the heat equation gives "
                        "the rise): leave it out")
        return self


def check_solved_laser(laser: Laser | None, body, light) -> None:
    """Cross-section rules of ``temperature.laser.model: heat_equation`` (called by the case):
    a film body (the heat is solved on its disc; a nanocrystal's or the wire's surroundings
    are not modelled) and a Gaussian light beam, not dark, of the laser's waist.

    Raises:
        pydantic error naming ``temperature.laser.<key>`` (one line).
    """
    if laser is None or laser.model != "heat_equation":
        return
    if body is None or body.kind != "film":
        raise _rule("temperature.laser.model", "heat_equation solves the heat on a film's disc "
                    "(body.kind film); the surroundings of a nanocrystal or the wire are not "
                    "modelled: use model prescribed with rise_K")
    if light.profile != "gaussian" or light.is_dark:
        raise _rule("temperature.laser.model", "heat_equation takes its source from the light's "
                    "Gaussian beam: set light.profile gaussian with power_uW (or "
                    "irradiance_W_per_cm2) and waist_um")
    if laser.waist_um != light.waist_um:
        w, lw = apart(laser.waist_um, light.waist_um)
        raise _rule("temperature.laser.waist_um", f"{w} µm differs from light.waist_um = {lw} "
                    "µm (heat_equation heats with the light's beam): give the same")


class Temperature(BaseModel):
    """Device temperature: constant ``T_K``, or a ``protocol`` of segments starting at ``T_K``;
    optionally a substrate ``heater`` (uniform) and a ``laser`` heating (a field)."""

    model_config = _MODEL_CONFIG

    T_K: float = Field(300.0, gt=0, le=900.0,
                       description="[K] temperature; with a protocol, the temperature before "
                       "the first segment (the default of a first hold, or ramp start)")
    protocol: tuple[TemperatureSegment, ...] | None = Field(
        None, strict=False, min_length=1,
        description="[-] list of segments (hold, step, ramp, square, table) from t = 0; the last "
        "temperature holds after the last segment; null = constant T_K. Hop rates, the "
        "Debye length, the thermal voltage and (vacancy_model formation_energy) the "
        "equilibrium vacancy fractions follow T(t)",
    )
    heater: Heater | None = Field(
        None, description="[-] a pulsed substrate heater: T(t) = T_K + the substrate's response "
        "(not with protocol); null = none")
    laser: Laser | None = Field(
        None, description="[-] laser heating T(x, t) = T(t) + A0 (1 - e^(-Bt)) exp(-2r²/w0²) "
        "(seed 004 eq. 9; model heat_equation: the steady rise solved on a film), seen by the "
        "surface reactions pointwise; null = none")

    @model_validator(mode="after")
    def _one_time_law(self) -> "Temperature":
        if self.heater is not None and self.protocol is not None:
            raise _rule("heater", "not with protocol (give one time law of the substrate)")
        return self

