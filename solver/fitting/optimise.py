r"""Bounded least squares with a forward-difference Jacobian whose points are evaluated together.

``scipy.optimize.least_squares`` (trust-region reflective, bounded) minimises
½ Σ ρ(r_i(u)²) over the scaled parameters u. Its Jacobian is ours:

.. math:: J_{ij} \approx \frac{r_i(u + s_j h\,e_j) - r_i(u)}{s_j h},

with h = ``diff_step`` (in u) and s_j = +1, or -1 where u_j + h would leave the upper bound.
The n shifted points of one Jacobian are handed to ``evaluate`` in one call, so that the model
runs behind them (one per point and experiment condition) run in parallel. Every residual
vector is memoised by the exact bytes of u, so the Jacobian reuses r(u) of the last residual
call and a final Jacobian at the optimum costs nothing extra if scipy already asked for it.

Guard: the optimiser never sees a non-finite residual or cost. A point whose residual vector
has a NaN/inf entry, or whose ½ Σ r² overflows, raises :class:`NonFiniteCost` (naming the point
and the rows) before scipy gets it; the fit is then reported as failed. (scipy itself stops
with a bare ``ValueError`` at a non-finite start and returns garbage from a non-finite
Jacobian.) Pure numpy/scipy; the model is behind ``evaluate``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

__all__ = ["LSQResult", "NonFiniteCost", "fit_least_squares", "forward_jacobian"]

Evaluate = Callable[[list[np.ndarray]], list[np.ndarray]]


class NonFiniteCost(ArithmeticError):
    """The residuals at a point are not all finite, or ½ Σ r² overflows.

    Attributes:
        u: the point (scaled parameters).
        rows: indices of the non-finite residuals (empty if only the sum overflowed).
    """

    def __init__(self, u: np.ndarray, residuals: np.ndarray, what: str | None = None) -> None:
        self.u = np.array(u, dtype=float)
        self.rows = np.flatnonzero(~np.isfinite(residuals))
        if what is None:
            what = (f"{self.rows.size} non-finite residual(s)" if self.rows.size
                    else "½ Σ r² overflows")
        super().__init__(f"{what} at u = {self.u.tolist()}")


def _finite_cost(u: np.ndarray, r: np.ndarray) -> float:
    """½ Σ r² of the residuals ``r`` at ``u``.

    Raises:
        NonFiniteCost: an entry of r is NaN/inf, or the sum overflows.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        cost = 0.5 * float(r @ r) if np.all(np.isfinite(r)) else float("nan")
    if not np.isfinite(cost):
        raise NonFiniteCost(u, r)
    return cost


@dataclass
class LSQResult:
    """Result of :func:`fit_least_squares` (u, residuals r and J = ∂r/∂u at the optimum)."""

    u: np.ndarray
    residuals: np.ndarray
    jac: np.ndarray
    cost: float
    nfev: int
    njev: int
    status: int
    message: str
    history: list[tuple[np.ndarray, float]] = field(default_factory=list)  # (u, ½ Σ r²)

    @property
    def success(self) -> bool:
        """True if a convergence criterion was met (status > 0; 0 = max_nfev reached)."""
        return self.status > 0


class _Memo:
    """r(u) memoised by the bytes of u; missing points evaluated in one batch."""

    def __init__(self, evaluate: Evaluate) -> None:
        self.evaluate = evaluate
        self.known: dict[bytes, np.ndarray] = {}
        self.history: list[tuple[np.ndarray, float]] = []

    def many(self, points: list[np.ndarray]) -> list[np.ndarray]:
        points = [np.array(p, dtype=float) for p in points]
        missing, seen = [], set()
        for p in points:
            key = p.tobytes()
            if key not in self.known and key not in seen:
                missing.append(p)
                seen.add(key)
        if missing:
            for p, r in zip(missing, self.evaluate(missing), strict=True):
                r = np.asarray(r, dtype=float)
                cost = _finite_cost(p, r)
                self.known[p.tobytes()] = r
                self.history.append((p, cost))
        return [self.known[p.tobytes()] for p in points]


def forward_jacobian(many: Evaluate, u: np.ndarray, hi: np.ndarray, step: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(J, r(u)) by forward differences of step ``step`` in each u_j (backward at the upper
    bound); the n + 1 points are passed to ``many`` in one call."""
    u = np.asarray(u, dtype=float)
    signs = np.where(u + step > hi, -1.0, 1.0)
    points = [u]
    for j in range(u.size):
        p = u.copy()
        p[j] = u[j] + signs[j] * step
        points.append(p)
    values = many(points)
    r0 = values[0]
    jac = np.column_stack([(values[j + 1] - r0) / (signs[j] * step) for j in range(u.size)])
    return jac, r0


def fit_least_squares(evaluate: Evaluate, u0, lo, hi, *, diff_step: float = 0.01,
                      loss: str = "linear", f_scale: float = 1.0, max_nfev: int = 30,
                      ftol: float = 1e-6, xtol: float = 1e-6, gtol: float = 1e-8
                      ) -> LSQResult:
    """Minimise ½ Σ ρ(r(u)²) for lo <= u <= hi, starting at u0.

    Args:
        evaluate: list of points u -> list of residual vectors r(u) (same order); called with
            all points of one Jacobian at once.
        u0, lo, hi: start and bounds of the scaled parameters.
        diff_step: forward-difference step in u.
        loss, f_scale, max_nfev, ftol, xtol, gtol: as ``scipy.optimize.least_squares``.

    Returns:
        The optimum with r and the forward-difference J there (unmodified by the loss).

    Raises:
        NonFiniteCost: ``evaluate`` gave a non-finite residual (or an overflowing cost) at a
            point, or the Jacobian at the optimum is not finite.
    """
    memo = _Memo(evaluate)
    hi = np.asarray(hi, dtype=float)
    res = least_squares(
        lambda u: memo.many([u])[0],
        np.asarray(u0, dtype=float),
        jac=lambda u: forward_jacobian(memo.many, u, hi, diff_step)[0],
        bounds=(np.asarray(lo, dtype=float), hi), method="trf", loss=loss, f_scale=f_scale,
        max_nfev=max_nfev, ftol=ftol, xtol=xtol, gtol=gtol, x_scale=1.0,
    )
    jac, r = forward_jacobian(memo.many, res.x, hi, diff_step)
    if not (np.all(np.isfinite(jac)) and np.isfinite(res.cost)):
        raise NonFiniteCost(res.x, r, "the Jacobian or the cost is not finite")
    return LSQResult(np.array(res.x), r, jac, float(res.cost), int(res.nfev),
                     int(res.njev or 0), int(res.status), str(res.message), memo.history)
