"""Section model of the illumination: ``light`` (issue #28 item 4; docs/nanocrystals.md, "Light
and photocarriers").

A beam (uniform, or Gaussian of given power or peak irradiance and 1/e² radius), its absorption
in the film, the carrier recombination constants and an optional ``protocol`` of light/dark, level,
ramp and square segments in relative intensity. The default is dark (irradiance 0): a case
without the section behaves as before. :meth:`solver.model.light.Illumination.from_config`
turns the section into the model objects (the schema layer does not import the model).

Defaults and sources (seed files in /work/shared/seeds): 405 nm (seeds 003 line 120, 004 line
136); film thickness 40 nm and k2 = 5.0e-11 cm³/s, k3 = 1.6e-29 cm⁶/s (004 line 155); k1 = 1e8 /s
(a literature order of magnitude; 004 takes 1/τ_fluo from its supplement).
"""

from typing import ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from solver.config.base import _MODEL_CONFIG
from solver.config.drive import _check_segment
from solver.config.errors import _rule

__all__ = ["Light", "LightSegment"]

_INTENSITY_DOC = "[-] relative intensity: multiplies the beam irradiance (1 = as given, 0 = dark)"


class LightSegment(BaseModel):
    """One segment of ``light.protocol``: light (full beam), dark, a level, a ramp or a square
    train. (The kinds are not called on/off: YAML reads unquoted on/off as true/false.)"""

    model_config = _MODEL_CONFIG

    kind: Literal["light", "dark", "level", "ramp", "square"] = Field(
        description="[-] light (relative intensity 1), dark (0), level (relative_intensity), ramp "
        "(linear from the previous level to relative_intensity), square "
        "(relative_intensity_high for duty x period_s, then relative_intensity_low, repeated)")
    duration_s: float = Field(gt=0, le=1.0e10, description="[s] duration of the segment")
    relative_intensity: float | None = Field(
        None, ge=0.0, le=1.0e3, description=_INTENSITY_DOC + "; level: the level, ramp: the end")
    relative_intensity_high: float | None = Field(
        None, ge=0.0, le=1.0e3, description=_INTENSITY_DOC + "; square: the high part")
    relative_intensity_low: float = Field(
        0.0, ge=0.0, le=1.0e3, description=_INTENSITY_DOC + "; square: the low part")
    period_s: float | None = Field(None, gt=0, le=1.0e10, description="[s] square: period")
    duty: float = Field(0.5, gt=0, lt=1, description="[-] square: high fraction of a period")
    output_times_s: tuple[float, ...] = Field(
        (), strict=False, description="[s] profile outputs, from the segment start, each in "
        "[0, duration_s] (added to time.output_times_s)")

    _USES: ClassVar[dict] = {
        "light": (), "dark": (), "level": ("relative_intensity",), "ramp": ("relative_intensity",),
        "square": ("relative_intensity_high", "relative_intensity_low", "period_s", "duty")}
    _REQUIRED: ClassVar[dict] = {"level": ("relative_intensity",),
                                 "ramp": ("relative_intensity",),
                                 "square": ("relative_intensity_high", "period_s")}

    @model_validator(mode="after")
    def _check(self) -> "LightSegment":
        _check_segment(self, self._USES, self._REQUIRED)
        return self


