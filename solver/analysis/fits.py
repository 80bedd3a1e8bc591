r"""The seeds' fits of time traces and profiles, for simulated or measured PL (numpy/scipy).

- :func:`fit_biexponential`: seed 004 line 91, k_I(t) = k01 e^{-k1 t} + k02 e^{-k2 t} (I-rich
  decay) and k_Br(t) = 1 - (k01 e^{-k1 t} + k02 e^{-k2 t}) (Br-rich rise), and the
  amplitude-weighted mean rate ⟨k_PR⟩ = (k01 k1 + k02 k2)/(k01 + k02) (line 100).
- :func:`fit_gaussian_profile`, :func:`diffusivity_from_width`, :func:`fit_width_growth`:
  seed 004 eq. 1 (line 115), the 1D point-source (heat-kernel) profile
  I_F(x, t) = I0/sqrt(4π D t) exp[-(x - x0)²/(4 D t)], i.e. a Gaussian of variance σ² = 2 D t
  along the line cut (line 117: a profile along the x axis of the 2D map, y fixed). A line cut
  through the centre of a 2D (or 3D) point-source profile is the same Gaussian in x with the
  same σ² = 2 D t (the kernel factorises over Cartesian axes); 2 d D t is the mean squared
  radius ⟨r²⟩ in d dimensions, not the variance along one axis.
- :func:`fit_arrhenius`: seed 004 lines 100, 117, k = k0 exp(-Ea/k_B T), weighted least squares
  of ln k on 1/(k_B T) with standard errors and covariance.
- :func:`turn_on_time`: seed 002 line 83, the time a trace first reaches "three standard
  deviations above the noise"; :func:`relative_times` (line 89: waiting times relative to
  the first particle); :func:`fit_sigmoid`: line 91, a sigmoid fit of one particle's rise
  giving the switching time τ.

Units: times in s, rates in 1/s, lengths in the unit of the input positions (µm for the seed's
maps; D then in µm²/s, 1 µm²/s = 1e-12 m²/s), temperatures in K, energies in eV.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from solver.constants import BOLTZMANN_EV_PER_K

__all__ = [
    "ArrheniusFit",
    "BiexponentialFit",
    "GaussianFit",
    "SigmoidFit",
    "WidthGrowthFit",
    "diffusivity_from_width",
    "fit_arrhenius",
    "fit_biexponential",
    "fit_gaussian_profile",
    "fit_sigmoid",
    "fit_width_growth",
    "logistic",
    "relative_times",
    "turn_on_time",
]


def _pair(x, y, name: str, minimum: int) -> tuple[np.ndarray, np.ndarray]:
    """Two 1D finite arrays of equal length >= minimum, or a one-line ValueError."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"{name}: two 1D arrays of the same length, got {x.shape} and {y.shape}")
    if x.size < minimum:
        raise ValueError(f"{name}: at least {minimum} points, got {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError(f"{name}: the data must be finite")
    return x, y


def _stderr(cov: np.ndarray) -> np.ndarray:
    return np.sqrt(np.abs(np.diag(cov)))


# --------------------------------------------------------------------------- biexponential
@dataclass
class BiexponentialFit:
    """k01 e^{-k1 t} + k02 e^{-k2 t} fitted to a trace (seed 004 line 91).

    Attributes:
        amplitudes: (k01, k02) [unit of the trace], fast component first.
        rates_per_s: (k1, k2) [1/s], k1 >= k2.
        offset: the constant c of the model (0 or 1 unless fitted).
        rising: True for the form c - (...) (Br-rich rise), False for c + (...) (I-rich decay).
        covariance: of (k01, k1, k02, k2[, c]).
        mean_rate_per_s: ⟨k⟩ = (k01 k1 + k02 k2)/(k01 + k02) [1/s] (seed 004 line 100).
        mean_rate_stderr_per_s: its standard error (first-order propagation of the covariance).
    """

    amplitudes: tuple[float, float]
    rates_per_s: tuple[float, float]
    offset: float
    rising: bool
    covariance: np.ndarray
    mean_rate_per_s: float
    mean_rate_stderr_per_s: float

    def __call__(self, t_s):
        """The fitted model at times ``t_s`` [s]."""
        t = np.asarray(t_s, dtype=float)
        (a1, a2), (k1, k2) = self.amplitudes, self.rates_per_s
        decay = a1 * np.exp(-k1 * t) + a2 * np.exp(-k2 * t)
        return self.offset - decay if self.rising else self.offset + decay


def _biexp_seed(t, y, sign, offset):
    """Best (k1 > k2) on a 40-point log grid by variable projection (the amplitudes, and the
    offset if free, solved linearly for every pair at once), as the start of the fit."""
    span = t.max() - t.min()
    dt = np.min(np.diff(np.unique(t)))
    rates = np.geomspace(0.3 / span, 3.0 / dt, 40)
    i1, i2 = np.tril_indices(rates.size, -1)  # k1 = rates[i1] > k2 = rates[i2]
    E = np.exp(-np.outer(rates, t))
    X = np.stack([E[i1], E[i2]], axis=2)  # (pairs, n, 2)
    rhs = sign * y
    if offset is None:
        X = np.concatenate([X, np.ones((i1.size, t.size, 1))], axis=2)
    else:
        rhs = rhs - sign * offset
    G = np.einsum("pnm,pnk->pmk", X, X)  # normal equations, (pairs, m, m)
    coef = np.linalg.solve(G, np.einsum("pnm,n->pm", X, rhs)[..., None])[..., 0]
    resid = np.sum((np.einsum("pnm,pm->pn", X, coef) - rhs) ** 2, axis=1)
    b = int(np.argmin(resid))
    return (rates[i1[b]], rates[i2[b]], *coef[b])


def fit_biexponential(t_s, signal, *, rising: bool = False,
                      fit_offset: bool = False) -> BiexponentialFit:
    """Fit seed 004's biexponential (line 91) and its mean rate ⟨k⟩ (line 100).

    Model: ``signal = c + (k01 e^{-k1 t} + k02 e^{-k2 t})`` (``rising=False``, the I-rich
    fraction k_I; c = 0) or ``signal = c - (k01 e^{-k1 t} + k02 e^{-k2 t})`` (``rising=True``,
    the Br-rich fraction k_Br; c = 1), with c fitted when ``fit_offset`` (a saturating yield,
    not in the seed's form). Start from the best pair of a 40-point log grid of rates between
    0.3/(time span) and 3/(smallest step) (amplitudes solved linearly), then
    scipy.optimize.curve_fit with rates >= 0.

    Args:
        t_s: times [s], shape (n,), n >= 5 (6 with fit_offset).
        signal: the trace, shape (n,) (e.g. an unmixed fraction).

    Returns:
        :class:`BiexponentialFit`.

    Raises:
        ValueError: bad shapes, too few points, non-finite data, or no convergence.
    """
    t, y = _pair(t_s, signal, "fit_biexponential", 6 if fit_offset else 5)
    sign = -1.0 if rising else 1.0
    c_fixed = None if fit_offset else (1.0 if rising else 0.0)
    k1, k2, a1, a2, *rest = _biexp_seed(t, y, sign, c_fixed)

    def model(tt, a1, k1, a2, k2, c=c_fixed):
        return c + sign * (a1 * np.exp(-k1 * tt) + a2 * np.exp(-k2 * tt))

    p0 = [a1, k1, a2, k2] + ([sign * rest[0]] if fit_offset else [])
    lower = [-np.inf, 0.0, -np.inf, 0.0] + ([-np.inf] if fit_offset else [])
    try:
        p, cov = curve_fit(model, t, y, p0=p0, bounds=(lower, np.inf), maxfev=20000)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"fit_biexponential: no convergence ({exc})") from None
    order = [0, 1, 2, 3] if p[1] >= p[3] else [2, 3, 0, 1]
    order += [4] if fit_offset else []
    p, cov = p[order], cov[np.ix_(order, order)]
    a1, k1, a2, k2 = p[:4]
    mean = (a1 * k1 + a2 * k2) / (a1 + a2)
    grad = np.array([(k1 - mean), a1, (k2 - mean), a2]) / (a1 + a2)
    var = float(grad @ cov[:4, :4] @ grad)
    return BiexponentialFit((float(a1), float(a2)), (float(k1), float(k2)),
                            float(p[4]) if fit_offset else float(c_fixed), rising, cov,
                            float(mean), math.sqrt(abs(var)))


