"""A small linear solver for the film heat equation of :mod:`solver.physics.heat`, steady and
transient (backward Euler, or BDF2 after one backward-Euler step), on any dolfinx mesh in µm
(1D interval, 2D disk or square, 3D).

The source q(x, t) [W/m³] is a number, or a numpy callable ``q(x_um, t_s)`` of points (N, 3)
[µm] returning (N,) (e.g. :func:`solver.physics.heat.gaussian_beam_W_per_m3` in a lambda); it
is interpolated into the temperature space at every solve (time t_{n+1} for a step). The
boundary is insulated, or (``fixed_boundary=True``) held at T_sub. Each solve assembles and
solves the linear system with dolfinx's ``LinearProblem`` (LU by default).

``coordinate`` selects the 1D reduction of :mod:`solver.numerics.measures`: "cartesian" (the
default: the mesh as it is, the forms of before bit for bit), "cylindrical" (a 1D mesh on
[0, R] is the radius of a disc, every integral weighted by r: -k (1/r)(r T')' + h (T - T_sub)
= q, insulated at r = R, no condition needed at r = 0) or "spherical" (weight r²). A film body
(``body.kind: film``) is the cylindrical reduction, centred on the beam:
:func:`laser_rise_profile` solves its steady laser heating (docs/nanocrystals.md,
"Temperature as a field").

Results carry the dolfinx Function and numpy arrays: the dof coordinates (N, 3) [µm] and
T [K] at them, so that the temperature can be handed to code that evaluates rates pointwise.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import dolfinx
import dolfinx.fem.petsc
import numpy as np
import ufl

from solver.numerics.measures import coordinate_weight, weighted
from solver.physics.heat import (
    HeatParameters,
    beam_peak_W_per_m3,
    gaussian_beam_W_per_m3,
    heat_residual,
)

__all__ = ["HeatHistory", "HeatSolution", "laser_rise_profile", "solve_heat_steady",
           "solve_heat_transient"]

_DEFAULT_PETSC = {"ksp_type": "preonly", "pc_type": "lu"}
_SCHEMES = ("euler", "bdf2")
_prefix_counter = itertools.count()


@dataclass
class HeatSolution:
    """A steady temperature.

    Attributes:
        function: T [K] as a dolfinx Function (Lagrange, the requested degree).
        x_um: dof coordinates, shape (N, 3) [µm].
        T_K: T at them, shape (N,) [K].
    """

    function: dolfinx.fem.Function
    x_um: np.ndarray
    T_K: np.ndarray


@dataclass
class HeatHistory:
    """A transient temperature.

    Attributes:
        function: T [K] at the last time, a dolfinx Function.
        x_um: dof coordinates, shape (N, 3) [µm].
        times_s: output times, shape (M,) [s] (t = 0 first).
        T_K: T at the dofs at those times, shape (M, N) [K].
    """

    function: dolfinx.fem.Function
    x_um: np.ndarray
    times_s: np.ndarray
    T_K: np.ndarray


class _HeatForms:
    """Space, constants, source and boundary condition shared by the steady and transient
    solvers."""

    def __init__(self, mesh, params: HeatParameters, source, degree: int,
                 fixed_boundary: bool, coordinate: str = "cartesian"):
        self.params = params
        # cartesian: ufl.dx itself (the forms of before); else dx weighted by r or r².
        self.dx = weighted(ufl.dx, coordinate_weight(mesh, coordinate))
        self.V = dolfinx.fem.functionspace(mesh, ("Lagrange", degree))
        scalar = dolfinx.default_scalar_type
        self.inv_a = dolfinx.fem.Constant(mesh, scalar(1.0 / params.diffusivity_um2_per_s))
        self.inv_l2 = dolfinx.fem.Constant(mesh, scalar(params.inverse_sink_length_sq_per_um2))
        self.T_sub = dolfinx.fem.Constant(mesh, scalar(params.T_substrate_K))
        self.q = dolfinx.fem.Function(self.V, name="q_over_k")
        self.source = source
        self.bcs = []
        if fixed_boundary:
            fdim = mesh.topology.dim - 1
            mesh.topology.create_connectivity(fdim, mesh.topology.dim)
            facets = dolfinx.mesh.exterior_facet_indices(mesh.topology)
            dofs = dolfinx.fem.locate_dofs_topological(self.V, fdim, facets)
            self.bcs = [dolfinx.fem.dirichletbc(scalar(params.T_substrate_K), dofs, self.V)]

    def update_source(self, t_s: float) -> None:
        """q/k [K/µm²] at time ``t_s`` [s] into the source function."""
        scale = self.params.source_scale()
        if callable(self.source):
            src = self.source
            self.q.interpolate(lambda x: scale * np.asarray(src(x.T, t_s), dtype=float))
        else:
            self.q.x.array[:] = scale * float(self.source)
        self.q.x.scatter_forward()

    def residual(self, T, v, rate=None):
        return heat_residual(T, v, inv_diffusivity=self.inv_a, inv_sink_length_sq=self.inv_l2,
                             T_substrate=self.T_sub, source_over_k=self.q, dx=self.dx,
                             rate=rate)

    def problem(self, F, u, petsc_options):
        a, L = ufl.system(F)
        return dolfinx.fem.petsc.LinearProblem(
            a, L, bcs=self.bcs, u=u, petsc_options=petsc_options or _DEFAULT_PETSC,
            petsc_options_prefix=f"heat{next(_prefix_counter)}_")


def solve_heat_steady(mesh, params: HeatParameters, source_W_per_m3=0.0, *, degree: int = 1,
                      fixed_boundary: bool = False, petsc_options: dict | None = None,
                      coordinate: str = "cartesian") -> HeatSolution:
    """The steady temperature: -div(k grad T) + h (T - T_sub) = q (solver/physics/heat.py).

    Args:
        mesh: a dolfinx mesh with coordinates in µm.
        params: thermal parameters; an insulated boundary needs h > 0 (else the problem is
            singular).
        source_W_per_m3: q, a number or ``q(x_um, t_s)`` (called with t_s = 0.0).
        degree: Lagrange degree of T.
        fixed_boundary: T = T_sub on the boundary (default: insulated).
        petsc_options: linear-solver options (default LU).
        coordinate: "cartesian" (default), "cylindrical" (weight r) or "spherical" (weight
            r²) on a 1D mesh [0, R] (module docstring).

    Returns:
        :class:`HeatSolution`.

    Raises:
        ValueError: no sink and no fixed boundary (no steady state); an unknown coordinate,
            or a curvilinear one on a mesh that is not 1D.
    """
    if params.sink_W_per_m3_K == 0 and not fixed_boundary:
        raise ValueError("solve_heat_steady: no sink (h = 0) and an insulated boundary: "
                         "there is no steady state")
    forms = _HeatForms(mesh, params, source_W_per_m3, degree, fixed_boundary, coordinate)
    forms.update_source(0.0)
    T, v = ufl.TrialFunction(forms.V), ufl.TestFunction(forms.V)
    u = dolfinx.fem.Function(forms.V, name="T_K")
    forms.problem(forms.residual(T, v), u, petsc_options).solve()
    u.x.scatter_forward()
    return HeatSolution(u, forms.V.tabulate_dof_coordinates(), u.x.array.copy())


def solve_heat_transient(mesh, params: HeatParameters, source_W_per_m3=0.0, *, t_end_s: float,
                         dt_s: float, T_initial_K=None, scheme: str = "bdf2",
                         degree: int = 1, fixed_boundary: bool = False,
                         petsc_options: dict | None = None,
                         coordinate: str = "cartesian") -> HeatHistory:
    """ρc ∂T/∂t - div(k grad T) + h (T - T_sub) = q(x, t) from T(0) = ``T_initial_K`` with a
    fixed step.

    Args:
        mesh, params, degree, fixed_boundary, petsc_options, coordinate: as
            :func:`solve_heat_steady`.
        source_W_per_m3: q, a number or ``q(x_um, t_s)`` (evaluated at the end of each step).
        t_end_s: end time [s] (> 0).
        dt_s: step [s] (> 0); the last step is shortened to land on ``t_end_s`` (BDF2 then
            takes it as backward Euler).
        T_initial_K: initial T, a number or ``T(x_um)`` -> (N,) [K]; default T_sub.
        scheme: "euler" (backward Euler, first order) or "bdf2" (second order; the first and
            any shortened last step are backward Euler).

    Returns:
        :class:`HeatHistory` with every step.

    Raises:
        ValueError: a bad scheme, step or end time.
    """
    if scheme not in _SCHEMES:
        raise ValueError(f"solve_heat_transient: scheme {scheme!r} is not one of {_SCHEMES}")
    if not (t_end_s > 0 and dt_s > 0):
        raise ValueError(f"solve_heat_transient: t_end_s ({t_end_s}) and dt_s ({dt_s}) must "
                         "be > 0")
    forms = _HeatForms(mesh, params, source_W_per_m3, degree, fixed_boundary, coordinate)
    u = dolfinx.fem.Function(forms.V, name="T_K")
    T_n = dolfinx.fem.Function(forms.V)
    T_nm1 = dolfinx.fem.Function(forms.V)
    init = params.T_substrate_K if T_initial_K is None else T_initial_K
    if callable(init):
        T_n.interpolate(lambda x: np.asarray(init(x.T), dtype=float))
    else:
        T_n.x.array[:] = float(init)
    scalar = dolfinx.default_scalar_type
    # rate = (c0 T - c1 T_n - c2 T_{n-1}) / dt: backward Euler (1, 1, 0), BDF2 (3/2, 2, -1/2).
    c = [dolfinx.fem.Constant(mesh, scalar(v)) for v in (1.0, 1.0, 0.0)]
    dt = dolfinx.fem.Constant(mesh, scalar(dt_s))
    T, v = ufl.TrialFunction(forms.V), ufl.TestFunction(forms.V)
    rate = (c[0] * T - c[1] * T_n - c[2] * T_nm1) / dt
    problem = forms.problem(forms.residual(T, v, rate), u, petsc_options)
    times, history, t, n = [0.0], [T_n.x.array.copy()], 0.0, 0
    while t < t_end_s * (1 - 1e-12):
        step = min(dt_s, t_end_s - t)
        bdf2 = scheme == "bdf2" and n > 0 and abs(step - dt_s) <= 1e-12 * dt_s
        for const, value in zip(c, (1.5, 2.0, -0.5) if bdf2 else (1.0, 1.0, 0.0), strict=True):
            const.value = value
        dt.value = step
        t += step
        forms.update_source(t)
        problem.solve()
        u.x.scatter_forward()
        T_nm1.x.array[:] = T_n.x.array
        T_n.x.array[:] = u.x.array
        times.append(t)
        history.append(u.x.array.copy())
        n += 1
    return HeatHistory(u, forms.V.tabulate_dof_coordinates(), np.array(times),
                       np.array(history))


def laser_rise_profile(mesh, laser) -> tuple[np.ndarray, np.ndarray]:
    """The steady rise T_ss - T_sub [K] of a film under a Gaussian beam, at the P1 nodes of
    ``mesh``: -k div(grad T) + (G/l)(T - T_sub) = q, q = 2 P_abs/(π w0² l) exp(-2r²/w0²)
    (solver/physics/heat.py; seed 004 eq. 4, line 153), insulated at the mesh's boundary.

    Args:
        mesh: a dolfinx mesh in µm; with ``laser.coordinate`` "cylindrical", a 1D mesh on
            [0, R], r = the distance from the beam axis.
        laser: a :class:`solver.model.solved_laser.SolvedLaserHeating` (power, waist,
            absorbed and heat fractions, thickness, k, ρc, G, coordinate).

    Returns:
        (r_um (N,) the in-plane distance of each node from the beam centre [µm], rise_K (N,)
        [K]), sorted by r.
    """
    params = HeatParameters(laser.conductivity_W_per_m_K, laser.heat_capacity_J_per_m3_K,
                            laser.sink_W_per_m3_K, laser.T_ref_K)
    peak = beam_peak_W_per_m3(laser.power_W, laser.waist_um, laser.thickness_nm * 1e-3,
                              laser.absorbed_fraction * laser.heat_fraction)
    sol = solve_heat_steady(
        mesh, params, lambda x, _t: gaussian_beam_W_per_m3(x, peak, laser.waist_um),
        coordinate=laser.coordinate)
    r = np.hypot(sol.x_um[:, 0], sol.x_um[:, 1])
    order = np.argsort(r, kind="stable")
    return r[order], sol.T_K[order] - laser.T_ref_K
