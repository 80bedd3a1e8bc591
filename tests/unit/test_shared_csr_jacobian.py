"""Serial Jacobian assembly into dolfinx's CSR matrix shared with PETSc
(solver.problem.shared_csr_jacobian): the matrix the Newton solver factorises holds exactly what
dolfinx's PETSc assembly would put there, and later assemblies reach PETSc."""

from pathlib import Path

import numpy as np
from mpi4py import MPI

from solver.config import load_case
from solver.run import build_problem

REPO_ROOT = Path(__file__).resolve().parents[2]


def problem_of(case_file: str, overrides=()):
    return build_problem(load_case(REPO_ROOT / "cases" / case_file, list(overrides)),
                         MPI.COMM_WORLD)[0]


def test_shared_matrix_equals_petsc_assembly():
    from dolfinx.fem import petsc as fem_petsc
    from petsc4py import PETSc

    p = problem_of("reference_forward.yaml", ["mesh.h_max_um=0.05"])
    assert p._csr is not None and p.jacobian_matrix is not p.problem.A
    # Perturb the state so that the Jacobian is not the initial one.
    rng = np.random.default_rng(1)
    p.w.x.array[:] += 1e-3 * rng.standard_normal(p.w.x.array.size)
    vec = p.w.x.petsc_vec.copy()
    p._reuse_jacobian = False
    p.row_scale.set(1.0)
    p._assemble_jacobian(None, vec, p.jacobian_matrix, None)
    ref = p.problem.A
    fem_petsc.assemble_jacobian(None, vec, ref, None, p.w, p.problem.J, None, p.bcs)
    diff = ref.copy()
    diff.axpy(-1.0, p.jacobian_matrix, structure=PETSc.Mat.Structure.DIFFERENT_NONZERO_PATTERN)
    assert ref.norm() > 0 and diff.norm() == 0.0
    # A second assembly at another state reaches the PETSc matrix (no stale values).
    before = p.jacobian_matrix.norm()
    p.w.x.array[:] += 1e-2 * rng.standard_normal(p.w.x.array.size)
    p._assemble_jacobian(None, p.w.x.petsc_vec.copy(), p.jacobian_matrix, None)
    assert p.jacobian_matrix.norm() != before
