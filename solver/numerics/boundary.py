"""Boundary conditions as objects on named boundaries, assembled by one loop of the problem.

Each condition may contribute strong (Dirichlet) data, weak residual terms and a time
dependence; :class:`solver.numerics.problem.TransportProblem` builds the list once
(:func:`conditions_for`) and then only loops over it:

    bcs   = [bc for c in conditions for bc in c.dirichlet(problem)]
    terms |= c.terms(problem, fields, tests)     for c in conditions
    c.set_time(problem, t, drive)                for c in conditions, at every time

The conditions (docs/model.md, "Initial and boundary conditions"; case keys in
docs/case_format.md):

- :class:`ContactPotential`: phi = ψ_k(t) / (k_BT(t)/e) on a contact (``contact_left``,
  ``contact_right``: its facets, or its electrode zone with ``potential_on: zone``);
- :class:`FloatingGauge`: a floating wire, phi = 0 at one node (the gauge);
- :class:`ElectrodeReactions`: vacancy creation/annihilation at both contacts
  (:func:`solver.physics.sources.source_terms`), with the equilibrium switch of
  ``equilibrium: switched`` following the polarity;
- :class:`SurfaceExchange`: halide exchange with a reservoir of composition y_res through a
  boundary (``free_surface``: the free faces in 3D, the two wire ends in 1D; or ``end_left``,
  ``end_right`` in 1D) at an exchange velocity k (:func:`solver.physics.surfaces.
  exchange_terms`).

Boundary names and facet ids: :mod:`solver.mesh.tags`. A new kind of surface physics (solution
exchange, iodide expulsion under light) is one more class here with its weak terms in
:mod:`solver.physics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.mesh.tags import (
    CONTACT_LEFT,
    CONTACT_RIGHT,
    ZONE_LEFT,
    ZONE_RIGHT,
    boundary_ids,
)
from solver.physics.sources import source_terms
from solver.physics.surfaces import exchange_flux, exchange_terms


@dataclass
class Drive:
    """The applied bias at the current time, as set by the problem's ``set_time``.

    Attributes:
        bias_V: |Δψ(t)| [V]; phi_left, phi_right: contact potentials [k_BT/e].
    """

    bias_V: float = 0.0
    phi_left: float = 0.0
    phi_right: float = 0.0

    @property
    def positive(self) -> tuple[bool, bool]:
        """(left, right): whether each contact is the positive one under a non-zero bias."""
        on = self.bias_V > 0
        return (on and self.phi_left > self.phi_right, on and self.phi_right > self.phi_left)


class BoundaryCondition:
    """Base class: no strong data, no weak terms, no time dependence.

    Attributes:
        boundary: the boundary's name (:data:`solver.mesh.tags.BOUNDARY_IDS`).
    """

    boundary: str = ""

    def dirichlet(self, problem) -> list:
        """Dirichlet conditions (``dolfinx.fem.DirichletBC``) of this condition."""
        return []

    def terms(self, problem, fields: dict, tests: dict) -> dict:
        """Named weak residual terms (F = 0 convention); ``fields`` and ``tests``: UFL
        objects by field name (y, u, phi)."""
        return {}

    def set_time(self, problem, t: float, drive: Drive) -> None:
        """Update this condition's constants for time ``t`` [s]."""


class ContactPotential(BoundaryCondition):
    """phi = the contact's potential on ``contact_left`` or ``contact_right``.

    Args:
        boundary: ``contact_left`` or ``contact_right``.
        value: the problem's UFL constant holding phi_k [k_BT/e] (set by ``set_time``).
        on: ``contact_line`` (the contact's facets) or ``zone`` (every dof of the electrode
            zone's cells).
    """

    def __init__(self, boundary: str, value, on: str = "contact_line"):
        self.boundary = boundary
        self.value = value
        self.on = on

    def dirichlet(self, problem) -> list:
        from dolfinx import fem

        msh = problem.mesh1d.mesh
        tdim = msh.topology.dim
        V = problem.W.sub(problem.layout.fields.index("phi"))
        left = self.boundary == "contact_left"
        if self.on == "zone":
            cells = problem.mesh1d.cell_tags.find(ZONE_LEFT if left else ZONE_RIGHT)
            dofs = fem.locate_dofs_topological(V, tdim, cells)
        else:
            facets = problem.mesh1d.facet_tags.find(CONTACT_LEFT if left else CONTACT_RIGHT)
            dofs = fem.locate_dofs_topological(V, tdim - 1, facets)
        return [fem.dirichletbc(self.value, dofs, V)]


