"""Run one validated case end to end: mesh, problem, time loop, observables and outputs.

This is the thin driver between the CLI (which knows YAML and exit codes) and the physics
(which knows UFL). Outputs, all under ``output_dir``:

    summary.json        final observables, counters, wall time, provenance, resolved case
    timeseries.csv      per accepted step: t, front, L_m, totals, x_V range, dt, Newton its
    profiles/t_<s>.csv  z, y, x_Br, x_V, psi, E at each output time
    fields/state.bp     y, x_V, psi for ParaView (VTX/ADIOS2)
    figures/*.png       y(z) and x_V(z)/x_V,Cl at output times, L_m(t), step diagnostics

    checkpoint/         the last checkpoint (solver.checkpoint, docs/reliability.md)

The output directory is locked for the run (``solver.outputs.locked_output_dir``); before the
first output, ``summary.json`` is replaced by a ``status: running`` record and a fresh run
removes the outputs of an earlier one (``solver.outputs.begin_run``). An output that cannot be
written (e.g. a full disk) stops the run after that step with :class:`OutputFailure`.

A solver failure (dt below dt_min) still writes everything up to the last good state, marks
``status: failed`` in summary.json and raises :class:`SolverFailure`. SIGTERM or SIGINT stop the
run after the current step: a checkpoint and the outputs so far are written (``status:
interrupted``) and :class:`Interrupted` is raised; ``restart=True`` continues from the last
checkpoint to the same result as an uninterrupted run. A signal during the set-up (mesh
generation, form compilation, problem build) stops it after that phase: ``summary.json`` says
``interrupted`` (nothing was computed) and :class:`Interrupted` is raised.
"""


from __future__ import annotations

import dataclasses
import math
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from solver.config import case_to_dict
from solver.console import SignalLatch, reinstall_signal_handlers
from solver.io import output_dir as io_output_dir
from solver.io.checkpoint import (
    STATE_ARRAY,
    Checkpointer,
    CheckpointError,
    check_same_case,
    read_checkpoint,
)
from solver.io.output_dir import begin_outputs as _begin_outputs
from solver.logging_setup import RunProgress, get_logger, interactive
from solver.model.parameters import from_case
from solver.recording import (  # noqa: F401  (re-exported: public via solver.run)
    CL_UPTAKE_MARGIN_UM,
    FieldWriter,
    Profile,
    Recorder,
    build_summary,
    line_sampler,
    one_line,
    write_final_outputs,
)

log = get_logger("run")

#: Test hook: stop (as on SIGTERM) after this many accepted steps (docs/reliability.md).
STOP_AFTER_STEPS_ENV = "PEROVSKITE_IONS_STOP_AFTER_STEPS"


class SolverFailure(RuntimeError):
    """The time integration could not continue; outputs up to the last good state were written."""


class FormCompilationError(SolverFailure):
    """The weak forms could not be compiled (FFCx JIT), e.g. a stale lock in the form cache;
    nothing was computed or written."""


def light_protocols(params) -> tuple:
    """The light protocol as a drive of the stepper (its switches are milestones and jumps),
    or nothing in the dark."""
    light = getattr(params, "light", None)
    return () if light is None else (light.protocol,)


class Interrupted(RuntimeError):
    """The run was stopped by SIGTERM/SIGINT; a checkpoint and the outputs so far were written."""


class SetupStopped(Exception):
    """SIGTERM/SIGINT arrived during the set-up; raised (on every rank) after the phase it
    arrived in, before anything was computed. :func:`run_case` turns it into
    :class:`Interrupted`."""

    def __init__(self, signame: str, phase: str):
        super().__init__(f"stopped by {signame} during set-up ({phase})")
        self.signame, self.phase = signame, phase


class OutputFailure(SolverFailure):
    """An output could not be written (e.g. a full disk): the run stopped; the outputs written
    before and the last checkpoint are kept, and no summary of another run remains."""


