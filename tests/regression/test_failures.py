"""Unphysical states after a step (NaN, y outside [0, 1], x_V > 1) are rejected like a Newton
failure and never written as results; when they persist the run exits 3 naming the field, the
equation, the time and the position."""

from __future__ import annotations

import json
import types
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from solver.cli import main
from solver.io.files import read_profile_csv, read_timeseries_csv
from solver.numerics.layout import DofLayout, FieldLayout
from solver.numerics.problem import TransportProblem
from solver.numerics.time_stepping import STATE_TOL, check_state

REPO_ROOT = Path(__file__).resolve().parents[2]
ARGS = [str(REPO_ROOT / "cases" / "reference_forward.yaml"), "--quiet",
        "--set", "time.t_end_s=600", "--set", "mesh.h_max_um=0.05",
        "--set", "output.figures=false", "--set", "output.vtx=false"]


def fake_problem(y, u, phi, z):
    """The attributes check_state reads (the field layout, comm), for one rank with all dofs
    owned."""
    n = len(z)
    dofs = [np.arange(n) + i * n for i in range(3)]
    layout = DofLayout(FieldLayout.default(), [None] * 3, dofs, [np.asarray(z, float)] * 3,
                       n_owned=3 * n)
    return types.SimpleNamespace(layout=layout, comm=MPI.COMM_WORLD), np.concatenate([y, u, phi])


@pytest.mark.parametrize("field, index, value, expected", [
    (0, 1, np.nan, "non-finite y (nan) in the halide balance (y) at z = 1"),
    (2, 2, np.inf, "non-finite phi (inf) in the Poisson equation (phi) at z = 2"),
    (0, 2, -0.2, "y = -0.2 < -0.05, so x_Br < 0 (halide balance (y)) at z = 2"),
    (0, 0, 1.3, "y = 1.3 > 1.05, so x_Cl < 0 and x_Br + x_V > 1"),
    (1, 1, 0.5, "x_V = 1.64872 > 1 (vacancy balance (ln x_V)) at z = 1"),
])
def test_check_state_names_field_equation_and_place(field, index, value, expected):
    z = [0.0, 1.0, 2.0]
    vals = [np.array([1.0, 0.5, 0.1]), np.full(3, -15.0), np.zeros(3)]
    pb, w = fake_problem(*vals, z)
    assert check_state(pb, w) is None
    vals[field] = vals[field].copy()
    vals[field][index] = value
    pb, w = fake_problem(*vals, z)
    assert expected in check_state(pb, w)


def test_check_state_tolerance():
    pb, w = fake_problem(np.array([1.0 + 0.9 * STATE_TOL, -0.9 * STATE_TOL]), np.full(2, -1.0),
                         np.zeros(2), [0.0, 1.0])
    assert check_state(pb, w) is None


def _corrupting_solve(monkeypatch, calls_to_corrupt, value, node_z_um=3.5):
    """Make TransportProblem.solve put ``value`` into y at the node nearest ``node_z_um`` on the
    given (1-based) calls."""
    original = TransportProblem.solve
    count = {"n": 0}

    def solve(self):
        stats = original(self)
        count["n"] += 1
        if calls_to_corrupt(count["n"]) and stats.converged:
            k = int(np.argmin(np.abs(self.z[0] - node_z_um)))
            self.w.x.array[self.dofs[0][k]] = value
        return stats

    monkeypatch.setattr(TransportProblem, "solve", solve)


def test_transient_nan_is_rejected_and_run_completes(monkeypatch, tmp_path):
    # Calls 40 and 41: the BDF2 attempt and its BDF1 retry; then dt is cut and the step passes.
    _corrupting_solve(monkeypatch, lambda n: n in (40, 41), np.nan)
    out = tmp_path / "nan_once"
    assert main([*ARGS, "--output", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "completed" and s["rejected_steps_state"] == 1
    assert s["bdf2_to_bdf1_fallbacks"] >= 1
    ts = read_timeseries_csv(out / "timeseries.csv")
    assert all(np.all(np.isfinite(v)) for v in ts.values())


def test_persistent_bad_state_exits_3_and_writes_only_good_states(monkeypatch, tmp_path, capsys):
    _corrupting_solve(monkeypatch, lambda n: n >= 60, 1.5, node_z_um=3.2)
    out = tmp_path / "bad_state"
    assert main([*ARGS, "--output", str(out)]) == 3
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert "state check failed: y = 1.5 > 1.05" in err and "halide balance (y)" in err
    assert "at z = 3.1" in err and "dt fell below dt_min" in err and "at t = " in err
    assert "refine the mesh" in err
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "failed" and s["rejected_steps_state"] > 10
    for path in (out / "profiles").glob("*.csv"):
        _, prof = read_profile_csv(path)
        assert prof["y"].max() <= 1.0 + STATE_TOL and np.all(np.isfinite(prof["x_V"]))
    ts = read_timeseries_csv(out / "timeseries.csv")
    assert ts["t_s"][-1] == pytest.approx(s["t_final_s"])
