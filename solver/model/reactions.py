r"""Bodies and surface reactions as model data: nanocrystals and films, solution exchange,
light- and heat-driven expulsion (docs/model.md, "Geometries", "Surface reactions").

The dataclasses here are what the weak forms read (solver/physics/surfaces.py,
solver/numerics/boundary.py): numbers in internal units, no YAML. :func:`reaction_parameters`
turns one validated ``surfaces`` entry into its dataclass; :func:`body_parameters` the ``body``
section.

Rate laws (sources in the docstrings of each class):

- Solution exchange, mass action (MODEL-NANOCRYSTALS §3; seed 002 line 99 for the barrier):
  :math:`r = \nu e^{-E(f)/k_BT}\,(c_A x_B - K c_B x_A)`, f the exchanged fraction.
- Expulsion of the second halide B to a surface inventory θ (seed 003 lines 96-104; seed 004
  lines 89-117): :math:`r_{out} = k_{out}(T, n)\,x_B\,(1 - θ/θ_{max})`,
  :math:`r_{in} = k_{in}(T)\,θ\,x_V`, :math:`r_{loss} = k_{loss}(T)\,θ`, each rate
  :math:`k(T) = k(T_{ref}) \exp(-E_a/k_B\,(1/T - 1/T_{ref}))`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from solver.constants import BOLTZMANN_EV_PER_K

__all__ = ["BodyParameters", "ExpulsionParameters", "SolutionExchangeParameters",
           "arrhenius_factor", "body_parameters", "reaction_parameters"]


def arrhenius_factor(activation_eV: float, T_ref_K: float, T_K, exp=math.exp):
    """k(T)/k(T_ref) = exp(-E_a/k_B (1/T - 1/T_ref)) [-]; ``T_K`` a number, array or UFL
    expression with the matching ``exp`` (math.exp, numpy.exp, ufl.exp). 1 for E_a = 0."""
    if activation_eV == 0.0:
        return 1.0
    return exp(-activation_eV / BOLTZMANN_EV_PER_K * (1.0 / T_K - 1.0 / T_ref_K))


@dataclass(frozen=True)
class BodyParameters:
    """A nanocrystal or film as a 1D reduction (solver/config/body.py).

    Attributes:
        kind: "nanocrystal" or "film"; coordinate: "spherical", "cartesian" or "cylindrical"
            (solver/numerics/measures.py); radius_um: the 1D domain [0, R] [µm] (the cube's
            half edge); y_initial: uniform initial composition [-];
        reduction: "sphere", "slab", "cube" or "box" (3D) or "disc" (a film);
        edges_um: a nanocrystal's three edges [µm] (empty for a film);
        interdiffusion_um2_per_s, interdiffusion_activation_eV, interdiffusion_T_ref_K: a
            film's effective Br/I interdiffusion between its crystals (0: none).
    """

    kind: str
    coordinate: str
    radius_um: float
    y_initial: float
    reduction: str = "sphere"
    interdiffusion_um2_per_s: float = 0.0
    interdiffusion_activation_eV: float = 0.0
    interdiffusion_T_ref_K: float = 300.0
    edges_um: tuple = ()

    @property
    def dimension(self) -> int:
        """3 for the cube itself, 1 for the reductions."""
        return 3 if self.reduction in ("cube", "box") else 1

    @property
    def surface_to_volume_per_um(self) -> float:
        """S/V of the body [1/µm]: 3/R (sphere; the cube of half edge R), 1/R (slab), 2/R
        (disc rim)."""
        if self.reduction in ("cube", "box"):
            a, b, c = self.edges_um
            return 2.0 * (a * b + b * c + c * a) / (a * b * c)
        k = {"cartesian": 1.0, "cylindrical": 2.0, "spherical": 3.0}[self.coordinate]
        return k / self.radius_um


@dataclass(frozen=True)
class SolutionExchangeParameters:
    """Mass-action exchange with a solution (case ``surfaces`` kind ``solution``).

    The flux of halide A into the crystal per unit area [µm/s, site fractions]
    r = nu exp(-E(f)/k_BT) (c_A x_B - K c_B x_A), c_A = y_sol c, c_B = (1 - y_sol) c
    [mol/L]; f = clip((y - y_start)/(y_sol - y_start), 0, 1) the exchanged fraction.
    E(f): constant E0; linear E0 - beta f; quadratic E0 - beta f^2 (seed 002 line 99: the model
    that reproduces its statistics); threshold E0 until f_c, then E0 - beta. With K = 1 and a
    constant barrier it is the first-order exchange with k = nu e^{-E0/k_BT} c and y_res = y_sol.
    """

    boundary: str
    specific_area_per_um: float | None
    concentration_mol_per_L: float
    y_solution: float
    rate_constant_um_per_s_per_M: float
    equilibrium_ratio: float
    barrier_eV: float
    barrier_model: str
    barrier_drop_eV: float
    threshold_fraction: float
    y_start: float

    kind = "solution"

    def barrier(self, f, conditional=None):
        """E(f) [eV] of the barrier model; ``f`` a number/array, or a UFL expression with
        ``conditional(f, f_c, below, above)`` for the threshold model."""
        e0, beta = self.barrier_eV, self.barrier_drop_eV
        if self.barrier_model == "constant":
            return e0 + 0.0 * f
        if self.barrier_model == "linear":
            return e0 - beta * f
        if self.barrier_model == "quadratic":
            return e0 - beta * f * f
        if conditional is None:
            import numpy as np

            return np.where(np.asarray(f) >= self.threshold_fraction, e0 - beta, e0)
        return conditional(f, self.threshold_fraction, e0, e0 - beta)


@dataclass(frozen=True)
class ExpulsionParameters:
    """Expulsion of the second halide B to a surface inventory (case ``surfaces`` kind
    ``expulsion``); rates at T_ref_K, Arrhenius in T (:func:`arrhenius_factor`).

    Attributes (units: on a surface, rates per unit area in site fractions x µm/s and theta in
    µm; in a film volume, per unit volume with the specific area a_s [1/µm] and theta [-]):
        dark_rate_um_per_s, light_rate_um_per_s: k_out = dark + light (n/n_ref)^m;
        carrier_ref_per_cm3, carrier_exponent: n_ref, m; expulsion_activation_eV;
        refill_rate_per_s, refill_activation_eV: k_in of r_in = k_in theta x_V;
        loss_rate_per_s, loss_activation_eV: k_loss of r_loss = k_loss theta;
        capacity: theta_max or None (unlimited);
        inventory_diffusivity_um2_per_s, inventory_activation_eV: lateral diffusion of theta
            through a film (volume only);
        T_ref_K: the rates' reference temperature.
    """

    boundary: str
    specific_area_per_um: float | None
    dark_rate_um_per_s: float
    light_rate_um_per_s: float
    carrier_ref_per_cm3: float
    carrier_exponent: float
    expulsion_activation_eV: float
    refill_rate_per_s: float
    refill_activation_eV: float
    loss_rate_per_s: float
    loss_activation_eV: float
    capacity: float | None
    inventory_diffusivity_um2_per_s: float
    inventory_activation_eV: float
    T_ref_K: float

    kind = "expulsion"


def reaction_parameters(entry):
    """The parameter dataclass of one validated ``surfaces`` entry (kinds solution and
    expulsion; None for kind exchange, which :class:`SurfaceExchangeParameters` of
    solver.model.parameters carries)."""
    cls = {"solution": SolutionExchangeParameters,
           "expulsion": ExpulsionParameters}.get(entry.kind)
    if cls is None:
        return None
    names = [f for f in cls.__dataclass_fields__]
    return cls(**{n: getattr(entry, n) for n in names})


def body_parameters(body) -> BodyParameters | None:
    """:class:`BodyParameters` of a validated ``body`` section (None: the wire)."""
    if body is None:
        return None
    return BodyParameters(body.kind, body.coordinate, body.radius_um_resolved, body.y_initial,
                          body.reduction if body.kind == "nanocrystal" else "disc",
                          body.interdiffusion_um2_per_s, body.interdiffusion_activation_eV,
                          body.interdiffusion_T_ref_K,
                          body.edges_um if body.kind == "nanocrystal" else ())
