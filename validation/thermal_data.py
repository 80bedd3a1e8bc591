"""Seed 000 runs and observables shared by the thermal report and the equilibration scan.

The thermal cases and their output times, the acceptance criteria (fixed before looking at the
results), running or reusing a case (:func:`ensure_run`), reading its profiles, and the
observables both :mod:`validation.thermal` and :mod:`validation.equilibration` compute from
them: Boltzmann–Matano D(y), the semi-infinite condition, the Br-rich length and the Cl-rich
plateau. Holding them here (instead of in the thermal report, which runs the equilibration
scan) keeps the two reports free of an import cycle.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from solver.analysis.matano import boltzmann_matano
from solver.analysis.thermal import br_rich_length_um, cl_plateau, max_gradient_per_um
from solver.config import case_to_dict, load_case
from solver.io.files import read_profile_csv, read_timeseries_csv

#: Forward thermal cases: label -> temperature [K] (``cases/thermal_<label>.yaml``).
FORWARD = {"75C": 348.15, "100C": 373.15, "125C": 398.15}
CASES = [f"thermal_{k}" for k in FORWARD] + ["thermal_reverse_125C"]
ARRHENIUS_TIMES_S = [0.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0]
FORMATION_TIMES_S = [0.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0]
# formation-energy runs: D is ~100x larger, so a longer wire (4 + 4 µm) keeps the ends untouched
FORMATION_GEOMETRY = ["geometry.length_um=8.0", "geometry.interface_um=4.0",
                      "electrodes.right.start_um=7.95", "electrodes.right.end_um=8.0"]
HOUR = 3600.0

# Criteria (fixed in advance; each is printed next to its result in the report).
BR_LEVEL = 0.9  # [-] "Br-rich region": y >= 0.9 (composition unchanged within 10 %)
TOL_SHRINK_UM = 0.3  # [µm] seed "about 1 µm" -> 0.7 ... 1.3 µm
TOL_BR_END_UM = 0.25  # [µm] seed "about 0.5 µm" -> 0.25 ... 0.75 µm
TOL_Y = 0.02  # [-] seed compositions are given to two decimals
UNIFORM_FRACTION = 0.5  # "rises nearly uniformly": spread over the outer half < 0.5 * rise
SMOOTH_MAX_GRADIENT = 1.0  # [1/µm] "one smooth profile" at 10 h: |dy/dz| <= 1/µm (13/µm at 0)
Q_RANGE = (0.1, 0.9)  # normalized compositions over which D(y) is reported/checked
END_TOL = 0.005  # [-] Boltzmann-Matano semi-infinite condition: ends moved by < this
TOL_EA_EV = 0.02  # [eV] issue 5 acceptance
TOL_REVERSE = 0.01  # [-] reverse (mirror) vs forward D(y) at 125 °C
TOL_BR_DRIFT = 1e-8  # [-] total Br conservation
Y_BR_SIDE, Y_CL_SIDE = 0.9, 0.3  # compositions nearest the pure phases reliably analysed


# --------------------------------------------------------------------------------- runs


def ensure_run(name: str, case_path: Path, overrides: list[str], results: Path,
               force: bool) -> Path:
    """Run ``case_path`` (with overrides) into results/name unless an identical run exists.

    A run is reused when its ``summary.json`` says completed and holds the same resolved case;
    ``force`` runs it again regardless. Returns the run directory.
    """
    from solver.run import run_case

    out = results / name
    case = load_case(case_path, overrides)
    summary = out / "summary.json"
    if summary.exists() and not force:
        old = json.loads(summary.read_text())
        if old.get("status") == "completed" and old.get("case") == case_to_dict(case):
            print(f"reuse {out}")
            return out
        print(f"stale or failed run in {out}: running again")
    print(f"run   {case_path.name} {' '.join(overrides)} -> {out}")
    run_case(case, out, case_path=str(case_path), overrides=overrides, quiet=True)
    return out


def load_profiles(out: Path) -> dict[float, dict]:
    """{t_s: profile columns} of a run."""
    profs = {}
    for f in sorted((out / "profiles").glob("*.csv")):
        t, cols = read_profile_csv(f)
        profs[t] = cols
    return profs


def max_br_drift(out: Path) -> tuple[float, float]:
    """(largest |total Br(t)/total Br(0) - 1| over the accepted steps, final drift).

    The per-step value comes from timeseries.csv (11 significant digits, so it resolves drifts
    down to ~1e-10 only); the final one is summary.json's, computed in double precision.
    """
    ts = read_timeseries_csv(out / "timeseries.csv")
    tb = ts["total_br_um"]
    final = json.loads((out / "summary.json").read_text())["total_br_relative_drift"]
    return float(np.max(np.abs(tb / tb[0] - 1.0))), abs(float(final))


# --------------------------------------------------------------------------------- analysis


def step_values(params) -> tuple[float, float]:
    """(c_left, c_right): initial plateau compositions at the left and right wire ends."""
    if params.br_rich_left:
        return params.y_br, params.y_cl
    return params.y_cl, params.y_br


def matano(prof: dict, t: float, params):
    """Boltzmann–Matano analysis of profile ``prof`` at time ``t`` [s], the initial step values
    as end values (:func:`solver.analysis.matano.boltzmann_matano`)."""
    c_l, c_r = step_values(params)
    return boltzmann_matano(prof["z_um"], prof["y"], t, c_l, c_r)


def ends_untouched(prof: dict, params) -> bool:
    """Semi-infinite condition: both wire ends within ``END_TOL`` of their initial y."""
    c_l, c_r = step_values(params)
    return abs(prof["y"][0] - c_l) < END_TOL and abs(prof["y"][-1] - c_r) < END_TOL


def q_range_D(res) -> np.ndarray:
    """D [cm²/s] of a Matano result over ``Q_RANGE[0] < q < Q_RANGE[1]``."""
    sel = (res.q > Q_RANGE[0]) & (res.q < Q_RANGE[1])
    return res.D_cm2_per_s[sel]


def wire_metrics(profs: dict, params) -> dict:
    """Seed-000 observables of one forward run (or of the local-equilibrium reference).

    Returns:
        ``{t_s: {"br_length_um", "plateau" (cl_plateau dict), "max_gradient_per_um"}}``.
    """
    times = sorted(profs)
    left = params.br_rich_left
    m = {}
    for t in times:
        p = profs[t]
        pl = cl_plateau(p["z_um"], p["y"], params.interface_um, params.length_um, left)
        m[t] = {"br_length_um": br_rich_length_um(p["z_um"], p["y"], left, BR_LEVEL),
                "plateau": pl, "max_gradient_per_um": max_gradient_per_um(p["z_um"], p["y"])}
    return m
