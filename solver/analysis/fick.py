r"""Reference 1D solver of Fick's second law with a concentration-dependent D (pure numpy).

.. math::
    \partial_t c = \partial_z\big(D(c)\,\partial_z c\big),\qquad 0 < z < L,\qquad
    D\,\partial_z c = 0 \text{ at } z = 0, L,

independent of the finite-element solver: it serves as the "truth" of the Boltzmann–Matano round
trip (``tests/unit/test_matano.py``) and as the local-equilibrium reference of the thermal
validation (``validation/thermal.py``).

Discretisation: cell-centred finite volumes on a uniform grid of ``n_cells`` cells (h = L/n), face
diffusivity D((c_i + c_{i+1})/2), zero flux through the end faces; backward Euler in time with
the face diffusivities lagged and ``picard`` fixed-point sweeps per step (each sweep is one
tridiagonal solve, Thomas algorithm). The scheme conserves sum(c) h to round-off and is monotone
for any step. Steps grow geometrically from ``dt_initial_s`` by ``growth`` up to ``dt_max_s`` and
land exactly on the output times. Units are the caller's: z in µm and t in s give D in µm²/s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["solve_fick_1d", "thomas"]


def thomas(lower, diag, upper, rhs) -> np.ndarray:
    """Solve a tridiagonal system (Thomas algorithm, no pivoting; diagonally dominant systems).

    Args:
        lower: sub-diagonal a_i multiplying x_{i-1} (lower[0] unused).
        diag: diagonal b_i.
        upper: super-diagonal c_i multiplying x_{i+1} (upper[-1] unused).
        rhs: right-hand side d_i.

    Returns:
        x with a_i x_{i-1} + b_i x_i + c_i x_{i+1} = d_i.
    """
    a = [float(v) for v in lower]
    b = [float(v) for v in diag]
    c = [float(v) for v in upper]
    d = [float(v) for v in rhs]
    n = len(b)
    cp = [0.0] * n
    dp = [0.0] * n
    cp[0] = c[0] / b[0]
    dp[0] = d[0] / b[0]
    for i in range(1, n):
        m = b[i] - a[i] * cp[i - 1]
        cp[i] = c[i] / m if i < n - 1 else 0.0
        dp[i] = (d[i] - a[i] * dp[i - 1]) / m
    x = [0.0] * n
    x[-1] = dp[-1]
    for i in range(n - 2, -1, -1):
        x[i] = dp[i] - cp[i] * x[i + 1]
    return np.array(x)


def solve_fick_1d(length: float, n_cells: int, diffusivity: Callable, c_initial: Callable,
                  output_times_s, dt_max_s: float, dt_initial_s: float | None = None,
                  growth: float = 1.2, picard: int = 2) -> tuple[np.ndarray, list[np.ndarray]]:
    """Integrate Fick's second law with D(c) and return the profiles at the output times.

    Args:
        length: domain length L [µm].
        n_cells: number of cells.
        diffusivity: vectorised D(c) [µm²/s].
        c_initial: vectorised c(z, 0) of the cell centres z [µm].
        output_times_s: increasing times [s] (>= 0) at which to return c.
        dt_max_s: largest step [s].
        dt_initial_s: first step [s] (default dt_max_s / 1000).
        growth: step growth factor per step (>= 1).
        picard: fixed-point sweeps per step (>= 1; 1 = linearly implicit).

    Returns:
        (z_centres [µm], [c at each output time]).
    """
    h = length / n_cells
    z = (np.arange(n_cells) + 0.5) * h
    c = np.asarray(c_initial(z), dtype=float).copy()
    dt = dt_max_s / 1000.0 if dt_initial_s is None else dt_initial_s
    t = 0.0
    out = []
    for t_out in output_times_s:
        while t < t_out * (1.0 - 1e-14):
            step = min(dt, t_out - t)
            c_old = c
            c_new = c.copy()
            for _ in range(picard):
                d_face = diffusivity(0.5 * (c_new[1:] + c_new[:-1]))
                k = step * d_face / (h * h)
                lower = np.concatenate([[0.0], -k])
                upper = np.concatenate([-k, [0.0]])
                diag = 1.0 + np.concatenate([k, [0.0]]) + np.concatenate([[0.0], k])
                c_new = thomas(lower, diag, upper, c_old)
            c = c_new
            t += step
            dt = min(dt * growth, dt_max_s)
        out.append(c.copy())
    return z, out
