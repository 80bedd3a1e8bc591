"""Adaptive implicit time stepping (BDF1 / variable-step BDF2) with error control.

Each step is one SNES Newton solve (:meth:`solver.numerics.problem.TransportProblem.solve`).
The local error is estimated by comparing the solution with an explicit polynomial predictor
through the previous steps (Milne's device):

    BDF1: err ≈ dt/(dt + dt1) · (w - w_pred,linear)
    BDF2: err ≈ (2/3) dt/(dt + dt1 + dt2) · (w - w_pred,quadratic)   (2/9 at constant dt)

measured per field in a max norm: |err_y|/tol_y, |err_phi|/tol_phi and, for vacancies,
|err_xV|/(atol_xV + rtol_xV x_V). A step is rejected when that norm exceeds 1 or Newton fails
(after one retry with BDF1 if BDF2 failed; dt is then cut by 4); the next dt is

    dt · clip(0.9 norm^(-1/(p+1)), 0.2, growth).

Steps land exactly on output times and on every time of the bias and temperature protocols
(segment boundaries, ramp ends, square-wave switches): the accepted time is then set to the
milestone itself, not t + dt. The protocols' times are asked for one at a time
(:attr:`StepSettings.drives`), so a square wave with many switches costs no memory up front.
After a time where the drive jumps (:attr:`StepSettings.jumps`, or a drive's ``is_jump``) the
stepper restarts as at t = 0: the history is dropped (BDF1, no extrapolation across the jump)
and the next step is ``dt_after_jump``.

After Newton converges the new state is checked (:func:`check_state`): every value finite,
y in [-STATE_TOL, 1 + STATE_TOL] and x_V <= 1 (hence x_Br, x_Cl = 1 - x_Br - x_V in the same
interval). A state that fails is treated like a Newton failure (BDF1 retry, then
dt cut) and never accepted, so it is never written as a result.

The stepper's whole state (time, next dt, step history, counters, output queue) can be saved and
restored (:meth:`TimeStepper.state` / :meth:`TimeStepper.restore`) for checkpoint/restart; a
restored stepper continues exactly as the uninterrupted one would have.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from mpi4py import MPI

from solver.numerics.layout import DofLayout, tolerances_from_settings

#: Tolerance of the state check: y (hence x_Br and x_Cl) must lie in [-STATE_TOL, 1 + STATE_TOL].
#: The discrete solution is not monotone: measured maximum overshoots of y over 4 h on the
#: forward reference case are 5e-4 on the default mesh (h_max 10 nm), 0.021 at 8 V/µm, and
#: 0.07 / 0.19 (above 1 / below 0) on a 50 nm mesh, where the sharp front crosses coarse cells.
#: 0.05 accepts the first two and stops the last with a message to refine the mesh.
STATE_TOL = 5.0e-2

class StepFailure(RuntimeError):
    """Raised when dt falls below dt_min; carries what failed, when and where."""

    def __init__(self, message: str, t: float, dt: float):
        super().__init__(message)
        self.t = t
        self.dt = dt


def check_state(problem, w: np.ndarray, tol: float = STATE_TOL) -> str | None:
    """Check a candidate state (local array ``w``) on every rank; collective.

    Every field of ``problem.layout`` must be finite; then each field's own check
    (:attr:`solver.numerics.layout.Field.check`) applies, in layout order. For the default
    fields: with x_V = e^u, x_Br = y (1 - x_V) and x_Cl = (1 - y)(1 - x_V), the site fractions
    lie in [-tol, 1 + tol] exactly when y does and x_V <= 1, so those are the tests: y < -tol
    means x_Br < 0, y > 1 + tol means x_Cl < 0, i.e. x_Br + x_V > 1.

    Args:
        problem: supplies ``layout`` (:class:`solver.numerics.layout.DofLayout`) and ``comm``.
        w: local array (owned + ghost) of the state.
        tol: allowed excursion of y outside [0, 1] (passed to every field's check).

    Returns:
        None if the state is acceptable, else one line naming the field, the equation, the
        offending value and its position z [µm] (the same line on every rank).
    """
    layout = problem.layout
    found = None
    for f, dofs, z in zip(layout.fields, layout.owned_dofs, layout.owned_z, strict=True):
        vals = w[dofs]
        bad = ~np.isfinite(vals)
        if bad.any():
            k = int(np.argmax(bad))
            found = f"non-finite {f.name} ({vals[k]}) in the {f.equation} at z = {z[k]:.6g} µm"
            break
    for f, dofs, z in zip(layout.fields, layout.owned_dofs, layout.owned_z, strict=True):
        if found is not None:
            break
        if f.check is not None:
            found = f.check(w[dofs], z, tol)
    comm = problem.comm
    if not comm.allreduce(found is not None, op=MPI.LOR):
        return None
    return next(m for m in comm.allgather(found) if m is not None)


class SteppableProblem(Protocol):
    """What :class:`TimeStepper` needs of a problem (:class:`solver.numerics.problem.
    TransportProblem` is one; ``tests/verification/test_time_order.py`` has a one-node ODE).

    Attributes:
        comm: MPI communicator.
        layout: :class:`solver.numerics.layout.DofLayout` (fields, dofs, owned, z).
        bdf: BDF constants with ``set(dt, dt_prev, order)``.
        state: the local array (owned + ghost) of the iterate / latest state (w).
        previous: the local array of the last accepted state (w_n).
    """

    comm: MPI.Comm
    layout: DofLayout
    bdf: object

    @property
    def state(self) -> np.ndarray: ...

    @property
    def previous(self) -> np.ndarray: ...

    def set_time(self, t: float) -> None:
        """Set every time-dependent datum for time ``t`` [s]."""

    def move_to(self, t: float) -> bool:
        """:meth:`set_time` for the end of the next step; True if the boundary data jumped
        (the next :meth:`set_newton_guess` then starts from the previous state, shifted)."""

    def set_newton_guess(self, extrapolated: np.ndarray | None) -> None:
        """Start Newton from ``extrapolated`` (None: the previous state, shifted after a jump
        of the boundary data)."""

    def solve(self):
        """One Newton solve from the guess; returns NewtonStats."""

    def accept(self) -> None:
        """The current state is accepted: advance any history (w_{n-1} <- w_n <- w)."""

    def state_arrays(self) -> dict:
        """This rank's arrays that define the state (for checkpoints)."""

    def restore_state_arrays(self, arrays: dict) -> None:
        """Inverse of :meth:`state_arrays`; raises ValueError on a wrong length."""

    def invalidate_jacobian(self) -> None:
        """Assemble the Jacobian afresh at the next solve (the drive jumped)."""


@dataclass(frozen=True)
class StepSettings:
    """Time-stepping settings (docs/case_format.md, section ``time``)."""

    t_end: float
    output_times: tuple
    scheme: str = "bdf2"
    dt_initial: float = 1e-9
    dt_min: float = 1e-12
    dt_max: float = 1e3
    tol_y: float = 2e-3
    tol_phi: float = 0.05
    rtol_x_v: float = 0.05
    atol_x_v: float = 1e-10
    growth: float = 3.0
    cut: float = 0.25
    #: Protocol times to land on exactly [s] (segment boundaries, ramp ends, switches).
    milestones: tuple = ()
    #: Protocol times where the drive jumps [s] (a subset of milestones): restart after them.
    jumps: tuple = ()
    #: Drives whose milestones and jumps are generated on demand (BiasProtocol,
    #: TemperatureProtocol): objects with ``next_milestone(after) -> float | None`` (the first
    #: time > after to land on) and ``is_jump(t) -> bool`` (restart after t). Only their times
    #: inside (0, t_end) count, as for ``milestones`` and ``jumps``; no list of them is built.
    drives: tuple = ()
    #: First step after a jump [s] (None: dt_initial).
    dt_after_jump: float | None = None

    @functools.cached_property
    def _tolerances(self) -> dict:
        """The default fields' error measures from tol_y, tol_phi, rtol_x_v, atol_x_v (built
        once: the error norm asks for them at every step)."""
        return tolerances_from_settings(self.tol_y, self.tol_phi, self.atol_x_v, self.rtol_x_v)

    def tolerance(self, f):
        """The time-step error measure of field ``f`` (a :class:`solver.numerics.layout.
        Field`): the settings' for y, u, phi, the field's own default for any other (one
        that follows tol_y, :class:`solver.numerics.layout.ScaledYTolerance`, at this tol_y)."""
        tol = self._tolerances.get(f.name)
        if tol is None:
            tol = f.tolerance
            if hasattr(tol, "with_tol_y"):
                tol = tol.with_tol_y(self.tol_y)
            self._tolerances[f.name] = tol
        return tol

    @classmethod
    def from_config(cls, time_cfg, *, t_end: float | None = None,
                    output_times: tuple | None = None, protocols=()) -> StepSettings:
        """Settings from a case's ``time`` section (docs/case_format.md), optionally with
        another end time [s] or output times [s] (verification runs), the per-segment output
        times of ``protocols`` (BiasProtocol, TemperatureProtocol; those after t_end are
        dropped) and the protocols themselves as :attr:`drives` (their milestones and jumps are
        asked for one at a time, never listed)."""
        tc = time_cfg
        t_end = tc.t_end_s if t_end is None else t_end
        outputs = set(tc.output_times_s if output_times is None else output_times)
        for prot in protocols:
            outputs |= {t for t in prot.outputs_s if t <= t_end}
        return cls(
            t_end=t_end, output_times=tuple(sorted(outputs)),
            scheme=tc.scheme, dt_initial=tc.dt_initial_s, dt_min=tc.dt_min_s,
            dt_max=tc.dt_max_s, tol_y=tc.tol_y, tol_phi=tc.tol_psi_VT, rtol_x_v=tc.rtol_x_v,
            atol_x_v=tc.atol_x_v, drives=tuple(protocols), dt_after_jump=tc.dt_after_jump_s,
        )


@dataclass
class StepCounters:
    """What the run did."""

    steps: int = 0
    rejected_error: int = 0
    rejected_newton: int = 0
    rejected_state: int = 0
    order_fallbacks: int = 0
    newton_iterations: int = 0
    linear_iterations: int = 0
    jacobian_assemblies: int = 0
    dt_smallest: float = np.inf
    dt_largest: float = 0.0

    @property
    def rejected(self) -> int:
        """All rejected step attempts (error estimate, Newton failure, state check)."""
        return self.rejected_error + self.rejected_newton + self.rejected_state


def _equation(fields, name: str) -> str:
    """The equation of the field called ``name`` (for failure messages), or the name itself
    ("?" if empty) when no field has it."""
    return next((f.equation for f in fields if f.name == name), name or "?")


def next_dt(dt: float, err: float, order: int, growth: float) -> float:
    """Step-size policy: dt · clip(0.9 err^(-1/(order+1)), 0.2, growth); err = 0 -> growth."""
    if err <= 0.0 or not np.isfinite(err):
        return dt * (growth if err == 0.0 else 0.2)
    return dt * float(np.clip(0.9 * err ** (-1.0 / (order + 1)), 0.2, growth))


def landing(t: float, dt: float, milestones, drives=()) -> tuple[float, float | None]:
    """(dt, milestone): dt shortened (or stretched by < dt/10) to hit the next milestone after
    ``t`` [s], and that milestone, or (dt, None) if the step ends before it. ``milestones``
    must be sorted; ``drives`` (:attr:`StepSettings.drives`) add their next milestones, asked
    for one at a time (the earliest of all wins, as if they were merged into the list)."""
    after = t * (1 + 1e-14) + 1e-300
    k = bisect.bisect_right(milestones, after)
    candidates = [milestones[k]] if k < len(milestones) else []
    candidates += [m for m in (d.next_milestone(after) for d in drives) if m is not None]
    if candidates:
        tm = min(candidates)
        gap = tm - t
        if dt >= gap or gap - dt < 0.1 * dt:
            return gap, tm
    return dt, None


@dataclass
class History:
    """Previous accepted states (numpy copies of the mixed-function array) and step sizes."""

    states: list = field(default_factory=list)  # newest first
    dts: list = field(default_factory=list)  # dts[0] = last accepted step size

    def push(self, arr: np.ndarray, dt: float | None) -> None:
        self.states.insert(0, arr.copy())
        del self.states[3:]
        if dt is not None:
            self.dts.insert(0, dt)
            del self.dts[2:]


def predictor(hist: History, dt: float, order: int):
    """Explicit extrapolation through the last order+1 states, or None if too few."""
    s, h = hist.states, hist.dts
    if order == 1 and len(s) >= 2:
        return s[0] + dt / h[0] * (s[0] - s[1]), dt / (dt + h[0])
    if order == 2 and len(s) >= 3:
        # Newton divided differences at times 0, -h0, -h0-h1; evaluate at +dt.
        t0, t1, t2 = 0.0, -h[0], -h[0] - h[1]
        d01 = (s[0] - s[1]) / (t0 - t1)
        d12 = (s[1] - s[2]) / (t1 - t2)
        d012 = (d01 - d12) / (t0 - t2)
        pred = s[0] + d01 * dt + d012 * dt * (dt - t1)
        return pred, (2.0 / 3.0) * dt / (dt + h[0] + h[1])
    return None


class TimeStepper:
    """Drives a problem (:class:`SteppableProblem`, e.g. a
    :class:`solver.numerics.problem.TransportProblem`) from t = 0 to t_end.

    Args:
        problem: a :class:`SteppableProblem` (initialised by the caller, or restored with
            :meth:`restore`); the stepper reads its fields from ``problem.layout``.
        settings: :class:`StepSettings`.
        on_step: callback(t, dt, newton_its, stats) after each accepted step.
        on_output: callback(t) at each output time (and t = 0).
        progress: optional callback(t, dt) for progress display.
        control: optional callback(stepper) -> bool, called after each accepted step once the
            step's outputs are done and the next dt is chosen (the point where :meth:`state` is
            complete, i.e. where checkpoints are taken). Returning True stops :meth:`run` early,
            with :attr:`stopped` set.
        log: optional callback(message) for diagnostics of rejected steps (debug level).
    """

    def __init__(self, problem, settings: StepSettings, on_step=None, on_output=None,
                 progress=None, control=None, log=None):
        self.problem = problem
        self.s = settings
        self.on_step = on_step or (lambda *a: None)
        self.on_output = on_output or (lambda *a: None)
        self.progress = progress or (lambda *a: None)
        self.control = control or (lambda stepper: False)
        self.log = log or (lambda message: None)
        self.counters = StepCounters()
        self.t = 0.0
        self.dt = settings.dt_initial  # next step size to try
        self.hist = History()
        self.out_queue: list[float] = []
        self.started = False
        self.stopped = False
        self.last_failure = ""
        self.milestones = sorted(
            {float(t) for t in settings.output_times if t > 0}
            | {settings.t_end}
            | {float(t) for t in settings.milestones if 0 < t < settings.t_end}
        )
        self._jumps = frozenset(float(t) for t in settings.jumps)
        self._drives = tuple(settings.drives)
        self._outputs = sorted(float(t) for t in settings.output_times)

    # -------------------------------------------------------------- state (checkpoints)
    def state(self) -> tuple[dict, dict]:
        """Everything needed to continue: ``(scalars, arrays)``.

        ``scalars`` is JSON-serialisable (time, next dt, step sizes of the history, output queue,
        counters); ``arrays`` holds this rank's local arrays (owned + ghost dofs) of w_n, w_nm1,
        the history states and the problem's :meth:`history_arrays` (the evolving background
        with vacancy equilibration). Floats survive a JSON round trip exactly (``repr``).
        """
        pb = self.problem
        scalars = {
            "t": self.t,
            "dt": self.dt,
            "hist_dts": list(self.hist.dts),
            "n_hist_states": len(self.hist.states),
            "out_queue": list(self.out_queue),
            "counters": dict(vars(self.counters)),
        }
        arrays = dict(pb.state_arrays())
        for k, st in enumerate(self.hist.states):
            arrays[f"hist_{k}"] = st.copy()
        return scalars, arrays

    def restore(self, scalars: dict, arrays: dict) -> None:
        """Continue from a :meth:`state` taken on the same mesh and number of ranks.

        Raises:
            ValueError: an array does not match this rank's local dof count.
        """
        pb = self.problem
        pb.restore_state_arrays(arrays)
        self.hist = History(
            states=[np.array(arrays[f"hist_{k}"]) for k in range(int(scalars["n_hist_states"]))],
            dts=[float(v) for v in scalars["hist_dts"]],
        )
        self.t = float(scalars["t"])
        self.dt = float(scalars["dt"])
        self.out_queue = [float(v) for v in scalars["out_queue"]]
        c = scalars["counters"]
        self.counters = StepCounters(**{k: type(getattr(StepCounters(), k))(v)
                                        for k, v in c.items()})
        pb.set_time(self.t)
        pb.invalidate_jacobian()
        self.started = True

    # -------------------------------------------------------------- error norm
    def _error_norm(self, w: np.ndarray, pred: np.ndarray, factor: float) -> float:
        """factor x the largest scaled error over every field of the layout (max norm, all
        ranks): the Milne estimate of the local error, ``w - pred`` times ``factor``, over each
        field's tolerance (:meth:`StepSettings.tolerance`)."""
        layout = self.problem.layout
        errors = [self.s.tolerance(f).scaled_error(w[d], pred[d])
                  for f, d in zip(layout.fields, layout.owned_dofs, strict=True)]
        local = factor * max((e.max() if e.size else 0.0) for e in errors)
        return self.problem.comm.allreduce(float(local), op=MPI.MAX)

    # -------------------------------------------------------------- guess
    def _initial_guess(self, t_new: float) -> None:
        """Newton guess for the step to ``t_new``.

        With unchanged boundary data: the linear extrapolation through the last two accepted
        states (the BDF1 predictor), which starts Newton about ten times closer than the previous
        state and saves about one iteration in four. When the contact potentials change (bias
        protocol, or the thermal voltage under a temperature protocol): the previous state with
        the potential shifted by the problem's guess shift (the harmonic response).
        """
        pb = self.problem
        jumped = pb.move_to(t_new)
        pred = None if jumped else predictor(self.hist, t_new - self.t, 1)
        pb.set_newton_guess(None if pred is None else pred[0])

    def _attempt(self, dt: float, order: int):
        """One Newton solve of the step t -> t + dt at ``order``, plus the state check.

        Returns:
            ``(ok, stats, reason)``: reason is "" on success, else one line (Newton failure or
            the state check's finding).
        """
        pb, c = self.problem, self.counters
        dt_prev = self.hist.dts[0] if (self.hist.dts and order == 2) else None
        pb.bdf.set(dt, dt_prev, order)
        self._initial_guess(self.t + dt)
        stats = pb.solve()
        c.newton_iterations += stats.iterations
        c.linear_iterations += stats.linear_iterations
        c.jacobian_assemblies += stats.jacobian_assemblies
        if not stats.converged:
            if stats.error:
                return False, stats, f"Newton failed: the linear solve raised {stats.error}"
            eq = _equation(pb.layout.fields, stats.failed_field)
            return False, stats, (
                f"Newton failed (reason {stats.reason}, largest update in {stats.failed_field} "
                f"[{eq}] at z = {stats.failed_at_um:.4g} µm)")
        bad = check_state(pb, pb.state)
        if bad is not None:
            return False, stats, f"state check failed: {bad}"
        return True, stats, ""

    # -------------------------------------------------------------- main loop
    def run(self) -> StepCounters:
        """Integrate to t_end (from t = 0, or from a restored state).

        Returns early, with :attr:`stopped` True, when ``control`` asks for it.

        Raises:
            StepFailure: dt dropped below dt_min; the problem's w_n holds the last good state.
        """
        s, c = self.s, self.counters
        if not self.started:
            self._start()
        dt = self.dt
        max_order = 2 if s.scheme == "bdf2" else 1
        while self.t < s.t_end * (1 - 1e-14):
            dt, target = landing(self.t, min(dt, s.dt_max), self.milestones, self._drives)
            order = min(max_order, len(self.hist.dts) + 1)
            ok, stats, reason, order = self._solve_step(dt, order)
            if not ok:
                dt = self._reject_failed(dt, reason)
                continue
            w = self.problem.state
            pred = predictor(self.hist, dt, min(order, len(self.hist.states) - 1))
            err = self._error_norm(w, pred[0], pred[1]) if pred is not None else 0.0
            if err > 1.0 and dt > s.dt_min * 1.0001:
                c.rejected_error += 1
                self.problem.set_time(self.t)
                dt = max(next_dt(dt, err, order, s.growth), s.dt_min)
                self.dt = dt
                continue
            self._accept(w, dt, target, stats)
            dt = next_dt(dt, err, order, s.growth) if pred is not None else dt * 2.0
            if target is not None and self._is_jump(target):
                dt = self._restart_after_jump()
            self.dt = dt
            if self.control(self):
                self.stopped = True
                return c
        return c

    def _is_jump(self, t: float) -> bool:
        """True if the drive jumps at the milestone ``t`` [s] (one of :attr:`StepSettings.jumps`,
        or a jump of a drive strictly before t_end, as :meth:`Schedule.jumps` lists them)."""
        if t in self._jumps:
            return True
        return t < self.s.t_end and any(d.is_jump(t) for d in self._drives)

    def _start(self) -> None:
        """First call of :meth:`run` from t = 0: history, the output at t = 0, first dt."""
        self.hist = History()
        self.hist.push(self.problem.previous, None)
        if self._outputs and self._outputs[0] <= 0.0:
            self.on_output(0.0)
        self.out_queue = [t for t in self._outputs if t > 0.0]
        self.dt = self.s.dt_initial
        self.started = True

    def _solve_step(self, dt: float, order: int):
        """:meth:`_attempt` at ``order``; a failed BDF2 attempt is retried with BDF1.

        BDF2 is not positivity preserving: when x_V collapses by decades per step its history
        term can demand x_V < 0, which has no solution in ln x_V. The step is retried with
        (L-stable, positivity-preserving) BDF1 before dt is cut.

        Returns:
            ``(ok, stats, reason, order)`` with the order of the last attempt.
        """
        ok, stats, reason = self._attempt(dt, order)
        if not ok and order == 2:
            self.counters.order_fallbacks += 1
            order = 1
            ok, stats, reason = self._attempt(dt, 1)
        return ok, stats, reason, order

    def _reject_failed(self, dt: float, reason: str) -> float:
        """Count and log a failed step, cut dt; return the next dt to try.

        Raises:
            StepFailure: the cut dt is below dt_min.
        """
        s, c = self.s, self.counters
        if reason.startswith("state check"):
            c.rejected_state += 1
        else:
            c.rejected_newton += 1
        self.last_failure = reason
        self.log(f"step t = {self.t:.6g} s, dt = {dt:.3g} s rejected: {reason}")
        self.problem.set_time(self.t)
        dt *= s.cut
        self.dt = dt
        if dt < s.dt_min:
            hint = ("; it persists for vanishing steps, so it is a spatial oscillation "
                    "of the discrete solution: refine the mesh (mesh.h_max_um)"
                    if reason.startswith("state check") else "")
            raise StepFailure(
                f"{reason} and dt fell below dt_min = {s.dt_min:g} s at "
                f"t = {self.t:.6g} s{hint}", self.t, dt,
            )
        return dt

    def _accept(self, w: np.ndarray, dt: float, target: float | None, stats) -> None:
        """Accept the step of size ``dt`` (ending on the milestone ``target`` if not None):
        the problem's history, the stepper's, time, counters, callbacks and due outputs."""
        c = self.counters
        self.problem.accept()  # w_{n-1} <- w_n <- w, and any state held outside w
        self.hist.push(w, dt)
        self.t = target if target is not None else self.t + dt
        c.steps += 1
        c.dt_smallest = min(c.dt_smallest, dt)
        c.dt_largest = max(c.dt_largest, dt)
        self.on_step(self.t, dt, stats.iterations, c)
        self.progress(self.t, dt)
        while self.out_queue and abs(self.out_queue[0] - self.t) <= 1e-9 * max(1.0, self.t):
            self.on_output(self.out_queue.pop(0))

    def _restart_after_jump(self) -> float:
        """The drive jumps at the time just reached: start over as at t = 0 (BDF1, no
        extrapolation through the jump, a small first step); return that step."""
        self.hist = History()
        self.hist.push(self.problem.previous, None)
        self.problem.invalidate_jacobian()
        s = self.s
        return s.dt_initial if s.dt_after_jump is None else s.dt_after_jump