@dataclass
class RunContext:
    """Everything one run holds between :func:`prepare`, :func:`integrate` and :func:`finalise`.

    ``meta``/``ck_arrays`` are the checkpoint read on a restart (None otherwise); ``wall0`` is
    this process's start [s, perf_counter], ``wall_before`` the wall time of the earlier
    parts of a restarted run [s] and ``setup_s`` this process's time from its start to the
    first time step (mesh, problem, forms; the checkpoint on a restart) [s].
    """

    case: object
    out: Path
    comm: object
    problem: object
    recorder: Recorder
    fields: FieldWriter
    stepper: object = None
    control: RunControl | None = None
    progress: RunProgress | None = None
    meta: dict | None = None
    restarts: int = 0
    case_path: str | None = None
    overrides: tuple = ()
    n_cells: int = 0
    wall0: float = 0.0
    wall_before: float = 0.0
    setup_s: float = 0.0

    def wall_s(self) -> float:
        """Wall time of the whole run so far, over restarts [s]."""
        return self.wall_before + time.perf_counter() - self.wall0


@dataclass
class RunControl:
    """The stop/checkpoint decision after each accepted step (``TimeStepper.control``).

    After every accepted step all ranks agree (one allreduce) on: an output that could not be
    written (stop, keep the last checkpoint), a stop request (SIGTERM/SIGINT or the test hook
    ``stop_after_steps``: write a checkpoint and stop, unless the run is complete), or a
    periodic checkpoint that is due.
    """

    ctx: RunContext
    checkpointer: Checkpointer
    stop: _StopSignals
    stop_after_steps: int | None = None
    steps0: int = 0
    #: Why the run stopped: signal name or test hook, else None.
    stop_name: str | None = None
    #: The last checkpoint write error (None once a later checkpoint was written).
    checkpoint_error: str | None = None
    #: An output that could not be written (agreed over ranks), else None.
    write_error: str | None = None
    _flags: dict = field(default_factory=dict)

    STOP, PERIODIC, WRITE_FAILED = 1, 2, 4

    def __call__(self, stepper) -> bool:
        """Decide after an accepted step; True stops the run (the stepper sets ``stopped``)."""
        from mpi4py import MPI

        comm, rec = self.ctx.comm, self.ctx.recorder
        flags = 0
        if self.stop.signum is not None:
            flags |= self.STOP
        if (self.stop_after_steps is not None
                and stepper.counters.steps - self.steps0 >= self.stop_after_steps):
            flags |= self.STOP
        if self.checkpointer.due(stepper.counters.steps):
            flags |= self.PERIODIC
        if rec.write_error:
            flags |= self.WRITE_FAILED
        flags = comm.allreduce(flags, op=MPI.BOR)
        if flags & self.WRITE_FAILED:  # an output could not be written: stop, keep the last
            self.write_error = next(e for e in comm.allgather(rec.write_error) if e)
            return True
        if flags & self.STOP and stepper.t >= self.ctx.case.time.t_end_s * (1 - 1e-14):
            flags = 0  # the run is complete: finish normally
        if flags & self.STOP:
            signum = comm.allreduce(self.stop.signum or 0, op=MPI.MAX)
            self.stop_name = (signal.Signals(signum).name if signum
                              else f"test hook {STOP_AFTER_STEPS_ENV}")
            self.write_checkpoint(stepper, self.stop_name)
            return True
        if flags & self.PERIODIC:
            self.write_checkpoint(stepper, "periodic")
        return False

    def write_checkpoint(self, stepper, reason: str) -> None:
        """Checkpoint the stepper, the recorder and the dof coordinates; a failure is logged
        and kept in :attr:`checkpoint_error` (the run continues)."""
        ctx = self.ctx
        st_scalars, st_arrays = stepper.state()
        rec_scalars, rec_arrays = ctx.recorder.state()
        arrays = {**st_arrays, **rec_arrays, **{f"z_{i}": z for i, z in enumerate(ctx.problem.z)}}
        meta_new = {
            "reason": reason, "step": stepper.counters.steps, "t_s": stepper.t,
            "restarts": ctx.restarts, "wall_time_s": ctx.wall_s(),
            "stepper": st_scalars, "recorder": rec_scalars, "case": case_to_dict(ctx.case),
        }
        t0 = time.perf_counter()
        try:
            path = self.checkpointer.write(meta_new, arrays)
        except CheckpointError as exc:
            log.warning("%s (the run continues)", exc)
            self.checkpoint_error = str(exc)
            return
        self.checkpoint_error = None
        log.debug("checkpoint (%s) at t = %.6g s, step %d, %.1f ms -> %s", reason, stepper.t,
                  stepper.counters.steps, 1e3 * (time.perf_counter() - t0), path.parent)


