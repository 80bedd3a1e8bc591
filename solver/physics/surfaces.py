r"""Halide exchange between the crystal and a reservoir through a surface, as UFL terms.

Model (docs/model.md, "Surface exchange"): through a boundary facing a reservoir of
composition y_res (the fraction of halide A among the halides, e.g. Br in a Br/Cl crystal), the
halides exchange one for one on the lattice sites (an anion exchange, so vacancies and sites
are conserved) with an exchange velocity k [µm/s]:

.. math::
    -\mathbf{J}_A\cdot\mathbf{n} = k\,(x_{A,\mathrm{res}} - x_A)
        = k\,(1 - x_V)\,(y_\mathrm{res} - y), \qquad
    \mathbf{J}_B\cdot\mathbf{n} = -\mathbf{J}_A\cdot\mathbf{n}, \qquad
    \mathbf{J}_V\cdot\mathbf{n} = 0,

with x_A,res = y_res (1 - x_V) the A fraction of a crystal at the reservoir's composition and
the local vacancy fraction. The flux is per unit area of the boundary (3D) or per unit wire
cross-section at a wire end (1D). k -> 0 is the closed surface of the default model (no flux);
k -> infinity imposes y = y_res. This is the linear (first-order, mass-action) exchange law; a
barrier that depends on the exchanged fraction, solution concentrations and light belong to
the nanocrystal model (docs/model.md, planned).

Residual contribution (F = 0 convention, the halide balance tested with v_y):
k (1 - x_V) (y - y_res) v_y ds.
"""

from __future__ import annotations

import ufl


def exchange_flux(fractions, rate, y_reservoir):
    """Halide A flux into the crystal per unit area [µm/s], k (1 - x_V)(y_res - y), as a UFL
    expression of the site fractions (``fractions``: x_br = y (1 - x_V), x_v)."""
    x_a_res = y_reservoir * (1.0 - fractions.x_v)
    return rate * (x_a_res - fractions.x_br)


def exchange_terms(y, u, v_y, rate, y_reservoir, ds):
    """The residual term of :func:`exchange_flux` through the boundary measure ``ds``.

    Args:
        y, u: composition and ln x_V (UFL); v_y: the halide balance's test function.
        rate: exchange velocity k [µm/s] (UFL constant); y_reservoir: y_res [-].
        ds: exterior-facet measure restricted to the boundary's facet ids.
    """
    x_v = ufl.exp(u)
    x_a = y * (1.0 - x_v)
    x_a_res = y_reservoir * (1.0 - x_v)
    return rate * (x_a - x_a_res) * v_y * ds
