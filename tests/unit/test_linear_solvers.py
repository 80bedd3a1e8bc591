"""Linear-solver presets: the choice by size and ranks, the case override, and that every preset
gives the direct-LU answer on a small case."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from solver.config import CaseError, load_case
from solver.numerics.linear_solvers import (
    LINEAR_SOLVERS,
    PRESETS,
    SERIAL_LU_MAX_DOFS,
    TWO_LEVEL_MIN_DOFS,
    choose_linear_solver,
    petsc_options,
)


@pytest.mark.parametrize(
    "requested, dofs, ranks, expected",
    [
        ("auto", 2751, 1, "lu"),
        ("auto", SERIAL_LU_MAX_DOFS, 1, "lu"),
        ("auto", SERIAL_LU_MAX_DOFS + 1, 1, "mumps"),
        ("auto", 2751, 2, "lu_redundant"),
        ("auto", SERIAL_LU_MAX_DOFS + 1, 2, "mumps"),
        ("mumps", 10, 1, "mumps"),
        ("gmres_asm", 10**7, 64, "gmres_asm"),
        ("gmres_twolevel", 10, 1, "gmres_twolevel"),
    ],
)
def test_choice_by_size_and_ranks(requested, dofs, ranks, expected):
    assert choose_linear_solver(requested, dofs, ranks) == expected


@pytest.mark.parametrize("dofs, tdim, expected", [
    (TWO_LEVEL_MIN_DOFS - 1, 3, "mumps"),
    (TWO_LEVEL_MIN_DOFS, 3, "gmres_twolevel"),
    (10**7, 3, "gmres_twolevel"),
    (10**7, 1, "mumps"),  # the coarse space lumps cross-sections: 3D wires only
    (SERIAL_LU_MAX_DOFS, 3, "lu"),
])
def test_auto_takes_the_two_level_method_for_large_3d_meshes(dofs, tdim, expected):
    assert choose_linear_solver("auto", dofs, 1, tdim) == expected
    assert choose_linear_solver("mumps", dofs, 1, tdim) == "mumps"  # the case overrides


def test_two_level_falls_back_to_mumps_when_krylov_fails():
    """A Krylov solve that cannot converge (one iteration allowed towards an unreachable
    tolerance: in 1D the coarse space is the whole problem, so one iteration is almost exact)
    switches the run to MUMPS, and the Newton solve is repeated and converges."""
    from solver.mesh.build import build_mesh
    from solver.model.parameters import from_case
    from solver.numerics.newton import SolverOptions
    from solver.numerics.problem import TransportProblem

    case = load_case("cases/reference_forward.yaml", ["mesh.h_max_um=0.1"])
    params = from_case(case)
    pb = TransportProblem(build_mesh(MPI.COMM_WORLD, case, params), params, 1,
                          SolverOptions(linear_solver="gmres_twolevel",
                                        petsc_options={"ksp_max_it": 1,
                                                       "ksp_rtol": 1e-30}))
    ksp = pb.problem.solver.getKSP()
    assert (ksp.getType(), ksp.getPC().getType()) == ("gmres", "mg")
    pb.initialise()
    pb.bdf.set(1e-3, None, 1)
    assert pb.solve().converged
    assert (pb.linear_solver, ksp.getType(), ksp.getPC().getType(),
            ksp.getPC().getFactorSolverType()) == ("mumps", "preonly", "lu", "mumps")


def test_serial_lu_refused_on_two_ranks():
    with pytest.raises(ValueError, match=r"solver.linear_solver: 'lu'.*one MPI rank"):
        choose_linear_solver("lu", 100, 2)


def test_case_override_and_schema_agree_with_presets():
    case = load_case("cases/reference_forward.yaml", ["solver.linear_solver=mumps_blr"])
    assert case.solver.linear_solver == "mumps_blr"
    assert load_case("cases/reference_forward.yaml").solver.linear_solver == "auto"
    field = type(case.solver).model_fields["linear_solver"]
    assert set(field.annotation.__args__) == set(LINEAR_SOLVERS)
    with pytest.raises(CaseError, match=r"solver.linear_solver"):
        load_case("cases/reference_forward.yaml", ["solver.linear_solver=gmres_hypre"])


def test_petsc_options_override_the_preset():
    opts = petsc_options("mumps", {"mat_mumps_icntl_14": 80, "pc_factor_mat_solver_type": "x"})
    assert opts["mat_mumps_icntl_14"] == 80 and opts["pc_factor_mat_solver_type"] == "x"
    assert PRESETS["mumps"]["pc_factor_mat_solver_type"] == "mumps"  # preset not mutated


def _final_state(preset: str) -> tuple[np.ndarray, str, int]:
    from solver.mesh.build import build_mesh
    from solver.model.parameters import from_case
    from solver.numerics.newton import SolverOptions
    from solver.numerics.problem import TransportProblem
    from solver.numerics.time_stepping import StepSettings, TimeStepper

    case = load_case("cases/reference_forward.yaml", ["mesh.h_max_um=0.1"])
    params = from_case(case)
    pb = TransportProblem(build_mesh(MPI.COMM_WORLD, case, params), params, 1,
                          SolverOptions(linear_solver=preset))
    pb.initialise()
    tc = case.time
    TimeStepper(pb, StepSettings(t_end=30.0, output_times=(), dt_initial=tc.dt_initial_s,
                                 dt_min=tc.dt_min_s)).run()
    return pb.w.x.array.copy(), pb.linear_solver, pb.problem.solver.getLinearSolveIterations()


@pytest.fixture(scope="module")
def lu_final_state():
    """The LU reference of test_every_preset_gives_the_lu_answer, computed once."""
    return _final_state("lu")


@pytest.mark.parametrize("preset", ["lu_redundant", "mumps", "mumps_blr", "gmres_twolevel",
                                    "gmres_asm"])
def test_every_preset_gives_the_lu_answer(preset, lu_final_state):
    """30 s of the forward case (depleted gap forming, nm contact layers) on a coarse mesh."""
    ref, used_ref, _ = lu_final_state
    got, used, _ = _final_state(preset)
    assert (used_ref, used) == ("lu", preset)
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-8)


def test_redundant_lu_falls_back_to_mumps():
    """lu_redundant is PETSc's LU inside a redundant PC: the fallback after a failed
    factorisation must replace that PC by MUMPS's LU, and the solve must still converge."""
    from solver.mesh.build import build_mesh
    from solver.model.parameters import from_case
    from solver.numerics.newton import SolverOptions
    from solver.numerics.problem import TransportProblem

    case = load_case("cases/reference_forward.yaml", ["mesh.h_max_um=0.1"])
    params = from_case(case)
    pb = TransportProblem(build_mesh(MPI.COMM_WORLD, case, params), params, 1,
                          SolverOptions(linear_solver="lu_redundant"))
    pc = pb.problem.solver.getKSP().getPC()
    assert pb.linear_solver == "lu_redundant" and pc.getType() == "redundant"
    pb.initialise()
    pb.bdf.set(1e-3, None, 1)
    assert pb.solve().converged  # with the redundant LU (its options used)
    pb.newton.fall_back_to_mumps()
    assert pb.solve().converged
    assert (pb.linear_solver, pc.getType(), pc.getFactorSolverType()) == ("mumps", "lu", "mumps")