def run_case(case, output_dir: Path, *, case_path: str | None = None, overrides=(),
             quiet: bool = False, restart: bool = False,
             stop_after_steps: int | None = None) -> dict:
    """Run ``case`` and write all outputs to ``output_dir``; return the summary dict.

    The run is three phases: :func:`prepare` (mesh, problem, recorder, stepper; the restart
    state), :func:`integrate` (the time loop) and :func:`finalise` (summary and final outputs).

    Args:
        case: validated case.
        output_dir: output directory (created; on a restart it holds the checkpoint).
        case_path: case file name, recorded in summary.json.
        overrides: ``--set`` overrides, recorded in summary.json.
        quiet: no progress bar.
        restart: continue from ``output_dir/checkpoint`` instead of t = 0.
        stop_after_steps: test hook, stop as on SIGTERM after this many accepted steps of this
            call (default from the environment variable ``PEROVSKITE_IONS_STOP_AFTER_STEPS``).

    Raises:
        CaseError: the mesh would exceed ``mesh.max_cells`` (before anything is written).
        CheckpointError: ``restart`` and no usable checkpoint, or it does not match the case,
            mesh or number of ranks (before anything is written).
        OutputError: the output directory cannot be created, written or locked (another run
            holds it), before anything is computed.
        SolverFailure: the time integration failed (outputs up to then are written).
        OutputFailure: an output could not be written (e.g. a full disk): the run stopped,
            everything written before and the last checkpoint are kept.
        Interrupted: SIGTERM/SIGINT (checkpoint and outputs up to then are written; during the
            set-up: ``summary.json`` says ``interrupted``, nothing was computed).
    """
    from mpi4py import MPI

    from solver import preflight

    comm = MPI.COMM_WORLD
    wall0 = time.perf_counter()
    if stop_after_steps is None and os.environ.get(STOP_AFTER_STEPS_ENV):
        stop_after_steps = int(os.environ[STOP_AFTER_STEPS_ENV])
    n_cells = preflight.check_case(case)  # CaseError before any directory exists
    out = Path(output_dir)
    # The output directory is locked for the whole run (re-entrant: the CLI holds it already).
    with io_output_dir.locked_output_dir(out, comm), _StopSignals() as stop:
        try:
            ctx = prepare(case, out, comm, restart=restart, case_path=case_path,
                          overrides=overrides, quiet=quiet, n_cells=n_cells, wall0=wall0,
                          stop=stop)
        except SetupStopped as exc:
            raise _stopped_in_setup(exc, case, out, comm, restart, case_path,
                                    overrides) from None
        stop.rearm()  # gmsh (3D meshes) resets SIGTERM to its default action
        ctx.control = RunControl(
            ctx, Checkpointer(out, comm, case.checkpoint.every_steps,
                              case.checkpoint.every_minutes, ctx.meta),
            stop, stop_after_steps, steps0=ctx.stepper.counters.steps)
        ctx.stepper.control = ctx.control
        status, message = integrate(ctx)
        result = finalise(ctx, status, message)
    return result.raise_or_summary()


