"""What a run observes and writes: profiles, time series, fields (VTX), figures, summary.

The :class:`Recorder` collects, on rank 0, one time-series row per accepted step (front position,
migration length L_m, totals, x_V range, dt, Newton iterations) and the axial profiles at the
output times; :class:`FieldWriter` writes y, x_V and psi to ``fields/state.bp`` (VTX/ADIOS2);
:func:`build_summary` and :func:`write_final_outputs` produce ``timeseries.csv``, the figures and
``summary.json`` at the end. Nothing here knows the time loop: :mod:`solver.run` calls these.

An output that cannot be written (e.g. a full disk) is recorded in ``Recorder.write_error``; the
driver stops the run after that step.
"""

from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver.analysis import observables
from solver.config import case_to_dict
from solver.io import files, output_dir, provenance
from solver.model.species import output_names, pair_of

# Distance beyond the front excluded when measuring the Cl taken up ahead of it [µm]: about the
# confocal-PL resolution with which seed 001 reports "up to 12% Cl" in the Br-rich segment.
CL_UPTAKE_MARGIN_UM = 0.5


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
    # 3D only: y on each sample line across the section, shape (n_lines, n_z) [-] (the
    # synthetic PL integrates emission over the section from these, solver/pl/output.py)
    y_lines: np.ndarray | None = None
    # The layout's other fields by name (e.g. a body's surface inventory "theta"), written as
    # extra profile columns; not kept in checkpoints (the CSV is written at the time).
    extra: dict | None = None


_PROFILE_ATTRS = ("z_um", "y", "x_br", "x_v", "psi_V", "E_V_per_um")


def gather_profile(problem, t_s: float, sampler=None) -> Profile | None:
    """The axial profile on rank 0 (None elsewhere). Collective.

    1D: the owned dofs of every field gathered and sorted by z (exact nodal values,
    :meth:`solver.numerics.layout.DofLayout.gather_axial`). 3D (``sampler``, a
    :class:`solver.mesh.sampling.LineSampler`): the mean over its sample lines (cross-section
    average), with the lateral spread of the front across those lines.
    """
    if sampler is not None:
        return _gather_profile_3d(problem, t_s, sampler)
    fields = problem.layout.gather_axial(problem.comm, problem.w.x.array)
    if fields is None:
        return None
    z, y, u, phi = fields["z_um"], fields["y"], fields["u"], fields["phi"]
    x_v = np.exp(u)
    V_T = problem.thermal_voltage_at(t_s)
    psi = phi * V_T
    E = -np.gradient(psi, z) if z.size > 1 else np.zeros_like(z)
    extra = {n: fields[n] for n in problem.layout.fields.names if n not in ("y", "u", "phi")}
    return Profile(t_s, z, y, y * (1.0 - x_v), x_v, psi, E, extra=extra or None)


def _gather_profile_3d(problem, t_s: float, sampler) -> Profile | None:
    """:func:`gather_profile` on 3D meshes: the lines of ``sampler``."""
    vals = sampler.sample(problem.field_functions())
    if vals is None:
        return None
    z = sampler.x_um
    index = problem.layout.fields.index
    y_lines, u_lines, phi_lines = (vals[..., index(n)] for n in ("y", "u", "phi"))
    x_v = np.exp(u_lines).mean(axis=0)
    y = y_lines.mean(axis=0)
    psi = phi_lines.mean(axis=0) * problem.thermal_voltage_at(t_s)
    E = -np.gradient(psi, z)
    fronts = [observables.front_position(z, yl, problem.params.interface_um) for yl in y_lines]
    spread = float(np.nanmax(fronts) - np.nanmin(fronts)) if np.isfinite(fronts).any() \
        else float("nan")
    return Profile(t_s, z, y, y * (1.0 - x_v), x_v, psi, E, spread, np.array(y_lines))


def peak_rss_per_rank(comm) -> list:
    """Peak resident memory of every rank [MB] (collective)."""
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return comm.allgather(round(kb / 1024.0, 1))


