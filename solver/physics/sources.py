r"""Vacancy creation/annihilation at the electrodes, as named UFL residual terms.

Model: docs/model.md, "Electrode sources".

Per electrode k, with rates r = α |Δψ(t)| / 2 [µm/s] (α in µm V⁻¹ s⁻¹, |Δψ| in V):

.. math::
    S_V = r_{c,k}(1 - x_V) - r_{d,k} x_V, \qquad S_{Br} = -y\,S_V, \qquad S_{Cl} = -(1-y) S_V,

so S_Br + S_Cl + S_V = 0 (sites conserved; halides are exchanged at the local composition).

Options (all from :class:`solver.parameters.ModelParameters`):
    placement  "contact": a flux through the contact (1D: the interior vertex at the contact
               line, an interior-facet integral dS; 3D: the wire-bottom facets on the electrode,
               an exterior-facet integral ds, with flux density r A_cross / A_contact so that the
               total rate per unit wire cross-section is r, as in 1D); "zone": the same rate
               spread as a volumetric rate r / w_e over the electrode zone of length w_e.
    rate law   "fixed": α_c, α_d per electrode; "composition": α_c = α_d = α(y) with
               ln α(y) = y ln α_Br + (1 - y) ln α_Cl at the local composition.
    temperature with source_activation_eV E_a > 0, every α above is multiplied by
               f(T) = exp(-(E_a/k_B)(1/T - 1/T_ref)) (params.source_rate_factor, a UFL
               constant following T(t) under a temperature protocol); E_a = 0 (default): none.
    equilibrium "half": as written above (x_V -> r_c/(r_c + r_d), 1/2 for equal α);
               "local": r_d = r_c (1 - x_V,eq)/x_V,eq, i.e. S_V = r_c (1 - x_V / x_V,eq(y));
               "switched": h S_V,half + (1 - h) S_V,local with a constant h in {0, 1} set
               from the bias (1 while the contact is positive): "auto" under a protocol that
               reverses the polarity.

Residual contribution (F = 0 convention): -S_Br v_y - S_V v_u / x_ref.
"""

from __future__ import annotations

import dataclasses
import math

import ufl

from solver.mesh.tags import CONTACT_LEFT, CONTACT_RIGHT, ZONE_LEFT, ZONE_RIGHT
from solver.physics.transport import clamp01


def vacancy_source_rate(y, u, bias_V, electrode, params, half_weight=None):
    """S_V [µm/s] at one electrode as a UFL expression of the local (y, u).

    Args:
        y, u: composition and ln x_V at the contact (restricted for facet integrals).
        bias_V: |Δψ(t)| [V] (a UFL constant, follows the bias protocol).
        electrode: ElectrodeSourceParameters of this electrode.
        params: ModelParameters (rate law, α_Br, α_Cl, pure-phase vacancy fractions, the
            Arrhenius factor of the α's).
        half_weight: UFL constant h for equilibrium "switched" (required then).
    """
    if electrode.equilibrium == "switched":
        half = dataclasses.replace(electrode, equilibrium="half")
        local = dataclasses.replace(electrode, equilibrium="local")
        return (half_weight * vacancy_source_rate(y, u, bias_V, half, params)
                + (1.0 - half_weight) * vacancy_source_rate(y, u, bias_V, local, params))
    yc = clamp01(y)
    if params.rate_law == "composition":
        alpha = ufl.exp(yc * math.log(params.alpha_br) + (1.0 - yc) * math.log(params.alpha_cl))
        alpha_c = alpha_d = alpha
    else:
        alpha_c, alpha_d = electrode.alpha_c, electrode.alpha_d
    if params.source_activation_eV > 0:
        # α(T) = α(T_ref) f(T): a number at constant T (exactly 1 at T_ref, which UFL drops),
        # a constant set by the problem under a temperature protocol. Not applied at E_a = 0,
        # so the forms, hence every result, are those of the T-independent model.
        f = params.source_rate_factor
        alpha_c, alpha_d = alpha_c * f, alpha_d * f
    r_c = alpha_c * bias_V / 2.0
    if electrode.equilibrium == "local":
        return r_c * (1.0 - ufl.exp(u - params.ln_x_v_eq(y)))
    r_d = alpha_d * bias_V / 2.0
    x_v = ufl.exp(u)
    return r_c * (1.0 - x_v) - r_d * x_v


def source_terms(y, u, tests, bias_V, params, d_contact, dx, restricted=True,
                 contact_scale=(1.0, 1.0), half_weight=(None, None)) -> dict:
    """Named residual terms of the electrode reactions ({} when params.source_model == "none").

    Args:
        y, u: unknowns; tests: (v_y, v_u, v_phi); bias_V: UFL constant |Δψ(t)| [V].
        d_contact: facet measure with contact tags (1D: interior dS; 3D: exterior ds).
        dx: cell measure with zone tags.
        restricted: True for interior-facet measures (use the '+' side).
        contact_scale: (left, right) factors A_cross / A_contact (1 in 1D).
        half_weight: (left, right) UFL constants h of equilibrium "switched".
    """
    if params.source_model == "none":
        return {}
    v_y, v_u, _ = tests
    s = 1.0 / params.x_ref
    terms = {}
    sides = (
        ("left", params.source_left, CONTACT_LEFT, ZONE_LEFT, params.electrode_left_um),
        ("right", params.source_right, CONTACT_RIGHT, ZONE_RIGHT, params.electrode_right_um),
    )
    for k, (name, electrode, contact_tag, zone_tag, (a, b)) in enumerate(sides):
        if params.source_model == "contact":
            if restricted:
                yr, ur, vy, vu = y("+"), u("+"), v_y("+"), v_u("+")
            else:
                yr, ur, vy, vu = y, u, v_y, v_u
            s_v = contact_scale[k] * vacancy_source_rate(yr, ur, bias_V, electrode, params,
                                                            half_weight[k])
            form = (clamp01(yr) * s_v * vy - s * s_v * vu) * d_contact(contact_tag)
        else:  # zone: volumetric rate r / w_e [1/s]
            s_v = vacancy_source_rate(y, u, bias_V, electrode, params, half_weight[k]) / (b - a)
            form = (clamp01(y) * s_v * v_y - s * s_v * v_u) * dx(zone_tag)
        terms[f"source_{name}"] = form
    return terms
