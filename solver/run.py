"""Run one validated case end to end: mesh, problem, time loop, observables and outputs.

This is the thin driver between the CLI (which knows YAML and exit codes) and the physics
(which knows UFL). Outputs, all under ``output_dir``:

    summary.json        final observables, counters, wall time, provenance, resolved case
    timeseries.csv      per accepted step: t, front, L_m, totals, x_V range, dt, Newton its
    profiles/t_<s>.csv  z, y, x_Br, x_V, psi, E at each output time
    fields/state.bp     y, x_V, psi for ParaView (VTX/ADIOS2)
    figures/*.png       y(z) and x_V(z)/x_V,Cl at output times, L_m(t), step diagnostics

A solver failure (dt below dt_min) still writes everything up to the last good state, marks
``status: failed`` in summary.json and raises :class:`SolverFailure`.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver import observables, outputs
from solver.config import CaseError, case_to_dict
from solver.parameters import from_case


# Distance beyond the front excluded when measuring the Cl taken up ahead of it [µm]: about the
# confocal-PL resolution with which seed 001 reports "up to 12% Cl" in the Br-rich segment.
CL_UPTAKE_MARGIN_UM = 0.5


class SolverFailure(RuntimeError):
    """The time integration could not continue; outputs up to the last good state were written."""


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


def gather_profile(problem, t_s: float) -> Profile | None:
    """Gather the owned dofs of every field to rank 0 and sort by z (P1/P2 nodal values)."""
    comm = problem.comm
    arr = problem.w.x.array
    parts = []
    for i in range(3):
        own = problem.owned[i]
        parts.append((problem.z[i][own], arr[problem.dofs[i]][own]))
    gathered = comm.gather(parts, root=0)
    if comm.rank != 0:
        return None
    fields = []
    for i in range(3):
        z = np.concatenate([g[i][0] for g in gathered])
        f = np.concatenate([g[i][1] for g in gathered])
        order = np.argsort(z, kind="stable")
        z, f = z[order], f[order]
        keep = np.concatenate([[True], np.diff(z) > 1e-12])  # drop duplicates of shared nodes
        fields.append((z[keep], f[keep]))
    z = fields[0][0]
    y, u, phi = fields[0][1], fields[1][1], fields[2][1]
    x_v = np.exp(u)
    V_T = problem.params.thermal_voltage_V
    psi = phi * V_T
    E = -np.gradient(psi, z) if z.size > 1 else np.zeros_like(z)
    return Profile(t_s, z, y, y * (1.0 - x_v), x_v, psi, E)


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
                "dt_s": dt,
                "newton_iterations": its,
            }
        )

    def profile(self, t: float) -> None:
        prof = gather_profile(self.problem, t)
        if not self.rank0:
            return
        self.profiles.append(prof)
        outputs.write_profile_csv(
            self.out / "profiles" / f"t_{t:012.3f}s.csv",
            prof.z_um, prof.y, prof.x_br, prof.x_v, prof.psi_V, prof.E_V_per_um, t,
        )


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


def _progress(quiet: bool, t_end: float, rank: int):
    """A rich progress bar on interactive rank-0 terminals; a no-op otherwise."""
    if quiet or rank != 0 or not sys.stderr.isatty():
        return None, (lambda t, dt: None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("[bold]t = {task.fields[t]:.4g} s"), BarColumn(),
        TextColumn("dt = {task.fields[dt]:.2e} s"), TimeRemainingColumn(), transient=True,
    )
    task = bar.add_task("run", total=t_end, t=0.0, dt=0.0)
    bar.start()
    return bar, (lambda t, dt: bar.update(task, completed=t, t=t, dt=dt))


def _summary(rec: _Recorder, case, counters, wall_s: float, status: str, message: str,
             case_path, overrides) -> dict:
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
        "t_final_s": last.get("t_s", 0.0),
        "front_position_initial_um": rec.z_front0,
        "front_position_um": last.get("front_um", math.nan),
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
        "bdf2_to_bdf1_fallbacks": counters.order_fallbacks,
        "newton_iterations": counters.newton_iterations,
        "dt_smallest_s": counters.dt_smallest,
        "dt_largest_s": counters.dt_largest,
        "n_cells": rec.problem.mesh1d.n_cells,
        "h_min_um": rec.problem.mesh1d.h_min_um,
        "wall_time_s": wall_s,
        "case_file": case_path,
        "overrides": list(overrides),
        "provenance": outputs.provenance(),
        "case": case_to_dict(case),
    }


def _write_figures(rec: _Recorder, out: Path) -> None:
    from solver import plotting

    p = rec.params
    x_v_cl = float(p.x_v_eq(p.y_cl))  # x_V in the Cl-rich segment (seed 001 Fig. 3 scaling)
    plotting.plot_profiles(
        [{"t_s": q.t_s, "z_um": q.z_um, "y": q.y, "x_v": q.x_v} for q in rec.profiles],
        out / "figures" / "profiles.png", title=rec.case.name, x_v_cl_ref=x_v_cl,
    )
    if rec.rows:
        t = np.array([r["t_s"] for r in rec.rows])
        plotting.plot_timeseries(t, np.array([r["migration_length_um"] for r in rec.rows]),
                                 out / "figures" / "migration_length.png")
        ts = {k: np.array([r[k] for r in rec.rows]) for k in rec.rows[0]}
        plotting.plot_diagnostics(ts, out / "figures" / "diagnostics.png")


def run_case(case, output_dir: Path, *, case_path: str | None = None, overrides=(),
             quiet: bool = False) -> dict:
    """Run ``case`` and write all outputs to ``output_dir``; return the summary dict.

    Raises:
        CaseError: the mesh would exceed ``mesh.max_cells``.
        SolverFailure: the time integration failed (outputs up to then are written).
    """
    from mpi4py import MPI

    from solver.mesh1d import graded_vertices, mesh_for_parameters
    from solver.problem import SolverOptions, TransportProblem
    from solver.time_stepping import StepFailure, StepSettings, TimeStepper

    comm = MPI.COMM_WORLD
    wall0 = time.perf_counter()
    params = from_case(case)
    m = case.mesh
    n_est = len(graded_vertices(
        [0.0, params.length_um, *params.electrode_left_um, *params.electrode_right_um,
         params.interface_um], m.h_min_nm * 1e-3, m.h_max_um, m.growth)) - 1
    if n_est > m.max_cells:
        raise CaseError(f"mesh: {n_est} cells exceed mesh.max_cells = {m.max_cells}")
    out = Path(output_dir)
    if comm.rank == 0:
        for sub in ("profiles", "figures", "fields"):
            (out / sub).mkdir(parents=True, exist_ok=True)
    comm.barrier()

    mesh1d = mesh_for_parameters(comm, params, m.h_min_nm, m.h_max_um, m.growth)
    sv = case.solver
    problem = TransportProblem(
        mesh1d, params, m.degree,
        SolverOptions(max_it=sv.newton_max_it, stol=sv.newton_stol, max_update=sv.max_update_VT),
    )
    problem.initialise()
    tc = case.time
    settings = StepSettings(
        t_end=tc.t_end_s, output_times=tuple(tc.output_times_s), scheme=tc.scheme,
        dt_initial=tc.dt_initial_s, dt_min=tc.dt_min_s, dt_max=tc.dt_max_s, tol_y=tc.tol_y,
        tol_phi=tc.tol_psi_VT, rtol_x_v=tc.rtol_x_v, atol_x_v=tc.atol_x_v,
    )
    rec = _Recorder(problem, params, out, case)
    rec.row(0.0, 0.0, 0)
    writer, write_fields = _vtx_writer(problem, out) if case.output.vtx else (None, None)

    def on_output(t: float) -> None:
        rec.profile(t)
        if write_fields is not None:
            write_fields(t)

    bar, progress = _progress(quiet, tc.t_end_s, comm.rank)
    stepper = TimeStepper(problem, settings, on_step=lambda t, dt, its, c: rec.row(t, dt, its),
                          on_output=on_output, progress=progress)
    status, message = "completed", ""
    try:
        counters = stepper.run()
    except StepFailure as exc:
        status, message = "failed", str(exc)
        counters = stepper.counters
        # Roll back to the last accepted state and record it as such.
        problem.w.x.array[:] = problem.w_n.x.array
        rec.profile(stepper.t)
    finally:
        if bar is not None:
            bar.stop()
        if writer is not None:
            writer.close()

    wall = time.perf_counter() - wall0
    summary = _summary(rec, case, counters, wall, status, message, case_path, overrides)
    if comm.rank == 0:
        outputs.write_timeseries_csv(out / "timeseries.csv", rec.rows)
        if case.output.figures:
            _write_figures(rec, out)
        outputs.write_json(out / "summary.json", summary)
    if status != "completed":
        raise SolverFailure(f"{message}; last good state at t = {stepper.t:.6g} s written to {out}")
    return summary