# --------------------------------------------------------------------------- Gaussian halo
@dataclass
class GaussianFit:
    """h exp(-(x - x0)²/(2σ²)) + b fitted to a profile (seed 004 eq. 1, line 115).

    Attributes:
        height: h [unit of the profile]; seed 004's I0 = h sqrt(2π) σ (then I0/sqrt(4πDt)
            with 2 D t = σ²).
        centre: x0 [unit of x].
        sigma: σ > 0 [unit of x].
        baseline: b (0 unless fitted).
        covariance: of (h, x0, σ[, b]).
        stderr: standard errors of (h, x0, σ[, b]).
    """

    height: float
    centre: float
    sigma: float
    baseline: float
    covariance: np.ndarray
    stderr: np.ndarray


def fit_gaussian_profile(x, profile, *, fit_baseline: bool = False) -> GaussianFit:
    """Least-squares Gaussian fit of a profile (seed 004 eq. 1 at one time, line 115), started
    from the profile's moments (scipy.optimize.curve_fit).

    Args:
        x: positions, shape (n,), n >= 4 (5 with fit_baseline) [µm or any length].
        profile: values at x, shape (n,), with a positive maximum above the baseline.
        fit_baseline: fit a constant background b (e.g. the unchanged film around the halo).

    Returns:
        :class:`GaussianFit`.

    Raises:
        ValueError: bad shapes, too few points, non-finite data, no positive peak, or no
            convergence.
    """
    xx, y = _pair(x, profile, "fit_gaussian_profile", 5 if fit_baseline else 4)
    b0 = float(np.min(y)) if fit_baseline else 0.0
    w = np.clip(y - b0, 0.0, None)
    if not w.sum() > 0:
        raise ValueError("fit_gaussian_profile: the profile has no positive peak")
    mu = float(np.sum(w * xx) / w.sum())
    sd = float(np.sqrt(np.sum(w * (xx - mu) ** 2) / w.sum())) or float(np.ptp(xx)) / 4

    def model(t, h, x0, s, b=0.0):
        return h * np.exp(-0.5 * ((t - x0) / s) ** 2) + b

    p0 = [float(np.max(y)) - b0, mu, sd] + ([b0] if fit_baseline else [])
    lower = [-np.inf, -np.inf, 0.0] + ([-np.inf] if fit_baseline else [])
    try:
        p, cov = curve_fit(model, xx, y, p0=p0, bounds=(lower, np.inf), maxfev=20000)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"fit_gaussian_profile: no convergence ({exc})") from None
    return GaussianFit(float(p[0]), float(p[1]), float(p[2]),
                       float(p[3]) if fit_baseline else 0.0, cov, _stderr(cov))


