r"""Poisson's equation with the frozen cation-vacancy background (docs/model.md, "Electrostatics").

.. math::
    -\nabla\cdot(\varepsilon_0\varepsilon_r\nabla\psi) = e\,c_s\,(x_V - x_{V,eq}(y(\cdot,0)))

In internal units (phi = e psi/k_BT, z in µm), divided by e c_s x_ref:

.. math::
    \int \lambda_D^2 \nabla\phi\cdot\nabla v_\phi - \frac{x_V - x_{bg}}{x_{ref}} v_\phi \,dz = 0,
    \qquad \lambda_D^2 = \frac{\varepsilon_0\varepsilon_r k_BT}{e^2 c_s x_{ref}}\ [\mu m^2].

phi is imposed (Dirichlet) at the contacts; the zero-normal-field condition elsewhere is natural.
"""

from __future__ import annotations

import ufl


def poisson_terms(phi, x_v, x_background, v_phi, params, dx) -> dict:
    """Named residual terms of the scaled Poisson equation.

    Args:
        phi: potential [k_BT/e]; x_v: vacancy fraction (UFL); x_background: frozen background
            x_V,eq(y(z, 0)) (UFL); v_phi: test function; params: ModelParameters; dx: measure.
    """
    return {
        "poisson_field": params.debye2_um2 * ufl.dot(ufl.grad(phi), ufl.grad(v_phi)) * dx,
        "poisson_charge": -(x_v - x_background) / params.x_ref * v_phi * dx,
    }