def line_sampler(problem, case):
    """3D: a :class:`solver.mesh.sampling.LineSampler` of 3 x 3 lines along the wire, every
    ~h3d_min / 2 (the profile's resolution)."""
    from solver.mesh.sampling import LineSampler, cross_section_grid

    g = case.geometry
    width = g.width_um if g.cross_section == "rectangle" else g.height_um / np.sqrt(3.0)
    n = int(np.ceil(g.length_um / (0.5 * case.mesh.h3d_min_um))) + 1
    x = np.linspace(0.0, g.length_um, n)
    x[0], x[-1] = 1e-9 * g.length_um, g.length_um * (1 - 1e-9)  # inside the mesh
    return LineSampler(problem.mesh1d.mesh, x, cross_section_grid(width, g.height_um))


class Recorder:
    """Collects the time series and profiles on rank 0 and writes them.

    Args:
        problem: the :class:`solver.numerics.problem.TransportProblem` observed.
        params: its ModelParameters; out: the output directory; case: the case.
        sampler: 3D: the :class:`solver.mesh.sampling.LineSampler` of the profiles
            (:func:`line_sampler`); None in 1D.
    """

    def __init__(self, problem, params, out: Path, case, sampler=None):
        self.problem = problem
        self.sampler = sampler
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
        #: A body's observables (None on the wire).
        self.body = (BodyObservables(problem, case)
                     if getattr(params, "body", None) is not None else None)

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
                if q.y_lines is not None:
                    arrays[f"profile_{k}_y_lines"] = q.y_lines
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
            Profile(float(t), *(np.array(arrays[f"profile_{k}_{a}"]) for a in _PROFILE_ATTRS),
                    y_lines=(np.array(arrays[f"profile_{k}_y_lines"])
                             if f"profile_{k}_y_lines" in arrays else None))
            for k, t in enumerate(scalars["profile_times"])
        ]

    def _T_K(self, t: float) -> float:
        """The temperature of a row [K]: the uniform law's, or with a temperature field
        (``temperature.laser``) its value at the beam centre (r = 0)."""
        env = getattr(self.problem, "environment", None)
        field = (env.temperature_field if env is not None
                 else getattr(self.params, "temperature_field", None))
        if field is None or getattr(field, "needs_profile", False):  # no profile solved
            return self.problem.temperature.T_K(t)
        return float(field(np.zeros((1, 3)), t)[0])

    def front(self, prof: Profile) -> float:
        return observables.front_position(prof.z_um, prof.y, self.params.interface_um)

    def row(self, t: float, dt: float, its: int) -> None:
        tb, tv = self.problem.totals()
        # With vacancy equilibration ∫x_V changes; the conserved quantity is the net charge.
        charge = ({"total_charge_um": self.problem.total_charge()}
                  if getattr(self.problem, "equilibrating", False) else {})
        prof = gather_profile(self.problem, t, self.sampler)
        body = self.body.row(prof) if self.body is not None else {}
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
                output_names(pair_of(self.case))["total_a"]: tb,
                "total_v_um": tv,
                **charge,
                "x_v_min": float(prof.x_v.min()),
                "x_v_max": float(prof.x_v.max()),
                **({"front_spread_um": prof.front_spread_um}
                   if np.isfinite(prof.front_spread_um) else {}),
                "dt_s": dt,
                "newton_iterations": its,
                # The drive during the step that ended at t (solver.protocols).
                "field_V_per_um": self.problem.bias.values(t).forward_field_V_per_um,
                "T_K": self._T_K(t),
                **body,
            }
        )

    def profile(self, t: float) -> None:
        prof = gather_profile(self.problem, t, self.sampler)
        if not self.rank0:
            return
        self.profiles.append(prof)
        path = self.out / "profiles" / f"t_{t:012.3f}s.csv"
        try:
            files.write_profile_csv(path, prof.z_um, prof.y, prof.x_br, prof.x_v, prof.psi_V,
                                      prof.E_V_per_um, t, fraction_column=output_names(
                                          pair_of(self.case))["fraction_a"],
                                      extra_columns=prof.extra)
        except OSError as exc:  # the time loop stops after this step (control, flag 4)
            self.write_error = self.write_error or f"{path}: {output_dir.os_reason(exc)}"