def diffusivity_from_width(sigma, t_s: float, sigma0: float = 0.0) -> float:
    """D = (σ² - σ0²)/(2 t) from one Gaussian width (seed 004 eq. 1, line 115; its t is
    1/⟨k⟩ or the PL lifetime, line 117) [unit of σ² per s].

    Raises:
        ValueError: t <= 0 or σ < 0.
    """
    if not t_s > 0 or not sigma >= 0:
        raise ValueError("diffusivity_from_width: t_s > 0 and sigma >= 0")
    return (float(sigma) ** 2 - float(sigma0) ** 2) / (2.0 * float(t_s))


@dataclass
class WidthGrowthFit:
    """σ² = σ0² + 2 D t fitted to widths at several times.

    Attributes:
        D: diffusivity [unit of σ² per s] (µm²/s for widths in µm).
        D_stderr: its standard error.
        sigma0_sq: σ0², the initial variance [unit of σ²].
        sigma0_sq_stderr: its standard error.
        covariance: of (σ0², D).
    """

    D: float
    D_stderr: float
    sigma0_sq: float
    sigma0_sq_stderr: float
    covariance: np.ndarray


def fit_width_growth(t_s, sigma, sigma_stderr=None) -> WidthGrowthFit:
    """Weighted least squares of σ² = σ0² + 2 D t (the growth of the variance of a point-source
    profile along one axis, seed 004 eq. 1, line 115, at several times).

    Args:
        t_s: times [s], shape (n,), n >= 2 (3 without sigma_stderr).
        sigma: Gaussian widths at t_s, shape (n,) [µm or any length].
        sigma_stderr: their standard errors (shape (n,), > 0); then the errors of σ² are
            2 σ δσ and the covariance is absolute; without them it is scaled by the residual.

    Returns:
        :class:`WidthGrowthFit`.

    Raises:
        ValueError: bad shapes, too few points, or non-positive errors.
    """
    t, s = _pair(t_s, sigma, "fit_width_growth", 2 if sigma_stderr is not None else 3)
    err = None
    if sigma_stderr is not None:
        ds = np.asarray(sigma_stderr, dtype=float)
        if ds.shape != s.shape or not np.all(ds > 0):
            raise ValueError("sigma_stderr: one positive error per width")
        err = 2.0 * np.abs(s) * ds
    p, cov = curve_fit(lambda tt, s0, D: s0 + 2.0 * D * tt, t, s**2, p0=[s[0] ** 2, 1.0],
                       sigma=err, absolute_sigma=err is not None)
    se = _stderr(cov)
    return WidthGrowthFit(float(p[1]), float(se[1]), float(p[0]), float(se[0]), cov)