def prepare(case, out: Path, comm, *, restart: bool, case_path: str | None, overrides,
            quiet: bool, n_cells: int, wall0: float, stop: _StopSignals | None = None
            ) -> RunContext:
    """Build mesh, problem, recorder, field writer and stepper; on a restart, restore their
    state from the checkpoint (collective; inside the locked output directory).

    ``stop`` (the run's signal flag) is checked after the mesh, the forms and the problem, before
    anything is written; a signal after that stops the run after its first step.

    Raises:
        CheckpointError: no usable checkpoint, or it does not match the case or mesh.
        OutputError: the output directory cannot be written.
        SetupStopped: SIGTERM/SIGINT during the set-up (nothing written).
    """
    from solver.numerics.time_stepping import StepSettings, TimeStepper

    meta, ck_arrays = (None, None)
    if restart:
        meta, ck_arrays = read_checkpoint(out, comm)
        check_same_case(meta, case_to_dict(case))
    stop = stop if stop is not None else _StopSignals()  # never signalled without a context
    problem, params = build_problem(case, comm, stop=stop)
    bias, temperature = params.bias, params.temperature
    sampler = line_sampler(problem, case) if case.geometry.dimension == 3 else None
    if restart:
        _check_same_mesh(problem, ck_arrays)
    stop.check(comm, "problem build")
    restarts = int(meta.get("restarts", 0)) + 1 if restart else 0
    _begin_outputs(out, comm, case, case_path, overrides, restarts, fresh=not restart)
    rec = Recorder(problem, params, out, case, sampler)
    fields = FieldWriter(problem, out, rec, enabled=case.output.vtx)
    ctx = RunContext(case, out, comm, problem, rec, fields, meta=meta, restarts=restarts,
                     case_path=case_path, overrides=tuple(overrides), n_cells=n_cells,
                     wall0=wall0)
    tc = case.time
    ctx.progress = RunProgress(tc.t_end_s, enabled=not quiet and comm.rank == 0 and interactive(),
                               t_start=float(meta["stepper"]["t"]) if meta else 0.0)
    ctx.stepper = TimeStepper(
        problem, StepSettings.from_config(
            tc, protocols=(bias, temperature, *light_protocols(params))),
        on_step=lambda t, dt, its, c: rec.row(t, dt, its),
        on_output=lambda t: _on_output(ctx, t),
        progress=lambda t, dt: ctx.progress.update(t, dt, ctx.stepper.counters.steps),
        log=log.debug,
    )
    if restart:
        _restore(ctx, ck_arrays)
    else:
        rec.row(0.0, 0.0, 0)
    ctx.setup_s = time.perf_counter() - wall0
    log.info("%s: %d cells (P%d), %d MPI rank(s), t_end = %g s -> %s (setup %.1f s)", case.name,
             n_cells, case.mesh.degree, comm.size, tc.t_end_s, out, ctx.setup_s)
    return ctx


def build_problem(case, comm, *, stop: _StopSignals | None = None):
    """The case's mesh and :class:`solver.problem.TransportProblem` at its initial state
    (collective; the forms are JIT-compiled here, :func:`solver.numerics.jit_cache.compile_locked`:
    an unusable cache falls back to a temporary one, a compile lock left by a killed run is
    removed). Also used by benchmarks and tests.

    Args:
        case: validated case.
        comm: MPI communicator.
        stop: the run's signal flag, checked after the mesh and after the forms (None: never).

    Returns:
        ``(problem, params)``: the problem and its ModelParameters (flux scheme for the mesh).

    Raises:
        FormCompilationError: FFCx timed out on a compile lock that is not provably stale.
        SetupStopped: ``stop`` was signalled (after the phase it arrived in).
    """
    from solver.mesh.build import build_mesh
    from solver.numerics import jit_cache
    from solver.numerics.newton import SolverOptions
    from solver.numerics.problem import TransportProblem

    stop = stop if stop is not None else _StopSignals()
    params = from_case(case)
    tagged = build_mesh(comm, case, params)
    reinstall_signal_handlers()  # gmsh (a user .msh read by dolfinx) resets SIGTERM
    stop.check(comm, "mesh generation")
    params = _flux_scheme_for_mesh(params, tagged, case.mesh.degree)
    try:  # the forms are compiled (FFCx JIT) here, holding the form cache's run lock
        problem = jit_cache.compile_locked(
            lambda: TransportProblem(tagged, params, case.mesh.degree,
                                     SolverOptions.from_config(case.solver),
                                     bias=params.bias, temperature=params.temperature),
            comm, check_stop=lambda: stop.check(comm, "form compilation"),
            stop_requested=lambda: stop.signum is not None)
    except jit_cache.FormCacheError as exc:
        raise FormCompilationError(str(exc)) from None
    stop.check(comm, "form compilation")
    problem.initialise()
    return problem, params


def _on_output(ctx: RunContext, t: float) -> None:
    """At an output time: the profile, the fields (and their snapshot for a restart), a log
    line."""
    ctx.recorder.profile(t)
    if ctx.fields.active:
        ctx.fields.write(t)
        ctx.recorder.snapshots.append((t, ctx.problem.w.x.array.copy()))
    if t > 0:
        st = ctx.stepper
        c = st.counters
        dt_last = st.hist.dts[0] if st.hist.dts else math.nan
        log.info("t = %.6g s (%.0f%%): step %d, dt = %.3g s, %d rejected, wall %.1f s",
                 t, 100.0 * t / ctx.case.time.t_end_s, c.steps, dt_last, c.rejected,
                 ctx.wall_s())


