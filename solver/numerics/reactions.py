"""Surface reactions with reservoirs as boundary conditions, and the fields they read.

The conditions of the nanocrystal model (docs/model.md, "Surface reactions"; case key
``surfaces``, kinds ``solution`` and ``expulsion``), in the boundary-condition room of
:mod:`solver.numerics.boundary`:

- :class:`SolutionExchangeCondition`: mass-action exchange with a solution
  (:func:`solver.physics.surfaces.solution_terms`);
- :class:`ExpulsionCondition`: the second halide expelled to a surface inventory θ, refilling
  and loss (:func:`solver.physics.surfaces.expulsion_terms`). θ is one more field of the layout
  (:data:`INVENTORY`, added by :func:`extra_fields`): on a surface it lives on the surface's
  nodes only (the other nodes of that field are held at 0 by Dirichlet rows), in a film volume
  on every node.

:class:`Environment` holds what the rates read at each time: the temperature T(x, t) [K] and
the carrier density n(x, t) [cm⁻³], as UFL constants (uniform) or P1 functions (fields),
updated by the problem's ``set_time``. Every Arrhenius rate is evaluated pointwise in T.
"""

from __future__ import annotations

import numpy as np
import ufl

from solver.mesh.tags import boundary_ids
from solver.numerics.boundary import BoundaryCondition
from solver.numerics.layout import Field, ScaledYTolerance
from solver.physics.surfaces import (
    expulsion_terms,
    film_interdiffusion_terms,
    solution_flux,
    solution_terms,
)

__all__ = ["INVENTORY", "Environment", "ExpulsionCondition", "SolutionExchangeCondition",
           "extra_fields", "needs_environment", "reaction_conditions"]


def _inventory_check(theta: np.ndarray, z: np.ndarray, tol: float) -> str | None:
    """θ >= -tol: the inventory cannot be negative."""
    if theta.size and theta.min() < -tol:
        k = int(np.argmin(theta))
        return (f"theta = {theta[k]:.6g} < 0 (surface inventory (theta)) at "
                f"z = {z[k]:.6g} µm")
    return None


def inventory_field(scale: float) -> Field:
    """The surface inventory θ as a layout field whose step tolerance is ``scale`` times the
    run's tol_y [µm on a surface, [-] in a volume]."""
    return Field("theta", "surface inventory of the expelled halide theta [µm or -]",
                 "surface inventory (theta)", ScaledYTolerance(scale),
                 check=_inventory_check)


#: The inventory field of a volume (site fractions: the tolerance of y).
INVENTORY = inventory_field(1.0)


def extra_fields(params) -> tuple[Field, ...]:
    """The fields the surface reactions of ``params`` add to the default layout: θ for an
    expulsion (its tolerance tol_y times the inventory scale: V/S on a surface, the halide
    inventory of the body per unit area; 1 in a volume), nothing otherwise."""
    for s in getattr(params, "surfaces", ()):
        if getattr(s, "kind", "exchange") == "expulsion":
            scale = 1.0
            if s.boundary != "volume" and getattr(params, "body", None) is not None:
                scale = 1.0 / params.body.surface_to_volume_per_um
            return (inventory_field(scale),)
    return ()


def needs_environment(params) -> bool:
    """Whether ``params`` has surface reactions that read T and n (kinds solution and
    expulsion)."""
    body = getattr(params, "body", None)
    return (any(getattr(s, "kind", "exchange") != "exchange"
                for s in getattr(params, "surfaces", ()))
            or (body is not None and body.interdiffusion_um2_per_s > 0))


