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

__all__ = ["Bias", "BiasSegment", "Temperature", "TemperatureSegment", "polarity_sign"]

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


class Temperature(BaseModel):
    """Device temperature: constant ``T_K``, or a ``protocol`` of segments starting at ``T_K``."""

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

