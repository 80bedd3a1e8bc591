"""The Newton control (solver.newton): the vacancy neighbourhood behind the row scaling and the
convergence mask, and one-line reports of PETSc errors in a Newton solve."""

import json
from pathlib import Path

import numpy as np
import pytest

from solver.cli import main
from solver.numerics.newton import (
    IRRELEVANT_X_V_OVER_X_REF,
    VacancyNeighbourhood,
    petsc_error_line,
    resolve_newton_stol,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_newton_stol_auto():
    assert resolve_newton_stol("auto") == 1e-6
    assert resolve_newton_stol(1e-7) == resolve_newton_stol("1e-7") == 1e-7


def test_summary_records_the_resolved_newton_stol(tmp_path):
    """summary.json says which tolerance made the result, beside the case's "auto"."""
    out = tmp_path / "out"
    assert main([str(REPO_ROOT / "cases" / "reference_forward.yaml"), "--quiet",
                 "--output", str(out), "--set", "mesh.h_max_um=0.05", "--set", "time.t_end_s=60",
                 "--set", "output.figures=false", "--set", "output.vtx=false"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["newton_stol"] == 1e-6
    assert summary["case"]["solver"]["newton_stol"] == "auto"


def test_vacancy_neighbourhood_is_the_max_over_the_cells_around_each_node():
    rng = np.random.default_rng(0)
    # 12 triangles on 10 vacancy dofs (mixed-array indices 1, 4, ..., 28); the last two dofs
    # are ghosts (n_owned = 24), so only the first eight are owned nodes.
    owned = np.arange(8) * 3 + 1
    cell_dofs = (rng.integers(0, 10, size=(12, 3)) * 3 + 1).astype(np.int64)
    cell_dofs[:8, 0] = owned  # every owned node is in a cell
    w = rng.normal(-10.0, 20.0, size=30)
    nb = VacancyNeighbourhood(cell_dofs, owned, n_owned=24, x_ref=1e-3)
    node_max = nb.max_ln_x_v(w)
    assert np.array_equal(nb.nodes, owned)
    for j, dof in enumerate(nb.nodes):
        around = [c for c in cell_dofs if dof in c]
        assert node_max[j] == max(w[c].max() for c in around)
    threshold = np.log(IRRELEVANT_X_V_OVER_X_REF * 1e-3)
    assert np.array_equal(nb.negligible(node_max), node_max <= threshold)
    w[:] = threshold - 1.0
    assert np.array_equal(nb.negligible_dofs(w), owned)
    w[cell_dofs[0, 1]] = 0.0  # one node's vacancies become relevant: its cell's nodes gate
    assert set(nb.negligible_dofs(w)).isdisjoint(cell_dofs[0])


def test_petsc_error_line_names_the_function_and_the_message():
    from petsc4py import PETSc

    A = PETSc.Mat().createAIJ([2, 2])
    A.setUp()
    A.assemble()  # no diagonal entries: PETSc's LU refuses it
    ksp = PETSc.KSP().create(PETSc.COMM_SELF)
    ksp.setOperators(A)
    ksp.setType("preonly")
    ksp.getPC().setType("lu")
    b = A.createVecLeft()
    b.set(1.0)
    with pytest.raises(PETSc.Error) as info:
        ksp.solve(b, b.duplicate())
    line = petsc_error_line(info.value)
    assert "\n" not in line
    assert line.startswith("PETSc error 73 in MatLUFactorSymbolic_SeqAIJ() (")
    assert line.endswith("Matrix is missing diagonal entries)")


def test_a_failed_linear_solve_reports_petscs_message(monkeypatch, tmp_path, capsys):
    """A factorisation that raises (here: a factor package this PETSc lacks, forced past the
    input checks) stops the run with exit 3 and PETSc's own reason, not just a code."""
    import solver.numerics.problem as problem_module

    options = problem_module.newton_petsc_options

    def without_mumps(preset, max_it, overrides=None):
        return {**options(preset, max_it, overrides), "pc_factor_mat_solver_type": "superlu"}

    monkeypatch.setattr(problem_module, "newton_petsc_options", without_mumps)
    code = main([str(REPO_ROOT / "cases" / "reference_forward.yaml"), "--quiet",
                 "--output", str(tmp_path / "out"), "--set", "solver.linear_solver=mumps",
                 "--set", "mesh.h_max_um=0.05", "--set", "time.t_end_s=60",
                 "--set", "output.figures=false", "--set", "output.vtx=false"])
    err = capsys.readouterr().err
    assert code == 3
    assert "the linear solve raised PETSc error" in err
    assert "superlu" in err