class Environment:
    """Temperature [K] and carrier density [cm⁻³] as the rates see them.

    Args:
        problem: the transport problem (mesh, temperature protocol, parameters).
        temperature_field: a callable ``(points_um (N, 3), t_s) -> T_K (N,)`` with
            ``is_uniform`` (solver/model/temperature_field.py), or None: the problem's uniform
            temperature protocol.
        light: a :class:`solver.model.light.Illumination`, or None: dark. On a film (the
            disc around the beam) n follows the beam's profile along r from its centre; a
            nanocrystal sees the beam's centre (uniform).
    """

    def __init__(self, problem, temperature_field=None, light=None):
        from dolfinx import fem
        from petsc4py import PETSc

        msh = problem.mesh1d.mesh
        if getattr(temperature_field, "needs_profile", False):  # laser model heat_equation
            from solver.numerics.heat import laser_rise_profile

            temperature_field = temperature_field.with_profile(
                *laser_rise_profile(msh, temperature_field))
        self._problem = problem
        self._tf = temperature_field
        self._light = light
        self._points = None
        if temperature_field is not None and not temperature_field.is_uniform:
            self.T_K = fem.Function(fem.functionspace(msh, ("Lagrange", 1)), name="T_K")
        else:
            self.T_K = fem.Constant(msh, PETSc.ScalarType(problem.params.T_K))
        body = getattr(problem.params, "body", None)
        self._radial = body is not None and body.kind == "film"
        if light is not None and self._radial and light.beam.profile != "uniform":
            self.n_per_cm3 = fem.Function(fem.functionspace(msh, ("Lagrange", 1)),
                                          name="n_per_cm3")
        else:
            self.n_per_cm3 = fem.Constant(msh, PETSc.ScalarType(0.0))

    def _coords(self, f):
        if self._points is None:
            self._points = f.function_space.tabulate_dof_coordinates()
        return self._points

    def _set(self, target, values_at) -> None:
        if hasattr(target, "x"):
            target.x.array[:] = values_at(self._coords(target))
            target.x.scatter_forward()
        else:
            target.value = float(np.asarray(values_at(np.zeros((1, 3))))[0])

    def set_time(self, t: float) -> None:
        """Evaluate T and n at time ``t`` [s] (at the P1 nodes for fields)."""
        if self._tf is None:
            self.T_K.value = self._problem.temperature.T_K(t)
        else:
            self._set(self.T_K, lambda x: self._tf(x, t))
        if self._light is not None:
            self._set(self.n_per_cm3, lambda x: self._carriers(x, t))

    def _carriers(self, x: np.ndarray, t: float) -> np.ndarray:
        """n [cm⁻³] at points ``x`` (N, 3) [µm]: along r from the beam centre on a film, the
        centre's value elsewhere."""
        cx, cy = self._light.beam.centre_um
        r = x[:, 0] if self._radial else 0.0 * x[:, 0]
        return np.atleast_1d(self._light.carrier_density_cm3(t, cx + r, cy))

    @property
    def temperature_field(self):
        """The T(x, t) callable the rates read (a solved laser's with its profile), or None
        (the uniform temperature law)."""
        return self._tf

    @property
    def kT_eV(self):
        """k_B T [eV] (UFL)."""
        from solver.constants import BOLTZMANN_EV_PER_K

        return BOLTZMANN_EV_PER_K * self.T_K


def _measure(problem, p):
    """(measure, area) of a reaction: ds of its boundary with area 1, or dx with a_s."""
    if p.boundary == "volume":
        return problem.dx, p.specific_area_per_um
    return problem.ds(boundary_ids(p.boundary, problem.tdim)), 1.0


class SolutionExchangeCondition(BoundaryCondition):
    """Mass-action exchange with a solution
    (:class:`solver.model.reactions.SolutionExchangeParameters`)."""

    def __init__(self, p, env: Environment, name: str | None = None):
        self.p = p
        self.boundary = p.boundary
        self.env = env
        self.name = name or f"solution_{p.boundary}"

    def terms(self, problem, fields: dict, tests: dict) -> dict:
        measure, area = _measure(problem, self.p)
        return {self.name: solution_terms(problem.fractions, fields["y"], tests["y"], self.p,
                                          self.env.kT_eV, measure, area)}

    def flux_form(self, problem):
        """UFL form of the halide-A uptake rate at the current state (∫ r over the boundary,
        per unit area in 1D, with the reduction's weight)."""
        measure, area = _measure(problem, self.p)
        y = problem.model_fields(ufl.split(problem.w))[0]
        return area * solution_flux(problem.fractions, y, self.p, self.env.kT_eV) * measure


