r"""Light: irradiance -> generation -> local photocarrier density, light protocols, and rate
laws that depend on the carrier density (pure numpy/scipy; issue #28 item 4, step E3 of
/work/shared/MODEL-NANOCRYSTALS.md §4).

The chain, each link one object:

    :class:`Beam`          irradiance I(x, y) [W/cm²]: uniform, or a Gaussian beam
                           I(r) = 2P/(π w0²) exp(-2 r²/w0²)   (w0 = 1/e² radius)
    :class:`Absorption`    generation G [cm⁻³ s⁻¹] from I: the film average of seed 004
                           eq. 4, G = I (1 - R - T)/(E_ph l), or Beer-Lambert
                           G(z) = I (1 - R) α exp(-α z)/E_ph
    :class:`Recombination` steady carrier density n from G = k1 n + k2 n² + k3 n³ (seed 004
                           eqs. 2-3), vectorised; the transient dn/dt = G - k1 n - k2 n² - k3 n³
    :class:`LightProtocol` relative intensity s(t) [-] (a :class:`Schedule`: light/dark, levels,
                           ramps, square trains), whose switches the stepper lands on
    :class:`Illumination`  the four together: n(t, x, y, z) = n_ss(s(t) G(x, y, z))
    :class:`LightRateLaw`  k(n) = k_dark + k_light ((n - n_th)_+/n_ref)^m [/(1 + (n/n_sat)^m)]

Sources of the numbers (line numbers of /work/shared/seeds/004_2837c6e205a58ee5.txt, "004",
and 003_79292b6190e462ff.txt, "003"):

- 405 nm excitation: 004 lines 136, 203; 003 lines 61, 85, 120 (picosecond diode, 5 MHz).
- Gaussian beam convention: 004 line 93 converts 10-160 µW into 6.37e2-1.02e4 W/cm² "considering
  the laser waist radius estimated at 1 µm": that is the *peak* irradiance 2P/(π w0²) with
  w0 = 1 µm (1/e² radius; "beam diameter ~2 µm", line 115). The same formula gives 1.91e4 W/cm²
  at 300 µW (line 136; MODEL-NANOCRYSTALS.md item 10). The mean over the 1/e² disc,
  P(1 - e⁻²)/(π w0²), would give 2.75e2 W/cm² at 10 µW: not the seed's convention.
- Generation, eq. 4 (004 line 153, parameters line 155): G = 2P(1 - T_405)/(π w0² E_ph l) with
  P = 50 µW, w0 = 1e-4 cm, l ≈ 40e-7 cm; T_405 is measured but its value is not given.
- Recombination, eqs. 2-3 (004 lines 145-151, values line 155, from Motti et al., Adv. Funct.
  Mater. 30, 1909904 (2020), CsPbBr3 NC films): k2 = 5.0e-11 cm³/s, k3 = 0.16e-28 cm⁶/s. k1 is
  1/τ_fluo of the seed's SI (Table S3, which we do not have): the default here,
  k1 = 1e8 /s (τ = 10 ns), is a literature order of magnitude for the PL lifetime of CsPbX3 NC
  films, not a seed number. The seed reports n = 1.7e18 cm⁻³ at 50 µW "within a 20 ns temporal
  window" (line 155).
- Light-dependent rates: 004 line 123 (carriers oxidise iodide: a rate first order in the
  carrier density, m = 1), lines 93 and 179 (yields rising with power and saturating at ≈70 %),
  003 lines 51 and 64 (a threshold intensity; NCs at the spot edge do not segregate).

The carrier relaxation time 1/(k1 + 2 k2 n + 3 k3 n²) is ns-µs (≈2 ns at 1e18 cm⁻³ with the
defaults), many orders below the ionic times (s-h): the solver uses the steady density
(:meth:`Recombination.steady_density_cm3`) at each time; :meth:`Recombination.transient_density_cm3`
is there to check that.

Units: lengths of the beam plane in µm, depths in nm, densities in cm⁻³, rates in cm⁻³ s⁻¹.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

from solver.constants import ELEMENTARY_CHARGE_C, HC_EV_NM
from solver.model.protocols import Piece, Schedule, _Drive

__all__ = ["K1_DEFAULT_PER_S", "K2_SEED004_CM3_PER_S", "K3_SEED004_CM6_PER_S",
           "WAVELENGTH_SEED_NM", "Absorption", "Beam", "Illumination", "LightProtocol",
           "LightRateLaw", "Recombination", "photon_energy_J"]

#: [nm] excitation wavelength of seeds 003 (lines 61, 120) and 004 (lines 136, 203).
WAVELENGTH_SEED_NM = 405.0
#: [1/s] monomolecular (trap/exciton) rate: literature order of magnitude (τ = 10 ns); seed 004
#: takes 1/τ_fluo from its SI (line 155), whose value we do not have.
K1_DEFAULT_PER_S = 1.0e8
#: [cm³/s] bimolecular rate, seed 004 line 155 (from Motti et al. 2020, CsPbBr3 NC films).
K2_SEED004_CM3_PER_S = 5.0e-11
#: [cm⁶/s] Auger rate, seed 004 line 155 ("0.16e-28").
K3_SEED004_CM6_PER_S = 1.6e-29

_UM_PER_CM = 1.0e4
_CM_PER_NM = 1.0e-7
#: Newton iterations cap of the cubic (convergence from above takes < 10; see steady_density).
_NEWTON_MAX_ITER = 60
#: [cm⁻³ s⁻¹] largest generation rate accepted (seed 004's peak is ≈1e27; n³ overflows near 1e277).
_G_MAX_PER_CM3_S = 1.0e200


def photon_energy_J(wavelength_nm: float) -> float:
    """E_ph = h c / λ [J] of a photon of wavelength ``wavelength_nm`` [nm] (> 0)."""
    if not wavelength_nm > 0:
        raise ValueError(f"wavelength_nm must be > 0, got {wavelength_nm}")
    return HC_EV_NM / wavelength_nm * ELEMENTARY_CHARGE_C


@dataclass(frozen=True)
class Beam:
    """Irradiance in the plane of the sample.

    Attributes:
        profile: "uniform" (I = peak everywhere) or "gaussian" (I(r) = peak exp(-2 r²/w0²)).
        peak_W_per_cm2: uniform: the irradiance; gaussian: the peak I0 = 2P/(π w0²) [W/cm²].
        waist_um: gaussian: the 1/e² radius w0 [µm] (None for uniform).
        centre_um: (x0, y0) of the beam axis [µm]; r² = (x - x0)² + (y - y0)².

    Source: Gaussian TEM00 beam, seed 004 eqs. 4 and 9 (lines 153, 227) and line 93 (the
    peak convention, module docstring).
    """

    profile: str = "uniform"
    peak_W_per_cm2: float = 0.0
    waist_um: float | None = None
    centre_um: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self):
        if self.profile not in ("uniform", "gaussian"):
            raise ValueError(f"profile must be 'uniform' or 'gaussian', got {self.profile!r}")
        if not self.peak_W_per_cm2 >= 0:
            raise ValueError(f"peak_W_per_cm2 must be >= 0, got {self.peak_W_per_cm2}")
        if self.profile == "gaussian" and not (self.waist_um or 0) > 0:
            raise ValueError("a gaussian beam needs waist_um > 0")

    @classmethod
    def uniform(cls, irradiance_W_per_cm2: float) -> Beam:
        """A uniform irradiance [W/cm²]."""
        return cls("uniform", float(irradiance_W_per_cm2))

    @classmethod
    def gaussian(cls, power_W: float, waist_um: float,
                 centre_um: tuple[float, float] = (0.0, 0.0)) -> Beam:
        """A Gaussian beam of total power ``power_W`` [W] and 1/e² radius ``waist_um`` [µm]:
        peak I0 = 2P/(π w0²) (seed 004 eq. 4, line 153)."""
        w0_cm = waist_um / _UM_PER_CM
        return cls("gaussian", 2.0 * power_W / (math.pi * w0_cm**2), float(waist_um),
                   tuple(centre_um))

    @property
    def is_dark(self) -> bool:
        """True if the irradiance is 0 everywhere."""
        return self.peak_W_per_cm2 == 0.0

    @property
    def power_W(self) -> float:
        """Gaussian: the total power π w0² I0/2 [W]; uniform: inf (0 if dark)."""
        if self.profile == "uniform":
            return 0.0 if self.is_dark else math.inf
        return math.pi * (self.waist_um / _UM_PER_CM) ** 2 * self.peak_W_per_cm2 / 2.0

    def irradiance_W_per_cm2(self, x_um=0.0, y_um=0.0) -> np.ndarray:
        """I(x, y) [W/cm²] at beam-plane coordinates [µm] (arrays of any broadcastable shape;
        the result has their broadcast shape)."""
        x, y = np.asarray(x_um, dtype=float), np.asarray(y_um, dtype=float)
        if self.profile == "uniform":
            return np.full(np.broadcast_shapes(x.shape, y.shape), self.peak_W_per_cm2)
        r2 = (x - self.centre_um[0]) ** 2 + (y - self.centre_um[1]) ** 2
        return self.peak_W_per_cm2 * np.exp(-2.0 * r2 / self.waist_um**2)


@dataclass(frozen=True)
class Absorption:
    """Generation rate G [cm⁻³ s⁻¹] from the irradiance.

    Two options:
    - film average (``alpha_per_cm`` None; seed 004 eq. 4, line 153):
      G = I (1 - R - T)/(E_ph l), uniform over the film thickness l;
    - Beer-Lambert (``alpha_per_cm`` given): G(z) = I (1 - R) α exp(-α z)/E_ph at depth z
      from the illuminated face (T is then exp(-α l) and ``transmittance`` is not used).

    Attributes:
        wavelength_nm: excitation wavelength [nm] (default 405, seeds 003/004).
        transmittance: T at the wavelength [-] (seed 004 measures it but gives no value; the
            default 0 absorbs all non-reflected light: an upper bound of G).
        reflectance: R [-] (default 0; seed 004 has no R term).
        thickness_nm: l [nm] (default 40, seed 004 line 155: "~40e-7 cm").
        alpha_per_cm: absorption coefficient α [1/cm], or None for the film average.
    """

    wavelength_nm: float = WAVELENGTH_SEED_NM
    transmittance: float = 0.0
    reflectance: float = 0.0
    thickness_nm: float = 40.0
    alpha_per_cm: float | None = None

    def __post_init__(self):
        if not (0.0 <= self.transmittance <= 1.0 and 0.0 <= self.reflectance <= 1.0
                and self.transmittance + self.reflectance <= 1.0):
            raise ValueError("need 0 <= R, T and R + T <= 1")
        if not self.thickness_nm > 0:
            raise ValueError(f"thickness_nm must be > 0, got {self.thickness_nm}")
        if self.alpha_per_cm is not None and not self.alpha_per_cm > 0:
            raise ValueError(f"alpha_per_cm must be > 0, got {self.alpha_per_cm}")
        photon_energy_J(self.wavelength_nm)

    @property
    def photon_energy_J(self) -> float:
        """E_ph = hc/λ [J]."""
        return photon_energy_J(self.wavelength_nm)

    @property
    def absorbed_fraction(self) -> float:
        """Fraction of the incident photons absorbed in the film [-]: 1 - R - T, or
        (1 - R)(1 - exp(-α l)) for Beer-Lambert."""
        if self.alpha_per_cm is None:
            return 1.0 - self.reflectance - self.transmittance
        return (1.0 - self.reflectance) * -math.expm1(-self.alpha_per_cm * self.thickness_nm
                                                      * _CM_PER_NM)

    def generation_per_cm3_s(self, irradiance_W_per_cm2, depth_nm=None) -> np.ndarray:
        """G [cm⁻³ s⁻¹] for the irradiance [W/cm²] (array, any shape) and, with Beer-Lambert,
        the depth [nm] from the illuminated face (broadcast; None = the film average
        I (1 - R)(1 - e^{-α l})/(E_ph l)). Film-average option: the depth is not used.

        Source: seed 004 eq. 4 (line 153); Beer-Lambert: the textbook form.
        """
        photons = np.asarray(irradiance_W_per_cm2, dtype=float) / self.photon_energy_J
        if self.alpha_per_cm is None or depth_nm is None:
            return photons * self.absorbed_fraction / (self.thickness_nm * _CM_PER_NM)
        z_cm = np.asarray(depth_nm, dtype=float) * _CM_PER_NM
        return photons * (1.0 - self.reflectance) * self.alpha_per_cm * np.exp(
            -self.alpha_per_cm * z_cm)


@dataclass(frozen=True)
class Recombination:
    """Carrier recombination r(n) n = k1 n + k2 n² + k3 n³ (seed 004 eqs. 2-3, lines 145-151).

    Attributes:
        k1_per_s: monomolecular rate [1/s] (default :data:`K1_DEFAULT_PER_S`, literature).
        k2_cm3_per_s: bimolecular rate [cm³/s] (default 5.0e-11, seed 004 line 155).
        k3_cm6_per_s: Auger rate [cm⁶/s] (default 1.6e-29, seed 004 line 155).
    """

    k1_per_s: float = K1_DEFAULT_PER_S
    k2_cm3_per_s: float = K2_SEED004_CM3_PER_S
    k3_cm6_per_s: float = K3_SEED004_CM6_PER_S

    def __post_init__(self):
        ks = (self.k1_per_s, self.k2_cm3_per_s, self.k3_cm6_per_s)
        if not all(k >= 0 and math.isfinite(k) for k in ks) or not any(k > 0 for k in ks):
            raise ValueError(f"need finite k1, k2, k3 >= 0, not all 0; got {ks}")

    def rate_per_cm3_s(self, n_per_cm3) -> np.ndarray:
        """k1 n + k2 n² + k3 n³ [cm⁻³ s⁻¹] (Horner; array of any shape)."""
        n = np.asarray(n_per_cm3, dtype=float)
        return n * (self.k1_per_s + n * (self.k2_cm3_per_s + n * self.k3_cm6_per_s))

    def relaxation_time_s(self, n_per_cm3) -> np.ndarray:
        """1/(k1 + 2 k2 n + 3 k3 n²) [s]: the e-folding time of a small deviation from the
        steady density n (linearised dn/dt)."""
        n = np.asarray(n_per_cm3, dtype=float)
        return 1.0 / (self.k1_per_s + n * (2 * self.k2_cm3_per_s + 3 * n * self.k3_cm6_per_s))

    def steady_density_cm3(self, generation_per_cm3_s) -> np.ndarray:
        """The steady carrier density n >= 0 [cm⁻³] with k1 n + k2 n² + k3 n³ = G (seed 004
        eqs. 2-3 with dn/dt = 0) for G [cm⁻³ s⁻¹] >= 0, an array of any shape (same shape out;
        a Python float in gives a 0-d array).

        Method: f(n) = k1 n + k2 n² + k3 n³ is increasing and convex on n >= 0, so the root is
        unique and Newton's method started above it decreases monotonically onto it (no
        overshoot, no bracketing failure). The start is the smallest single-term root
        min(G/k1, √(G/k2), (G/k3)^(1/3)), an upper bound within a factor 3 of the root (each
        term is at most G there, so f(n0/3) <= G); a handful of vectorised iterations reach
        round-off from G = 0 to G = 1e32 and beyond. G = 0 gives n = 0 exactly. A closed-form
        Cardano root would lose digits to cancellation where two terms balance.

        Raises:
            ValueError: a G is negative, not finite or above 1e200 (n³ would overflow).
        """
        g = np.asarray(generation_per_cm3_s, dtype=float)
        if not np.all(np.isfinite(g)) or np.any(g < 0) or np.any(g > _G_MAX_PER_CM3_S):
            raise ValueError(f"generation rates must be in [0, {_G_MAX_PER_CM3_S:g}] cm^-3 s^-1")
        shape, g = g.shape, g.ravel()
        n = self._upper_start(g)
        k1, k2, k3 = self.k1_per_s, self.k2_cm3_per_s, self.k3_cm6_per_s
        active = n > 0
        for _ in range(_NEWTON_MAX_ITER):
            if not active.any():
                break
            na = n[active]
            f = na * (k1 + na * (k2 + na * k3)) - g[active]
            df = k1 + na * (2 * k2 + 3 * k3 * na)
            step = f / df
            new = na - step
            # Convexity keeps iterates >= root; round-off can overshoot by an ulp: stop there.
            done = (step <= 4 * np.finfo(float).eps * na) | (new <= 0)
            n[active] = np.where(new > 0, np.minimum(new, na), na)
            active[active] = ~done
        return n.reshape(shape)

    def _upper_start(self, g: np.ndarray) -> np.ndarray:
        """min over the nonzero terms of (G/k_i)^(1/i): an upper bound of the root [cm⁻³]."""
        starts = []
        if self.k1_per_s > 0:
            starts.append(g / self.k1_per_s)
        if self.k2_cm3_per_s > 0:
            starts.append(np.sqrt(g / self.k2_cm3_per_s))
        if self.k3_cm6_per_s > 0:
            starts.append(np.cbrt(g / self.k3_cm6_per_s))
        return np.array(np.minimum.reduce(starts), dtype=float, copy=True)

    def transient_density_cm3(self, generation_per_cm3_s: float, times_s,
                              n0_per_cm3: float = 0.0) -> np.ndarray:
        """n(t) [cm⁻³] from dn/dt = G - k1 n - k2 n² - k3 n³ (seed 004 eq. 2, line 145),
        n(0) = ``n0_per_cm3``, at the increasing ``times_s`` [s] (1-D array; the result has its
        shape), for one constant G [cm⁻³ s⁻¹]. Stiff (Radau) integration by scipy; for checks
        of the steady-state assumption, not for the solver."""
        t = np.asarray(times_s, dtype=float)
        g = float(generation_per_cm3_s)
        scale = max(float(self.steady_density_cm3(g)), n0_per_cm3, 1.0)

        def rhs(_t, u):  # u = n/scale
            return (g - self.rate_per_cm3_s(u * scale)) / scale

        def jac(_t, u):
            return [[-1.0 / self.relaxation_time_s(u[0] * scale)]]

        sol = solve_ivp(rhs, (0.0, float(t[-1])), [n0_per_cm3 / scale], method="Radau",
                        t_eval=t, jac=jac, rtol=1e-10, atol=1e-14)
        if not sol.success:
            raise RuntimeError(f"carrier transient: {sol.message}")
        return sol.y[0] * scale


class LightProtocol(_Drive):
    """Relative intensity s(t) [-] that multiplies the beam irradiance (1 = the beam as given,
    0 = dark), a :class:`Schedule` with the stepper interface of the bias and temperature
    protocols (milestones at every switch; a jump restarts the stepper).

    Args:
        schedule: s(t) >= 0 [-].
        outputs_s: output times [s] asked for by the segments.
    """

    def __init__(self, schedule: Schedule, outputs_s: tuple = ()):
        self.schedule = schedule
        self.outputs_s = tuple(outputs_s)

    @classmethod
    def constant(cls, level: float = 1.0) -> LightProtocol:
        """s(t) = ``level`` for all t."""
        return cls(Schedule.constant(float(level)))

    @classmethod
    def from_segments(cls, segments) -> LightProtocol:
        """From validated ``light.protocol`` segments (solver.config.light.LightSegment):
        kinds light (s = 1), dark (s = 0), level (s = relative_intensity), ramp (linear from the
        previous level to relative_intensity), square (relative_intensity_high for
        duty·period_s, then relative_intensity_low). Before the first segment the light is
        at the first segment's start level; after the last, its end level holds."""
        pieces, outputs, t, prev = [], [], 0.0, 1.0
        for seg in segments:
            t1 = t + seg.duration_s
            if seg.kind in ("light", "dark", "level"):
                s = {"light": 1.0, "dark": 0.0}.get(seg.kind, seg.relative_intensity)
                piece = Piece(t, t1, "constant", s, s, label=seg.kind)
            elif seg.kind == "ramp":
                piece = Piece(t, t1, "ramp", prev, seg.relative_intensity, label="ramp")
            elif seg.kind == "square":
                piece = Piece(t, t1, "square", seg.relative_intensity_high,
                              seg.relative_intensity_low, seg.period_s, seg.duty,
                              label="square")
            else:
                raise ValueError(f"unknown light segment kind {seg.kind!r}")
            pieces.append(piece)
            outputs += [t + dt for dt in seg.output_times_s]
            prev, t = piece.end(), t1
        return cls(Schedule(pieces), tuple(outputs))

    def relative_intensity(self, t_s: float) -> float:
        """s(t) [-] at ``t_s`` [s]."""
        return self.schedule.value(t_s)

    @property
    def is_dark(self) -> bool:
        """True if s(t) = 0 at all times."""
        return all(p.a == 0.0 and p.b == 0.0 for p in self.schedule.pieces)


