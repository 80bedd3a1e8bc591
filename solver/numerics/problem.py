"""Assemble the coupled (y, ln x_V, phi) problem for PETSc's SNES Newton solver.

This module builds function spaces and unknowns, sums the named terms of
:mod:`solver.physics`, imposes the contact potentials and wraps
:class:`dolfinx.fem.petsc.NonlinearProblem`: spaces, forms, boundary data, the residual and
Jacobian assembly, and the accept/rollback of time-step state. The Newton control (damping,
convergence, row scaling, Jacobian reuse, linear-solver fallback) is
:mod:`solver.numerics.newton`; on box hexahedra the flux terms are assembled per mesh edge
(:mod:`solver.numerics.edge_assembly`). It holds no time loop and writes no files.
"""

from __future__ import annotations

import dataclasses

import basix.ufl
import numpy as np
import ufl
from dolfinx import fem
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from solver.mesh.tags import CONTACT_LEFT, CONTACT_RIGHT, TaggedMesh
from solver.model.parameters import THERMAL_KEYS
from solver.model.protocols import Schedule
from solver.numerics.assembly import (
    assemble_jacobian,
    assemble_residual,
    impose_boundary_values,
    jit_options,
)
from solver.numerics.background import Background
from solver.numerics.bdf import BDFConstants
from solver.numerics.boundary import Drive, conditions_for
from solver.numerics.coarse_space import median_axial_cell_extent, section_aggregation
from solver.numerics.edge_assembly import edge_flux_assembler
from solver.numerics.fluxes import FluxScheme, flux_measure, weighted_edge_flux_form
from solver.numerics.jacobian_matrix import CSRJacobian
from solver.numerics.layout import FieldLayout
from solver.numerics.linear_solvers import (
    COARSE_SPACE_PRESETS,
    choose_linear_solver,
    newton_petsc_options,
)
from solver.numerics.measures import coordinate_weight, lumped_weight, weighted
from solver.numerics.newton import NewtonSolver, NewtonStats, SolverOptions
from solver.numerics.reactions import (
    Environment,
    extra_fields,
    needs_environment,
    reaction_conditions,
)
from solver.physics.equilibration import (
    equilibration_rate,
    equilibration_terms,
)
from solver.physics.initial import harmonic_potential, initial_composition, initial_ln_vacancy
from solver.physics.poisson import poisson_terms
from solver.physics.transport import FLUX_TERMS, site_fractions, transport_terms