class Light(BaseModel):
    """Illumination: beam, absorption, recombination and protocol (default: dark)."""

    model_config = _MODEL_CONFIG

    profile: Literal["uniform", "gaussian"] = Field(
        "uniform", description="[-] uniform = the same irradiance everywhere; gaussian = "
        "I(r) = I0 exp(-2 r²/w0²) around centre_um, I0 = 2P/(π w0²) (seed 004 eq. 4)")
    irradiance_W_per_cm2: float = Field(
        0.0, ge=0.0, le=1.0e9,
        description="[W/cm²] uniform: the irradiance; gaussian: the peak irradiance I0 (leave "
        "out when power_uW is given); 0 = dark (seed 003: ≈50 W/cm², line 61)")
    power_uW: float | None = Field(
        None, gt=0.0, le=1.0e7,
        description="[µW] gaussian only: total beam power P, I0 = 2P/(π w0²) (seed 004: "
        "10-400 µW with w0 = 1 µm, lines 93, 179)")
    waist_um: float | None = Field(
        None, gt=0.0, le=1.0e5,
        description="[µm] gaussian only (required): 1/e² radius w0 (seed 004: 1 µm, line 93)")
    centre_um: tuple[float, float] = Field(
        (0.0, 0.0), strict=False, description="[µm] gaussian: beam axis (x0, y0) in the mesh "
        "coordinates")
    wavelength_nm: float = Field(
        405.0, ge=200.0, le=2000.0,
        description="[nm] excitation wavelength; photon energy hc/λ (seeds 003, 004: 405 nm)")
    transmittance: float = Field(
        0.0, ge=0.0, le=1.0,
        description="[-] film transmittance T at the wavelength (seed 004 eq. 4 measures it "
        "but gives no value; 0 = all non-reflected light absorbed, an upper bound)")
    reflectance: float = Field(0.0, ge=0.0, le=1.0, description="[-] reflectance R; absorbed "
                               "fraction 1 - R - T")
    thickness_nm: float = Field(
        40.0, gt=0.0, le=1.0e7,
        description="[nm] absorbing film thickness l: G = I (1 - R - T)/(E_ph l) (seed 004 "
        "line 155: ~40 nm)")
    absorption_coefficient_per_cm: float | None = Field(
        None, gt=0.0, le=1.0e8,
        description="[1/cm] Beer-Lambert option: G(z) = I (1 - R) α exp(-α z)/E_ph at depth z "
        "instead of the film average; transmittance must then be left out")
    k1_per_s: float = Field(
        1.0e8, ge=0.0, le=1.0e15,
        description="[1/s] monomolecular recombination k1 = 1/τ (literature order, τ = 10 ns; "
        "seed 004 takes it from its supplement)")
    k2_cm3_per_s: float = Field(
        5.0e-11, ge=0.0, le=1.0e-3,
        description="[cm³/s] bimolecular recombination k2 (seed 004 line 155)")
    k3_cm6_per_s: float = Field(
        1.6e-29, ge=0.0, le=1.0e-20,
        description="[cm⁶/s] Auger recombination k3 (seed 004 line 155)")
    protocol: tuple[LightSegment, ...] | None = Field(
        None, strict=False, min_length=1,
        description="[-] list of segments (light, dark, level, ramp, square) from t = 0 in "
        "relative intensity; the last level holds after the last segment; null = always on")

    @model_validator(mode="after")
    def _check(self) -> "Light":
        self._check_beam()
        if self.transmittance + self.reflectance > 1.0:
            raise _rule("transmittance", f"R + T = {self.transmittance + self.reflectance:g} "
                        "is above 1")
        if self.absorption_coefficient_per_cm is not None and self.transmittance != 0.0:
            raise _rule("transmittance", "not used with absorption_coefficient_per_cm (T = "
                        "exp(-α l) then): leave it out")
        if self.k1_per_s == self.k2_cm3_per_s == self.k3_cm6_per_s == 0.0:
            raise _rule("k1_per_s", "k1, k2 and k3 are all 0: the carrier density would "
                        "diverge under light")
        return self

    def _check_beam(self) -> None:
        """The keys of the beam profile: waist (and power or peak) for gaussian only."""
        if self.profile == "gaussian":
            if self.waist_um is None:
                raise _rule("waist_um", "required for profile gaussian")
            if self.power_uW is not None and self.irradiance_W_per_cm2 != 0.0:
                raise _rule("power_uW", "give either power_uW or irradiance_W_per_cm2 (the "
                            "peak), not both")
            return
        for key in ("power_uW", "waist_um"):
            if getattr(self, key) is not None:
                raise _rule(key, "only for profile gaussian")
        if self.centre_um != (0.0, 0.0):
            raise _rule("centre_um", "only for profile gaussian")

    @property
    def is_dark(self) -> bool:
        """True if the section gives no light (irradiance 0 and no power)."""
        return self.power_uW is None and self.irradiance_W_per_cm2 == 0.0