@dataclass(frozen=True)
class Illumination:
    """Beam, absorption, recombination and protocol: the photocarrier density
    n(t, x, y, z) = n_ss(s(t) G(I(x, y), z)) [cm⁻³] (steady state at every time: module
    docstring). ``Illumination()`` is dark: n = 0 everywhere, as without light.

    Attributes:
        beam, absorption, recombination, protocol: the parts (defaults: dark uniform beam,
            seed 004 film, seed 004 k2/k3 with the literature k1, always on).
    """

    beam: Beam = field(default_factory=Beam)
    absorption: Absorption = field(default_factory=Absorption)
    recombination: Recombination = field(default_factory=Recombination)
    protocol: LightProtocol = field(default_factory=LightProtocol.constant)

    @classmethod
    def from_config(cls, light) -> Illumination:
        """From a validated ``light`` section (solver.config.light.Light); None = dark."""
        if light is None:
            return cls()
        if light.profile == "gaussian" and light.power_uW is not None:
            beam = Beam.gaussian(light.power_uW * 1e-6, light.waist_um, tuple(light.centre_um))
        else:
            beam = Beam(light.profile, light.irradiance_W_per_cm2, light.waist_um,
                        tuple(light.centre_um))
        absorption = Absorption(light.wavelength_nm, light.transmittance, light.reflectance,
                                light.thickness_nm, light.absorption_coefficient_per_cm)
        recombination = Recombination(light.k1_per_s, light.k2_cm3_per_s, light.k3_cm6_per_s)
        protocol = (LightProtocol.constant() if light.protocol is None
                    else LightProtocol.from_segments(light.protocol))
        return cls(beam, absorption, recombination, protocol)

    @property
    def is_dark(self) -> bool:
        """True if no light ever reaches the sample (n = 0 at all times)."""
        return self.beam.is_dark or self.protocol.is_dark

    def generation_per_cm3_s(self, t_s: float, x_um=0.0, y_um=0.0, depth_nm=None):
        """G [cm⁻³ s⁻¹] at time ``t_s`` [s] and the points (arrays broadcast; [µm], [nm])."""
        irradiance = self.protocol.relative_intensity(t_s) * self.beam.irradiance_W_per_cm2(
            x_um, y_um)
        return self.absorption.generation_per_cm3_s(irradiance, depth_nm)

    def carrier_density_cm3(self, t_s: float, x_um=0.0, y_um=0.0, depth_nm=None):
        """Steady photocarrier density n [cm⁻³] at time ``t_s`` [s] and the points; exactly 0
        where the light is off or the irradiance is 0."""
        return self.recombination.steady_density_cm3(
            self.generation_per_cm3_s(t_s, x_um, y_um, depth_nm))