def _restore(ctx: RunContext, ck_arrays: dict) -> None:
    """Restore recorder and stepper from the checkpoint and rewrite the field outputs."""
    meta, problem, rec, stepper = ctx.meta, ctx.problem, ctx.recorder, ctx.stepper
    rec.restore(meta["recorder"], ck_arrays)
    stepper.restore(meta["stepper"], ck_arrays)
    ctx.wall_before = float(meta.get("wall_time_s", 0.0))
    if ctx.fields.active:  # rewrite the field outputs before the checkpoint
        saved = problem.w.x.array.copy()
        for t, w in rec.snapshots:
            problem.w.x.array[:] = w
            ctx.fields.write(t)
        problem.w.x.array[:] = saved
    if meta["problems"]:
        log.warning("checkpoint: skipped %s", "; ".join(meta["problems"]))
    log.info("%s: restart %d from the checkpoint in %s (seq %d) at t = %.6g s (step %d) in %s",
             ctx.case.name, ctx.restarts, meta["slot"], meta["seq"], stepper.t,
             stepper.counters.steps, ctx.out)


def integrate(ctx: RunContext) -> tuple[str, str]:
    """Run the time loop; return ``(status, message)``: "completed", "interrupted" (stopped by
    a signal or the test hook) or "failed" (the stepper gave up; the last accepted state is
    recorded as the final profile)."""
    from solver.numerics.time_stepping import StepFailure

    stepper, control = ctx.stepper, ctx.control
    status, message = "completed", ""
    try:
        counters = stepper.run()
        if stepper.stopped and not control.write_error:
            status = "interrupted"
            saved = ("checkpoint written" if not control.checkpoint_error else
                     f"{control.checkpoint_error}, the previous one is kept")
            message = (f"stopped by {control.stop_name} at t = {stepper.t:.6g} s "
                       f"(step {counters.steps}); {saved}, continue with --restart")
    except StepFailure as exc:
        status, message = "failed", str(exc)
        # Roll back to the last accepted state and record it as such.
        ctx.problem.w.x.array[:] = ctx.problem.w_n.x.array
        ctx.recorder.profile(stepper.t)
    finally:
        ctx.progress.stop()
        ctx.fields.close()
    return status, message


@dataclass
class RunResult:
    """What :func:`finalise` decided: the summary and the exception to raise, if any."""

    summary: dict
    error: Exception | None = None

    def raise_or_summary(self) -> dict:
        """Return the summary of a completed run, else raise its error."""
        if self.error is not None:
            raise self.error
        return self.summary


def finalise(ctx: RunContext, status: str, message: str) -> RunResult:
    """Build the summary and write the time series, figures and ``summary.json`` (collective).

    An output that could not be written makes the run "failed" whatever else happened
    (:class:`OutputFailure`); a solver failure gives :class:`SolverFailure`, an interruption
    :class:`Interrupted` (returned in the result, raised by the caller after the output
    directory is unlocked).
    """
    stepper, comm, out = ctx.stepper, ctx.comm, ctx.out
    counters = stepper.counters
    last_checkpoint = ctx.control.checkpointer.last

    def failure(what: str) -> str:
        return _write_failure(what, stepper.t, counters.steps, last_checkpoint)

    write_error = ctx.control.write_error or next(
        (e for e in comm.allgather(ctx.recorder.write_error) if e), None)
    if write_error:  # an output could not be written: the run failed, whatever else
        message = f"{message}; {failure(write_error)}" if message else failure(write_error)
        status = "failed"
    summary = build_summary(ctx.recorder, ctx.case, counters, ctx.wall_s(), status, message,
                            ctx.case_path, ctx.overrides, ctx.restarts, setup_s=ctx.setup_s)
    if ctx.meta is not None:
        summary["restart_checkpoint"] = {k: ctx.meta[k] for k in ("slot", "seq", "step", "t_s",
                                                                   "problems")}
    final_error = None
    if comm.rank == 0:
        final_error = write_final_outputs(ctx.recorder, out, summary, failure)
    final_error = comm.bcast(final_error, root=0)
    if write_error or final_error:
        return RunResult(summary, OutputFailure(final_error or message))
    if status == "failed":
        return RunResult(summary, SolverFailure(
            f"{message}; last good state at t = {stepper.t:.6g} s written to {out}"))
    if status == "interrupted":
        return RunResult(summary, Interrupted(f"{message}; outputs so far in {out}"))
    return RunResult(summary)


