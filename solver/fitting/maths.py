r"""Residuals, parameter scaling and the linearised uncertainty of a least-squares fit.

Weighted residuals, with model values f_i(x), data d_i and their stated standard uncertainties
σ_i (i = 1 … m):

.. math:: r_i(x) = \frac{f_i(x) - d_i}{\sigma_i}, \qquad
          \mathrm{cost} = \tfrac12 \sum_i \rho(r_i^2), \qquad \chi^2 = \sum_i r_i^2

(ρ(s) = s for the linear loss, so cost = χ²/2).

The optimiser works on scaled parameters u (n of them): u = log10 x (``scale: log``) or
u = (x - x_min)/(x_max - x_min) (``scale: linear``). With J_ij = ∂r_i/∂u_j at the optimum, the
covariance of u is the Gauss–Newton one

.. math:: C_u = s^2 (J^\mathsf{T} J)^{-1}, \qquad
          s^2 = \begin{cases} 1 & \text{absolute σ (the stated uncertainties are trusted)}\\
                               \chi^2/(m-n) & \text{relative σ (= 2 cost/(m-n), linear loss)}
                \end{cases}

(as ``scipy.optimize.curve_fit`` with ``absolute_sigma`` true/false). (JᵀJ)⁻¹ is taken through
the SVD of J; a singular value below ε·max(m, n)·s_max makes the fit non-identifiable and the
covariance infinite. Standard errors are SE(u_j) = √C_jj, the correlation is
C_jk / (SE_j SE_k); in the physical parameter (first order, delta method)
SE(x) = |dx/du| SE(u) with dx/du = x ln 10 (log) or x_max - x_min (linear); the
correlation is the same for x and u. Pure numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Scale", "Uncertainty", "uncertainty", "weighted_residuals"]


def weighted_residuals(model: np.ndarray, data: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """r = (model - data) / sigma (all arrays of the same length, sigma > 0)."""
    model, data, sigma = (np.asarray(a, dtype=float) for a in (model, data, sigma))
    if not (model.shape == data.shape == sigma.shape):
        raise ValueError(f"shapes differ: model {model.shape}, data {data.shape}, "
                         f"sigma {sigma.shape}")
    if not np.all(sigma > 0):
        raise ValueError("sigma must be > 0")
    return (model - data) / sigma


@dataclass(frozen=True)
class Scale:
    """Map between a physical parameter x and the scaled u the optimiser sees."""

    kind: str  # "log" | "linear"
    lo: float  # physical bounds
    hi: float

    def to_u(self, x: float) -> float:
        """u(x)."""
        if self.kind == "log":
            return math.log10(x)
        return (x - self.lo) / (self.hi - self.lo)

    def to_x(self, u: float) -> float:
        """x(u)."""
        if self.kind == "log":
            return 10.0 ** u
        return self.lo + u * (self.hi - self.lo)

    def dx_du(self, u: float) -> float:
        """dx/du at u."""
        if self.kind == "log":
            return self.to_x(u) * math.log(10.0)
        return self.hi - self.lo

    @property
    def u_bounds(self) -> tuple[float, float]:
        """Bounds of u."""
        return self.to_u(self.lo), self.to_u(self.hi)


@dataclass(frozen=True)
class Uncertainty:
    """Linearised uncertainty of a fit (see the module docstring).

    Attributes:
        cov_u: covariance of the scaled parameters (n × n); inf if not identifiable.
        se_u: standard errors of u.
        correlation: n × n correlation matrix (nan if not identifiable).
        s2: the variance factor s² used.
        chi2: Σ r².
        dof: m - n.
        rank: numerical rank of J.
    """

    cov_u: np.ndarray
    se_u: np.ndarray
    correlation: np.ndarray
    s2: float
    chi2: float
    dof: int
    rank: int


def uncertainty(jac: np.ndarray, residuals: np.ndarray, absolute_sigma: bool = True
                ) -> Uncertainty:
    """Covariance, standard errors and correlation of u from J = ∂r/∂u and r at the optimum.

    Raises:
        ValueError: if m <= n with ``absolute_sigma`` false (s² undefined), shapes differ, or
            J or r has a non-finite entry (a fit with an infinite or NaN cost has no
            uncertainty: it failed).
    """
    jac = np.atleast_2d(np.asarray(jac, dtype=float))
    r = np.asarray(residuals, dtype=float).ravel()
    m, n = jac.shape
    if r.size != m:
        raise ValueError(f"{r.size} residuals but J has {m} rows")
    if not (np.all(np.isfinite(jac)) and np.all(np.isfinite(r))):
        raise ValueError("J and r must be finite (the fit failed)")
    with np.errstate(over="ignore"):
        chi2 = float(r @ r)
    if not np.isfinite(chi2):
        raise ValueError("chi2 = Σ r² overflows (the fit failed)")
    dof = m - n
    if absolute_sigma:
        s2 = 1.0
    elif dof > 0:
        s2 = chi2 / dof
    else:
        raise ValueError(f"relative sigma needs more data than parameters (m = {m}, n = {n})")
    _, sv, vt = np.linalg.svd(jac, full_matrices=False)
    keep = sv > np.finfo(float).eps * max(m, n) * (sv[0] if sv.size else 0.0)
    rank = int(keep.sum())
    if rank < n:
        cov = np.full((n, n), np.inf)
        corr = np.full((n, n), np.nan)
        return Uncertainty(cov, np.full(n, np.inf), corr, s2, chi2, dof, rank)
    cov = s2 * (vt.T / sv**2) @ vt
    se = np.sqrt(np.diag(cov))
    corr = cov / np.outer(se, se)
    return Uncertainty(cov, se, corr, s2, chi2, dof, rank)
