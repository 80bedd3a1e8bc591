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
checkpoint to the same result as an uninterrupted run.
"""

from __future__ import annotations

import ctypes
import dataclasses
import math
import os
import re
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np

from solver import observables, outputs
from solver.checkpoint import (
    STATE_ARRAY,
    Checkpointer,
    CheckpointError,
    check_same_case,
    read_checkpoint,
)
from solver.config import case_to_dict
from solver.logging_setup import RunProgress, get_logger, interactive
from solver.parameters import from_case

log = get_logger("run")

#: Test hook: stop (as on SIGTERM) after this many accepted steps (docs/reliability.md).
STOP_AFTER_STEPS_ENV = "PEROVSKITE_IONS_STOP_AFTER_STEPS"


# Distance beyond the front excluded when measuring the Cl taken up ahead of it [µm]: about the
# confocal-PL resolution with which seed 001 reports "up to 12% Cl" in the Br-rich segment.
CL_UPTAKE_MARGIN_UM = 0.5


class SolverFailure(RuntimeError):
    """The time integration could not continue; outputs up to the last good state were written."""


class Interrupted(RuntimeError):
    """The run was stopped by SIGTERM/SIGINT; a checkpoint and the outputs so far were written."""


class OutputFailure(SolverFailure):
    """An output could not be written (e.g. a full disk): the run stopped; the outputs written
    before and the last checkpoint are kept, and no summary of another run remains."""


@dataclass
class Profile:
    """A gathered, z-sorted 1D profile (rank 0 only; None elsewhere)."""

    t_s: float
    z_um: np.ndarray
    y: np.ndarray
    x_br: np.ndarray
    x_v: np.ndarray
    psi_V: np.ndarray
    E_V_per_um: np.ndarray
    # 3D only: max - min over the sample lines of each line's front position [µm]
    front_spread_um: float = float("nan")


_PROFILE_ATTRS = ("z_um", "y", "x_br", "x_v", "psi_V", "E_V_per_um")


def gather_profile(problem, t_s: float) -> Profile | None:
    """The axial profile on rank 0 (None elsewhere).

    1D: the owned dofs of every field gathered and sorted by z (exact nodal values). 3D: the
    mean over the sample lines of ``problem.line_sampler`` (cross-section average), with the
    lateral spread of the front across those lines.
    """
    if getattr(problem, "line_sampler", None) is not None:
        return _gather_profile_3d(problem, t_s)
    comm = problem.comm
    layout = _axial_layout(problem)
    arr = problem.w.x.array
    parts = [arr[d] for d in problem.owned_dofs]
    if comm.size > 1:
        gathered = comm.gather(parts, root=0)
        if comm.rank != 0:
            return None
        parts = [np.concatenate([g[i] for g in gathered]) for i in range(3)]
    z, order = layout
    y, u, phi = (f[order] for f in parts)
    x_v = np.exp(u)
    V_T = problem.params.thermal_voltage_V
    psi = phi * V_T
    E = -np.gradient(psi, z) if z.size > 1 else np.zeros_like(z)
    return Profile(t_s, z, y, y * (1.0 - x_v), x_v, psi, E)


def _axial_layout(problem) -> tuple[np.ndarray, np.ndarray] | None:
    """1D: (z [µm], order) on rank 0 such that ``gathered_owned_values[order]`` is the z-sorted
    nodal profile without the duplicates of shared nodes (the same for all three fields, which
    share one Lagrange space); None on other ranks. Computed once per problem (collective)."""
    if hasattr(problem, "_axial_layout_cache"):  # set on every rank (None off rank 0)
        return problem._axial_layout_cache
    comm = problem.comm
    zs = [problem.owned_z[i] for i in range(3)]
    if comm.size > 1:
        gathered = comm.gather(zs, root=0)
        zs = None if comm.rank != 0 else [np.concatenate([g[i] for g in gathered])
                                         for i in range(3)]
    layout = None
    if zs is not None:
        order = np.argsort(zs[0], kind="stable")
        z = zs[0][order]
        keep = np.concatenate([[True], np.diff(z) > 1e-12])  # drop duplicates of shared nodes
        for zi in zs[1:]:
            if not np.array_equal(zi[order][keep], z[keep]):
                raise RuntimeError("the three fields do not share one dof layout")
        layout = (z[keep], order[keep])
    problem._axial_layout_cache = layout
    return layout


def _gather_profile_3d(problem, t_s: float) -> Profile | None:
    sampler = problem.line_sampler
    vals = sampler.sample(problem.field_functions())
    if vals is None:
        return None
    z = sampler.x_um
    y_lines, u_lines, phi_lines = vals[..., 0], vals[..., 1], vals[..., 2]
    x_v = np.exp(u_lines).mean(axis=0)
    y = y_lines.mean(axis=0)
    psi = phi_lines.mean(axis=0) * problem.params.thermal_voltage_V
    E = -np.gradient(psi, z)
    fronts = [observables.front_position(z, yl, problem.params.interface_um) for yl in y_lines]
    spread = float(np.nanmax(fronts) - np.nanmin(fronts)) if np.isfinite(fronts).any() \
        else float("nan")
    return Profile(t_s, z, y, y * (1.0 - x_v), x_v, psi, E, spread)


def _peak_rss_per_rank(comm) -> list:
    """Peak resident memory of every rank [MB] (collective)."""
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return comm.allgather(round(kb / 1024.0, 1))


def _attach_line_sampler(problem, case) -> None:
    """3D: sample 3 x 3 lines along the wire, every ~h3d_min / 2 (the profile's resolution)."""
    from solver.sampling import LineSampler, cross_section_grid

    g = case.geometry
    width = g.width_um if g.cross_section == "rectangle" else g.height_um / np.sqrt(3.0)
    n = int(np.ceil(g.length_um / (0.5 * case.mesh.h3d_min_um))) + 1
    x = np.linspace(0.0, g.length_um, n)
    x[0], x[-1] = 1e-9 * g.length_um, g.length_um * (1 - 1e-9)  # inside the mesh
    problem.line_sampler = LineSampler(problem.mesh1d.mesh, x,
                                       cross_section_grid(width, g.height_um))


class _Recorder:
    """Collects the time series and profiles on rank 0 and writes them."""

    def __init__(self, problem, params, out: Path, case):
        self.problem = problem
        self.params = params
        self.out = out
        self.case = case
        self.rows: list[dict] = []
        self.profiles: list[Profile] = []
        self.rank0 = problem.comm.rank == 0
        self.z_front0 = math.nan
        self.total_br0 = math.nan
        self.total_v0 = math.nan
        self.newton_total = 0
        self.snapshots: list[tuple[float, np.ndarray]] = []  # (t, local w) at output times
        self.write_error: str | None = None  # first output that could not be written

    def state(self) -> tuple[dict, dict]:
        """Scalars (JSON) and arrays (this rank) of everything recorded so far."""
        scalars = {"z_front0": self.z_front0, "total_br0": self.total_br0,
                   "total_v0": self.total_v0, "newton_total": self.newton_total,
                   "snapshot_times": [t for t, _ in self.snapshots]}
        arrays = {f"snapshot_{k}": w for k, (_, w) in enumerate(self.snapshots)}
        if self.rank0:
            columns = list(self.rows[0]) if self.rows else []
            scalars["row_columns"] = columns
            for col in columns:
                arrays[f"row_{col}"] = np.array([r[col] for r in self.rows])
            scalars["profile_times"] = [q.t_s for q in self.profiles]
            for k, q in enumerate(self.profiles):
                for attr in _PROFILE_ATTRS:
                    arrays[f"profile_{k}_{attr}"] = getattr(q, attr)
        return scalars, arrays

    def restore(self, scalars: dict, arrays: dict) -> None:
        """Continue recording from :meth:`state` (same number of ranks)."""
        self.z_front0 = float(scalars["z_front0"])
        self.total_br0 = float(scalars["total_br0"])
        self.total_v0 = float(scalars["total_v0"])
        self.newton_total = int(scalars["newton_total"])
        self.snapshots = [(float(t), np.array(arrays[f"snapshot_{k}"]))
                          for k, t in enumerate(scalars["snapshot_times"])]
        if not self.rank0:
            return
        columns = scalars["row_columns"]
        n = len(arrays[f"row_{columns[0]}"]) if columns else 0
        self.rows = [{c: arrays[f"row_{c}"][i].item() for c in columns} for i in range(n)]
        self.profiles = [
            Profile(float(t), *(np.array(arrays[f"profile_{k}_{a}"]) for a in _PROFILE_ATTRS))
            for k, t in enumerate(scalars["profile_times"])
        ]

    def front(self, prof: Profile) -> float:
        return observables.front_position(prof.z_um, prof.y, self.params.interface_um)

    def row(self, t: float, dt: float, its: int) -> None:
        tb, tv = self.problem.totals()
        prof = gather_profile(self.problem, t)
        self.newton_total += its
        if not self.rank0:
            return
        if not self.rows:
            self.z_front0 = self.front(prof)
            self.total_br0, self.total_v0 = tb, tv
        zf = self.front(prof)
        self.rows.append(
            {
                "t_s": t,
                "front_um": zf,
                "migration_length_um": observables.migration_length(
                    self.z_front0, zf, self.case.geometry.br_rich_side
                ),
                "total_br_um": tb,
                "total_v_um": tv,
                "x_v_min": float(prof.x_v.min()),
                "x_v_max": float(prof.x_v.max()),
                **({"front_spread_um": prof.front_spread_um}
                   if np.isfinite(prof.front_spread_um) else {}),
                "dt_s": dt,
                "newton_iterations": its,
            }
        )

    def profile(self, t: float) -> None:
        prof = gather_profile(self.problem, t)
        if not self.rank0:
            return
        self.profiles.append(prof)
        path = self.out / "profiles" / f"t_{t:012.3f}s.csv"
        try:
            outputs.write_profile_csv(path, prof.z_um, prof.y, prof.x_br, prof.x_v, prof.psi_V,
                                      prof.E_V_per_um, t)
        except OSError as exc:  # the time loop stops after this step (control, flag 4)
            self.write_error = self.write_error or f"{path}: {outputs.os_reason(exc)}"


def _vtx_writer(problem, out: Path):
    """VTX writer of y, x_V, psi on the collapsed spaces (or None without ADIOS2)."""
    import dolfinx
    from dolfinx import fem, io

    if not dolfinx.has_adios2:
        return None, None
    V = problem.spaces[0]
    funcs = {"y": fem.Function(V, name="y"), "x_V": fem.Function(V, name="x_V"),
             "psi_V": fem.Function(V, name="psi_V")}
    writer = io.VTXWriter(problem.comm, str(out / "fields" / "state.bp"), list(funcs.values()),
                          engine="BP4")

    def write(t: float) -> None:
        arr = problem.w.x.array
        funcs["y"].x.array[:] = arr[problem.dofs[0]]
        funcs["x_V"].x.array[:] = np.exp(arr[problem.dofs[1]])
        funcs["psi_V"].x.array[:] = arr[problem.dofs[2]] * problem.params.thermal_voltage_V
        writer.write(t)

    return writer, write


def _summary(rec: _Recorder, case, counters, wall_s: float, status: str, message: str,
             case_path, overrides, restarts: int = 0) -> dict:
    last = rec.rows[-1] if rec.rows else {}
    final_prof = rec.profiles[-1] if rec.profiles else None
    uptake = {}
    if final_prof is not None and rec.profiles:
        p = rec.params
        lo, hi = (0.0, p.interface_um) if p.br_rich_left else (p.interface_um, p.length_um)
        y0 = np.interp(final_prof.z_um, rec.profiles[0].z_um, rec.profiles[0].y)
        uptake = observables.cl_uptake(
            final_prof.z_um, final_prof.y, y0, lo, hi, margin_um=CL_UPTAKE_MARGIN_UM,
            br_rich_side=case.geometry.br_rich_side,
        )
        uptake["margin_um"] = CL_UPTAKE_MARGIN_UM
    return {
        "status": status,
        "message": message,
        "case_name": case.name,
        "restarts": restarts,
        "t_final_s": last.get("t_s", 0.0),
        "front_position_initial_um": rec.z_front0,
        "front_position_um": last.get("front_um", math.nan),
        "front_lateral_spread_um": last.get("front_spread_um", math.nan),
        "migration_length_um": last.get("migration_length_um", math.nan),
        "cl_uptake_br_segment": uptake,
        "total_br_initial_um": rec.total_br0,
        "total_br_final_um": last.get("total_br_um", math.nan),
        "total_br_relative_drift": (last.get("total_br_um", math.nan) - rec.total_br0)
        / rec.total_br0 if rec.rows else math.nan,
        "total_vacancy_initial_um": rec.total_v0,
        "total_vacancy_final_um": last.get("total_v_um", math.nan),
        "steps": counters.steps,
        "rejected_steps": counters.rejected,
        "rejected_steps_error": counters.rejected_error,
        "rejected_steps_newton": counters.rejected_newton,
        "rejected_steps_state": counters.rejected_state,
        "bdf2_to_bdf1_fallbacks": counters.order_fallbacks,
        "newton_iterations": counters.newton_iterations,
        "linear_iterations": counters.linear_iterations,
        "dt_smallest_s": counters.dt_smallest,
        "dt_largest_s": counters.dt_largest,
        "n_cells": rec.problem.mesh1d.n_cells,
        "cell_type": rec.problem.mesh1d.mesh.topology.cell_type.name,
        "flux_scheme": rec.problem.flux_scheme,
        "linear_solver": rec.problem.linear_solver,
        "n_dofs": rec.problem.W.dofmap.index_map.size_global * rec.problem.W.dofmap.index_map_bs,
        "peak_rss_MB_per_rank": _peak_rss_per_rank(rec.problem.comm),
        "h_min_um": rec.problem.mesh1d.h_min_um,
        "wall_time_s": wall_s,
        "case_file": case_path,
        "overrides": list(overrides),
        "provenance": outputs.provenance(),
        "case": case_to_dict(case),
    }


def _write_figures(rec: _Recorder, out: Path) -> None:
    """PNG figures into ``out/figures`` (the folder is created by the first figure written)."""
    from solver import plotting

    p = rec.params
    x_v_cl = float(p.x_v_eq(p.y_cl))  # x_V in the Cl-rich segment (seed 001 Fig. 3 scaling)
    device = plotting.Device.from_case_dict(case_to_dict(rec.case))
    plotting.plot_profiles(
        [{"t_s": q.t_s, "z_um": q.z_um, "y": q.y, "x_v": q.x_v, "psi_V": q.psi_V,
          "E_V_per_um": q.E_V_per_um} for q in rec.profiles],
        out / "figures" / "profiles.png", title=rec.case.name, x_v_cl_ref=x_v_cl, device=device,
    )
    if rec.rows:
        t = np.array([r["t_s"] for r in rec.rows])
        plotting.plot_timeseries(t, np.array([r["migration_length_um"] for r in rec.rows]),
                                 out / "figures" / "migration_length.png", device=device)
        ts = {k: np.array([r[k] for r in rec.rows]) for k in rec.rows[0]}
        plotting.plot_diagnostics(ts, out / "figures" / "diagnostics.png", device=device)


class _StopSignals:
    """Context manager: SIGTERM/SIGINT set a flag instead of killing the process.

    The time loop polls :attr:`signum` after each accepted step (all ranks agree through an
    allreduce), writes a checkpoint and the outputs, and stops. Handlers are installed only in
    the main thread and restored on exit.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self):
        self.signum: int | None = None
        self._old = {}

    def _handler(self, signum, frame):
        if self.signum is None:
            self.signum = signum

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()


def _check_same_mesh(problem, arrays: dict) -> None:
    """The checkpoint's dof coordinates must be this rank's (same mesh and partition), and its
    state arrays (w, w_n, w_nm1, history, snapshots) as long as this rank's dof array."""
    from mpi4py import MPI

    ok = all(np.array_equal(problem.z[i], arrays.get(f"z_{i}", np.empty(0))) for i in range(3))
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
    from solver.physics.transport import exponential_fitting_supported

    if params.flux_scheme == "exponential_fitting" and not exponential_fitting_supported(
            tagged.mesh.ufl_domain(), degree):
        log.warning("transport.flux_scheme: exponential_fitting needs degree 1; this mesh "
                    "(%s, degree %d) uses galerkin fluxes", tagged.mesh.topology.cell_type.name,
                    degree)
        return dataclasses.replace(params, flux_scheme="galerkin")
    return params


def _one_line(exc: BaseException) -> str:
    """An exception's text on one line, without terminal colour codes (ADIOS2 adds them)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    return " ".join(text.split())[:300]


def _begin_outputs(out: Path, comm, case, case_path, overrides, restarts: int, *,
                   fresh: bool) -> None:
    """Before the run writes anything: ``summary.json`` says ``running`` (no summary of an
    earlier run survives), a fresh run removes the outputs of an earlier one (with its
    checkpoint), and the output subdirectories exist. Collective.

    Raises:
        OutputError: the output directory cannot be written (nothing was computed).
    """
    import socket
    from datetime import UTC, datetime

    error = None
    if comm.rank == 0:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        record = {
            "status": "running",
            "message": f"started {started} by pid {os.getpid()} on {socket.gethostname()}; if "
                       "that process has ended, it was killed: continue with --restart (if a "
                       "checkpoint exists) or rerun with --force",
            "case_name": case.name, "restarts": restarts, "case_file": case_path,
            "overrides": list(overrides), "case": case_to_dict(case),
        }
        try:
            outputs.begin_run(out, record, fresh=fresh)
            # figures/ is created when a figure is written, fields/ only for VTX output: a
            # run with figures or fields off leaves no empty folder.
            for sub in ("profiles", *(("fields",) if case.output.vtx else ())):
                (out / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            left = ("summary.json could not be removed" if (out / outputs.SUMMARY).exists()
                    else "no summary.json remains")
            error = (f"output directory {out}: cannot write{where} ({outputs.os_reason(exc)}); "
                     f"nothing was computed, {left}")
    error = comm.bcast(error, root=0)
    if error:
        raise outputs.OutputError(error)


def _write_failure(what: str, t: float, step: int, last_checkpoint: dict | None) -> str:
    """One line for an output that could not be written, with what is kept and how to go on."""
    if last_checkpoint:
        kept = (f"the last checkpoint (t = {last_checkpoint['t_s']:.6g} s, step "
                f"{last_checkpoint['step']}) is kept: free space and continue with --restart")
    else:
        kept = "no checkpoint was written: free space and rerun with --force"
    return f"cannot write {what} at t = {t:.6g} s (step {step}); the run stopped, {kept}"


def _close_vtx(writer, failed: bool) -> bool:
    """Close the VTX writer; True if it closed cleanly.

    An ADIOS2 writer whose write or close failed (e.g. a full disk) retries the write in its
    C++ destructor, which then calls ``std::terminate`` (the process aborts). Such a writer is
    never destroyed: its reference count is raised, so the run can still report the failure,
    write what it can and exit with its own code.
    """
    if not failed:
        try:
            writer.close()
            return True
        except (RuntimeError, OSError):
            pass
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(writer))
    return False


def _write_final_outputs(rec: _Recorder, out: Path, summary: dict, failure) -> str | None:
    """Rank 0: time series, figures and ``summary.json``; the one-line error if one of them
    could not be written (None if all were), ``failure(what)`` phrasing a first failure. A
    summary that cannot be written is removed (the ``running`` record must not stay)."""
    error = None

    def add(what: str) -> str:
        if error:
            return f"{error}; also cannot write {what}"
        if summary["status"] == "failed":
            return f"{summary['message']}; also cannot write {what}"
        return failure(what)

    try:
        outputs.write_timeseries_csv(out / "timeseries.csv", rec.rows)
        from solver.pl_output import write_pl_outputs  # synthetic PL (docs/model.md)
        summary["pl"] = write_pl_outputs(out, rec.profiles, rec.case,
                                         figures=rec.case.output.figures)
        if rec.case.output.figures:
            _write_figures(rec, out)
    except OSError as exc:
        error = add(f"{exc.filename or out}: {outputs.os_reason(exc)}")
        summary["status"], summary["message"] = "failed", error
    path = out / outputs.SUMMARY
    try:
        outputs.write_json(path, summary)
    except OSError as exc:
        path.unlink(missing_ok=True)
        error = add(f"{path} ({outputs.os_reason(exc)}; it was removed)")
    return error


def run_case(case, output_dir: Path, *, case_path: str | None = None, overrides=(),
             quiet: bool = False, restart: bool = False,
             stop_after_steps: int | None = None) -> dict:
    """Run ``case`` and write all outputs to ``output_dir``; return the summary dict.

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
        Interrupted: SIGTERM/SIGINT (checkpoint and outputs up to then are written).
    """
    from mpi4py import MPI

    from solver import preflight
    from solver.meshing import build_mesh
    from solver.problem import SolverOptions, TransportProblem
    from solver.time_stepping import StepFailure, StepSettings, TimeStepper

    comm = MPI.COMM_WORLD
    wall0 = time.perf_counter()
    if stop_after_steps is None and os.environ.get(STOP_AFTER_STEPS_ENV):
        stop_after_steps = int(os.environ[STOP_AFTER_STEPS_ENV])
    n_cells = preflight.check_case(case)  # CaseError before any directory exists
    params = from_case(case)
    out = Path(output_dir)
    meta, ck_arrays = (None, None)
    # The output directory is locked for the whole run (re-entrant: the CLI holds it already).
    with outputs.locked_output_dir(out, comm), _StopSignals() as stop:
        if restart:
            meta, ck_arrays = read_checkpoint(out, comm)
            check_same_case(meta, case_to_dict(case))
        m = case.mesh
        mesh1d = build_mesh(comm, case, params)
        params = _flux_scheme_for_mesh(params, mesh1d, m.degree)
        sv = case.solver
        problem = TransportProblem(
            mesh1d, params, m.degree,
            SolverOptions(max_it=sv.newton_max_it, stol=sv.newton_stol,
                          max_update=sv.max_update_VT, linear_solver=sv.linear_solver,
                          petsc_options=dict(sv.petsc_options)),
        )
        problem.initialise()
        if case.geometry.dimension == 3:
            _attach_line_sampler(problem, case)
        if restart:
            _check_same_mesh(problem, ck_arrays)
        restarts = int(meta.get("restarts", 0)) + 1 if restart else 0
        _begin_outputs(out, comm, case, case_path, overrides, restarts, fresh=not restart)
        tc = case.time
        settings = StepSettings.from_config(tc)
        rec = _Recorder(problem, params, out, case)
        writer, write_fields, vtx_failed = None, None, False  # failed: no further field writes
        if case.output.vtx:
            try:
                writer, write_fields = _vtx_writer(problem, out)
            except (RuntimeError, OSError) as exc:  # ADIOS2 cannot open fields/state.bp
                vtx_failed = True
                rec.write_error = f"{out / 'fields' / 'state.bp'}: {_one_line(exc)}"

        def fields(t: float) -> None:
            """Write the fields at ``t``; an ADIOS2 failure (e.g. a full disk) is recorded and
            stops the run after this step (``control``)."""
            nonlocal vtx_failed
            if vtx_failed:
                return
            try:
                write_fields(t)
            except (RuntimeError, OSError) as exc:
                vtx_failed = True
                rec.write_error = rec.write_error or (
                    f"{out / 'fields' / 'state.bp'}: {_one_line(exc)}")
        wall_before = 0.0
        progress = RunProgress(tc.t_end_s, enabled=not quiet and comm.rank == 0 and interactive(),
                               t_start=float(meta["stepper"]["t"]) if meta else 0.0)

        def on_output(t: float) -> None:
            rec.profile(t)
            if write_fields is not None:
                fields(t)
                rec.snapshots.append((t, problem.w.x.array.copy()))
            if t > 0:
                c = stepper.counters
                dt_last = stepper.hist.dts[0] if stepper.hist.dts else math.nan
                log.info("t = %.6g s (%.0f%%): step %d, dt = %.3g s, %d rejected, wall %.1f s",
                         t, 100.0 * t / tc.t_end_s, c.steps, dt_last, c.rejected,
                         wall_before + time.perf_counter() - wall0)

        stepper = TimeStepper(
            problem, settings, on_step=lambda t, dt, its, c: rec.row(t, dt, its),
            on_output=on_output,
            progress=lambda t, dt: progress.update(t, dt, stepper.counters.steps),
            log=log.debug,
        )
        if restart:
            rec.restore(meta["recorder"], ck_arrays)
            stepper.restore(meta["stepper"], ck_arrays)
            wall_before = float(meta.get("wall_time_s", 0.0))
            if write_fields is not None:  # rewrite the field outputs before the checkpoint
                saved = problem.w.x.array.copy()
                for t, w in rec.snapshots:
                    problem.w.x.array[:] = w
                    fields(t)
                problem.w.x.array[:] = saved
            if meta["problems"]:
                log.warning("checkpoint: skipped %s", "; ".join(meta["problems"]))
            log.info("%s: restart %d from the checkpoint in %s (seq %d) at t = %.6g s (step %d) "
                     "in %s", case.name, restarts, meta["slot"], meta["seq"], stepper.t,
                     stepper.counters.steps, out)
        else:
            rec.row(0.0, 0.0, 0)
        log.info("%s: %d cells (P%d), %d MPI rank(s), t_end = %g s -> %s", case.name, n_cells,
                 m.degree, comm.size, tc.t_end_s, out)

        ck = case.checkpoint
        checkpointer = Checkpointer(out, comm, ck.every_steps, ck.every_minutes, meta)
        stop_reason = {"name": None, "checkpoint_error": None, "write_error": None}

        def write_checkpoint(reason: str) -> None:
            st_scalars, st_arrays = stepper.state()
            rec_scalars, rec_arrays = rec.state()
            arrays = {**st_arrays, **rec_arrays, **{f"z_{i}": problem.z[i] for i in range(3)}}
            meta_new = {
                "reason": reason, "step": stepper.counters.steps, "t_s": stepper.t,
                "restarts": restarts,
                "wall_time_s": wall_before + time.perf_counter() - wall0,
                "stepper": st_scalars, "recorder": rec_scalars, "case": case_to_dict(case),
            }
            t0 = time.perf_counter()
            try:
                path = checkpointer.write(meta_new, arrays)
            except CheckpointError as exc:
                log.warning("%s (the run continues)", exc)
                stop_reason["checkpoint_error"] = str(exc)
                return
            stop_reason["checkpoint_error"] = None
            log.debug("checkpoint (%s) at t = %.6g s, step %d, %.1f ms -> %s", reason, stepper.t,
                      stepper.counters.steps, 1e3 * (time.perf_counter() - t0), path.parent)

        def control(st) -> bool:
            flags = 0
            if stop.signum is not None:
                flags |= 1
            if stop_after_steps is not None and st.counters.steps - steps0 >= stop_after_steps:
                flags |= 1
            if checkpointer.due(st.counters.steps):
                flags |= 2
            if rec.write_error:
                flags |= 4
            flags = comm.allreduce(flags, op=MPI.BOR)
            if flags & 4:  # an output could not be written: stop, keep the last checkpoint
                stop_reason["write_error"] = next(e for e in comm.allgather(rec.write_error) if e)
                return True
            if flags & 1 and st.t >= tc.t_end_s * (1 - 1e-14):
                flags = 0  # the run is complete: finish normally
            if flags & 1:
                signum = comm.allreduce(stop.signum or 0, op=MPI.MAX)
                stop_reason["name"] = (signal.Signals(signum).name if signum
                                       else f"test hook {STOP_AFTER_STEPS_ENV}")
                write_checkpoint(stop_reason["name"])
                return True
            if flags & 2:
                write_checkpoint("periodic")
            return False

        stepper.control = control
        steps0 = stepper.counters.steps
        status, message = "completed", ""
        try:
            counters = stepper.run()
            if stepper.stopped and not stop_reason["write_error"]:
                status = "interrupted"
                saved = ("checkpoint written" if not stop_reason["checkpoint_error"] else
                         f"{stop_reason['checkpoint_error']}, the previous one is kept")
                message = (f"stopped by {stop_reason['name']} at t = {stepper.t:.6g} s "
                           f"(step {counters.steps}); {saved}, continue with --restart")
        except StepFailure as exc:
            status, message = "failed", str(exc)
            counters = stepper.counters
            # Roll back to the last accepted state and record it as such.
            problem.w.x.array[:] = problem.w_n.x.array
            rec.profile(stepper.t)
        finally:
            progress.stop()
            if writer is not None and not _close_vtx(writer, vtx_failed):
                rec.write_error = rec.write_error or f"{out / 'fields' / 'state.bp'}: not closed"

        def failure(what: str) -> str:
            return _write_failure(what, stepper.t, counters.steps, checkpointer.last)

        write_error = stop_reason["write_error"] or next(
            (e for e in comm.allgather(rec.write_error) if e), None)
        if write_error:  # an output could not be written: the run failed, whatever else
            message = f"{message}; {failure(write_error)}" if message else failure(write_error)
            status = "failed"
        wall = wall_before + time.perf_counter() - wall0
        summary = _summary(rec, case, counters, wall, status, message, case_path, overrides,
                           restarts)
        if restart:
            summary["restart_checkpoint"] = {k: meta[k] for k in ("slot", "seq", "step", "t_s",
                                                                   "problems")}
        final_error = None
        if comm.rank == 0:
            final_error = _write_final_outputs(rec, out, summary, failure)
        final_error = comm.bcast(final_error, root=0)
    if write_error or final_error:
        raise OutputFailure(final_error or message)
    if status == "failed":
        raise SolverFailure(f"{message}; last good state at t = {stepper.t:.6g} s written to {out}")
    if status == "interrupted":
        raise Interrupted(f"{message}; outputs so far in {out}")
    return summary
