"""Seed 003 (iodide expulsion, items 5-7 of MODEL-NANOCRYSTALS.md §2): the seed's numbers, the
observables defined on a PL-peak trace, and the well-mixed (0D) form of the solver's expulsion
equations used as a fast surrogate for the calibration's starting point.

Observables (the seed's wording, ``/work/shared/seeds/003_79292b6190e462ff.txt``):

- "segregation complete" (lines 61-66: "completes within ≈10 min ... shifts from ≈626 nm to
  ≈505 nm, indicating the formation of CsPbBr3"): the end point is the pure-Br emission, so the
  time is the first time the PL peak has covered ``FRACTION_DONE`` = 90 % of the shift from the
  mixed peak λ_0 to the CsPbBr3 peak λ_A, i.e. λ ≤ λ_A + 0.1 (λ_0 − λ_A);
- "recovery" (lines 64-68: "recovery of mixed phase", "gets to a stable value after ≈25 min")
  and "remixed" after a heater step (lines 70, 79-81: "shifts back to the mixed phase"): the first
  time after the light is switched off (or the heater switched) at which the peak is back within
  10 % of that shift of the mixed value, λ ≥ λ_0 − 0.1 (λ_0 − λ_A).

The same 10 % band both ways. The project's Br/I emission law (seed 004 line 78) puts y = 0.4 at
618.3 nm and CsPbBr3 at 512.3 nm (seed 003: 626 and 505 nm), so shifts and fractions are
compared, not wavelengths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from solver.analysis.spectroscopy import emission_for
from solver.model.reactions import arrhenius_factor

#: 0.1 band: "complete" = 90 % of the shift to CsPbBr3; "mixed" = back within 10 % of it.
FRACTION_DONE = 0.9
#: [K] seed 003's room temperature ≈23-24 °C (line 61) and ≈35 °C (line 66).
T_ROOM_K = 296.65
T_HOT_K = 308.15
#: [-] Br fraction of CsPbBr1.2I1.8 (line 59).
Y_MIXED = 0.4
#: [nm] seed 003's cube edge (line 59).
EDGE_NM = 23.0
#: [W/cm²] seed 003's excitation (line 61).
IRRADIANCE_W_PER_CM2 = 50.0

#: Seed 003's numbers: (value, unit, line). Temperatures approximate (line 120).
SEED = {
    "segregation_room_s": (600.0, "s", "003 line 64 (≈10 min at ≈23.5 °C)"),
    "recovery_room_s": (7200.0, "s", "003 line 64 (≈120 min in the dark)"),
    "segregation_hot_s": (90.0, "s", "003 line 66 (≈90 s at ≈35 °C)"),
    "recovery_hot_s": (1500.0, "s", "003 line 66 (≈25 min in the dark at ≈35 °C)"),
    "remix_heating_s": (4.0, "s", "003 line 70 (24 → 31 °C, remixed within ≈4 s under light)"),
    "remix_cooling_s": (8.0, "s", "003 line 70 (35 → 27 °C, remixed within ≈8 s under light)"),
    "pl_mixed_nm": (626.0, "nm", "003 line 64"),
    "pl_segregated_nm": (505.0, "nm", "003 line 64"),
}

#: Seed 003 Fig. 3 (lines 79-81): heater pulse trains (width_s, period_s) and the seed's verdict
#: after 180 s of light.
PULSE_TRAINS = (
    ("DC", 1.0, 1.0, "severe"),
    ("0.1/1", 0.1, 1.0, "severe"),
    ("0.5/5", 0.5, 5.0, "none"),
    ("1/10", 1.0, 10.0, "milder"),
    ("2/10", 2.0, 10.0, "milder"),
    ("5/10", 5.0, 10.0, "milder"),
)


@dataclass(frozen=True)
class PeakScale:
    """The emission law's mixed and CsPbBr3 peaks [nm] and the 10 % thresholds [nm]."""

    mixed_nm: float
    pure_a_nm: float

    @classmethod
    def br_i(cls, y_mixed: float = Y_MIXED) -> PeakScale:
        """From the Br/I law (seed 004 line 78)."""
        law = emission_for("Br/I")
        return cls(float(law.wavelength_nm(y_mixed)), float(law.wavelength_nm(1.0)))

    @property
    def shift_nm(self) -> float:
        return self.mixed_nm - self.pure_a_nm

    @property
    def segregated_threshold_nm(self) -> float:
        """λ at which segregation counts as complete (90 % of the shift)."""
        return self.pure_a_nm + (1.0 - FRACTION_DONE) * self.shift_nm

    @property
    def mixed_threshold_nm(self) -> float:
        """λ above which the crystal counts as mixed again (within 10 % of the shift)."""
        return self.mixed_nm - (1.0 - FRACTION_DONE) * self.shift_nm

    def shift_fraction(self, pl_nm):
        """(λ_0 − λ)/(λ_0 − λ_A) [-]: 0 mixed, 1 pure CsPbBr3."""
        return (self.mixed_nm - np.asarray(pl_nm, float)) / self.shift_nm