class TransportProblem:
    """The coupled problem on one mesh: unknowns, forms, boundary data and SNES.

    Attributes:
        w, w_n, w_nm1: Functions of the unknowns (the fields of ``layout``, by default y,
            u = ln x_V, phi; interleaved per node) at t_{n+1}, t_n, t_{n-1}.
        layout: :class:`solver.numerics.layout.DofLayout`: the fields and their dof maps
            (``dofs``, ``z``, ``owned``, ``owned_dofs``, ``owned_z``, ``spaces`` are its lists).
        bdf: BDF constants; bias_V, phi_left, phi_right: time-dependent constants.
        terms: the named residual terms (for inspection and tests).

    Args:
        mesh1d: mesh and tags; params: ModelParameters; degree: Lagrange degree;
        options: Newton settings; forcing: optional callable(problem, tests) -> dict of extra
            residual terms (used by the manufactured-solution tests).
        bias: :class:`solver.protocols.BiasProtocol` (default: ``params.bias``, else no bias).
        temperature: :class:`solver.protocols.TemperatureProtocol` (default:
            ``params.temperature``, else params.T_K held).
        fields: :class:`solver.numerics.layout.FieldLayout` (default: y, u, phi). Fields beyond
            the default three get their residual terms from ``forcing`` (tests: a passive
            tracer) and start at 0.

    Time-dependent data (contact potentials, |Δψ|, and with a temperature protocol the hop
    rates, the Debye length, the thermal voltage and the pure-phase vacancy fractions) are
    ``fem.Constant`` s set by :meth:`set_time`; the forms are compiled once.
    """

    def __init__(self, mesh1d: TaggedMesh, params, degree: int = 1, options: SolverOptions = None,
                 forcing=None, bias=None, temperature=None, fields: FieldLayout | None = None):
        self.mesh1d = mesh1d
        self.params = params
        self.options = options or SolverOptions()
        self.comm = mesh1d.mesh.comm
        self.tdim = mesh1d.mesh.topology.dim
        self._init_drive(bias, temperature)
        self._init_spaces(degree, fields or FieldLayout.default().extended(
            *extra_fields(params)))
        self._init_constants()
        self._init_measures(degree)
        #: The Poisson background x_bg, frozen or evolving (solver/numerics/background.py).
        self.background_charge = Background(self.spaces[self._iu], self.z[self._iu], params,
                                            self.lumped)
        self.equilibrating = self.background_charge.equilibrating
        #: Boundary conditions (solver/numerics/boundary.py), assembled by the loops in
        #: :meth:`_init_forms`, :meth:`build_terms` and :meth:`set_time`.
        #: Temperature and carrier density as the surface reactions see them
        #: (solver/numerics/reactions.py); None without such reactions.
        self.environment = (Environment(self, getattr(params, "temperature_field", None),
                                        getattr(params, "light", None))
                            if needs_environment(params) else None)
        self.conditions = conditions_for(self) + reaction_conditions(self)
        self.drive = Drive()
        F = self._init_forms(forcing)
        self._init_solver(F)
        # Diagnostics, compiled once, with the same quadrature as the storage terms.
        self._total_br = fem.form(self.fractions.x_br * self.dx)
        self._total_v = fem.form(self.fractions.x_v * self.dx)
        self._total_charge = None  # compiled on first use (total_charge)
        y, u, _ = self.model_fields(ufl.split(self.w))
        self.background_charge.compile_update(y, u, self.ufl_params, self.bdf)

    def _init_drive(self, bias, temperature) -> None:
        """The bias and temperature protocols (default: the parameters', else none / T held)."""
        from solver.model.protocols import BiasProtocol, TemperatureProtocol

        params = self.params
        bias = bias if bias is not None else params.bias
        temperature = temperature if temperature is not None else params.temperature
        self.bias = bias if bias is not None else BiasProtocol.none()
        self.temperature = (temperature if temperature is not None
                            else TemperatureProtocol(Schedule.constant(params.T_K)))
        if not self.temperature.is_constant and params.thermal_law is None:
            raise ValueError("a temperature protocol needs params.thermal_law")
        #: Thermal voltage k_BT/e at the current time [V] (phi is in these units).
        self.thermal_voltage_V = params.thermal_voltage_V

    def _init_spaces(self, degree: int, fields: FieldLayout) -> None:
        """The blocked space of the fields, the state Functions and the dof layout.

        One block of unknowns per node (y, u, phi interleaved): the Jacobian's rows of a node
        are adjacent with the same columns (a mixed element numbers the fields of a cell
        apart), which makes assembly and matrix products faster (docs/performance.md, "Dof
        layout"). Same values, dof order only.
        """
        msh = self.mesh1d.mesh
        P = basix.ufl.element("Lagrange", msh.basix_cell(), degree)
        self.W = fem.functionspace(msh, basix.ufl.blocked_element(P, shape=(len(fields),)))
        self.w = fem.Function(self.W, name="state")
        self.w_n = fem.Function(self.W)
        self.w_nm1 = fem.Function(self.W)
        self.layout = fields.bind(self.W)
        lay = self.layout
        self.spaces, self.dofs, self.z, self.n_owned = lay.spaces, lay.dofs, lay.z, lay.n_owned
        self.owned, self.owned_dofs, self.owned_z = lay.owned, lay.owned_dofs, lay.owned_z
        #: Positions of the model's three fields in the layout.
        self._iy, self._iu, self._iphi = (fields.index(n) for n in ("y", "u", "phi"))
        self._pending_shift = None

    def _init_constants(self) -> None:
        """The UFL constants set in time: BDF coefficients, bias, contact potentials, the
        T-dependent coefficients under a temperature protocol, the sources' switch weights.

        Under a temperature protocol the T-dependent coefficients are constants updated by
        :meth:`set_time`; the weak forms see them through ``self.ufl_params``. At constant T they
        stay numbers, which the form compiler folds: the kernels (hence every result, to the
        last bit) are those of a run without protocols.
        """
        msh = self.mesh1d.mesh

        def const(v):
            return fem.Constant(msh, PETSc.ScalarType(v))

        self.bdf = BDFConstants(const(1.0), const(-1.0), const(0.0), const(1.0))
        self.bias_V = const(0.0)
        self.phi_left = const(0.0)
        self.phi_right = const(0.0)
        self.thermal = {}
        self.ufl_params = self.params
        if not self.temperature.is_constant:
            self.thermal = {k: const(getattr(self.params, k)) for k in THERMAL_KEYS}
            self.ufl_params = dataclasses.replace(self.params, **self.thermal)
        # Electrode sources with equilibrium "switched" (auto, polarity changes): weight 1 of
        # the "half" law at a positive contact, 0 ("local") otherwise.
        self.half_weight = (const(0.0), const(0.0))

    def _init_measures(self, degree: int) -> None:
        """Cell, contact and surface measures, the flux measure and the flux scheme.

        Degree 1: storage and charge at the cell vertices (lumped, the box finite-volume
        method). A consistent mass matrix couples the storage rates of neighbouring nodes, so a
        node's site fractions can be driven out of [0, 1] by its neighbours' rates (y = 1.05
        where a tilted front meets a flow in 3D; x_V ringing to 1e-59 from 2e-9 next to a
        contact in 1D). Lumped storage is what the discrete maximum principle of the
        exponentially fitted fluxes needs. Higher degrees: 2p+2 points in 1D, 2p otherwise.
        """
        msh, tags = self.mesh1d.mesh, self.mesh1d
        self.lumped = degree == 1
        if self.lumped:
            md = {"quadrature_rule": "vertex", "quadrature_degree": 1}
        else:
            md = {"quadrature_degree": 2 * degree + 2 if self.tdim == 1 else 2 * degree}
        #: The metric factor of a 1D reduction (r or r² on a disc or sphere, None on a slab or
        #: wire: solver/numerics/measures.py); every cell and facet measure carries it.
        self.coordinate_weight = coordinate_weight(msh, getattr(self.params, "coordinate",
                                                                "cartesian"))
        dx_plain = ufl.Measure("dx", domain=msh, subdomain_data=tags.cell_tags, metadata=md)
        coordinate = getattr(self.params, "coordinate", "cartesian")
        storage_weight = (lumped_weight(msh, coordinate) if self.lumped
                          else self.coordinate_weight)
        self.dx = weighted(dx_plain, storage_weight)
        # Contacts: interior vertices in 1D (dS, '+' side), exterior bottom facets in 3D (ds).
        kind = "dS" if self.tdim == 1 else "ds"
        self.dS = ufl.Measure(kind, domain=msh, subdomain_data=tags.facet_tags)
        #: Exterior facets by tag (surface conditions: 3D faces, 1D wire ends), with the storage
        #: terms' quadrature: lumped at the vertices for degree 1, so that a fast surface
        #: exchange cannot drive a node's composition past the reservoir's (as a consistent
        #: surface mass matrix does: y = -0.05 at a face exchanging with y_res = 0).
        #: (1D facets are points: no rule to choose.)
        self.ds = weighted(ufl.Measure("ds", domain=msh, subdomain_data=tags.facet_tags,
                                       metadata=md if self.tdim > 1 else {}),
                           self.coordinate_weight)
        #: ``transport.flux_scheme`` as asked ("galerkin" or "exponential_fitting").
        self.flux_scheme = getattr(self.params, "flux_scheme", "galerkin")
        self.contact_scale = self._contact_scale()
        self.dx_flux = weighted(flux_measure(msh, degree, dx_plain), self.coordinate_weight)
        #: The flux discretisation (solver/numerics/fluxes.py), chosen once: on simplices with
        #: exponential fitting, edges with a negative assembled stiffness weight are limited
        #: (fluxes.halide_fluxes_edge_averaged, "Monotonicity").
        self.fluxes = FluxScheme.choose(self.flux_scheme, msh, degree, self.dx_flux)

    def _init_forms(self, forcing):
        """The named residual terms (:attr:`terms`), the Dirichlet data of the boundary
        conditions, the edge assembler where it applies; returns the cell-form residual F."""
        msh = self.mesh1d.mesh
        tests = ufl.TestFunctions(self.W)
        y, u, phi = self.model_fields(ufl.split(self.w))
        self.fractions = site_fractions(y, u)
        terms = self.build_terms((y, u, phi), self.model_fields(ufl.split(self.w_n)),
                                 self.model_fields(ufl.split(self.w_nm1)), tests)
        if forcing is not None:
            terms.update(forcing(self, tests))
        self.terms = terms
        msh.topology.create_connectivity(self.tdim - 1, self.tdim)
        msh.topology.create_connectivity(self.tdim, self.tdim)
        self.bcs = [bc for c in self.conditions for bc in c.dirichlet(self)]
        #: Local indices (in W) of the dofs with Dirichlet values (contact potentials).
        self.dirichlet_dofs = (np.concatenate([bc.dof_indices()[0] for bc in self.bcs])
                               if self.bcs else np.zeros(0, dtype=np.int32))
        #: Box-hexahedron meshes: the flux terms assembled edge by edge
        #: (solver/numerics/edge_assembly.py); None: every term in the cell forms.
        self.edge_fluxes = self._edge_flux_assembler(msh)
        return sum(v for k, v in terms.items() if self.edge_fluxes is None or k not in FLUX_TERMS)

    def _init_solver(self, F) -> None:
        """dolfinx's NonlinearProblem of ``F`` (forms compiled here), the linear-solver preset,
        the Jacobian storage and the Newton solver."""
        msh = self.mesh1d.mesh
        n_dofs = self.W.dofmap.index_map.size_global * self.W.dofmap.index_map_bs
        linear_solver = choose_linear_solver(self.options.linear_solver, n_dofs,
                                             self.comm.size, self.tdim,
                                             compact=getattr(self.params, "body", None)
                                             is not None)
        opts = newton_petsc_options(linear_solver, self.options.max_it,
                                    self.options.petsc_options)
        self.problem = fem_petsc.NonlinearProblem(
            F, self.w, bcs=self.bcs, petsc_options_prefix=f"pvk{id(self)}_",
            petsc_options=opts, jit_options=jit_options(self.options.native_kernels),
        )
        if linear_solver in COARSE_SPACE_PRESETS:
            self._set_coarse_space(msh)
        self._edge_b = self.problem.b.duplicate() if self.edge_fluxes is not None else None
        #: The Jacobian the Newton solver assembles (:meth:`assemble_jacobian`), through
        #: dolfinx's CSR matrix (solver/numerics/jacobian_matrix.py).
        self.jacobian = CSRJacobian(self.problem.J, self.problem.A.getOptionsPrefix(), self.comm)
        self.problem.A.destroy()  # dolfinx's own matrix, never used: free its memory
        if linear_solver in COARSE_SPACE_PRESETS:
            # A Krylov method multiplies by J every iteration. PETSc's "inode" kernel (rows of
            # a node together) is slower here than the plain AIJ one: 8.6 against 3.9 ms per
            # product at 105 075 dofs (docs/performance.md, "Dof layout"). Factorisations keep
            # inodes.
            self.jacobian_matrix.setOption(PETSc.Mat.Option.USE_INODES, False)
        #: The Newton iteration on this problem's SNES (solver/numerics/newton.py).
        self.newton = NewtonSolver(self, self.options, linear_solver)

    @property
    def jacobian_matrix(self):
        """The PETSc matrix of the Newton Jacobian (that of :attr:`jacobian`)."""
        return self.jacobian.mat

    def _edge_flux_assembler(self, msh):
        """An :class:`solver.numerics.edge_assembly.EdgeFluxAssembler` when it applies (the
        three model fields only, hexahedra with exponential fitting and lumped storage, every
        cell a rectangular box, constant temperature, ``options.edge_assembly``), else None."""
        if not (self.options.edge_assembly and self.lumped and len(self.layout.fields) == 3
                and msh.ufl_cell().cellname == "hexahedron"
                and self.flux_scheme == "exponential_fitting" and not self.thermal):
            return None
        return edge_flux_assembler(
            self.W, lambda w, tests, weight, dx: weighted_edge_flux_form(
                w, tests, self.ufl_params, weight, dx), self.dirichlet_dofs)

    def _set_coarse_space(self, msh) -> None:
        """Give the two-level preconditioner (``pc_type mg``) its prolongation from the
        cross-section aggregates (solver/numerics/coarse_space.py); Dirichlet dofs stay out of
        them."""
        P = section_aggregation(self.owned_dofs, self.owned_z, self.dirichlet_dofs,
                                self.n_owned,
                                lambda: median_axial_cell_extent(msh), self.comm)
        self.problem.solver.getKSP().getPC().setMGInterpolation(1, P)

    def model_fields(self, components) -> tuple:
        """(y, u, phi) picked by name from a sequence with one entry per layout field (e.g.
        ``ufl.split(w)`` or the test functions)."""
        return (components[self._iy], components[self._iu], components[self._iphi])

    def build_terms(self, w, w_n, w_nm1, tests, exact_flux_degree: int | None = None) -> dict:
        """All named residual terms for states given as (y, u, phi) tuples of UFL objects.

        ``tests`` holds one test function per layout field (``ufl.TestFunctions(W)``); the
        model's terms take those of y, u and phi.

        The same builder serves the unknowns and, in verification tests, exact solutions given
        as UFL expressions (their weak residual is the manufactured forcing). For the latter,
        ``exact_flux_degree`` evaluates the fluxes as the PDE states them (Galerkin, at that
        quadrature degree) instead of with the problem's flux discretisation, so that the
        forcing does not inherit the discretisation's consistency error.
        """
        y, u, phi = w
        named_tests = dict(zip(self.layout.fields.names, tests, strict=True))
        tests = self.model_fields(tests)
        _, v_u, v_phi = tests
        x = site_fractions(y, u)
        if exact_flux_degree is None:
            fluxes, dx_flux = self.fluxes.fluxes, self.dx_flux
        else:
            fluxes = None  # Galerkin: physics.transport.halide_fluxes
            dx_flux = weighted(ufl.Measure("dx", domain=self.mesh1d.mesh,
                                           metadata={"quadrature_degree": exact_flux_degree}),
                               self.coordinate_weight)
        p = self.ufl_params
        terms = transport_terms(w, w_n, w_nm1, tests, p, self.bdf, self.dx,
                                dx_flux, fluxes)
        body = getattr(p, "body", None)
        if body is not None and body.kind == "film":
            # A film is an effective medium of separate crystals: no lattice hops across it
            # (its transport is body.interdiffusion_*, docs/model.md "Geometries").
            for name in FLUX_TERMS:
                del terms[name]
        x_background = self.background_charge.at_new_time(y, u, p, self.bdf)
        if self.equilibrating:
            terms.update(equilibration_terms(equilibration_rate(y, u, p), v_u, p, self.dx))
        if getattr(p, "body", None) is None:
            terms.update(poisson_terms(phi, x.x_v, x_background, v_phi, p, self.dx))
        else:  # a body is neutral: docs/model.md, "Geometries"
            terms["potential_neutral"] = phi * v_phi * ufl.dx(domain=self.mesh1d.mesh)
        fields = {"y": y, "u": u, "phi": phi}
        for condition in self.conditions:
            terms.update(condition.terms(self, fields, named_tests))
        return terms

    def _contact_scale(self):
        """(left, right) A_cross / A_contact in 3D (the wire's mean cross-section over each
        contact's area), so that a contact injects r per unit cross-section as in 1D; 1 in 1D."""
        if self.tdim == 1 or getattr(self.params, "body", None) is not None:
            return (1.0, 1.0)  # a body has no contacts
        one = fem.Constant(self.mesh1d.mesh, PETSc.ScalarType(1.0))

        def integral(form):
            return self.comm.allreduce(fem.assemble_scalar(fem.form(form)), op=MPI.SUM)

        a_cross = integral(one * ufl.dx(domain=self.mesh1d.mesh)) / self.params.length_um
        areas = [integral(one * self.dS(tag)) for tag in (CONTACT_LEFT, CONTACT_RIGHT)]
        if min(areas) <= 0.0:
            raise ValueError("a contact facet group is empty (no wire bottom on an electrode)")
        return tuple(a_cross / a for a in areas)

    # ------------------------------------------------------------------ background charge
    @property
    def u_background(self):
        """ln of the frozen background x_V,eq(y(z, 0)) (:class:`Background`)."""
        return self.background_charge.u_background

    @property
    def bg_n(self):
        """x_bg at t_n with equilibration (a Function), else None."""
        return self.background_charge.bg_n

    @property
    def bg_nm1(self):
        """x_bg at t_{n-1} with equilibration (a Function), else None."""
        return self.background_charge.bg_nm1

    def background(self) -> np.ndarray:
        """Local nodal values (incl. ghosts) of the Poisson background x_bg [-] at the last
        accepted time: the frozen x_V,eq(y(z, 0)), or the evolving x_bg^n with equilibration
        (in the order of ``dofs`` of u)."""
        return self.background_charge.values()

    def accept_step(self) -> None:
        """Advance the background history after an accepted step (called once ``w`` holds the
        accepted state and the BDF constants are those of that step; :meth:`Background.
        accept`). No-op without equilibration."""
        self.background_charge.accept()

    def history_arrays(self) -> dict:
        """This rank's arrays of state held outside ``w`` (for checkpoints): the background
        history ``bg_n``, ``bg_nm1`` with equilibration, else nothing."""
        return self.background_charge.arrays()

    def restore_history_arrays(self, arrays: dict) -> None:
        """Inverse of :meth:`history_arrays`.

        Raises:
            ValueError: an array is missing or has the wrong length.
        """
        self.background_charge.restore(arrays)

    def total_charge(self) -> float:
        """∫ (x_V - x_bg) dz [µm] at the current state, with x_bg the background of the last
        accepted time (the net vacancy charge per e c_s; conserved without electrode sources,
        with or without equilibration). Same quadrature as the storage terms."""
        if self._total_charge is None:
            bg = self.background_charge.at_last_time()
            self._total_charge = fem.form((self.fractions.x_v - bg) * self.dx)
        return self.comm.allreduce(fem.assemble_scalar(self._total_charge), op=MPI.SUM)

    # ------------------------------------------------------------------ boundary data
    def set_time(self, t: float) -> None:
        """Set every time-dependent constant for time ``t`` [s]: the temperature-dependent
        coefficients (with a temperature protocol), |Δψ(t)| and the contact potentials
        φ = ψ / (k_BT(t)/e), and the equilibrium switch of the electrode sources."""
        if not self.temperature.is_constant:
            th = self.params.thermal_law.state(self.temperature.T_K(t))
            for k, c in self.thermal.items():
                c.value = getattr(th, k)
            self.thermal_voltage_V = th.thermal_voltage_V
        bias_V, left, right = self.bias.contact_potentials(t, self.thermal_voltage_V)
        self.bias_V.value = bias_V
        self.phi_left.value = left
        self.phi_right.value = right
        self.drive = Drive(bias_V, left, right)
        if self.environment is not None:
            self.environment.set_time(t)
        for condition in self.conditions:
            condition.set_time(self, t, self.drive)

    def thermal_voltage_at(self, t: float) -> float:
        """k_BT(t)/e [V] (phi [k_BT/e] times this is psi [V])."""
        if self.temperature.is_constant:
            return self.params.thermal_voltage_V
        return self.params.thermal_law.state(self.temperature.T_K(t)).thermal_voltage_V

    def move_to(self, t: float) -> bool:
        """:meth:`set_time` for the end of the next step. Returns True if the contact
        potentials changed: the next :meth:`set_newton_guess` then starts from t_n with phi
        shifted by the change of the charge-free (harmonic) potential: linear across the gap
        and flat outside (:func:`solver.physics.initial.harmonic_potential`, docs/model.md)."""
        before = (float(self.phi_left.value), float(self.phi_right.value))
        self.set_time(t)
        after = (float(self.phi_left.value), float(self.phi_right.value))
        if before == after:
            self._pending_shift = None
            return False
        self._pending_shift = harmonic_potential(self.z[self._iphi], self.params,
                                                 after[0] - before[0], after[1] - before[1])
        return True

    def set_newton_guess(self, extrapolated: np.ndarray | None) -> None:
        """Start Newton from ``extrapolated`` (a state array), except ln x_V where x_V was
        negligible at t_n (below IRRELEVANT_X_V_OVER_X_REF x_ref), which starts from t_n.
        ``None``: start from the state at t_n, with phi shifted if :meth:`move_to` found the
        contact potentials changed.

        Those nodes do not gate Newton convergence, so an extrapolated ln x_V there would be
        accepted as it is and extrapolated again in the next step: a draining gap would fall
        without bound (e^u underflows within a few tenths of a second).
        """
        if extrapolated is None:
            self.w.x.array[:] = self.w_n.x.array
            if self._pending_shift is not None:
                self.set_field("phi", self.field("phi") + self._pending_shift)
            return
        self.w.x.array[:] = extrapolated
        if self.newton.vacancies is not None:
            keep = self.newton.vacancies.negligible_dofs(self.w_n.x.array)
            self.w.x.array[keep] = self.w_n.x.array[keep]
        self.w.x.scatter_forward()

    # ------------------------------------------------------------------ the stepper's view
    @property
    def state(self) -> np.ndarray:
        """Local array (owned + ghost) of the current iterate / latest state ``w``."""
        return self.w.x.array

    @property
    def previous(self) -> np.ndarray:
        """Local array of the last accepted state ``w_n``."""
        return self.w_n.x.array

    def accept(self) -> None:
        """Accept the current ``w`` as the state at the end of the step just solved (the BDF
        constants are that step's): advance the background history (:meth:`accept_step`),
        then w_{n-1} <- w_n <- w."""
        self.accept_step()
        self.w_nm1.x.array[:] = self.w_n.x.array
        self.w_n.x.array[:] = self.w.x.array

    def state_arrays(self) -> dict:
        """This rank's arrays that define the state, for checkpoints: ``w``, ``w_n``,
        ``w_nm1`` (local, owned + ghost) and the :meth:`history_arrays`."""
        return {"w_n": self.w_n.x.array.copy(), "w_nm1": self.w_nm1.x.array.copy(),
                "w": self.w.x.array.copy(), **self.history_arrays()}

    def restore_state_arrays(self, arrays: dict) -> None:
        """Inverse of :meth:`state_arrays`.

        Raises:
            ValueError: an array is missing or its length is not this rank's dof count.
        """
        n = self.w.x.array.size
        for name in ("w", "w_n", "w_nm1"):
            if arrays[name].shape != (n,):
                raise ValueError(f"checkpoint array {name} has {arrays[name].size} values, "
                                 f"this rank has {n} dofs")
        for name, f in (("w", self.w), ("w_n", self.w_n), ("w_nm1", self.w_nm1)):
            f.x.array[:] = arrays[name]
        for f in (self.w, self.w_n, self.w_nm1):
            f.x.scatter_forward()
        self.restore_history_arrays(arrays)

    # ------------------------------------------------------------------ field access
    def field(self, name: str, func: fem.Function = None) -> np.ndarray:
        """Local dof values (incl. ghosts) of one field of ``func`` (default: current state).

        Raises:
            KeyError: no field of that name in the layout.
        """
        return self.layout.values(name, (func or self.w).x.array)

    def set_field(self, name: str, values, func: fem.Function = None) -> None:
        """Set the local dof values of one field."""
        self.layout.set_values(name, (func or self.w).x.array, values)

    def field_functions(self) -> list:
        """Every field as a Function on its collapsed space (layout order), filled from the
        current state.

        The Functions are created once and refreshed on each call (for pointwise evaluation,
        which dolfinx does not support on mixed spaces).
        """
        if not hasattr(self, "_field_funcs"):
            self._field_funcs = [fem.Function(V) for V in self.spaces]
        for i, f in enumerate(self._field_funcs):
            f.x.array[:] = self.w.x.array[self.dofs[i]]
        return self._field_funcs

    def initialise(self) -> None:
        """Set w, w_n, w_nm1 to the initial state.

        Model: docs/model.md, "Initial and boundary conditions".

        With a step bias (no ramp) the state at t = 0+ carries the charge-free potential of the
        applied bias (vacancies have not moved yet); with a ramp, phi(0) = 0.
        """
        self.set_time(0.0)
        p = self.params
        phi0 = harmonic_potential(
            self.z[self._iphi], p, float(self.phi_left.value), float(self.phi_right.value)
        )
        for f in (self.w, self.w_n, self.w_nm1):
            self.set_field("y", initial_composition(self.z[self._iy], p), f)
            self.set_field("u", initial_ln_vacancy(self.z[self._iu], p), f)
            self.set_field("phi", phi0, f)
            f.x.scatter_forward()
        self.background_charge.reset()

    # ------------------------------------------------------------------ diagnostics
    def totals(self) -> tuple[float, float]:
        """Return (∫ x_Br dz, ∫ x_V dz) [µm] over the wire, summed over ranks."""
        tb = self.comm.allreduce(fem.assemble_scalar(self._total_br), op=MPI.SUM)
        tv = self.comm.allreduce(fem.assemble_scalar(self._total_v), op=MPI.SUM)
        return tb, tv

    # ------------------------------------------------------------------ assembly
    def impose_boundary_values(self) -> None:
        """Set the Dirichlet dofs of ``w`` (local, with ghosts) to the contact potentials."""
        impose_boundary_values(self.w, self.bcs)

    def assemble_residual(self, x, b) -> None:
        """F(x) into ``b`` (:func:`solver.numerics.assembly.assemble_residual`); also sets
        ``w`` to ``x``. Unscaled: the Newton solver scales its rows."""
        assemble_residual(self, x, b)

    def assemble_jacobian(self, x) -> None:
        """J(x) into :attr:`jacobian_matrix` (:func:`solver.numerics.assembly.
        assemble_jacobian`); also sets ``w`` to ``x``. Unscaled."""
        assemble_jacobian(self, x)

    # ------------------------------------------------------------------ Newton
    @property
    def linear_solver(self) -> str:
        """The linear-solver preset in use (solver.numerics.linear_solvers); may change from "lu" to
        "mumps" during the run (:meth:`solver.numerics.newton.NewtonSolver.solve`)."""
        return self.newton.linear_solver

    @property
    def newton_stol(self) -> float:
        """Newton's convergence tolerance in use (``solver.newton_stol``, resolved)."""
        return self.newton.stol

    @property
    def jacobian_reuse_steps(self) -> int:
        """Newton solves that may share one Jacobian (``solver.jacobian_reuse_steps``)."""
        return self.newton.jacobian_reuse_steps

    def invalidate_jacobian(self) -> None:
        """Assemble the Jacobian afresh at the next Newton solve (the drive jumped)."""
        self.newton.invalidate_jacobian()

    def solve(self) -> NewtonStats:
        """Run one Newton solve from the current ``w`` (see
        :meth:`solver.numerics.newton.NewtonSolver.solve`)."""
        return self.newton.solve()