class ExpulsionCondition(BoundaryCondition):
    """Expulsion of the second halide to the inventory θ
    (:class:`solver.model.reactions.ExpulsionParameters`)."""

    def __init__(self, p, env: Environment, name: str | None = None):
        self.p = p
        self.boundary = p.boundary
        self.env = env
        self.name = name

    def _theta_index(self, problem) -> int:
        return problem.layout.fields.index("theta")

    def dirichlet(self, problem) -> list:
        """On a surface: θ = 0 at every node off the surface (θ lives on the surface)."""
        if self.p.boundary == "volume":
            return []
        from dolfinx import fem
        from petsc4py import PETSc

        i = self._theta_index(problem)
        msh = problem.mesh1d.mesh
        V = problem.W.sub(i)
        facets = np.concatenate([problem.mesh1d.facet_tags.find(t)
                                 for t in boundary_ids(self.p.boundary, problem.tdim)])
        on_surface = fem.locate_dofs_topological(V, problem.tdim - 1, facets)
        every = problem.layout.dofs[i]
        off = np.setdiff1d(every, on_surface).astype(np.int32)
        zero = fem.Constant(msh, PETSc.ScalarType(0.0))
        return [fem.dirichletbc(zero, off, V)]

    def thetas(self, problem):
        """(θ, θ_n, θ_nm1) as UFL."""
        i = self._theta_index(problem)
        return tuple(ufl.split(f)[i] for f in (problem.w, problem.w_n, problem.w_nm1))

    def terms(self, problem, fields: dict, tests: dict) -> dict:
        measure, area = _measure(problem, self.p)
        terms = expulsion_terms(problem.fractions, fields["y"], self.thetas(problem),
                                (tests["u"], tests["theta"]), self.p, self.env.T_K,
                                self.env.n_per_cm3, problem.bdf, measure,
                                problem.params.x_ref, area, dx_diffusion=problem.dx_flux)
        return terms

    def inventory_form(self, problem):
        """UFL form of the inventory ∫ θ over its measure (surface or volume)."""
        measure, _ = _measure(problem, self.p)
        return self.thetas(problem)[0] * measure


class FilmInterdiffusion(BoundaryCondition):
    """A film's effective Br/I interdiffusion between its crystals
    (:func:`solver.physics.surfaces.film_interdiffusion_terms`), pointwise in T."""

    boundary = "volume"

    def __init__(self, body, env: Environment):
        self.body, self.env = body, env

    def terms(self, problem, fields: dict, tests: dict) -> dict:
        return film_interdiffusion_terms(problem.fractions, fields["y"], tests["y"], self.body,
                                         self.env.T_K, problem.dx_flux)


def reaction_conditions(problem) -> list[BoundaryCondition]:
    """The conditions of the ``solution`` and ``expulsion`` entries of ``problem.params``
    (after :func:`solver.numerics.boundary.conditions_for`'s, in the case's order), and a
    film's interdiffusion."""
    body = getattr(problem.params, "body", None)
    out = ([FilmInterdiffusion(body, problem.environment)]
           if body is not None and body.interdiffusion_um2_per_s > 0 else [])
    for p in getattr(problem.params, "surfaces", ()):
        kind = getattr(p, "kind", "exchange")
        if kind == "exchange":
            continue
        if p.boundary != "volume":
            boundary_ids(p.boundary, problem.tdim)  # a boundary this mesh has
        cls = SolutionExchangeCondition if kind == "solution" else ExpulsionCondition
        out.append(cls(p, problem.environment))
    return out