def open_vtx(problem, out: Path):
    """VTX writer of y, x_V, psi [V] on the collapsed spaces, and its write(t) function
    (``(None, None)`` without ADIOS2).

    Raises:
        RuntimeError, OSError: ADIOS2 cannot open ``fields/state.bp``.
    """
    import dolfinx
    from dolfinx import fem, io

    if not dolfinx.has_adios2:
        return None, None
    layout = problem.layout
    V = layout.spaces[layout.fields.index("y")]
    funcs = {"y": fem.Function(V, name="y"), "x_V": fem.Function(V, name="x_V"),
             "psi_V": fem.Function(V, name="psi_V")}
    writer = io.VTXWriter(problem.comm, str(out / "fields" / "state.bp"), list(funcs.values()),
                          engine="BP4")

    def write(t: float) -> None:
        arr = problem.w.x.array
        funcs["y"].x.array[:] = layout.values("y", arr)
        funcs["x_V"].x.array[:] = np.exp(layout.values("u", arr))
        funcs["psi_V"].x.array[:] = layout.values("phi", arr) * problem.thermal_voltage_at(t)
        writer.write(t)

    return writer, write


class FieldWriter:
    """The fields at the output times to ``out/fields/state.bp`` (:func:`open_vtx`).

    A write that fails (e.g. a full disk) is recorded once in ``recorder.write_error`` and stops
    further writes (the driver stops the run after that step). Nothing is written with
    ``enabled`` False (``output.vtx: false``) or without ADIOS2.
    """

    def __init__(self, problem, out: Path, recorder: Recorder, enabled: bool):
        self.path = out / "fields" / "state.bp"
        self.recorder = recorder
        self.writer, self._write = None, None
        self.failed = False  # no further writes
        if not enabled:
            return
        try:
            self.writer, self._write = open_vtx(problem, out)
        except (RuntimeError, OSError) as exc:  # ADIOS2 cannot open fields/state.bp
            self.failed = True
            recorder.write_error = f"{self.path}: {one_line(exc)}"

    @property
    def active(self) -> bool:
        """True if fields are written at output times (a writer was opened)."""
        return self._write is not None

    def write(self, t: float) -> None:
        """Write the current state at ``t`` [s]; an ADIOS2 failure is recorded, not raised."""
        if self._write is None or self.failed:
            return
        try:
            self._write(t)
        except (RuntimeError, OSError) as exc:
            self.failed = True
            self.recorder.write_error = self.recorder.write_error or f"{self.path}: {one_line(exc)}"

    def close(self) -> None:
        """Close the writer; a writer that cannot be closed is recorded as a write error.

        An ADIOS2 writer whose write or close failed (e.g. a full disk) retries the write in its
        C++ destructor, which then calls ``std::terminate`` (the process aborts). Such a writer
        is never destroyed: its reference count is raised, so the run can still report the
        failure, write what it can and exit with its own code.
        """
        if self.writer is None:
            return
        if not self.failed:
            try:
                self.writer.close()
                return
            except (RuntimeError, OSError):
                pass
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(self.writer))
        self.recorder.write_error = self.recorder.write_error or f"{self.path}: not closed"


#: The PL of a body: a spectrum of Gaussian lines, one per node of the profile, on this grid
#: [nm] with this FWHM [eV] (seed 003's initial linewidth: 37.4 nm at 626 nm = 0.118 eV, line
#: 61), weighted by the node's volume and, on a film, by the beam's irradiance.
BODY_PL_GRID_NM = np.linspace(380.0, 820.0, 881)
BODY_PL_FWHM_EV = 0.118


