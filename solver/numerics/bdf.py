r"""Coefficients of the BDF time discretisation: the one place the time scheme's weights live.

The storage rate of a quantity q at t_{n+1} = t_n + dt is approximated by

.. math::
    \partial_t q(t_{n+1}) \approx \frac{a_0 q_{n+1} + a_1 q_n + a_2 q_{n-1}}{\Delta t},

with BDF1 (backward Euler) a = (1, -1, 0) and the variable-step BDF2 with ω = dt / dt_prev

.. math::
    a_0 = \frac{1 + 2\omega}{1 + \omega},\quad a_1 = -(1 + \omega),\quad
    a_2 = \frac{\omega^2}{1 + \omega}

(exact for quadratics in t; (3/2, -2, 1/2) at constant dt). The problem holds them as UFL
constants (:class:`BDFConstants`); the stepper chooses the order.
"""

from __future__ import annotations

from dataclasses import dataclass


def bdf_coefficients(dt: float, dt_prev: float | None, order: int) -> tuple[float, float, float]:
    """(a0, a1, a2) [-] of BDF1 (order 1, or no previous step) or variable-step BDF2.

    Args:
        dt: this step [s] (> 0).
        dt_prev: the previous step [s], or None (then BDF1).
        order: 1 or 2.

    Raises:
        ValueError: order not 1 or 2.
    """
    if order not in (1, 2):
        raise ValueError(f"BDF order must be 1 or 2, got {order}")
    if order == 1 or dt_prev is None:
        return (1.0, -1.0, 0.0)
    om = dt / dt_prev
    return ((1 + 2 * om) / (1 + om), -(1 + om), om * om / (1 + om))


@dataclass
class BDFConstants:
    """UFL constants of the BDF storage rate (a0 q + a1 q_n + a2 q_nm1)/dt."""

    a0: object  # dolfinx.fem.Constant
    a1: object
    a2: object
    dt: object

    def set(self, dt: float, dt_prev: float | None, order: int) -> None:
        """Set BDF1 (order 1) or variable-step BDF2 coefficients for step dt [s] after dt_prev
        [s] (:func:`bdf_coefficients`)."""
        self.a0.value, self.a1.value, self.a2.value = bdf_coefficients(dt, dt_prev, order)
        self.dt.value = dt