class _StopSignals(SignalLatch):
    """SIGTERM/SIGINT during a run (:class:`solver.console.SignalLatch`).

    The time loop polls :attr:`signum` after each accepted step (all ranks agree through an
    allreduce), writes a checkpoint and the outputs, and stops; the set-up checks it after each
    phase (:meth:`check`).
    """

    def check(self, comm, phase: str) -> None:
        """Raise :class:`SetupStopped` on every rank if a signal reached any rank
        (collective)."""
        signum = self.signum or 0
        if comm.size > 1:
            from mpi4py import MPI

            signum = comm.allreduce(signum, op=MPI.MAX)
        if signum:
            raise SetupStopped(signal.Signals(signum).name, phase)


def _check_same_mesh(problem, arrays: dict) -> None:
    """The checkpoint's dof coordinates must be this rank's (same mesh and partition), and its
    state arrays (w, w_n, w_nm1, history, snapshots) as long as this rank's dof array."""
    from mpi4py import MPI

    ok = all(np.array_equal(z, arrays.get(f"z_{i}", np.empty(0))) for i, z in enumerate(problem.z))
    if not problem.comm.allreduce(ok, op=MPI.LAND):
        raise CheckpointError("--restart: the checkpoint's mesh or partition differs from this "
                              "run's (different mesh settings, library versions or rank count)")
    n = problem.w.x.array.size
    bad = [f"{k} has {v.size} values" for k, v in arrays.items()
           if STATE_ARRAY.match(k) and v.shape != (n,)]
    bad = next((b for b in problem.comm.allgather(bad[0] if bad else None) if b), None)
    if bad:
        raise CheckpointError(f"--restart: the checkpoint does not fit this mesh: array {bad}, "
                              f"a rank has {n} dofs")


def _flux_scheme_for_mesh(params, tagged, degree: int):
    """Exponential fitting needs degree 1 (intervals, hexahedra, triangles/tetrahedra with
    edge-averaged fluxes); degree 2 falls back to Galerkin with a warning.

    The scheme actually used is logged and recorded in summary.json (``flux_scheme``).
    """
    from solver.numerics.fluxes import exponential_fitting_supported

    if params.flux_scheme == "exponential_fitting" and not exponential_fitting_supported(
            tagged.mesh.ufl_domain(), degree):
        log.warning("transport.flux_scheme: exponential_fitting needs degree 1; this mesh "
                    "(%s, degree %d) uses galerkin fluxes", tagged.mesh.topology.cell_type.name,
                    degree)
        return dataclasses.replace(params, flux_scheme="galerkin")
    return params


def _stopped_in_setup(exc: SetupStopped, case, out: Path, comm, restart: bool,
                      case_path: str | None, overrides) -> Interrupted:
    """Record a run stopped during its set-up: ``summary.json`` says ``interrupted`` (a fresh
    run also removes the outputs of an earlier one, as it would have on starting; a restart
    keeps its checkpoint). Returns the :class:`Interrupted` to raise (collective)."""
    then = ("the checkpoint is kept: continue with --restart" if restart
            else "rerun with --force")
    message = f"{exc}, before the first time step; nothing was computed, {then}"
    if comm.rank == 0:
        record = {"status": "interrupted", "message": message, "interrupted_during": exc.phase,
                  "case_name": case.name, "case_file": case_path, "overrides": list(overrides),
                  "case": case_to_dict(case)}
        try:
            io_output_dir.begin_run(out, record, fresh=not restart)
        except OSError as err:
            log.warning("cannot write %s: %s", out / "summary.json", one_line(err))
    comm.barrier()
    return Interrupted(f"{message} ({out})")


def _write_failure(what: str, t: float, step: int, last_checkpoint: dict | None) -> str:
    """One line for an output that could not be written, with what is kept and how to go on."""
    if last_checkpoint:
        kept = (f"the last checkpoint (t = {last_checkpoint['t_s']:.6g} s, step "
                f"{last_checkpoint['step']}) is kept: free space and continue with --restart")
    else:
        kept = "no checkpoint was written: free space and rerun with --force"
    return f"cannot write {what} at t = {t:.6g} s (step {step}); the run stopped, {kept}"


