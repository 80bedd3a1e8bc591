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

from solver.model.reactions import arrhenius_factor
from solver.physics.transport import storage_rate


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


# ----------------------------------------------------------------------------- solution exchange
def exchanged_fraction(y, p):
    """f = clip((y - y_start)/(y_sol - y_start), 0, 1) [-] (UFL) of a
    :class:`solver.model.reactions.SolutionExchangeParameters` ``p`` (0 if y_sol = y_start)."""
    span = p.y_solution - p.y_start
    if span == 0.0:
        return 0.0 * y
    return ufl.min_value(ufl.max_value((y - p.y_start) / span, 0.0), 1.0)


def _threshold(f, f_c, below, above):
    return ufl.conditional(ufl.ge(f, f_c), above, below)


def solution_flux(fractions, y, p, kT_eV):
    r"""Flux of halide A into the crystal per unit area [µm/s, site fractions] by mass action
    with a solution (MODEL-NANOCRYSTALS §3; barrier models: seed 002 line 99):

    .. math:: r = \nu\,e^{-E(f)/k_BT}\,(c_A x_B - K c_B x_A),\quad
        c_A = y_{sol}\,c,\ c_B = (1 - y_{sol})\,c.

    Args:
        fractions: site fractions (x_br = x_A, x_v) of the state (UFL); y: composition (UFL);
        p: :class:`solver.model.reactions.SolutionExchangeParameters`;
        kT_eV: k_B T [eV] (a number or UFL: the temperature field).
    """
    x_a = fractions.x_br
    x_b = (1.0 - y) * (1.0 - fractions.x_v)
    c_a = p.y_solution * p.concentration_mol_per_L
    c_b = (1.0 - p.y_solution) * p.concentration_mol_per_L
    barrier = p.barrier(exchanged_fraction(y, p), conditional=_threshold)
    k_plus = p.rate_constant_um_per_s_per_M * ufl.exp(-barrier / kT_eV)
    return k_plus * (c_a * x_b - p.equilibrium_ratio * c_b * x_a)


def solution_terms(fractions, y, v_y, p, kT_eV, measure, area=1.0):
    """Residual term of :func:`solution_flux` in the halide-A balance (F = 0 convention):
    -area r v_y measure (``area``: the specific area a_s [1/µm] in a film volume, else 1)."""
    return -area * solution_flux(fractions, y, p, kT_eV) * v_y * measure


# ------------------------------------------------------------------------------------ expulsion
def expulsion_rates(fractions, y, theta, p, T_K, n_per_cm3):
    r"""(r_out, r_in, r_loss) of the expulsion of halide B to a surface inventory θ
    (seed 003 lines 96-104, seed 004 lines 89-117; docs/model.md, "Surface reactions"):

    .. math::
        r_{out} = k_{out}(T, n)\,x_B\,(1 - θ/θ_{max}),\quad
        r_{in} = k_{in}(T)\,θ\,x_V,\quad r_{loss} = k_{loss}(T)\,θ,

    k_out = (k_dark + k_light (n/n_ref)^m) a_out(T), each a(T) the Arrhenius factor from T_ref
    (:func:`solver.model.reactions.arrhenius_factor`).

    Args:
        fractions: site fractions (x_br, x_v) (UFL); y: composition; theta: inventory (UFL);
        p: :class:`solver.model.reactions.ExpulsionParameters`;
        T_K: temperature [K] (number or UFL: the temperature field);
        n_per_cm3: carrier density [cm⁻³] (number or UFL), 0 in the dark.
    """
    x_b = (1.0 - y) * (1.0 - fractions.x_v)
    light = 0.0
    if p.light_rate_um_per_s:
        ratio = n_per_cm3 / p.carrier_ref_per_cm3
        light = p.light_rate_um_per_s * (ratio if p.carrier_exponent == 1.0
                                         else ufl.max_value(ratio, 0.0) ** p.carrier_exponent)
    k_out = (p.dark_rate_um_per_s + light) * arrhenius_factor(
        p.expulsion_activation_eV, p.T_ref_K, T_K, ufl.exp)
    room = 1.0 if p.capacity is None else (1.0 - theta / p.capacity)
    r_out = k_out * x_b * room
    r_in = p.refill_rate_per_s * arrhenius_factor(p.refill_activation_eV, p.T_ref_K, T_K,
                                                  ufl.exp) * theta * fractions.x_v
    r_loss = p.loss_rate_per_s * arrhenius_factor(p.loss_activation_eV, p.T_ref_K, T_K,
                                                  ufl.exp) * theta
    return r_out, r_in, r_loss