class BodyObservables:
    """What a nanocrystal or film records at each step (docs/nanocrystals.md): the mean
    composition ȳ, the mean vacancy fraction, the surface inventory, the second halide lost
    (lattice + inventory against their first-row total) and the PL peak.

    The means are integrals with the storage measure (the body's weight) over its volume; an
    inventory is ∫ θ over its surface (per unit area of the 1D reduction's surface) or over the
    film. The PL peak is that of :data:`BODY_PL_GRID_NM` spectra of the nodal compositions
    (solver/analysis/spectroscopy.py, the pair's emission law).
    """

    def __init__(self, problem, case):
        import ufl
        from dolfinx import fem

        from solver.analysis.spectroscopy import emission_for
        from solver.numerics.reactions import ExpulsionCondition

        self.problem = problem
        y = problem.model_fields(ufl.split(problem.w))[0]
        dx = problem.dx
        self._forms = {"volume": fem.form(1.0 * dx(domain=problem.mesh1d.mesh)),
                       "y": fem.form(y * dx), "x_v": fem.form(problem.fractions.x_v * dx)}
        #: With a loss, the second halide's lattice content (for ``lost_per_volume``).
        self._loss = False
        for c in problem.conditions:
            if isinstance(c, ExpulsionCondition):
                self._forms["inventory"] = fem.form(c.inventory_form(problem))
                self._loss = c.p.loss_rate_per_s > 0
                if self._loss:  # compiled only where lost_per_volume is written
                    self._forms["lattice_b"] = fem.form(
                        (1.0 - y) * (1.0 - problem.fractions.x_v) * dx)
        body = problem.params.body
        self._k = {"cartesian": 0, "cylindrical": 1, "spherical": 2}[body.coordinate]
        self._light = problem.params.light if body.kind == "film" else None
        self.emission = emission_for(case.material.halides)
        self._b0 = None  # lattice + inventory of the second halide at the first row

    def _integral(self, name: str) -> float:
        from dolfinx import fem
        from mpi4py import MPI

        return self.problem.comm.allreduce(fem.assemble_scalar(self._forms[name]), op=MPI.SUM)

    def pl_peak_nm(self, prof: Profile) -> float:
        """Peak wavelength [nm] of the body's PL from a gathered profile (rank 0)."""
        from solver.analysis.spectroscopy import peak_wavelength_nm, spectrum

        r = prof.z_um
        span = np.gradient(r) if r.size > 1 else np.ones_like(r)
        w = np.abs(span) * np.abs(r) ** self._k if self._k else np.abs(span)
        if self._light is not None:
            w = w * self._light.beam.irradiance_W_per_cm2(
                self._light.beam.centre_um[0] + r, self._light.beam.centre_um[1])
        if not np.any(w > 0):
            w = np.ones_like(r)
        S = spectrum(BODY_PL_GRID_NM, self.emission.energy_eV(np.clip(prof.y, 0.0, 1.0)),
                     BODY_PL_FWHM_EV, w)
        return float(peak_wavelength_nm(BODY_PL_GRID_NM, S))

    def row(self, prof: Profile | None) -> dict:
        """The columns of one time-series row (collective; the PL on rank 0 only)."""
        vol = self._integral("volume")
        out = {"y_mean": self._integral("y") / vol, "x_v_mean": self._integral("x_v") / vol}
        if "inventory" in self._forms:
            out["inventory"] = self._integral("inventory")
            out["inventory_per_volume"] = out["inventory"] / vol
            # The second halide lost for good (sublimated): what lattice and inventory no
            # longer hold of the initial lattice content, per volume [-].
            if self._loss:
                b = self._integral("lattice_b")
                if self._b0 is None:
                    self._b0 = b + out["inventory"]
                out["lost_per_volume"] = (self._b0 - b - out["inventory"]) / vol
        if prof is not None:
            out["pl_peak_nm"] = self.pl_peak_nm(prof)
        return out


def _relative_change(final: float, initial: float) -> float:
    """(final - initial)/initial, or nan when the initial total is 0 (a crystal that starts
    without the first halide, e.g. seed 002's CsPbCl3: a relative drift means nothing)."""
    return (final - initial) / initial if initial != 0.0 else math.nan


def build_summary(rec: Recorder, case, counters, wall_s: float, status: str, message: str,
                  case_path, overrides, restarts: int = 0, setup_s: float = math.nan) -> dict:
    """The summary.json dict. ``wall_s``: the run's wall time over all its processes
    (restarts) [s]; ``setup_s``: this process's time before its first time step [s]."""
    last = rec.rows[-1] if rec.rows else {}
    final_prof = rec.profiles[-1] if rec.profiles else None
    names = output_names(pair_of(case))  # Br/Cl: cl_uptake_br_segment, total_br_*, ...
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
        rename = {"max_cl_fraction": names["uptake_max"], "mean_cl_increase": names["uptake_mean"]}
        uptake = {rename.get(k, k): v for k, v in uptake.items()}
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
        **({"body": {k: last.get(k, math.nan) for k in
                     ("y_mean", "x_v_mean", "inventory", "inventory_per_volume",
                      "pl_peak_nm")},
            "body_initial": {k: rec.rows[0].get(k, math.nan) for k in
                             ("y_mean", "x_v_mean", "pl_peak_nm")}}
           if rec.body is not None and rec.rows else {}),
        names["uptake"]: uptake,
        names["total_a_initial"]: rec.total_br0,
        names["total_a_final"]: last.get(names["total_a"], math.nan),
        names["total_a_drift"]: _relative_change(last.get(names["total_a"], math.nan),
                                                 rec.total_br0) if rec.rows else math.nan,
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
        "jacobian_assemblies": counters.jacobian_assemblies,
        "dt_smallest_s": counters.dt_smallest,
        "dt_largest_s": counters.dt_largest,
        "n_cells": rec.problem.mesh1d.n_cells,
        "cell_type": rec.problem.mesh1d.mesh.topology.cell_type.name,
        "flux_scheme": rec.problem.flux_scheme,
        "flux_assembly": "cells" if rec.problem.edge_fluxes is None else "edges",
        "jacobian_reuse_steps": rec.problem.jacobian_reuse_steps,
        "newton_stol": rec.problem.newton_stol,
        "linear_solver": rec.problem.linear_solver,
        "n_dofs": rec.problem.W.dofmap.index_map.size_global * rec.problem.W.dofmap.index_map_bs,
        "peak_rss_MB_per_rank": peak_rss_per_rank(rec.problem.comm),
        "h_min_um": rec.problem.mesh1d.h_min_um,
        "wall_time_s": wall_s,
        "setup_time_s": setup_s,
        "case_file": case_path,
        "overrides": list(overrides),
        "provenance": provenance.provenance(),
        "case": case_to_dict(case),
    }


