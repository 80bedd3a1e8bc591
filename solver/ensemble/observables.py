r"""What seed 002's microscope records of one particle, and the seed's own analysis of it.

**Emission.** The PL peak of CsPb(Br_y Cl_1-y)3 is the project's Br/Cl law
(:class:`solver.pl.model.EmissionModel`: E(y) = y E_Br + (1-y) E_Cl - b y(1-y), end points 526 and
420 nm from seed 001 Fig. 1b, b = 0 after Yin, Yan & Wei 2014), optionally shifted by quantum
confinement across the platelet thickness L (``confinement="slab"``): the ground state of an
exciton in an infinite well of width L,

.. math:: \Delta E = \frac{\hbar^2 \pi^2}{2 \mu L^2},\qquad
          \mu(y) = y\,\mu_{Br} + (1-y)\,\mu_{Cl},

with the reduced exciton masses µ_Br = 0.126 m_e and µ_Cl = 0.202 m_e (magneto-absorption, Z. Yang
et al., ACS Energy Lett. 2, 1621 (2017); the values docs/nanocrystals.md also uses). It neglects
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

**Analysis** (seed 002 lines 83-91):

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

from solver.pl.model import HC_EV_NM, EmissionModel

__all__ = [
    "HBAR2_OVER_2ME_EV_NM2",
    "Optics",
    "TraceAnalysis",
    "analyse_traces",
    "confinement_shift_eV",
    "fit_inverse",
    "fit_sigmoid",
    "inverse_law",
    "logistic",
    "turn_on_indices",
]

HBAR2_OVER_2ME_EV_NM2 = 0.0380998212  # [eV nm²] ħ² / (2 m_e) (CODATA 2018)
MU_BR_ME, MU_CL_ME = 0.126, 0.202  # reduced exciton masses [m_e], Z. Yang et al. 2017
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
_BR_CL_BULK = EmissionModel()  # 526 / 420 nm, no bowing (seed 001 Fig. 1b)


def confinement_shift_eV(y, thickness_nm):
    """ħ²π²/(2 µ(y) L²) [eV] (module docstring), arrays broadcast together."""
    y = np.asarray(y, dtype=float)
    mu = y * MU_BR_ME + (1.0 - y) * MU_CL_ME
    return HBAR2_OVER_2ME_EV_NM2 * math.pi**2 / (mu * np.asarray(thickness_nm, float) ** 2)


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
            E = E + confinement_shift_eV(y, thickness_nm)
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


def logistic(t, I0, A, t0, tau):
    """I0 + A / (1 + exp(-(t - t0)/tau)) (overflow-safe)."""
    z = np.clip(-(np.asarray(t, float) - t0) / tau, -700.0, 700.0)
    return I0 + A / (1.0 + np.exp(z))


def _logistic_jac(t, I0, A, t0, tau):
    """Jacobian of :func:`logistic` with respect to (I0, A, t0, tau): (len(t), 4)."""
    z = np.clip(-(np.asarray(t, float) - t0) / tau, -700.0, 700.0)
    s = 1.0 / (1.0 + np.exp(z))
    ds = s * (1.0 - s)  # d s / d((t - t0)/tau)
    return np.column_stack([np.ones_like(s), s, -A * ds / tau,
                            -A * ds * (np.asarray(t, float) - t0) / tau**2])


def turn_on_indices(traces, baseline_mask, n_sigma: float, persist: int) -> np.ndarray:
    """First frame of each trace starting ``persist`` frames above mean + n_sigma sd of its
    baseline frames; -1 where none. ``traces``: (P, G); returns (P,) int."""
    traces = np.asarray(traces, float)
    base = traces[:, baseline_mask]
    thr = base.mean(axis=1) + n_sigma * base.std(axis=1, ddof=1)
    above = (traces > thr[:, None]) & ~baseline_mask[None, :]
    run = np.cumsum(above, axis=1)
    run = np.concatenate([np.zeros((run.shape[0], 1), run.dtype), run], axis=1)
    ok = run[:, persist:] - run[:, :-persist] == persist  # frames j..j+persist-1 all above
    first = np.argmax(ok, axis=1)
    return np.where(ok.any(axis=1), first, -1)


def fit_sigmoid(t, trace) -> tuple[float, float]:
    """(t0, tau) of :func:`logistic` fitted to one trace [s]; (nan, nan) if the fit fails."""
    t = np.asarray(t, float)
    trace = np.asarray(trace, float)
    k = max(1, min(5, t.size // 20))
    smooth = np.convolve(trace, np.ones(k) / k, mode="same")
    lo, hi = np.median(trace[: max(k, t.size // 20)]), np.median(trace[-max(k, t.size // 20):])
    span = hi - lo
    if not span > 0:
        return math.nan, math.nan
    i25 = int(np.argmax(smooth > lo + 0.25 * span))
    i75 = int(np.argmax(smooth > lo + 0.75 * span))
    dt = t[1] - t[0]
    tau0 = max(dt, (t[i75] - t[i25]) / (2.0 * math.log(3.0)))
    p0 = (lo, span, 0.5 * (t[i25] + t[i75]), tau0)
    near = np.abs(t - p0[2]) <= max(15.0 * tau0, 30.0 * dt)  # the rise and its two plateaus
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            popt, _ = curve_fit(logistic, t[near], trace[near], p0=p0, jac=_logistic_jac,
                                method="lm", maxfev=2000)
    except (RuntimeError, ValueError):
        return math.nan, math.nan
    if not (popt[1] > 0 and popt[3] > 0):  # a falling or degenerate fit is no switch
        return math.nan, math.nan
    return float(popt[2]), float(popt[3])


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
    idx = turn_on_indices(traces, t_s < 0, optics.n_sigma, optics.persist_frames)
    on = np.where(idx >= 0, t_s[np.maximum(idx, 0)], math.nan)
    fits = np.full((len(on), 2), math.nan)
    for p in np.flatnonzero(idx >= 0):
        fits[p] = fit_sigmoid(t_s, traces[p])
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