def crossing_time_s(t_s, pl_nm, threshold_nm: float, *, after_s: float = 0.0,
                    rising: bool = False) -> float:
    """First time t ≥ ``after_s`` [s] at which the PL peak trace crosses ``threshold_nm``,
    counted from ``after_s`` (linear interpolation between samples); inf if it never does.

    Args:
        t_s, pl_nm: (N,) sample times [s] and PL peaks [nm], t increasing.
        rising: True for a return to red (λ ≥ threshold: remixing), False for a blue shift
            (λ ≤ threshold: segregation).
    """
    t = np.asarray(t_s, float)
    s = np.asarray(pl_nm, float) - threshold_nm
    if not rising:
        s = -s
    keep = t >= after_s
    t, s = t[keep], s[keep]
    hit = np.nonzero(s >= 0.0)[0]
    if hit.size == 0:
        return float("inf")
    i = int(hit[0])
    if i == 0:
        return 0.0
    t_cross = t[i - 1] + (t[i] - t[i - 1]) * (-s[i - 1]) / (s[i] - s[i - 1])
    return float(t_cross - after_s)


@dataclass(frozen=True)
class WellMixed:
    """The solver's expulsion equations for a crystal whose interior is uniform (bulk halide
    diffusion fast against the surface reactions: R²/D ≈ 1e-3 s here), per unit volume:
    dx_V/dt = (S/V)(r_out − r_in), dθ/dt = r_out − r_in (no loss, no capacity), with
    r_out = k_out(T) s(t) x_B, r_in = k_in(T) θ x_V, x_B = 1 − x_A − x_V and x_A fixed
    (solver/physics/surfaces.py ``expulsion_rates``; docs/case_format.md, "Surfaces").

    Attributes:
        k_out_um_per_s: light expulsion rate at T_ref under the run's light, k_light n/n_ref
            [µm/s]; E_out_eV: its activation [eV]; k_in_per_s, E_in_eV: refill [1/s], [eV];
        T_ref_K: [K]; area_per_um: S/V = 6/edge [1/µm]; y0: initial composition [-].
    """

    k_out_um_per_s: float
    E_out_eV: float
    k_in_per_s: float
    E_in_eV: float
    T_ref_K: float = T_ROOM_K
    area_per_um: float = 6.0 / (EDGE_NM * 1e-3)
    y0: float = Y_MIXED

    def rates_per_s(self, T_K: float) -> tuple[float, float]:
        """(k_out S/V [1/s], k_in [1/s]) at ``T_K``."""
        return (self.k_out_um_per_s * self.area_per_um
                * arrhenius_factor(self.E_out_eV, self.T_ref_K, T_K),
                self.k_in_per_s * arrhenius_factor(self.E_in_eV, self.T_ref_K, T_K))

    def trace(self, T_K: float, light_s: float, dark_s: float, n: int = 4001):
        """Light for ``light_s`` then dark for ``dark_s`` at constant ``T_K``: times (M,) [s]
        and the composition y (M,) [-] (scipy LSODA, rtol 1e-9)."""
        a, k_in = self.rates_per_s(T_K)
        x_a = self.y0

        def rhs(_t, u, light):
            x_v, m = u  # m = θ S/V, the expelled B per unit volume [-]
            net = a * light * (1.0 - x_a - x_v) - k_in * m * x_v
            return [net, net]

        times, ys, state, t0 = [], [], [0.0, 0.0], 0.0
        for light, span in ((1.0, light_s), (0.0, dark_s)):
            if span <= 0:
                continue
            grid = np.linspace(t0, t0 + span, n)
            sol = solve_ivp(rhs, (t0, t0 + span), state, args=(light,), method="LSODA",
                            rtol=1e-9, atol=1e-13, t_eval=grid)
            times.append(sol.t)
            ys.append(x_a / (1.0 - sol.y[0]))
            state, t0 = list(sol.y[:, -1]), t0 + span
        return np.concatenate(times), np.concatenate(ys)