def expulsion_terms(fractions, y, thetas, tests, p, T_K, n_per_cm3, bdf, measure, x_ref,
                    area=1.0, dx_diffusion=None) -> dict:
    r"""Residual terms of the expulsion (F = 0 convention), named:

    - ``expulsion_vacancies``: -(a r_out - r_in)/x_ref v_u: each expelled B leaves a
      vacancy, each refill fills one (the A sublattice is untouched);
    - ``inventory_storage``: dθ/dt v_θ (BDF, the storage quadrature);
    - ``inventory_reactions``: -(a r_out - r_in) v_θ + r_loss v_θ;
    - ``inventory_diffusion``: D_θ(T) ∇θ·∇v_θ (a film volume with a lateral diffusivity).

    With the same measure in both balances the B inventory of lattice and surface changes only
    by the loss: ∫ (1 - x_A - x_V) + ∫ θ + lost is constant to round-off.

    Args:
        thetas: (θ, θ_n, θ_nm1) (UFL); tests: (v_u, v_θ); bdf: the BDF constants;
        measure: ds of the surface, or dx of the film volume; area a: a_s [1/µm] in a volume
        (θ per unit volume [-]; r_out per unit NC area times a_s is per unit volume, r_in and
        r_loss are per unit volume with k_in, k_loss [1/s]) or 1 on a surface (θ per unit
        area [µm]);
        dx_diffusion: the cell measure of the diffusion term (volume with D_θ > 0).
    """
    theta, theta_n, theta_m = thetas
    v_u, v_th = tests
    r_out, r_in, r_loss = expulsion_rates(fractions, y, theta, p, T_K, n_per_cm3)
    net = area * r_out - r_in
    terms = {
        "expulsion_vacancies": -(1.0 / x_ref) * net * v_u * measure,
        "inventory_storage": storage_rate(theta, theta_n, theta_m, bdf) * v_th * measure,
        "inventory_reactions": (-net + r_loss) * v_th * measure,
    }
    if p.inventory_diffusivity_um2_per_s and dx_diffusion is not None:
        d = p.inventory_diffusivity_um2_per_s * arrhenius_factor(
            p.inventory_activation_eV, p.T_ref_K, T_K, ufl.exp)
        terms["inventory_diffusion"] = d * ufl.dot(ufl.grad(theta), ufl.grad(v_th)) * \
            dx_diffusion
    return terms


# ---------------------------------------------------------------------- film interdiffusion
def film_interdiffusion_terms(fractions, y, v_y, body, T_K, dx_flux) -> dict:
    r"""The effective Br/I interdiffusion of a nanocrystal film between its crystals, as a term
    of the halide-A balance (docs/model.md, "Geometries: nanocrystals and films"):

    .. math:: \mathbf J_A = -D_f(T)\,(1 - x_V)\,\nabla y,\qquad \mathbf J_B = -\mathbf J_A,

    one halide for the other (sites and vacancies untouched), D_f(T) Arrhenius about its T_ref
    (seed 004 reads its halo as this D: D0 = 5.3e-11 m²/s, Ea = 182 meV, line 115).

    Args:
        fractions: site fractions (x_v) (UFL); y: composition; v_y: its test function;
        body: :class:`solver.model.reactions.BodyParameters`; T_K: temperature [K] (UFL);
        dx_flux: the flux measure.
    """
    d = body.interdiffusion_um2_per_s * arrhenius_factor(
        body.interdiffusion_activation_eV, body.interdiffusion_T_ref_K, T_K, ufl.exp)
    return {"film_interdiffusion": d * (1.0 - fractions.x_v) * ufl.dot(ufl.grad(y),
                                                                         ufl.grad(v_y)) * dx_flux}
