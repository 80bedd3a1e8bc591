"""Run an ensemble file: every concentration (optionally in a process pool), the seed's analysis,
the outputs.

Random numbers: one :class:`numpy.random.SeedSequence` from ``ensemble.seed``, spawned into one
child per concentration (in the order of ``concentrations_ug_per_mL``); each child draws that
concentration's particles, event times and frame noise in that order. The results are therefore
the same for any ``-j``; the seeds are recorded in ``summary.json``.

Outputs (each written atomically; the directory is locked while the run writes):

- ``particles_c<x>_ug_per_mL.csv``: one row per particle: sizes, site counts, completion time,
  turn-on, relative waiting and switching times [s] (empty where it did not turn on);
- ``summary.json``: provenance, the resolved spec, seeds, per concentration the statistics, the
  deviation of the ensemble mean from the deterministic rate equation, and the fits of
  ``a/(x+b)+c`` to the mean waiting and switching times (standard errors of the means as
  weights), the wall time;
- ``ensemble.png``: traces, ensemble mean against the rate equation, the two fits.
"""

from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from solver.config import CaseError
from solver.ensemble.model import (
    concentration_umol_per_L,
    draw_particles,
    fluid_fraction,
    simulate_particles,
)
from solver.ensemble.observables import analyse_traces, fit_inverse
from solver.ensemble.reverse import fluid_fraction_reversible, simulate_tau_leap
from solver.ensemble.spec import EnsembleSpec
from solver.io.files import write_json, write_timeseries_csv
from solver.io.output_dir import LOCK_NAME, OutputDir, OutputError
from solver.io.provenance import provenance

__all__ = ["ConcentrationResult", "run_concentration", "run_ensemble", "simulate_ensemble"]

ConcentrationResult = dict  # see run_concentration
_FLUID_POINTS = 121


def _simulate(spec: EnsembleSpec, particles, law, c_umol: float, grid_s, rng):
    """Counts on the grid and completion times: the birth process (no ``reverse``: exact
    all-at-once sampling, today's results) or the birth-death process (tau-leaping,
    solver/ensemble/reverse.py)."""
    if spec.reverse is None:
        return simulate_particles(particles, law, c_umol, grid_s, rng)
    reverse = spec.reverse.build()

    def birth(rows, n):
        return law.rates_per_s(n, particles.n_sites[rows], particles.n_surface[rows], c_umol)

    def death(rows, n):
        return reverse.death_rates_per_s(law, n, particles.n_sites[rows],
                                         particles.n_surface[rows])

    return simulate_tau_leap(birth, death, particles.n_events, particles.n_sites, grid_s, rng)


def run_concentration(spec: EnsembleSpec, index: int, *, traces: int = 0) -> ConcentrationResult:
    """Simulate and analyse concentration number ``index`` of ``spec``.

    Returns:
        dict with ``c_ug_per_mL``, ``c_umol_per_L``, ``seed`` (entropy, spawn key),
        ``particles`` (:class:`~solver.ensemble.model.Particles` as a dict of arrays),
        ``completion_s``, ``analysis`` (:class:`~solver.ensemble.observables.TraceAnalysis` as
        a dict), ``stats``, ``t_s`` (frames), ``mean_fraction`` (ensemble mean f on the frames),
        ``fluid_t_s``/``fluid_mean_fraction`` (the rate equation, same particles),
        ``fluid_max_abs_dev`` (max |ensemble - rate equation| of the mean f on that grid), and
        ``traces`` intensity and wavelength of the first ``traces`` particles.
    """
    c = spec.concentrations_ug_per_mL[index]
    child = np.random.SeedSequence(spec.seed).spawn(len(spec.concentrations_ug_per_mL))[index]
    rng = np.random.default_rng(child)
    p = spec.particles
    particles = draw_particles(
        p.count, rng, edge_mean_nm=p.edge_mean_nm, edge_sd_nm=p.edge_sd_nm,
        edge_min_nm=p.edge_min_nm, thickness_nm_min=p.thickness_nm_min,
        thickness_nm_max=p.thickness_nm_max, lattice_constant_nm=p.lattice_constant_nm,
        final_br_fraction=spec.final_br_fraction)
    optics = spec.optics.build()
    law = spec.rate_law()
    c_umol = concentration_umol_per_L(c, spec.umol_per_L_per_ug_per_mL)
    t = optics.grid_s()
    counts, completion = _simulate(spec, particles, law, c_umol, np.maximum(t, 0.0), rng)
    counts[:, t < 0] = 0
    y = counts / particles.n_sites[:, None]
    y_final = particles.n_events / particles.n_sites
    clean = optics.intensity(y, particles.thickness_nm[:, None], y_final[:, None])
    noisy = clean + optics.noise_relative * rng.standard_normal(clean.shape)
    analysis = analyse_traces(t, noisy, optics)
    t_fluid = np.linspace(0.0, t[-1], _FLUID_POINTS)
    if spec.reverse is None:
        fluid = fluid_fraction(particles, law, c_umol, t_fluid).mean(axis=0)
    else:
        fluid = fluid_fraction_reversible(particles, law, spec.reverse.build(), c_umol,
                                          t_fluid).mean(axis=0)
    mean_f = y.mean(axis=0)
    dev = np.abs(np.interp(t_fluid, t, mean_f) - fluid).max()
    shown = slice(0, min(traces, len(particles)))
    return {
        "c_ug_per_mL": c, "c_umol_per_L": c_umol,
        "seed": {"entropy": child.entropy, "spawn_key": list(child.spawn_key)},
        "particles": asdict(particles), "completion_s": completion,
        "analysis": asdict(analysis), "stats": analysis.stats(),
        "t_s": t, "mean_fraction": mean_f, "mean_intensity": clean.mean(axis=0),
        "fluid_t_s": t_fluid, "fluid_mean_fraction": fluid, "fluid_max_abs_dev": float(dev),
        "traces": {"intensity": noisy[shown],
                   "wavelength_nm": optics.wavelength_nm(y[shown],
                                                         particles.thickness_nm[shown, None])},
    }