def protocol_segments(problem, t_end: float) -> list:
    """(t0, t1, label) of the bias protocol's segments, else the temperature protocol's, for
    the L_m(t) figure (empty for a constant drive)."""
    bias = problem.bias.segments_for_plot(t_end)
    if len(bias) > 1:
        return bias
    return problem.temperature.segments_for_plot(t_end)


def write_figures(rec: Recorder, out: Path) -> None:
    """PNG figures into ``out/figures`` (the folder is created by the first figure written)."""
    from solver.figures import device as figures_device
    from solver.figures import run

    p = rec.params
    x_v_cl = float(p.x_v_eq(p.y_cl))  # x_V in the Cl-rich segment (seed 001 Fig. 3 scaling)
    device = figures_device.Device.from_case_dict(case_to_dict(rec.case))
    run.plot_profiles(
        [{"t_s": q.t_s, "z_um": q.z_um, "y": q.y, "x_v": q.x_v, "psi_V": q.psi_V,
          "E_V_per_um": q.E_V_per_um} for q in rec.profiles],
        out / "figures" / "profiles.png", title=rec.case.name, x_v_cl_ref=x_v_cl, device=device,
    )
    if rec.rows:
        t = np.array([r["t_s"] for r in rec.rows])
        drive = {k: np.array([r[k] for r in rec.rows]) for k in ("field_V_per_um", "T_K")
                 if k in rec.rows[0]}
        ts = {k: np.array([r[k] for r in rec.rows]) for k in rec.rows[0]}
        if rec.body is not None:  # a nanocrystal or film: no front; its time strip
            run.plot_body_timeseries(ts, out / "figures" / "body_timeseries.png",
                                     title=rec.case.name)
        else:
            run.plot_timeseries(t, np.array([r["migration_length_um"] for r in rec.rows]),
                                out / "figures" / "migration_length.png", device=device,
                                segments=protocol_segments(rec.problem, float(t[-1])),
                                drive=drive)
        run.plot_diagnostics(ts, out / "figures" / "diagnostics.png", device=device)



def one_line(exc: BaseException) -> str:
    """An exception's text on one line, without terminal colour codes (ADIOS2 adds them)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    return " ".join(text.split())[:300]


def write_final_outputs(rec: Recorder, out: Path, summary: dict, failure) -> str | None:
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
        files.write_timeseries_csv(out / "timeseries.csv", rec.rows)
        from solver.pl.output import write_pl_outputs
        if getattr(rec, "body", None) is None:  # the wire's PL map; a body records its PL peak
            summary["pl"] = write_pl_outputs(out, rec.profiles, rec.case,
                                             figures=rec.case.output.figures)
        if rec.case.output.figures:
            write_figures(rec, out)
    except OSError as exc:
        error = add(f"{exc.filename or out}: {output_dir.os_reason(exc)}")
        summary["status"], summary["message"] = "failed", error
    path = out / output_dir.SUMMARY
    try:
        files.write_json(path, summary)
    except OSError as exc:
        path.unlink(missing_ok=True)
        error = add(f"{path} ({output_dir.os_reason(exc)}; it was removed)")
    return error

