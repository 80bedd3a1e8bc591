"""benchmarks/breakdown.py: the PETSc event split that bench_1d.py and bench_3d.py report."""

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def breakdown():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import breakdown as module
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


def test_events_account_for_the_newton_time(breakdown):
    """Residual, Jacobian, preconditioner set-up and linear solve are disjoint parts of the
    Newton time (KSPSolve sets up the preconditioner before its own event opens), and the LU
    factorisation and triangular solves lie inside them."""
    r = breakdown.main(["cases/reference_forward.yaml", "time.t_end_s=600"])
    ev = r["largest_over_ranks_s"]
    assert r["ranks"] == 1 and r["linear_solver"] == "lu" and r["newton_iterations"] > 0
    assert 0.0 < ev["newton_total"] <= r["wall_time_s"]
    parts = ev["residual"] + ev["jacobian"] + ev["preconditioner_setup"] + ev["linear_solve"]
    assert 0.5 * ev["newton_total"] < parts <= ev["newton_total"] + 1e-3
    assert 0.0 < ev["lu_numeric_factorisation"] <= ev["preconditioner_setup"] + 1e-3
    assert 0.0 < ev["triangular_solves"] <= ev["linear_solve"] + 1e-3
    assert r["outside_newton_s"] == pytest.approx(r["wall_time_s"] - ev["newton_total"], abs=1e-3)