# --------------------------------------------------------------------------- Arrhenius
@dataclass
class ArrheniusFit:
    """k = k0 exp(-Ea/(k_B T)) fitted by weighted least squares of ln k on 1/(k_B T).

    Attributes:
        Ea_eV: activation energy [eV]; Ea_stderr_eV its standard error.
        prefactor: k0 [unit of the rates]; prefactor_stderr = k0 · se(ln k0) (first order).
        ln_prefactor: ln k0; ln_prefactor_stderr its standard error.
        covariance: of (Ea_eV, ln k0).
        dof: degrees of freedom n - 2.
    """

    Ea_eV: float
    Ea_stderr_eV: float
    prefactor: float
    prefactor_stderr: float
    ln_prefactor: float
    ln_prefactor_stderr: float
    covariance: np.ndarray
    dof: int

    def rate(self, T_K):
        """k0 exp(-Ea/(k_B T)) at ``T_K`` [unit of the rates]."""
        return self.prefactor * np.exp(-self.Ea_eV / (BOLTZMANN_EV_PER_K * np.asarray(T_K)))


def fit_arrhenius(T_K, rate, rate_stderr=None) -> ArrheniusFit:
    """Arrhenius fit, ln k = ln k0 - Ea · 1/(k_B T) (seed 004 lines 100, 117), by weighted
    least squares (scipy.optimize.curve_fit, linear model).

    Args:
        T_K: temperatures [K], shape (n,), > 0.
        rate: rates (or diffusivities) at T_K, shape (n,), > 0 [any unit].
        rate_stderr: their standard errors (shape (n,), > 0): weights 1/σ_ln k with
            σ_ln k = δk/k, absolute covariance (n >= 2). Without them: equal weights,
            covariance scaled by the residual variance (n >= 3).

    Returns:
        :class:`ArrheniusFit`.

    Raises:
        ValueError: bad shapes, too few points, a non-positive T, rate or error.
    """
    T, k = _pair(T_K, rate, "fit_arrhenius", 2 if rate_stderr is not None else 3)
    if not (np.all(T > 0) and np.all(k > 0)):
        raise ValueError("fit_arrhenius: temperatures and rates must be > 0")
    sig = None
    if rate_stderr is not None:
        dk = np.asarray(rate_stderr, dtype=float)
        if dk.shape != k.shape or not np.all(dk > 0):
            raise ValueError("rate_stderr: one positive error per rate")
        sig = dk / k
    beta = 1.0 / (BOLTZMANN_EV_PER_K * T)
    lnk = np.log(k)
    slope, icpt = np.polyfit(beta, lnk, 1)
    p, cov = curve_fit(lambda b, Ea, lnk0: lnk0 - Ea * b, beta, lnk, p0=[-slope, icpt],
                       sigma=sig, absolute_sigma=sig is not None)
    se = _stderr(cov)
    k0 = math.exp(p[1])
    return ArrheniusFit(float(p[0]), float(se[0]), k0, k0 * float(se[1]), float(p[1]),
                        float(se[1]), cov, T.size - 2)