@dataclass(frozen=True)
class LightRateLaw:
    """A rate that grows with the photocarrier density n [cm⁻³]:

        k(n) = k_dark + k_light · ((n - n_th)_+ / n_ref)^m · [1/(1 + (n/n_sat)^m)]

    (the bracket only with ``n_sat_per_cm3``). Units of k are the caller's (1/s, µm/s, ...).

    Attributes:
        rate_dark: k_dark, the rate without light (default 0).
        rate_light: k_light, the light-driven part at n - n_th = n_ref (without saturation).
        n_ref_per_cm3: n_ref [cm⁻³] (default 1e18, the order of seed 004's 1.7e18, line 155).
        exponent: m [-] (default 1: one carrier oxidises one iodide, seed 004 line 123).
        n_threshold_per_cm3: n_th [cm⁻³] (default 0; a threshold intensity: 003 lines 51, 64).
        n_sat_per_cm3: n_sat [cm⁻³] or None (default: no saturation; saturating yields,
            004 lines 93, 179, may also come from a finite iodide inventory).

    Raises:
        ValueError: negative rates or densities, n_ref <= 0, m <= 0.
    """

    rate_dark: float = 0.0
    rate_light: float = 0.0
    n_ref_per_cm3: float = 1.0e18
    exponent: float = 1.0
    n_threshold_per_cm3: float = 0.0
    n_sat_per_cm3: float | None = None

    def __post_init__(self):
        if self.rate_dark < 0 or self.rate_light < 0 or self.n_threshold_per_cm3 < 0:
            raise ValueError("rates and the threshold density must be >= 0")
        if not (self.n_ref_per_cm3 > 0 and self.exponent > 0):
            raise ValueError("n_ref_per_cm3 and exponent must be > 0")
        if self.n_sat_per_cm3 is not None and not self.n_sat_per_cm3 > 0:
            raise ValueError("n_sat_per_cm3 must be > 0 (or None)")

    def __call__(self, n_per_cm3) -> np.ndarray:
        """k(n) for carrier densities [cm⁻³] (array, any shape); k(0) = k_dark exactly."""
        n = np.asarray(n_per_cm3, dtype=float)
        excess = np.maximum(n - self.n_threshold_per_cm3, 0.0) / self.n_ref_per_cm3
        light = excess**self.exponent
        if self.n_sat_per_cm3 is not None:
            light = light / (1.0 + (n / self.n_sat_per_cm3) ** self.exponent)
        return self.rate_dark + self.rate_light * light
