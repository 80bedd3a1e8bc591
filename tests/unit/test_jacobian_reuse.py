"""``solver.jacobian_reuse_steps``: Newton solves that start with an earlier step's Jacobian.

The modified Newton method (solver/numerics/newton.py, NewtonSolver.start_with_previous_jacobian)
must change the answer only within the Newton tolerance, must actually save assemblies, and must
refuse a stale matrix when the BDF storage coefficient a0/dt changed by 30 % or more, when the
matrix is too old, or after :meth:`invalidate_jacobian`.
"""

import json
from pathlib import Path

import pytest

from solver.cli import main
from solver.numerics.newton import JACOBIAN_REUSE_STEPS_AUTO, resolve_jacobian_reuse_steps

REPO_ROOT = Path(__file__).resolve().parents[2]
FORWARD = str(REPO_ROOT / "cases" / "reference_forward.yaml")
SHORT = ["--set", "mesh.h_max_um=0.05", "--set", "output.figures=false",
         "--set", "output.vtx=false", "--set", "time.t_end_s=3600", "--set", "pl.enabled=false"]


def test_auto_means_none_in_1d_and_reuse_in_3d():
    assert resolve_jacobian_reuse_steps("auto", 1) == 0
    assert resolve_jacobian_reuse_steps("auto", 3) == JACOBIAN_REUSE_STEPS_AUTO > 0
    assert resolve_jacobian_reuse_steps(7, 1) == 7
    assert resolve_jacobian_reuse_steps(0, 3) == 0


@pytest.mark.parametrize("value, message", [
    ("-1", "solver.jacobian_reuse_steps: must be 'auto' or an integer >= 0 (got -1)"),
    ("abc", "solver.jacobian_reuse_steps: must be an integer or 'auto' (got 'abc')"),
    ("2.5", "solver.jacobian_reuse_steps: must be an integer or 'auto' (got 2.5)"),
])
def test_bad_values_exit_2_with_one_line(value, message, capsys):
    assert main([FORWARD, "--check", "--set", f"solver.jacobian_reuse_steps={value}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {message}"]


def test_reuse_across_steps_saves_assemblies_and_keeps_the_answer(tmp_path):
    out = {}
    for steps in (0, 20):
        out[steps] = tmp_path / str(steps)
        assert main([FORWARD, "--quiet", *SHORT, "--set", f"solver.jacobian_reuse_steps={steps}",
                     "--set", "solver.newton_stol=1e-9",
                     "--output", str(out[steps])]) == 0
    fresh, reuse = (json.loads((out[k] / "summary.json").read_text()) for k in (0, 20))
    # A fresh Jacobian at the start of every solve: at least one per time-step attempt.
    attempts = fresh["steps"] + fresh["rejected_steps"]
    assert fresh["jacobian_assemblies"] >= attempts
    assert reuse["jacobian_assemblies"] < 0.7 * fresh["jacobian_assemblies"]  # measured 0.56
    assert reuse["jacobian_assemblies"] <= reuse["newton_iterations"]
    # Same answer within the Newton tolerance (1e-9 on the scaled update).
    for key in ("migration_length_um", "total_br_final_um", "total_vacancy_final_um"):
        assert reuse[key] == pytest.approx(fresh[key], rel=1e-8, abs=1e-14), key


def test_stale_matrix_refused_on_rate_change_age_and_invalidation():
    from mpi4py import MPI

    from solver.config import load_case
    from solver.run import build_problem

    case = load_case(FORWARD, [*[s for s in SHORT if s != "--set"],
                               "solver.jacobian_reuse_steps=3"])
    pb = build_problem(case, MPI.COMM_WORLD)[0]
    pb.initialise()
    pb.bdf.set(1e-3, None, 1)
    assert not pb.newton.start_with_previous_jacobian()  # no matrix yet
    first = pb.solve()
    assert first.converged and first.jacobian_assemblies >= 1
    again = pb.solve()  # the same step again, from its solution: the first solve's matrix
    assert again.converged and again.jacobian_assemblies == 0
    assert pb.newton.jacobian_age == 1
    assert pb.newton.start_with_previous_jacobian()
    pb.bdf.set(1.2e-3, None, 1)  # a0/dt down by 17 %: still usable
    assert pb.newton.start_with_previous_jacobian()
    pb.bdf.set(1.5e-3, None, 1)  # down by 33 %: refresh
    assert not pb.newton.start_with_previous_jacobian()
    pb.bdf.set(1e-3, None, 1)
    pb.newton.jacobian_age = 3  # as old as jacobian_reuse_steps allows
    assert not pb.newton.start_with_previous_jacobian()
    pb.newton.jacobian_age = 1
    pb.invalidate_jacobian()
    assert not pb.newton.start_with_previous_jacobian()