# --------------------------------------------------------------------------- turn-on, sigmoid
def turn_on_time(t_s, signal, *, baseline_until_s: float, n_sigma: float = 3.0,
                 consecutive: int = 1, interpolate: bool = True):
    """Time a trace first reaches mean + n_sigma · std of its baseline (seed 002 line 83:
    "three standard deviations above the noise").

    The baseline is the samples with t <= ``baseline_until_s``; the turn-on is the first later
    sample that starts a run of ``consecutive`` samples above the threshold (1 = the seed's
    rule; more guards against single noise spikes), refined by linear interpolation between
    it and the sample before (``interpolate=False``: the time of that sample itself, i.e. the
    frame on which a microscope sees the crossing; solver/ensemble uses this).

    Args:
        t_s: times [s], shape (n,), increasing.
        signal: shape (n,) for one trace or (n_traces, n) for many (e.g. particles).
        baseline_until_s: end of the baseline window [s]; it must hold >= 2 samples.
        n_sigma: threshold in baseline standard deviations (3: seed 002).
        consecutive: samples in a row above the threshold (>= 1).
        interpolate: refine the crossing between samples (True) or return the sample's time.

    Returns:
        The turn-on time(s) [s]: a float, or shape (n_traces,); nan where never reached.

    Raises:
        ValueError: bad shapes, t not increasing, fewer than 2 baseline samples, consecutive < 1.
    """
    t = np.asarray(t_s, dtype=float)
    Y = np.asarray(signal, dtype=float)
    one = Y.ndim == 1
    Y = np.atleast_2d(Y)
    if t.ndim != 1 or Y.ndim != 2 or Y.shape[1] != t.size or t.size == 0:
        raise ValueError("turn_on_time: t_s (n,), signal (n,) or (n_traces, n)")
    if np.any(np.diff(t) <= 0):
        raise ValueError("turn_on_time: t_s must be increasing")
    base = t <= baseline_until_s
    if base.sum() < 2 or consecutive < 1:
        raise ValueError("turn_on_time: >= 2 baseline samples and consecutive >= 1 needed")
    thr = Y[:, base].mean(axis=1) + n_sigma * Y[:, base].std(axis=1, ddof=1)
    first = int(np.argmin(base))  # first sample after the baseline
    out = np.full(Y.shape[0], np.nan)
    if base.all():
        return float(out[0]) if one else out
    for r, (y, th) in enumerate(zip(Y, thr, strict=True)):
        above = np.concatenate([y[first:] > th, np.zeros(consecutive - 1, bool)])
        run = np.lib.stride_tricks.sliding_window_view(above, consecutive).all(axis=1)
        hits = np.flatnonzero(run)
        if hits.size == 0:
            continue
        i = first + hits[0]
        if not interpolate:
            out[r] = t[i]
            continue
        y0, y1 = y[i - 1], y[i]
        f = (th - y0) / (y1 - y0) if y1 != y0 else 1.0
        out[r] = t[i - 1] + min(max(f, 0.0), 1.0) * (t[i] - t[i - 1])
    return float(out[0]) if one else out


def relative_times(times_s) -> np.ndarray:
    """Times relative to the earliest (seed 002 line 89: the first particle to turn on has
    waiting time 0); nan entries (never turned on) stay nan.

    Raises:
        ValueError: no finite time.
    """
    t = np.asarray(times_s, dtype=float)
    if not np.any(np.isfinite(t)):
        raise ValueError("relative_times: no finite time")
    return t - np.nanmin(t)


@dataclass
class SigmoidFit:
    """low + (high - low)/(1 + exp(-(t - t_mid)/τ)) fitted to one rise.

    Attributes:
        t_mid_s: half-rise time [s].
        tau_s: switching time τ [s] (> 0 for a rise); the 10-90 % rise time is 2 ln 9 · τ.
        low, high: the plateaus [unit of the trace].
        covariance: of (low, amplitude = high - low, t_mid, τ) (the fitted parameters).
        stderr: standard errors of (low, amplitude, t_mid, τ).
    """

    t_mid_s: float
    tau_s: float
    low: float
    high: float
    covariance: np.ndarray
    stderr: np.ndarray

    @property
    def rise_10_90_s(self) -> float:
        """Time from 10 % to 90 % of the step, 2 ln 9 · τ [s]."""
        return 2.0 * math.log(9.0) * self.tau_s