class FloatingGauge(BoundaryCondition):
    """A floating wire: no contact potentials; phi = ``value`` (0) at the gauge node, the
    vertex with the lexicographically smallest (z, x, y) over all ranks (1D: z = 0)."""

    def __init__(self, value):
        self.value = value

    def dirichlet(self, problem) -> list:
        from dolfinx import fem

        i = problem.layout.fields.index("phi")
        V = problem.layout.spaces[i]
        gdim = problem.mesh1d.mesh.geometry.dim
        keys = V.tabulate_dof_coordinates()[:, :gdim]  # axial coordinate first
        owned = problem.layout.owned[i]
        local = min(map(tuple, keys[owned])) if owned.any() else None
        best = min(c for c in problem.comm.allgather(local) if c is not None)
        hit = np.all(keys == np.asarray(best), axis=1)
        dofs = np.asarray(problem.layout.dofs[i][hit], dtype=np.int32)
        return [fem.dirichletbc(self.value, dofs, problem.W.sub(i))]


class ElectrodeReactions(BoundaryCondition):
    """Vacancy creation/annihilation at both contacts (:mod:`solver.physics.sources`).

    Args:
        half_weight: (left, right) UFL constants h of ``equilibrium: switched`` (1 while the
            contact is the positive one).
    """

    boundary = "contact_left, contact_right"

    def __init__(self, half_weight):
        self.half_weight = half_weight

    def terms(self, problem, fields: dict, tests: dict) -> dict:
        v = (tests["y"], tests["u"], tests["phi"])
        return source_terms(fields["y"], fields["u"], v, problem.bias_V, problem.ufl_params,
                            problem.dS, problem.dx, restricted=problem.tdim == 1,
                            contact_scale=problem.contact_scale, half_weight=self.half_weight)

    def set_time(self, problem, t: float, drive: Drive) -> None:
        for c, pos in zip(self.half_weight, drive.positive, strict=True):
            c.value = 1.0 if pos else 0.0


class SurfaceExchange(BoundaryCondition):
    """Halide exchange with a reservoir through a boundary
    (:func:`solver.physics.surfaces.exchange_terms`).

    Args:
        boundary: ``free_surface`` (3D: the free faces; 1D: both wire ends), ``end_left``,
            ``end_right`` (1D).
        rate: UFL constant k [µm/s]; y_reservoir: UFL constant y_res [-].
        name: the residual term's name (``surface_<boundary>`` by default).
    """

    def __init__(self, boundary: str, rate, y_reservoir, name: str | None = None):
        self.boundary = boundary
        self.rate = rate
        self.y_reservoir = y_reservoir
        self.name = name or f"surface_{boundary}"

    def measure(self, problem):
        """The exterior-facet measure of this boundary (a sum over its facet ids).

        Raises:
            KeyError: the boundary does not exist on this mesh's dimension.
        """
        ids = boundary_ids(self.boundary, problem.tdim)
        return problem.ds(ids)

    def terms(self, problem, fields: dict, tests: dict) -> dict:
        return {self.name: exchange_terms(fields["y"], fields["u"], tests["y"], self.rate,
                                          self.y_reservoir, self.measure(problem))}

    def flux_form(self, problem):
        """UFL form of the halide flux into the crystal through this boundary at the current
        state [µm per unit cross-section in 1D; µm³/s over the faces in 3D]: ∫ k (1 - x_V)
        (y_res - y) ds."""
        return exchange_flux(problem.fractions, self.rate, self.y_reservoir) * \
            self.measure(problem)


def conditions_for(problem) -> list[BoundaryCondition]:
    """The boundary conditions of a problem's parameters, in assembly order: the contact
    potentials (or the floating gauge), the electrode reactions, then the surface exchanges
    of ``params.surfaces``."""
    from dolfinx import fem
    from petsc4py import PETSc

    p = problem.params
    msh = problem.mesh1d.mesh
    if p.floating:
        conditions = [FloatingGauge(problem.phi_left)]
    else:
        conditions = [ContactPotential("contact_left", problem.phi_left, p.potential_on),
                      ContactPotential("contact_right", problem.phi_right, p.potential_on)]
    if p.source_model != "none":
        conditions.append(ElectrodeReactions(problem.half_weight))
    for s in getattr(p, "surfaces", ()):
        if getattr(s, "kind", "exchange") != "exchange":
            continue  # solver/numerics/reactions.py: reaction_conditions
        boundary_ids(s.boundary, problem.tdim)  # a boundary this mesh has
        conditions.append(SurfaceExchange(
            s.boundary, fem.Constant(msh, PETSc.ScalarType(s.rate_um_per_s)),
            fem.Constant(msh, PETSc.ScalarType(s.y_reservoir))))
    return conditions


