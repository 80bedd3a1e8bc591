"""Initial state (docs/model.md, "Initial and boundary conditions"), as numpy functions of z [µm].

y(z, 0): y_Br on the Br-rich side, y_Cl on the other, joined by a tanh step of width w:
    y = y_Cl + (y_Br - y_Cl) (1 - tanh(s (z - z_i)/w)) / 2,   s = +1 if Br-rich is left else -1.
x_V(z, 0) = x_V,eq(y(z, 0)),  ln x_V,eq(y) = y ln x_V,Br + (1 - y) ln x_V,Cl.
phi(z, 0) = 0 (the bias is switched on at t = 0, optionally ramped).
"""

from __future__ import annotations

import numpy as np


def initial_composition(z_um, params):
    """y(z, 0) [-] for positions z [µm]."""
    s = 1.0 if params.br_rich_left else -1.0
    step = 0.5 * (1.0 - np.tanh(s * (z_um - params.interface_um) / params.interface_width_um))
    return params.y_cl + (params.y_br - params.y_cl) * step


def initial_ln_vacancy(z_um, params):
    """ln x_V(z, 0) = ln x_V,eq(y(z, 0)) [-]."""
    return params.ln_x_v_eq(initial_composition(z_um, params))


def harmonic_potential(z_um, params, phi_left, phi_right):
    """Charge-free potential [k_BT/e] with phi_left/phi_right imposed at the contact lines.

    Flat outside the gap (zero field at the wire ends), linear across it. Used as the Newton
    initial guess when the imposed potentials change (bias switch-on, ramp).
    """
    zl, zr = params.contact_left_um, params.contact_right_um
    t = np.clip((z_um - zl) / (zr - zl), 0.0, 1.0)
    return phi_left + (phi_right - phi_left) * t
