"""Newton control of the transport problem's PETSc SNES: damping, convergence, row scaling,
Jacobian reuse and the linear-solver fallback.

:class:`NewtonSolver` drives the SNES of a :class:`solver.numerics.problem.TransportProblem`, which
supplies the unscaled residual and Jacobian (``assemble_residual(x, b)``,
``assemble_jacobian(x)``); this module holds no forms. Method (docs/model.md, "Numerical
method"):

- damping: a line-search pre-check clips each Newton update node by node so that |δphi| and
  |δ ln x_V| do not exceed ``max_update`` thermal units, and keeps x_V <= 1;
- convergence: the estimated error of the iterate, from the scaled max-norm of the (damped)
  update and its contraction, falls below ``stol`` (:func:`resolve_newton_stol`; the residual
  rows have very different natural scales, so a residual norm is not a reliable test); an
  exactly zero residual at iteration 0 also counts as converged;
- row scaling: each vacancy row is divided by the largest x_V/x_ref around its node
  (:meth:`NewtonSolver._set_row_scale`), which leaves the Newton step unchanged;
- Jacobian reuse: within a solve once the update is small, and across time steps on 2D/3D
  meshes (``solver.jacobian_reuse_steps``, :meth:`NewtonSolver.start_with_previous_jacobian`);
- linear solves: the presets of :mod:`solver.numerics.linear_solvers`, with MUMPS as the fallback of
  those that can fail (:meth:`NewtonSolver.solve`).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

from solver.numerics.linear_solvers import MUMPS_FALLBACK_PRESETS

# Vacancy nodes inside a depleted region -- x_V below 1e-20 x_ref on the node and on every node
# of the cells around it -- do not gate Newton convergence. Such vacancies carry no measurable
# charge (1e-20 of the background), content or halide transport (both scale with x_V), while
# Newton in ln x_V can lower ln x_V by only ~1 per iteration (the step for e^u a = b is
# -1 + b e^{-u}/a), so a gap draining from 1e-13 to 1e-120 would otherwise need ~250 iterations.
# They keep relaxing in later steps. Nodes at the edge of such a region do gate: with lumped
# storage their balance is dominated by the flux from the relevant neighbour, and leaving it
# unconverged loses vacancies (1e-4 of the total in 4 h at 4 V/µm without sources).
IRRELEVANT_X_V_OVER_X_REF = 1e-20

#: Largest Newton update [scaled max norm] for which the remaining error is estimated from the
#: contraction rate (see NewtonSolver.remaining_error_estimate).
NEWTON_ESTIMATE_MAX_UPDATE = 1e-3

#: Largest Newton update [scaled max norm] after which the next iteration reuses the Jacobian
#: and its factorisation (see NewtonSolver._jacobian).
JACOBIAN_REUSE_MAX_UPDATE = 1e-3

#: Cross-step Jacobian reuse (NewtonSolver.start_with_previous_jacobian): solves that may
#: share one Jacobian with ``solver.jacobian_reuse_steps: auto`` on 2D/3D meshes (on intervals
#: auto means 0: there residual evaluations, not assemblies, dominate, and the extra chord
#: iterations cost more than the saved assemblies: reference_forward 2.13 s against 2.01 s).
JACOBIAN_REUSE_STEPS_AUTO = 20
#: Refresh when a0/dt changed by more than this fraction since the assembly ...
STALE_JACOBIAN_MAX_RATE_CHANGE = 0.3
#: ... or, during the solve, when an update is larger than this [scaled max norm] or
#: contracts by less than this factor over the previous one.
STALE_JACOBIAN_MAX_UPDATE = 1.0
STALE_JACOBIAN_MAX_CONTRACTION = 0.1

#: ``solver.newton_stol: auto`` (see :func:`resolve_newton_stol`).
NEWTON_STOL_AUTO = 1e-6

#: NewtonStats.reason when PETSc raised an error (e.g. a failed factorisation) instead of
#: returning a converged reason.
REASON_PETSC_ERROR = -99


def resolve_jacobian_reuse_steps(requested: int | str, tdim: int) -> int:
    """``solver.jacobian_reuse_steps`` as a number: "auto" is 0 on intervals and
    :data:`JACOBIAN_REUSE_STEPS_AUTO` on 2D/3D meshes; a number is returned as given."""
    if requested == "auto":
        return 0 if tdim == 1 else JACOBIAN_REUSE_STEPS_AUTO
    return int(requested)


def resolve_newton_stol(requested: float | str) -> float:
    """``solver.newton_stol`` as a number: "auto" is :data:`NEWTON_STOL_AUTO` (1e-6); a number
    is returned as given.

    The tolerance bounds the max-norm error Newton leaves in (y, ln x_V, phi) at each step;
    the time-step error test allows 2e-3 in y (``time.tol_y``) and 0.05 in ln x_V and phi, so
    1e-6 is far below the time discretisation error; CVODE's rule, 0.1 of the error-test
    tolerance (Hindmarsh et al., ACM TOMS 31 (2005) 363), would allow 2e-4. Measured against
    1e-9 (docs/performance.md): wire3d.yaml, 4 h, 2546 -> 1977 Newton iterations, L_m changed
    by 1e-8 and the lateral front spread by 1.4e-7 relative; the 1D reference_forward case
    1675 -> 1584 iterations, L_m changed by 1.4e-12 relative (reference_reverse 4e-11,
    thermal_100C 1e-10, forward_then_reverse 2e-12).
    """
    if requested == "auto":
        return NEWTON_STOL_AUTO
    return float(requested)


def _schema_default(key: str):
    """The default of ``solver.<key>`` in the case schema (solver/config/numerics.py)."""
    from solver.config.numerics import Solver

    return Solver.model_fields[key].get_default(call_default_factory=True)


@dataclass
class SolverOptions:
    """Newton and linear-solver settings of a problem (docs/case_format.md, section ``solver``).

    The defaults are the case schema's (one home: :class:`solver.config.numerics.Solver`);
    :meth:`from_config` maps a validated ``solver`` section.
    """

    max_it: int = field(default_factory=lambda: _schema_default("newton_max_it"))
    stol: float | str = field(default_factory=lambda: _schema_default("newton_stol"))
    max_update: float = field(default_factory=lambda: _schema_default("max_update_VT"))
    linear_solver: str = field(default_factory=lambda: _schema_default("linear_solver"))
    petsc_options: dict = field(default_factory=lambda: _schema_default("petsc_options"))
    native_kernels: bool = field(default_factory=lambda: _schema_default("native_kernels"))
    jacobian_reuse_steps: int | str = field(
        default_factory=lambda: _schema_default("jacobian_reuse_steps"))
    edge_assembly: bool = field(default_factory=lambda: _schema_default("edge_assembly"))

    @classmethod
    def from_config(cls, sv) -> SolverOptions:
        """The options of a validated ``solver`` section (:class:`solver.config.numerics.
        Solver`)."""
        return cls(max_it=sv.newton_max_it, stol=sv.newton_stol, max_update=sv.max_update_VT,
                   linear_solver=sv.linear_solver, petsc_options=dict(sv.petsc_options),
                   native_kernels=sv.native_kernels,
                   jacobian_reuse_steps=sv.jacobian_reuse_steps,
                   edge_assembly=sv.edge_assembly)


@dataclass
class NewtonStats:
    """Outcome of one Newton solve.

    ``failed_field`` and ``failed_at_um`` locate the largest last update (a field name of the
    problem's layout, position along the wire [µm]); after a PETSc error they are "linear solve"
    and NaN, and ``error`` holds the first line of PETSc's message.
    """

    converged: bool
    iterations: int
    reason: int
    failed_field: str = ""
    failed_at_um: float = float("nan")
    linear_iterations: int = 0
    jacobian_assemblies: int = 0
    error: str = ""


def weak_callback(method):
    """``method`` (a bound method) as a callable that does not keep its object alive.

    PETSc holds a SNES's Python callbacks in C, where Python's garbage collector cannot see
    them: a bound method there closes a reference cycle (problem -> SNES -> method -> problem)
    that is never collected, so every problem built in a process stayed in memory with its
    mesh, matrices and MPI communicators (13 per 1D problem: after ~150 problems in one process
    MPICH ran out of communicators, and the test suite exited with status 15, MPI_ERR_OTHER).
    Calling it after its object was freed raises ReferenceError.
    """
    ref, name = weakref.WeakMethod(method), method.__qualname__

    def call(*args):
        target = ref()
        if target is None:
            raise ReferenceError(f"{name}: its object no longer exists")
        return target(*args)

    return call


def petsc_error_line(exc: Exception) -> str:
    """A PETSc error as one line: its code, the innermost PETSc function and its messages.

    petsc4py's text is ``error code N`` followed by ``[rank] Function() at file:line`` lines
    (outermost first) and the message lines, e.g. ``PETSc error 73 in
    MatLUFactorSymbolic_SeqAIJ() (Object is in wrong state; Matrix is missing diagonal
    entries)``.
    """
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    head = lines[0].replace("error code", "PETSc error")
    body = [re.sub(r"^\[\d+\]\s*", "", line) for line in lines[1:]]
    where = [b.split(" at ", 1)[0] for b in body if "() at " in b]
    messages = [b for b in body if "() at " not in b]
    text = head + (f" in {where[-1]}" if where else "")
    return text + (" (" + "; ".join(messages) + ")" if messages else "")


class VacancyNeighbourhood:
    """Largest ln x_V around each owned vacancy node, and the nodes where x_V is negligible.

    Args:
        cell_dofs: (n_cells, dofs per cell) vacancy dofs of each cell (parent numbering).
        owned_dofs: (n,) owned vacancy dofs (indices into the mixed array).
        n_owned: number of owned entries of the mixed array (rows above are ghosts).
        x_ref: reference vacancy fraction [-] of the parameters.
    """

    def __init__(self, cell_dofs: np.ndarray, owned_dofs: np.ndarray, n_owned: int,
                 x_ref: float):
        self.cell_dofs = cell_dofs
        flat = cell_dofs.ravel()
        order = np.argsort(flat, kind="stable")
        nodes = flat[order]
        starts = np.flatnonzero(np.r_[True, nodes[1:] != nodes[:-1]])
        cells = order // cell_dofs.shape[1]
        owned = nodes[starts] < n_owned
        # Keep the incidence of owned nodes only (ghost rows are not scaled).
        keep = np.repeat(owned, np.diff(np.r_[starts, nodes.size]))
        nodes, cells = nodes[keep], cells[keep]
        #: ``cells[starts[j]:starts[j+1]]`` are the cells around the owned vacancy dof
        #: ``nodes[j]`` (sorted by dof).
        self.starts = np.flatnonzero(np.r_[True, nodes[1:] != nodes[:-1]])
        self.nodes = nodes[self.starts]
        self.cells = cells
        self.owned_dofs = owned_dofs
        self._owned_position = np.searchsorted(self.nodes, owned_dofs)
        self.ln_x_v_irrelevant = float(np.log(IRRELEVANT_X_V_OVER_X_REF * x_ref))

    def max_ln_x_v(self, w_local: np.ndarray) -> np.ndarray:
        """Largest ln x_V over the cells around each owned vacancy dof, in the order of
        :attr:`nodes` (``w_local``: a mixed array with ghosts)."""
        cell_max = w_local[self.cell_dofs].max(axis=1)
        return np.maximum.reduceat(cell_max[self.cells], self.starts)

    def negligible(self, node_max: np.ndarray) -> np.ndarray:
        """Mask over ``owned_dofs``: x_V below IRRELEVANT_X_V_OVER_X_REF x_ref on the node and
        on every node of the cells around it (inside a depleted region, not at its edge);
        ``node_max`` from :meth:`max_ln_x_v`."""
        return node_max[self._owned_position] <= self.ln_x_v_irrelevant

    def negligible_dofs(self, w_local: np.ndarray) -> np.ndarray:
        """Owned vacancy dofs where x_V is negligible in the mixed array ``w_local``."""
        return self.owned_dofs[self.negligible(self.max_ln_x_v(w_local))]


class NewtonSolver:
    """The Newton iteration of a :class:`solver.numerics.problem.TransportProblem`.

    Registers its callbacks on the problem's SNES (``problem.problem.solver``): residual and
    Jacobian (the problem's, row-scaled), the damping pre-check and the convergence test.

    Args:
        problem: supplies ``w`` (the iterate), ``bdf``, ``comm``, ``layout`` (the fields: which
            are damped, bounded and row-scaled; owned dofs and their z), ``W`` (cell dofs of
            the row-scaled field), ``params.x_ref``, ``edge_fluxes``,
            ``impose_boundary_values()``, ``assemble_residual(x, b)``,
            ``assemble_jacobian(x)``, ``jacobian_matrix`` and ``problem`` (dolfinx's
            NonlinearProblem, whose SNES and vectors are used).
        options: :class:`SolverOptions` (``max_it``, ``stol``,
            ``max_update``, ``jacobian_reuse_steps``; "auto" values are resolved by the
            mesh's dimension).
        linear_solver: the preset in use (:mod:`solver.numerics.linear_solvers`).
    """

    def __init__(self, problem, options, linear_solver: str):
        self.problem = problem
        self.options = options
        #: The linear-solver preset in use; may change to "mumps" during the run (:meth:`solve`).
        self.linear_solver = linear_solver
        self.comm = problem.comm
        self.snes = problem.problem.solver
        layout = problem.layout
        self._fields = layout.fields
        self._owned_dofs = layout.owned_dofs
        self._owned_z = layout.owned_z
        #: Position of the row-scaled field (ln x_V), or None.
        self._scaled = layout.fields.row_scaled_index
        #: Neighbourhoods of the row-scaled field's nodes (None without such a field).
        self.vacancies = None if self._scaled is None else VacancyNeighbourhood(
            problem.W.sub(self._scaled).dofmap.list.astype(np.int64),
            layout.owned_dofs[self._scaled], layout.n_owned, problem.params.x_ref)
        self._node_max_u = None
        #: Row scale of the residual and Jacobian (see :meth:`_set_row_scale`).
        self.row_scale = problem.problem.b.duplicate()
        self.row_scale.set(1.0)
        self.snes.setFunction(weak_callback(self._residual), problem.problem.b)
        self.snes.setJacobian(weak_callback(self._jacobian), problem.jacobian_matrix, None)
        self.snes.setLineSearchPreCheck(weak_callback(self._precheck))
        self.snes.setConvergenceTest(weak_callback(self._converged))
        self._last_update = self._prev_update = np.inf
        self._last_update_field = ""
        self._last_update_z = float("nan")
        #: Whether the next Jacobian evaluation keeps the current matrix.
        self.reuse_jacobian = False
        #: Cross-step reuse (see :meth:`start_with_previous_jacobian`): the storage
        #: coefficient a0/dt [1/s] the current matrix was assembled with (None: no usable
        #: matrix), the Newton solves since, and whether this solve started with it.
        self._jacobian_rate = None
        self.jacobian_age = 0
        self._stale_start = False
        self._assemblies = 0
        #: Newton solves that may share one Jacobian (``solver.jacobian_reuse_steps``).
        self.jacobian_reuse_steps = resolve_jacobian_reuse_steps(
            options.jacobian_reuse_steps, problem.tdim)
        #: Convergence tolerance [scaled max norm] (``solver.newton_stol``).
        self.stol = resolve_newton_stol(options.stol)

    # ------------------------------------------------------------------ SNES callbacks
    def _residual(self, snes, x, b) -> None:
        """The problem's F(x), row-scaled (see :meth:`_set_row_scale`)."""
        if self.vacancies is not None and (not self.reuse_jacobian or self._stale_start):
            # With a matrix from an earlier step, the scale stays the matrix's but the
            # negligible-vacancy mask of the convergence test follows the iterate.
            self._set_row_scale(x, update_scale=not self.reuse_jacobian)
        self.problem.assemble_residual(x, b)
        b.pointwiseMult(b, self.row_scale)

    def _jacobian(self, snes, x, A, P) -> None:
        """J(x), row-scaled like the residual; or, in the quadratic regime, the previous J.

        Once the last Newton update was below JACOBIAN_REUSE_MAX_UPDATE, the next iterate is
        that close to the one the Jacobian (and its factorisation) belongs to, and reusing both
        changes the next update only by ~|update| relatively (a chord step): the iteration count
        is unchanged and one assembly and factorisation per time step are saved. The matrix is
        left untouched, so PETSc keeps its factorisation; the row scaling is frozen with it
        (see :meth:`_residual`).
        """
        if self.reuse_jacobian:
            return
        self._jacobian_rate = self._storage_rate()
        self.jacobian_age = 0
        self._stale_start = False
        self._assemblies += 1
        self.problem.assemble_jacobian(x)
        A.diagonalScale(self.row_scale, None)

    def _set_row_scale(self, x, update_scale: bool = True) -> None:
        """Divide each vacancy row by the largest x_V/x_ref among its node and cell neighbours.

        In a depleted gap x_V reaches 1e-270 and whole Jacobian rows scale with it. Dividing
        residual and Jacobian rows by the same positive numbers, evaluated at the same iterate,
        leaves the Newton step unchanged (F + J d = 0 iff D F + D J d = 0) and the discrete
        equations unchanged (hence conservation), but keeps every row's largest entry O(1) for
        the LU factorisation. SNES evaluates F(x) before J(x), so the Jacobian reuses it.
        """
        with x.localForm() as loc:
            node_max = self.vacancies.max_ln_x_v(loc.array)
        self._node_max_u = node_max
        if not update_scale:
            return
        ln_scale = np.clip(np.log(self.problem.params.x_ref) - node_max, 0.0, 690.0)
        arr = self.row_scale.getArray()
        arr[self.vacancies.nodes] = np.exp(ln_scale)
        self.row_scale.setArray(arr)

    def _update_norms(self, dw: np.ndarray) -> list[tuple[float, float]]:
        """Per-field (max |update|, its z [µm]) on owned dofs, in layout order (the row-scaled
        field's update is ignored where its fraction is negligible)."""
        norms = []
        for i, dofs in enumerate(self._owned_dofs):
            d = np.abs(dw[dofs])
            if i == self._scaled:
                d[self.vacancies.negligible(self._node_max_u)] = 0.0
            if d.size:
                k = int(np.argmax(d))
                norms.append((float(d[k]), float(self._owned_z[i][k])))
            else:
                norms.append((0.0, float("nan")))
        return norms

    def _precheck(self, x, y_vec):
        """Limit the Newton direction node by node (PETSc applies x <- x - y).

        The update of each damped field (:attr:`solver.numerics.layout.Field.damped`: |δphi|
        and |δ ln x_V|) is clipped to ``max_update`` thermal units. Clipping per node, rather
        than scaling the whole vector, matters for log variables: where x_V is many decades
        too small the Newton step in ln x_V is enormous, and a global scaling would freeze
        every other node. Then fields with an upper bound stay at or below it (x_V <= 1:
        ln x_V <= 0).
        """
        cap = self.options.max_update
        with y_vec.localForm() as loc:
            dw = loc.array
            for f, idx in zip(self._fields, self._owned_dofs, strict=True):
                if f.damped:
                    dw[idx] = np.clip(dw[idx], -cap, cap)
            with x.localForm() as xl:
                for f, idx in zip(self._fields, self._owned_dofs, strict=True):
                    if f.upper_bound is None:
                        continue
                    # The new iterate is x - dw <= bound.
                    bound = xl.array[idx] if f.upper_bound == 0.0 else \
                        xl.array[idx] - f.upper_bound
                    dw[idx] = np.maximum(dw[idx], bound)
            norms = self._update_norms(dw)
        vals = [n[0] for n in norms]
        k = int(np.argmax(vals))
        gval = self.comm.allreduce(vals[k], op=MPI.MAX)
        self._prev_update = self._last_update
        self._last_update = gval if np.isfinite(gval) else np.inf
        if self._stale_start and self.reuse_jacobian:
            # A matrix from an earlier step: keep it while the updates contract fast enough.
            self.reuse_jacobian = not (self._last_update > STALE_JACOBIAN_MAX_UPDATE or (
                np.isfinite(self._prev_update)
                and self._last_update > STALE_JACOBIAN_MAX_CONTRACTION * self._prev_update))
        else:
            self.reuse_jacobian = self._last_update < JACOBIAN_REUSE_MAX_UPDATE
        self._last_update_field = self._fields.names[k]
        self._last_update_z = norms[k][1]
        return True

    def remaining_error_estimate(self) -> float:
        """Estimated max-norm error of the current Newton iterate (after the last update).

        With contraction θ = |δ_k| / |δ_{k-1}| the error left after applying δ_k is about
        θ |δ_k| / (1 - θ) (Deuflhard, Newton Methods for Nonlinear Problems, 2004, §2.1).
        Used only in the quadratic regime (|δ_k| < 1e-3, θ < 0.1); otherwise the update itself,
        which bounds the error of the previous iterate.
        """
        last, prev = self._last_update, self._prev_update
        if last < NEWTON_ESTIMATE_MAX_UPDATE and np.isfinite(prev) and last < 0.1 * prev:
            return last * last / (prev - last)
        return last

    def _converged(self, snes, it, norms):
        _, _, fnorm = norms
        if not np.isfinite(fnorm):
            return PETSc.SNES.ConvergedReason.DIVERGED_FNORM_NAN
        if it == 0:
            self._last_update = self._prev_update = np.inf
            return PETSc.SNES.ConvergedReason.CONVERGED_FNORM_ABS if fnorm == 0.0 else 0
        if self.remaining_error_estimate() < self.stol:
            return PETSc.SNES.ConvergedReason.CONVERGED_SNORM_RELATIVE
        if it >= self.options.max_it:
            return PETSc.SNES.ConvergedReason.DIVERGED_MAX_IT
        return 0

    # ------------------------------------------------------------------ Jacobian reuse
    def _storage_rate(self) -> float:
        """a0/dt [1/s], the storage coefficient on the Jacobian's diagonal."""
        bdf = self.problem.bdf
        return float(bdf.a0.value) / float(bdf.dt.value)

    def start_with_previous_jacobian(self) -> bool:
        """Whether this Newton solve starts with the matrix (and factorisation) of an earlier
        one: there is one, it was assembled at most ``jacobian_reuse_steps`` solves ago, and
        the storage coefficient a0/dt changed by less than STALE_JACOBIAN_MAX_RATE_CHANGE
        since (the modified Newton method of BDF codes: Hindmarsh et al., ACM TOMS 31 (2005)
        363, "CVODE", which refreshes when gamma changes by 30 % or every 20 steps)."""
        if self._jacobian_rate is None or self.jacobian_age >= self.jacobian_reuse_steps:
            return False
        return abs(self._storage_rate() / self._jacobian_rate - 1.0) < \
            STALE_JACOBIAN_MAX_RATE_CHANGE

    def invalidate_jacobian(self) -> None:
        """Assemble the Jacobian afresh at the next Newton solve (the drive jumped)."""
        self._jacobian_rate = None

    # ------------------------------------------------------------------ linear solver
    def _reset_linear_solver(self) -> None:
        """Discard a failed LU factorisation (MUMPS refuses to reuse it after an error)."""
        self.snes.getKSP().getPC().reset()
        self._jacobian_rate = None

    def fall_back_to_mumps(self) -> None:
        """Switch from PETSc's LU (no pivoting) or the two-level Krylov method to MUMPS for the
        rest of the run."""
        self._reset_linear_solver()
        ksp = self.snes.getKSP()
        ksp.setType("preonly")
        pc = ksp.getPC()
        if pc.getType() != "lu":  # lu_redundant (LU inside a redundant PC), gmres_twolevel
            pc.setType("lu")
        pc.setFactorSolverType("mumps")
        self.linear_solver = "mumps"

    # ------------------------------------------------------------------ solve
    def solve(self) -> NewtonStats:
        """Run one Newton solve from the problem's current ``w`` (the initial guess).

        PETSc's own LU (presets ``lu``, ``lu_redundant``) does not pivot, and ``gmres_twolevel``
        may not converge on a system unlike those it was measured on. If a linear solve fails
        with one of them, the solve is repeated from the same guess with MUMPS, which is then
        kept for the rest of the run (logged by the caller through :attr:`linear_solver`).
        """
        w = self.problem.w
        guess = w.x.array.copy() if self.linear_solver in MUMPS_FALLBACK_PRESETS else None
        stats = self._solve_once()
        if guess is not None and not stats.converged and stats.reason in (
                REASON_PETSC_ERROR, PETSc.SNES.ConvergedReason.DIVERGED_LINEAR_SOLVE):
            self.fall_back_to_mumps()
            w.x.array[:] = guess
            stats = self._solve_once()
        return stats

    def _solve_once(self) -> NewtonStats:
        """Run one Newton solve from the current ``w`` (the initial guess)."""
        pb, snes = self.problem, self.snes
        if pb.edge_fluxes is not None:
            # Start on the boundary values: the residual then never needs dolfinx's lifting,
            # which would miss the edge-assembled terms (see TransportProblem.assemble_residual).
            pb.impose_boundary_values()
        self.reuse_jacobian = self._stale_start = self.start_with_previous_jacobian()
        self.jacobian_age += 1
        self._assemblies = 0
        try:
            pb.problem.solve()
        except PETSc.Error as exc:
            # Keep only the text: holding the exception would keep its frames (and any numpy
            # views of PETSc vectors, which hold read locks) alive.
            error = petsc_error_line(exc)
            self._reset_linear_solver()
            return NewtonStats(False, snes.getIterationNumber(), REASON_PETSC_ERROR,
                               "linear solve", np.nan, jacobian_assemblies=self._assemblies,
                               error=error)
        reason = snes.getConvergedReason()
        its = snes.getIterationNumber()
        ok = reason > 0 and bool(np.all(np.isfinite(pb.w.x.array)))
        ok = bool(self.comm.allreduce(ok, op=MPI.LAND))
        if not ok:
            self._reset_linear_solver()
        return NewtonStats(ok, its, reason, self._last_update_field, self._last_update_z,
                           snes.getLinearSolveIterations(), self._assemblies)