def simulate_ensemble(spec: EnsembleSpec, jobs: int = 1, traces: int = 0) -> list:
    """:func:`run_concentration` for every concentration, ``jobs`` at a time (a process pool
    when jobs > 1); results in the order of the spec."""
    n = len(spec.concentrations_ug_per_mL)
    if jobs <= 1 or n == 1:
        return [run_concentration(spec, i, traces=traces) for i in range(n)]
    context = multiprocessing.get_context("spawn")  # no fork of a threaded process
    with concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, n),
                                                mp_context=context) as pool:
        futures = [pool.submit(run_concentration, spec, i, traces=traces) for i in range(n)]
        return [f.result() for f in futures]


def concentration_fits(results: list) -> dict:
    """``a/(x+b)+c`` fitted to the mean waiting and switching times over the concentrations
    (weights: standard errors of the means); nan where fewer than 3 concentrations have
    turn-ons."""
    out = {}
    for name in ("waiting", "switching"):
        rows = [(r["c_ug_per_mL"], r["stats"][f"{name}_mean_s"], r["stats"][f"{name}_sd_s"],
                 r["stats"][f"{name}_n"]) for r in results]
        rows = [row for row in rows if row[3] > 1 and math.isfinite(row[1])]
        if len(rows) < 3:
            out[name] = {k: math.nan for k in ("a", "b", "c", "a_sd", "b_sd", "c_sd")}
            continue
        x, m, sd, n = (np.array(v, float) for v in zip(*rows, strict=True))
        out[name] = fit_inverse(x, m, sigma=np.maximum(sd / np.sqrt(n), 1e-12))
    return out


def _particle_rows(r: dict) -> list[dict]:
    part, an = r["particles"], r["analysis"]
    return [{"particle": i, "edge_nm": part["edge_nm"][i], "thickness_nm": part["thickness_nm"][i],
             "n_sites": part["n_sites"][i], "n_surface_sites": part["n_surface"][i],
             "n_exchanged_final": part["n_events"][i], "completion_s": r["completion_s"][i],
             "turn_on_s": _finite(an["turn_on_s"][i]), "waiting_s": _finite(an["waiting_s"][i]),
             "switching_s": _finite(an["switching_s"][i])}
            for i in range(len(part["edge_nm"]))]


def _finite(v) -> float | None:
    return float(v) if math.isfinite(v) else None


def _open_output(out: Path, force: bool) -> OutputDir:
    handle = OutputDir(out)
    handle.acquire()
    if not force and any(p.name != LOCK_NAME for p in out.iterdir()):
        handle.release()
        raise OutputError(f"output directory {out} exists and is not empty; use --force to "
                          "overwrite")
    return handle


def run_ensemble(spec: EnsembleSpec, out, *, jobs: int = 1, force: bool = False,
                 spec_path: str | None = None, figure: bool = True) -> dict:
    """Run ``spec`` and write its outputs to ``out`` (module docstring).

    Raises:
        OutputError: the directory cannot be used (nothing written).
    Returns:
        The summary (as written to ``summary.json``).
    """
    out = Path(out)
    handle = _open_output(out, force)
    try:
        start = time.perf_counter()
        results = simulate_ensemble(spec, jobs, traces=spec.traces_in_figure)
        wall = time.perf_counter() - start
        for r in results:
            write_timeseries_csv(out / f"particles_c{r['c_ug_per_mL']:g}_ug_per_mL.csv",
                                 _particle_rows(r))
        summary = {
            "ensemble": spec.name, "spec_path": spec_path, "spec": spec.model_dump(),
            "provenance": provenance(), "jobs": jobs, "wall_time_s": wall,
            "seed": spec.seed,
            "concentrations": [{"c_ug_per_mL": r["c_ug_per_mL"], "c_umol_per_L": r["c_umol_per_L"],
                                "seed": r["seed"], **r["stats"],
                                "rate_equation_max_abs_dev_mean_fraction":
                                    r["fluid_max_abs_dev"]} for r in results],
            "fits": concentration_fits(results),
        }
        if figure:
            from solver.ensemble.figure import ensemble_figure

            ensemble_figure(results, summary["fits"], out / "ensemble.png", spec.name)
        write_json(out / "summary.json", summary)
        return summary
    finally:
        handle.release()


def load_or_error(path: str):
    """:func:`solver.ensemble.spec.load_ensemble`, re-raising anything unexpected as a one-line
    :class:`CaseError`."""
    from solver.ensemble.spec import load_ensemble

    try:
        return load_ensemble(path)
    except CaseError:
        raise
    except Exception as exc:  # noqa: BLE001  (CLI boundary: bad input never gives a traceback)
        raise CaseError(path, f"cannot be loaded ({type(exc).__name__})") from None
