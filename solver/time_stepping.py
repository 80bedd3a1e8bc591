"""Adaptive implicit time stepping (BDF1 / variable-step BDF2) with error control.

Each step is one SNES Newton solve (:meth:`solver.problem.TransportProblem.solve`). The local
error is estimated by comparing the solution with an explicit polynomial predictor through the
previous steps (Milne's device):

    BDF1: err ≈ dt/(dt + dt1) · (w - w_pred,linear)
    BDF2: err ≈ (2/3) dt/(dt + dt1 + dt2) · (w - w_pred,quadratic)   (2/9 at constant dt)

measured per field in a max norm: |err_y|/tol_y, |err_phi|/tol_phi and, for vacancies,
|err_xV|/(atol_xV + rtol_xV x_V). A step is rejected when that norm exceeds 1 or Newton fails
(after one retry with BDF1 if BDF2 failed; dt is then cut by 4); the next dt is dt · clip(0.9 norm^(-1/(p+1)), 0.2, growth). Steps land
exactly on output times and on the end of the bias ramp.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from mpi4py import MPI


class StepFailure(RuntimeError):
    """Raised when dt falls below dt_min; carries what failed, when and where."""

    def __init__(self, message: str, t: float, dt: float):
        super().__init__(message)
        self.t = t
        self.dt = dt


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


@dataclass
class StepCounters:
    """What the run did."""

    steps: int = 0
    rejected_error: int = 0
    rejected_newton: int = 0
    order_fallbacks: int = 0
    newton_iterations: int = 0
    dt_smallest: float = np.inf
    dt_largest: float = 0.0

    @property
    def rejected(self) -> int:
        return self.rejected_error + self.rejected_newton


def next_dt(dt: float, err: float, order: int, growth: float) -> float:
    """Step-size policy: dt · clip(0.9 err^(-1/(order+1)), 0.2, growth); err = 0 -> growth."""
    if err <= 0.0 or not np.isfinite(err):
        return dt * (growth if err == 0.0 else 0.2)
    return dt * float(np.clip(0.9 * err ** (-1.0 / (order + 1)), 0.2, growth))


def land_on(t: float, dt: float, milestones) -> float:
    """Shorten dt to hit the next milestone exactly; avoid leaving a sliver < dt/10 before it."""
    for tm in milestones:
        if tm > t * (1 + 1e-14) + 1e-300:
            gap = tm - t
            if dt >= gap or gap - dt < 0.1 * dt:
                return gap
            return dt
    return dt


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
    """Drives a :class:`solver.problem.TransportProblem` from t = 0 to t_end.

    Args:
        problem: the problem (initialised by the caller).
        settings: :class:`StepSettings`.
        on_step: callback(t, dt, newton_its, stats) after each accepted step.
        on_output: callback(t) at each output time (and t = 0).
        progress: optional callback(t, dt) for progress display.
    """

    def __init__(self, problem, settings: StepSettings, on_step=None, on_output=None,
                 progress=None):
        self.problem = problem
        self.s = settings
        self.on_step = on_step or (lambda *a: None)
        self.on_output = on_output or (lambda *a: None)
        self.progress = progress or (lambda *a: None)
        self.counters = StepCounters()
        self.t = 0.0
        p = problem.params
        self.milestones = sorted(
            {float(t) for t in settings.output_times if t > 0}
            | {settings.t_end}
            | ({p.ramp_s} if 0 < p.ramp_s < settings.t_end else set())
        )
        self._outputs = sorted(float(t) for t in settings.output_times)

    # -------------------------------------------------------------- error norm
    def _error_norm(self, w: np.ndarray, pred: np.ndarray, factor: float) -> float:
        pb = self.problem
        s = self.s
        o = pb.owned
        ey = np.abs(w[pb.dofs[0]] - pred[pb.dofs[0]])[o[0]] / s.tol_y
        ephi = np.abs(w[pb.dofs[2]] - pred[pb.dofs[2]])[o[2]] / s.tol_phi
        u = w[pb.dofs[1]][o[1]]
        up = np.minimum(pred[pb.dofs[1]][o[1]], 0.0)
        xv = np.exp(u)
        exv = np.abs(xv - np.exp(up)) / (s.atol_x_v + s.rtol_x_v * xv)
        local = factor * max((e.max() if e.size else 0.0) for e in (ey, ephi, exv))
        return self.problem.comm.allreduce(float(local), op=MPI.MAX)

    # -------------------------------------------------------------- guess
    def _initial_guess(self, t_new: float) -> None:
        """Newton guess: previous state, with the potential shifted by the change of boundary data."""
        from solver.physics.initial import harmonic_potential

        pb = self.problem
        before = (float(pb.phi_left.value), float(pb.phi_right.value))
        pb.set_boundary_values(t_new)
        after = (float(pb.phi_left.value), float(pb.phi_right.value))
        pb.w.x.array[:] = pb.w_n.x.array
        if before != after:
            z = pb.z[2]
            shift = harmonic_potential(z, pb.params, after[0] - before[0], after[1] - before[1])
            pb.set_field("phi", pb.field("phi") + shift)

    # -------------------------------------------------------------- main loop
    def run(self) -> StepCounters:
        """Integrate to t_end. Raises :class:`StepFailure` if dt drops below dt_min."""
        pb, s, c = self.problem, self.s, self.counters
        hist = History()
        hist.push(pb.w_n.x.array, None)
        if self._outputs and self._outputs[0] <= 0.0:
            self.on_output(0.0)
        out_queue = [t for t in self._outputs if t > 0.0]
        dt = s.dt_initial
        max_order = 2 if s.scheme == "bdf2" else 1
        while self.t < s.t_end * (1 - 1e-14):
            dt = land_on(self.t, min(dt, s.dt_max), self.milestones)
            order = min(max_order, len(hist.dts) + 1)
            pb.bdf.set(dt, hist.dts[0] if hist.dts else None, order)
            self._initial_guess(self.t + dt)
            stats = pb.solve()
            c.newton_iterations += stats.iterations
            if not stats.converged and order == 2:
                # BDF2 is not positivity preserving: when x_V collapses by decades per step its
                # history term can demand x_V < 0, which has no solution in ln x_V. Retry the
                # step with (L-stable, positivity-preserving) BDF1 before cutting dt.
                c.order_fallbacks += 1
                order = 1
                pb.bdf.set(dt, None, 1)
                self._initial_guess(self.t + dt)
                stats = pb.solve()
                c.newton_iterations += stats.iterations
            if not stats.converged:
                c.rejected_newton += 1
                pb.set_boundary_values(self.t)
                dt *= s.cut
                if dt < s.dt_min:
                    raise StepFailure(
                        f"Newton failed (reason {stats.reason}, largest update in "
                        f"{stats.failed_field} at z = {stats.failed_at_um:.4g} µm) and dt fell "
                        f"below dt_min = {s.dt_min:g} s at t = {self.t:.6g} s",
                        self.t, dt,
                    )
                continue
            w = pb.w.x.array
            pred = predictor(hist, dt, min(order, len(hist.states) - 1))
            err = self._error_norm(w, pred[0], pred[1]) if pred is not None else 0.0
            if err > 1.0 and dt > s.dt_min * 1.0001:
                c.rejected_error += 1
                pb.set_boundary_values(self.t)
                dt = max(next_dt(dt, err, order, s.growth), s.dt_min)
                continue
            # accept
            pb.w_nm1.x.array[:] = pb.w_n.x.array
            pb.w_n.x.array[:] = w
            hist.push(w, dt)
            self.t += dt
            c.steps += 1
            c.dt_smallest = min(c.dt_smallest, dt)
            c.dt_largest = max(c.dt_largest, dt)
            self.on_step(self.t, dt, stats.iterations, c)
            self.progress(self.t, dt)
            while out_queue and abs(out_queue[0] - self.t) <= 1e-9 * max(1.0, self.t):
                self.on_output(out_queue.pop(0))
            dt = next_dt(dt, err, order, s.growth) if pred is not None else dt * 2.0
        return c