def logistic(t, low, amplitude, t_mid, tau):
    """low + amplitude / (1 + exp(-(t - t_mid)/tau)), overflow-safe (the exponent is clipped at
    ±700); the model of :func:`fit_sigmoid`."""
    z = np.clip(-(np.asarray(t, float) - t_mid) / tau, -700.0, 700.0)
    return low + amplitude / (1.0 + np.exp(z))


def _logistic_jac(t, low, amplitude, t_mid, tau):
    """Jacobian of :func:`logistic` with respect to (low, amplitude, t_mid, tau): (n, 4)."""
    t = np.asarray(t, float)
    z = np.clip(-(t - t_mid) / tau, -700.0, 700.0)
    s = 1.0 / (1.0 + np.exp(z))
    ds = s * (1.0 - s)  # d s / d((t - t_mid)/tau)
    return np.column_stack([np.ones_like(s), s, -amplitude * ds / tau,
                            -amplitude * ds * (t - t_mid) / tau**2])


def _sigmoid_start(t, y) -> tuple[float, float, float, float]:
    """Start (low, amplitude, t_mid, tau) from a k-point moving average (k = n/20, 1..5): the
    plateaus are the medians of the first and last 5 % of samples, t_mid the middle of the 25 %
    and 75 % crossings, tau their distance / (2 ln 3) (exact for a logistic), at least the first
    step."""
    k = max(1, min(5, t.size // 20))
    smooth = np.convolve(y, np.ones(k) / k, mode="same")
    edge = max(k, t.size // 20)
    lo, hi = float(np.median(y[:edge])), float(np.median(y[-edge:]))
    span = hi - lo
    if not span > 0:
        raise ValueError("fit_sigmoid: the trace does not rise (last plateau <= first)")
    i25 = int(np.argmax(smooth > lo + 0.25 * span))
    i75 = int(np.argmax(smooth > lo + 0.75 * span))
    tau0 = max(float(t[1] - t[0]), (t[i75] - t[i25]) / (2.0 * math.log(3.0)))
    return lo, span, 0.5 * float(t[i25] + t[i75]), tau0


def fit_sigmoid(t_s, signal, *, window_taus: float | None = None) -> SigmoidFit:
    """Logistic fit of a particle's intensity rise (seed 002 line 91: "a sigmoidal function"
    giving the switching time τ; the seed does not write its form, so τ is defined here as the
    logistic time constant, :func:`logistic`). Started from :func:`_sigmoid_start` (plateaus,
    25 %/75 % crossings of a smoothed trace); Levenberg-Marquardt (scipy.optimize.curve_fit,
    analytic Jacobian). A fit that ends falling (high <= low) or with τ <= 0 is no rise.

    Args:
        t_s: times [s], shape (n,), increasing, n >= 5.
        signal: the trace, shape (n,), rising (for a fall, fit -signal).
        window_taus: fit only the samples with |t - t_mid| <= max(window_taus τ0, 30 Δt) around
            the start's midpoint (the rise and its two plateaus: a long trace's noise then does
            not outweigh the rise; solver/ensemble uses 15); None: the whole trace.

    Returns:
        :class:`SigmoidFit`.

    Raises:
        ValueError: bad shapes, too few points, non-finite data, a trace that does not rise, or
            no convergence.
    """
    t, y = _pair(t_s, signal, "fit_sigmoid", 5)
    if np.any(np.diff(t) <= 0):
        raise ValueError("fit_sigmoid: t_s must be increasing")
    p0 = _sigmoid_start(t, y)
    sel = slice(None)
    if window_taus is not None:
        sel = np.abs(t - p0[2]) <= max(window_taus * p0[3], 30.0 * float(t[1] - t[0]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            p, cov = curve_fit(logistic, t[sel], y[sel], p0=p0, jac=_logistic_jac, method="lm",
                               maxfev=2000)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"fit_sigmoid: no convergence ({exc})") from None
    if not (p[1] > 0 and p[3] > 0):
        raise ValueError("fit_sigmoid: the fit does not rise (amplitude or tau <= 0)")
    return SigmoidFit(float(p[2]), float(p[3]), float(p[0]), float(p[0] + p[1]), cov,
                      _stderr(cov))
