r"""What seed 002's microscope records of one particle, and the seed's own analysis of it.

**Emission.** The PL peak of CsPb(Br_y Cl_1-y)3 is the project's Br/Cl law
(:class:`solver.pl.model.EmissionModel`: E(y) = y E_Br + (1-y) E_Cl - b y(1-y), end points 526 and
420 nm from seed 001 Fig. 1b, b = 0 after Yin, Yan & Wei 2014), optionally shifted by quantum
confinement across the platelet thickness L (``confinement="slab"``): the ground state of an
exciton in an infinite well of width L,

.. math:: \Delta E = \frac{\hbar^2 \pi^2}{2 \mu L^2},\qquad
          \mu(y) = y\,\mu_{Br} + (1-y)\,\mu_{Cl},

with the reduced exciton masses µ_Br = 0.126 m_e and µ_Cl = 0.202 m_e (magneto-absorption, Z. Yang
et al., ACS Energy Lett. 2, 1621 (2017)); the shift and the masses are those of
:func:`solver.analysis.spectroscopy.confinement_shift_eV` and
:data:`~solver.analysis.spectroscopy.REDUCED_MASS_M0` (one implementation). It neglects
the finite barriers and the exciton binding: at 3-5 nm it gives 0.07-0.21 eV for CsPbCl3
(bracketing the seed's 398 nm, line 67) but 0.12-0.33 eV for CsPbBr3, bluer than the product's
505 nm (docs/nanocrystals.md, "Confinement"). Default ``"none"``.

**Detected intensity** of one particle (normalised to its value at the final composition):
a Gaussian line of FWHM ``linewidth_eV`` around E(y) (seed 002 line 67: 0.09-0.13 eV) seen through
a long-pass emission filter with its edge at ``filter_cut_on_nm`` ("an emission filter cuts off
emission from the CsPbCl3 NCs", line 69; the edge is not given: an assumption), times a
brightness growing linearly in y to ``brightness_ratio`` times that of CsPbCl3 (">30 times",
line 67):

.. math:: I(y) \propto [1 + (R-1)\,y]\;\Phi\!\left(\frac{E_{cut} - E(y)}{\sigma}\right),\quad
          \sigma = \mathrm{FWHM}/(2\sqrt{2\ln 2}).

Frames get Gaussian noise of standard deviation ``noise_relative`` (relative to the final
intensity).

**Analysis** (seed 002 lines 83-91), with the project's one implementation of the seed's
turn-on and sigmoid (:func:`solver.analysis.fits.turn_on_time`, ``interpolate=False``: the frame
on which the crossing is seen; :func:`solver.analysis.fits.fit_sigmoid`, ``window_taus=15``):

- *turn-on*: the first frame from which ``persist_frames`` frames in a row exceed the baseline
  mean by ``n_sigma`` (3) baseline standard deviations (line 83; the persistence guards against
  single noisy frames, 1.6 expected per 1200-frame trace at 3σ); the baseline is the frames
  before injection (t < 0);
- *relative waiting time*: turn-on time minus that of the first particle to turn on (line 89);
- *switching time* τ: the time constant of a logistic fitted to the whole trace (line 91),
  ``I(t) = I0 + A / (1 + exp(-(t - t0)/τ))``; its 10-90 % rise takes 2 ln 9 τ ≈ 4.39 τ;
- the concentration dependence of the means, fitted to ``a/(x + b) + c`` (line 87) with
  :func:`scipy.optimize.curve_fit`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit
from scipy.special import ndtr

from solver.analysis.fits import fit_sigmoid, logistic, turn_on_time
from solver.analysis.spectroscopy import REDUCED_MASS_M0, confinement_shift_eV, reduced_mass_m0
from solver.pl.model import HC_EV_NM, EmissionModel

__all__ = [
    "BR_CL_MASSES_M0",
    "SIGMOID_WINDOW_TAUS",
    "Optics",
    "TraceAnalysis",
    "analyse_traces",
    "fit_inverse",
    "inverse_law",
    "logistic",
    "slab_shift_eV",
]

#: Reduced exciton masses (µ at y = 1, µ at y = 0) [m_e]: CsPbBr3, CsPbCl3 (Z. Yang et al. 2017).
BR_CL_MASSES_M0 = (REDUCED_MASS_M0["CsPbBr3"], REDUCED_MASS_M0["CsPbCl3"])
#: The sigmoid is fitted within this many start time constants of the start's midpoint.
SIGMOID_WINDOW_TAUS = 15.0
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
_BR_CL_BULK = EmissionModel()  # 526 / 420 nm, no bowing (seed 001 Fig. 1b)


def slab_shift_eV(y, thickness_nm):
    """Confinement shift ħ²π²/(2 µ(y) L²) [eV] of a Br fraction y in a platelet of thickness L
    (:func:`solver.analysis.spectroscopy.confinement_shift_eV`, µ linear in y between
    :data:`BR_CL_MASSES_M0`); arrays broadcast together."""
    y = np.asarray(y, dtype=float)
    L = np.broadcast_to(np.asarray(thickness_nm, dtype=float), np.broadcast(y, thickness_nm).shape)
    return confinement_shift_eV(L, reduced_mass_m0(y, BR_CL_MASSES_M0))


@dataclass(frozen=True)
class Optics:
    """The microscope (module docstring; every default's source there).

    Attributes:
        frame_s: frame interval [s] (assumed: not in the seed's main text).
        window_s: observation after injection [s] (assumed, see docs/nanocrystals.md).
        baseline_s: frames recorded before injection [s].
        noise_relative: noise sd / final intensity [-].
        n_sigma: turn-on threshold in baseline sds (3, seed 002 line 83).
        persist_frames: frames in a row above the threshold for a turn-on.
        filter_cut_on_nm: long-pass filter edge [nm].
        linewidth_eV: PL FWHM [eV].
        brightness_ratio: CsPbBr3 / CsPbCl3 brightness [-].
        confinement: ``"none"`` or ``"slab"``.
        emission: the bulk Br/Cl law.
    """

    frame_s: float = 0.1
    window_s: float = 120.0
    baseline_s: float = 2.0
    noise_relative: float = 0.05
    n_sigma: float = 3.0
    persist_frames: int = 3
    filter_cut_on_nm: float = 450.0
    linewidth_eV: float = 0.11
    brightness_ratio: float = 30.0
    confinement: str = "none"
    emission: EmissionModel = _BR_CL_BULK

    def grid_s(self) -> np.ndarray:
        """Frame times [s], from -baseline_s to window_s."""
        n_before = round(self.baseline_s / self.frame_s)
        n_after = round(self.window_s / self.frame_s)
        return self.frame_s * np.arange(-n_before, n_after + 1)

    def energy_eV(self, y, thickness_nm):
        """PL peak energy [eV] of composition y in a platelet of the given thickness."""
        E = self.emission.energy_eV(y)
        if self.confinement == "slab":
            E = E + slab_shift_eV(y, thickness_nm)
        return E

    def wavelength_nm(self, y, thickness_nm):
        """PL peak wavelength [nm]."""
        return HC_EV_NM / self.energy_eV(y, thickness_nm)

    def intensity(self, y, thickness_nm, y_final):
        """Detected intensity relative to that at ``y_final`` (module docstring)."""
        def raw(yy):
            sigma = self.linewidth_eV / _FWHM_PER_SIGMA
            E_cut = HC_EV_NM / self.filter_cut_on_nm
            passed = ndtr((E_cut - self.energy_eV(yy, thickness_nm)) / sigma)
            return (1.0 + (self.brightness_ratio - 1.0) * np.asarray(yy, float)) * passed

        return raw(y) / raw(y_final)


@dataclass(frozen=True)
class TraceAnalysis:
    """Seed 002's analysis of the traces of one concentration (arrays of shape (P,), nan where a
    particle did not turn on within the window).

    Attributes:
        turn_on_s: turn-on time after injection [s].
        waiting_s: relative waiting time (turn-on minus the first turn-on) [s].
        switching_s: logistic τ [s].
        t0_s: logistic midpoint [s].
    """

    turn_on_s: np.ndarray
    waiting_s: np.ndarray
    switching_s: np.ndarray
    t0_s: np.ndarray

    @property
    def turned_on(self) -> int:
        """Particles that turned on."""
        return int(np.isfinite(self.turn_on_s).sum())

    def stats(self) -> dict:
        """Means, sds (the seed's error bars), medians and counts."""
        out = {"particles": int(self.turn_on_s.size), "turned_on": self.turned_on}
        for name, v in (("waiting", self.waiting_s), ("switching", self.switching_s)):
            v = v[np.isfinite(v)]
            out[f"{name}_mean_s"] = float(v.mean()) if v.size else math.nan
            out[f"{name}_sd_s"] = float(v.std(ddof=1)) if v.size > 1 else math.nan
            out[f"{name}_median_s"] = float(np.median(v)) if v.size else math.nan
            out[f"{name}_n"] = int(v.size)
        return out


def analyse_traces(t_s, traces, optics: Optics) -> TraceAnalysis:
    """Turn-on, relative waiting and switching times of every trace ((P, G) on ``t_s``)."""
    t_s = np.asarray(t_s, float)
    traces = np.atleast_2d(np.asarray(traces, float))
    on = turn_on_time(t_s, traces, baseline_until_s=-0.5 * optics.frame_s,
                      n_sigma=optics.n_sigma, consecutive=optics.persist_frames,
                      interpolate=False)
    fits = np.full((len(on), 2), math.nan)
    for p in np.flatnonzero(np.isfinite(on)):
        try:
            fit = fit_sigmoid(t_s, traces[p], window_taus=SIGMOID_WINDOW_TAUS)
        except ValueError:  # no rise, or no convergence: no switching time
            continue
        fits[p] = fit.t_mid_s, fit.tau_s
    first = np.nanmin(on) if np.isfinite(on).any() else math.nan
    return TraceAnalysis(on, on - first, fits[:, 1], fits[:, 0])


def inverse_law(x, a, b, c):
    """a / (x + b) + c (seed 002 line 87)."""
    return a / (np.asarray(x, float) + b) + c


def _profile_start(x, y, sigma) -> tuple[float, float, float]:
    """Start of the a/(x+b)+c fit: for fixed b the model is linear in (a, c), so scan b over
    (-min x, 100 max x) and keep the linear least-squares optimum (avoids crossing the pole)."""
    w = 1.0 / np.asarray(sigma, float) if sigma is not None else np.ones_like(y)
    span = x.max() - x.min() + 1.0
    grid = np.concatenate([-x.min() + span * np.geomspace(1e-4, 100.0, 400)])
    best = (math.inf, (1.0, 0.0, float(y.min())))
    for b in grid:
        M = np.column_stack([1.0 / (x + b), np.ones_like(x)]) * w[:, None]
        coef, *_ = np.linalg.lstsq(M, y * w, rcond=None)
        r = float(np.sum((M @ coef - y * w) ** 2))
        if r < best[0]:
            best = (r, (float(coef[0]), float(b), float(coef[1])))
    return best[1]


def fit_inverse(x, y, sigma=None, p0=None) -> dict:
    """Fit ``a/(x+b)+c`` with :func:`scipy.optimize.curve_fit`.

    Args:
        x: (n >= 3,) concentrations [µg/mL].
        y: (n,) mean times [s].
        sigma: (n,) standard errors of y (absolute); None: unweighted.
        p0: start (a, b, c); default: the best b of a scan with (a, c) solved linearly.

    Returns:
        ``{"a", "b", "c", "a_sd", "b_sd", "c_sd"}`` (sd from the covariance; nan if undefined,
        e.g. 3 points, no weights) or all nan if the fit fails.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if p0 is None:
        p0 = _profile_start(x, y, sigma)
    keys = ("a", "b", "c")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            popt, pcov = curve_fit(inverse_law, x, y, p0=p0, sigma=sigma,
                                   absolute_sigma=sigma is not None, maxfev=20000)
    except (RuntimeError, ValueError):
        return {k: math.nan for k in (*keys, *(f"{k}_sd" for k in keys))}
    sd = np.sqrt(np.clip(np.diag(pcov), 0.0, None)) if np.all(np.isfinite(pcov)) else [math.nan] * 3
    return {**dict(zip(keys, map(float, popt), strict=True)),
            **{f"{k}_sd": float(s) for k, s in zip(keys, sd, strict=True)}}
