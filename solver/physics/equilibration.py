r"""Bulk vacancy equilibration (Schottky pairs), as UFL expressions and a named residual term.

Model: docs/model.md, "Vacancy equilibration" (key ``material.vacancy_equilibration``).

With ``schottky`` the halide vacancies are made and removed in the bulk, relaxing towards the
local equilibrium of the *current* composition at the rate k(T) [1/s]
(:func:`solver.parameters.equilibration_rate_per_s`):

.. math::
    R = k(T)\,\big(x_{V,eq}(y(z,t)) - x_V\big)\quad [1/s,\ \text{site fraction}],\qquad
    \ln x_{V,eq}(y) = y\ln x_{V,Br} + (1-y)\ln x_{V,Cl},

    \frac{\partial x_V}{\partial t} + \nabla\cdot J_V = S_V + R,\qquad
    \frac{\partial x_{bg}}{\partial t} = R .

Every vacancy made this way comes with its compensating charge (a cation vacancy of the
Schottky pair, immobile), so the Poisson background x_bg, frozen at x_V,eq(y(z, 0)) without the
option, is created and removed with it: the net charge density x_V - x_bg changes only by
transport, and :math:`\int (x_V - x_{bg})\,dz` is conserved without electrode sources.

Halides: a vacancy made in the bulk sends its halide to a surface (or a Schottky pair removes a
whole formula unit); y is left unchanged, so the Br balance gets no term (x_Br = y (1 - x_V)
changes only through 1 - x_V, by at most R dt ~ x_V relatively).

Discrete bookkeeping (degree 1, lumped storage). The background is not an unknown: its value at
t_{n+1} is the BDF formula of the storage term solved for it,

.. math::
    x_{bg}^{n+1} = \frac{\Delta t\,R(w^{n+1}) - a_1 x_{bg}^{n} - a_2 x_{bg}^{n-1}}{a_0},

with the same coefficients (a0, a1, a2) as the vacancy storage rate (:mod:`solver.bdf`). At every
vertex the BDF rate of x_bg is then exactly the R of the vacancy balance, so the discrete
vacancy balance minus the background's sums (lumped storage, fluxes summing to zero over the
test functions) to :math:`\sum_i m_i\,[a_0(x_V - x_{bg})^{n+1} + a_1(\cdot)^{n} + a_2(\cdot)^{n-1}]
= 0`: the net charge is conserved to the Newton tolerance and round-off. The problem keeps
x_bg^n, x_bg^{n-1} as P1 Functions and interpolates this expression at the vertices when a step
is accepted (:class:`solver.problem.TransportProblem`).

Residual contribution (F = 0 convention, vacancy row scaled by 1/x_ref): -R v_u / x_ref.
"""

from __future__ import annotations

import ufl

#: Values of ``material.vacancy_equilibration``.
EQUILIBRATION_MODELS = ("none", "schottky")


def equilibration_rate(y, u, params):
    """R = k (x_V,eq(y) - x_V) [1/s] as a UFL expression of the unknowns y, u = ln x_V.

    Args:
        y, u: composition [-] and ln x_V [-] (UFL).
        params: ModelParameters (``equilibration_rate_per_s`` k [1/s], possibly a UFL constant
            under a temperature protocol; ``ln_x_v_eq``).
    """
    return params.equilibration_rate_per_s * (ufl.exp(params.ln_x_v_eq(y)) - ufl.exp(u))


def background_next(rate, bg_n, bg_nm1, bdf):
    """x_bg^{n+1} = (dt R - a1 x_bg^n - a2 x_bg^{n-1}) / a0 [-] (module docstring).

    Args:
        rate: R [1/s] at t_{n+1} (UFL); bg_n, bg_nm1: x_bg at t_n, t_{n-1} (UFL);
        bdf: object with UFL constants a0, a1, a2, dt [s]
            (:class:`solver.numerics.bdf.BDFConstants`).
    """
    return (bdf.dt * rate - bdf.a1 * bg_n - bdf.a2 * bg_nm1) / bdf.a0


def equilibration_terms(rate, v_u, params, dx) -> dict:
    """Named residual term of the vacancy balance: {"vacancy_equilibration": -R v_u/x_ref dx}.

    Args:
        rate: R [1/s] (UFL); v_u: vacancy test function; params: ModelParameters (x_ref);
        dx: the storage measure (vertex quadrature for degree 1: the same lumping as storage).
    """
    return {"vacancy_equilibration": -rate / params.x_ref * v_u * dx}
