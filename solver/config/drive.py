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
           "polarity_sign"]

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


class Laser(BaseModel):
    """Laser heating of a film around the beam, seed 004 eq. 9 (its line 227):
    T = T_sub(t) + A0 (1 - exp(-B t)) exp(-2 r²/w0²)."""

    model_config = _MODEL_CONFIG

    rise_K: float = Field(ge=0, le=1000, description="[K] A0, the steady rise at the beam "
                          "centre (seed 004 gives it in its SI only)")
    rate_per_s: float = Field(gt=0, le=1e12, description="[1/s] B, the heating rate")
    waist_um: float = Field(1.0, gt=0, le=1e4, description="[µm] w0, 1/e² radius (seed 004: "
                            "1 µm, line 93)")
    centre_um: tuple[float, float] = Field((0.0, 0.0), description="[µm] beam centre (x0, y0); "
                                           "a film's disc is centred on the light's centre_um")
    on_s: float = Field(0.0, ge=0, le=1e10, description="[s] switch-on time")


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
        "(seed 004 eq. 9), seen by the surface reactions pointwise; null = none")

    @model_validator(mode="after")
    def _one_time_law(self) -> "Temperature":
        if self.heater is not None and self.protocol is not None:
            raise _rule("heater", "not with protocol (give one time law of the substrate)")
        return self

