r"""Br and vacancy transport in Onsager form, as named UFL residual terms.

Model: docs/model.md, "Transport equations" / "Onsager coefficients".

Unknowns (internal units: µm, s, k_BT/e):
    y   = x_Br / (x_Br + x_Cl)   halide composition [-]
    u   = ln x_V                 log vacancy fraction [-] (keeps x_V > 0 by construction)
    phi = e psi / (k_B T)        electrostatic potential [-]
so that x_V = e^u, x_Br = y (1 - x_V), x_Cl = (1 - y)(1 - x_V) and x_Br + x_Cl + x_V = 1 exactly.

Fluxes of site fraction [µm/s], a, b in {Br, Cl}:

.. math::
    J_a = -x_V \lambda^2 \sum_b m_{ab} \nabla\left(\ln\frac{x_b}{x_V} - \phi\right)
        = -\lambda^2 x_V \sum_b \left[ g_{ab}\nabla x_b - m_{ab}\nabla\eta \right],
    \qquad \eta = u + \phi,\quad g_{ab} = m_{ab}/x_b,
    \qquad J_V = -(J_{Br} + J_{Cl}).

:math:`\eta` is the vacancy electrochemical potential (vacancies carry +e). Written with
:math:`g_{ab}` the fluxes stay finite when a halide is absent (pure CsPbBr3: x_Cl = 0).

Weak form (test functions v_y, v_u; storage rate from the time scheme):

.. math::
    \int \partial_t x_{Br}\, v_y - J_{Br}\cdot\nabla v_y \,dz = \text{sources},\qquad
    \frac{1}{x_{ref}}\int \partial_t x_V\, v_u - J_V\cdot\nabla v_u \,dz = \text{sources}.

No-flux conditions at the wire ends are natural. The vacancy equation is divided by x_ref so
Newton sees O(1) rows where x_V ~ x_ref.

The flux is discretised by :mod:`solver.numerics.fluxes` (Galerkin: the expressions above at
the quadrature points, :func:`halide_fluxes`; exponential fitting: Scharfetter–Gummel along
cell edges), which :func:`transport_terms` receives as a callable.
"""

from __future__ import annotations

from dataclasses import dataclass

import ufl

from solver.physics.onsager import reduced_onsager

VACANCY_STORAGE_FLOOR = 1e-300  # [-] see transport_terms


@dataclass(frozen=True)
class SiteFractions:
    """UFL expressions of the site fractions built from (y, u)."""

    x_br: object
    x_cl: object
    x_v: object


def site_fractions(y, u) -> SiteFractions:
    """x_V = e^u, x_Br = y (1 - x_V), x_Cl = (1 - y)(1 - x_V)."""
    x_v = ufl.exp(u)
    return SiteFractions(x_br=y * (1.0 - x_v), x_cl=(1.0 - y) * (1.0 - x_v), x_v=x_v)


def clamp01(y):
    """Clamp to [0, 1] inside transport coefficients (keeps M positive semi-definite)."""
    return ufl.max_value(ufl.min_value(y, 1.0), 0.0)


def halide_fluxes(y, u, phi, params):
    """Return (J_Br, J_Cl) [µm/s] as UFL vectors.

    Args:
        y, u, phi: unknowns (UFL).
        params: :class:`solver.parameters.ModelParameters` (λ², w_Br, w_Cl, Onsager model, f0).
    """
    x = site_fractions(y, u)
    yc = clamp01(y)
    xb_c = yc * (1.0 - x.x_v)
    xc_c = (1.0 - yc) * (1.0 - x.x_v)
    m = reduced_onsager(xb_c, xc_c, params.w_br, params.w_cl, params.onsager_model, params.f0)
    grad_xbr = ufl.grad(x.x_br)
    grad_xcl = ufl.grad(x.x_cl)
    grad_eta = ufl.grad(u + phi)
    pref = -params.lambda2_um2 * x.x_v
    j_br = pref * (m.g_brbr * grad_xbr + m.g_brcl * grad_xcl - (m.m_brbr + m.m_brcl) * grad_eta)
    j_cl = pref * (m.g_clbr * grad_xbr + m.g_clcl * grad_xcl - (m.m_brcl + m.m_clcl) * grad_eta)
    return j_br, j_cl


def storage_rate(q, q_n, q_nm1, bdf):
    """BDF storage rate (a0 q + a1 q_n + a2 q_nm1)/dt; ``bdf`` holds UFL constants a0, a1, a2, dt.

    Any (a0, a1, a2) with a0 + a1 + a2 = 0 conserves the integral of q exactly.
    """
    return (bdf.a0 * q + bdf.a1 * q_n + bdf.a2 * q_nm1) / bdf.dt


def transport_terms(w, w_n, w_nm1, tests, params, bdf, dx, dx_flux=None, fluxes=None) -> dict:
    """Named residual terms (F = sum = 0) for Br and vacancy transport.

    Args:
        w, w_n, w_nm1: tuples (y, u, phi) at t_{n+1}, t_n, t_{n-1}.
        tests: (v_y, v_u, v_phi).
        params: ModelParameters.
        bdf: object with UFL constants a0, a1, a2, dt.
        dx: cell measure of the storage terms (diagnostics must use the same one).
        dx_flux: cell measure of the flux terms (the discretisation's quadrature); defaults to
            ``dx``.
        fluxes: callable ``(y, u, phi, params) -> (J_Br, J_Cl)``, the flux discretisation
            (:meth:`solver.numerics.fluxes.FluxScheme.fluxes`); None: :func:`halide_fluxes`
            (Galerkin).
    """
    (y, u, phi), (y_n, u_n, _), (y_m, u_m, _) = w, w_n, w_nm1
    v_y, v_u, _ = tests
    x, x_n, x_m = site_fractions(y, u), site_fractions(y_n, u_n), site_fractions(y_m, u_m)
    # Vacancy storage q = x_V + eps * ln x_V: the eps term (eps = 1e-300) changes the vacancy
    # inventory by ~1e-297 but keeps every vacancy row non-zero when e^u underflows (u < -745).
    q, q_n, q_m = (x.x_v + VACANCY_STORAGE_FLOOR * u, x_n.x_v + VACANCY_STORAGE_FLOOR * u_n,
                   x_m.x_v + VACANCY_STORAGE_FLOOR * u_m)
    dx_flux = dx if dx_flux is None else dx_flux
    j_br, j_cl = (fluxes or halide_fluxes)(y, u, phi, params)
    s = 1.0 / params.x_ref
    br_flux, vacancy_flux = flux_integrands(j_br, j_cl, v_y, v_u, params)
    return {
        "br_storage": storage_rate(x.x_br, x_n.x_br, x_m.x_br, bdf) * v_y * dx,
        "br_flux": br_flux * dx_flux,
        "vacancy_storage": s * storage_rate(q, q_n, q_m, bdf) * v_u * dx,
        "vacancy_flux": vacancy_flux * dx_flux,
    }


#: Names of the flux terms in :func:`transport_terms` (assembled edge by edge on box meshes,
#: solver/numerics/edge_assembly.py).
FLUX_TERMS = ("br_flux", "vacancy_flux")


def flux_integrands(j_br, j_cl, v_y, v_u, params):
    """Integrands of the flux terms: -J_Br . grad v_y and -(1/x_ref) J_V . grad v_u,
    J_V = -(J_Br + J_Cl)."""
    j_v = -(j_br + j_cl)
    return -ufl.dot(j_br, ufl.grad(v_y)), -(1.0 / params.x_ref) * ufl.dot(j_v, ufl.grad(v_u))
