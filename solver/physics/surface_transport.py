r"""Halide transport along the free surface of a wire and exchange with the bulk, as UFL terms.

Model (1D, section-averaged; issue 28 item 8): the fast path seed 000 names as "additional
surface/interface processes" (seed 000, /work/shared/seeds/000_*.txt line ~329). The wire's
free surface carries a layer of thickness delta on the perimeter P of the cross-section (area
A); its composition y_s(z) = Br/(Br + Cl) in that layer diffuses along the wire with its own
diffusivity D_s and exchanges halides one for one with the bulk under it (an anion exchange:
vacancies and sites are conserved, as in :func:`solver.physics.surfaces.exchange_flux`), with
the exchange velocity k_sb [µm/s]:

.. math::
    j_{sb} = k_{sb}\,(x_{Br,s} - x_{Br}) = k_{sb}\,(1 - x_V)\,(y_s - y)
    \quad\text{(Br into the bulk per unit surface area)},

    A\,\partial_t x_{Br} = A\,\nabla\cdot(\ldots) + P\,j_{sb},\qquad
    \delta P\,\partial_t y_s = \delta P\,\partial_z(D_s\,\partial_z y_s) - P\,j_{sb},

with x_Br,s = y_s (1 - x_V) the Br fraction of bulk sites at the layer's composition and the
local vacancy fraction (the layer itself stores its halides on vacancy-free sites). Cl moves
the other way (x_Cl = (1 - y)(1 - x_V)); the vacancy balance has no exchange term. No flux of
y_s at the wire ends. The total Br per unit cross-section,
:math:`\int x_{Br}\,dz + (\delta P/A)\int y_s\,dz`, is conserved exactly: the two exchange
terms below are the same nodal expression with weights P/A and 1/delta, lumped on the same
measure.

Residual terms (F = 0; the bulk row is per unit cross-section as in
:mod:`solver.physics.transport`, the layer row per unit layer cross-section delta P):

    surface_storage          (a0 y_s + a1 y_s,n + a2 y_s,n-1)/dt v_s dx
    surface_diffusion        D_s y_s' v_s' dx_flux
    surface_exchange_layer   (k_sb / delta)(x_Br,s - x_Br) v_s dx
    surface_exchange_bulk    -(P k_sb / A)(x_Br,s - x_Br) v_y dx

Limits: k_sb -> 0 leaves the bulk untouched and y_s a passive diffusing field; k_sb -> inf
makes y_s = y and the wire one medium with D_eff = (A D_b + delta P D_s)/(A + delta P)
(tests/verification/test_surface_transport.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import ufl

from solver.physics.transport import site_fractions, storage_rate


@dataclass(frozen=True)
class SurfaceCoefficients:
    """The coefficients of the surface path as the forms see them (numbers or UFL constants).

    Attributes:
        D_s_um2_per_s: diffusivity along the surface layer at the run's temperature [µm²/s].
        k_sb_um_per_s: exchange velocity between layer and bulk [µm/s].
        delta_um: layer thickness [µm].
        perimeter_um: perimeter P of the wire's cross-section [µm].
        area_um2: area A of the cross-section [µm²].
    """

    D_s_um2_per_s: object
    k_sb_um_per_s: object
    delta_um: float
    perimeter_um: float
    area_um2: float


def exchange_flux(y, u, y_s, rate):
    """Br into the bulk per unit surface area [µm/s, site fractions], k (1 - x_V)(y_s - y)
    (UFL), of composition y, u = ln x_V and layer composition y_s."""
    x = site_fractions(y, u)
    return rate * (y_s * (1.0 - x.x_v) - x.x_br)


def surface_transport_terms(bulk, layer, tests, coefficients: SurfaceCoefficients, bdf, dx,
                            dx_flux) -> dict:
    """The named residual terms of the surface path (module docstring).

    Args:
        bulk: (y, u) of the bulk at t_{n+1} (UFL).
        layer: (y_s, y_s,n, y_s,n-1): the layer composition at t_{n+1}, t_n, t_{n-1} (UFL).
        tests: (v_y, v_s): test functions of the halide balance and of the layer.
        coefficients: :class:`SurfaceCoefficients`.
        bdf: object with UFL constants a0, a1, a2, dt (the problem's BDF constants).
        dx: the storage measure (lumped at the vertices for degree 1; the diagnostics use it).
        dx_flux: the flux measure.

    Returns:
        {"surface_storage", "surface_diffusion", "surface_exchange_layer",
        "surface_exchange_bulk"}: UFL forms.
    """
    y, u = bulk
    y_s, y_s_n, y_s_nm1 = layer
    v_y, v_s = tests
    c = coefficients
    j = exchange_flux(y, u, y_s, c.k_sb_um_per_s)
    return {
        "surface_storage": storage_rate(y_s, y_s_n, y_s_nm1, bdf) * v_s * dx,
        "surface_diffusion": c.D_s_um2_per_s * ufl.dot(ufl.grad(y_s), ufl.grad(v_s)) * dx_flux,
        "surface_exchange_layer": (1.0 / c.delta_um) * j * v_s * dx,
        "surface_exchange_bulk": -(c.perimeter_um / c.area_um2) * j * v_y * dx,
    }
