"""Jacobian assembly through dolfinx's CSR matrix (solver.jacobian_matrix): the matrix the
linear solver uses holds what dolfinx's PETSc assembly would put there, on one rank (arrays
shared with PETSc, or passed through the coordinate interface) and on two (owned and ghost rows
passed through the coordinate interface), and later assemblies reach PETSc."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from solver.config import load_case
from solver.run import build_problem

REPO_ROOT = Path(__file__).resolve().parents[2]
MPIRUN = Path(sys.executable).parent / "mpirun"


def problem_of(case_file: str, overrides=()):
    return build_problem(load_case(REPO_ROOT / "cases" / case_file, list(overrides)),
                         MPI.COMM_WORLD)[0]


def reference_jacobian(p, x):
    """dolfinx's own PETSc assembly of the problem's Jacobian form at ``x``."""
    from dolfinx.fem import petsc as fem_petsc

    ref = fem_petsc.create_matrix(p.problem.J)
    fem_petsc.assemble_jacobian(None, x, ref, None, p.w, p.problem.J, None, p.bcs)
    return ref


def difference_norm(a, b) -> float:
    from petsc4py import PETSc

    diff = a.copy()
    diff.axpy(-1.0, b, structure=PETSc.Mat.Structure.DIFFERENT_NONZERO_PATTERN)
    return diff.norm()


@pytest.mark.parametrize("share", [True, False])
def test_serial_matrix_equals_petsc_assembly(share):
    from solver.numerics.jacobian_matrix import CSRJacobian

    p = problem_of("reference_forward.yaml", ["mesh.h_max_um=0.05"])
    assert p.jacobian.shares_arrays
    if not share:  # the coordinate (COO) transfer that several ranks use, on one rank
        p.jacobian = CSRJacobian(p.problem.J, p.jacobian_matrix.getOptionsPrefix(), p.comm,
                                 share_arrays=False)
        assert not p.jacobian.shares_arrays
    # Perturb the state so that the Jacobian is not the initial one.
    rng = np.random.default_rng(1)
    p.w.x.array[:] += 1e-3 * rng.standard_normal(p.w.x.array.size)
    vec = p.w.x.petsc_vec.copy()
    p.assemble_jacobian(vec)
    ref = reference_jacobian(p, vec)
    assert ref.norm() > 0 and difference_norm(ref, p.jacobian_matrix) == 0.0
    # A second assembly at another state reaches the PETSc matrix (no stale values).
    before = p.jacobian_matrix.norm()
    p.w.x.array[:] += 1e-2 * rng.standard_normal(p.w.x.array.size)
    p.assemble_jacobian(p.w.x.petsc_vec.copy())
    assert p.jacobian_matrix.norm() != before


@pytest.mark.parametrize("case_file, overrides", [
    ("reference_forward.yaml", ["mesh.h_max_um=0.1"]),
    ("wire3d.yaml", ["mesh.h3d_axial_um=0.05", "output.vtx=false"]),
])
def test_unknowns_of_a_node_are_adjacent(case_file, overrides):
    """The three unknowns of a node have consecutive dofs (y, u, phi), so that each node's
    Jacobian rows are adjacent with identical columns; the CSR matrix is the expanded (scalar)
    one PETSc's AIJ format needs."""
    p = problem_of(case_file, overrides)
    assert p.W.dofmap.bs == 3
    first = p.dofs[0]
    assert np.array_equal(first % 3, np.zeros_like(first))
    for f in (1, 2):
        assert np.array_equal(p.dofs[f], first + f)
    indptr, indices = np.asarray(p.jacobian.csr.indptr), np.asarray(p.jacobian.csr.indices)
    for node in (0, 5, p.n_owned // 3 - 1):
        rows = [indices[indptr[r]:indptr[r + 1]] for r in range(3 * node, 3 * node + 3)]
        assert rows[0].size > 3
        assert np.array_equal(rows[0], rows[1]) and np.array_equal(rows[0], rows[2])


# Two ranks, hexahedral wire with the fluxes assembled per edge: the Newton solver's Jacobian
# against dolfinx's PETSc assembly of the same problem with every term in the cell forms, at a
# smoothly perturbed state (as in test_edge_assembly.py: at the uniform initial state some edge
# differences are exactly zero in one assembly and round-off in the other, where the Bernoulli
# function's small-argument branch differs from the exact derivative by ~1e-5).
TWO_RANKS = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    import solver  # noqa: F401
    import numpy as np
    from mpi4py import MPI
    from petsc4py import PETSc
    from dolfinx.fem import petsc as fem_petsc
    from solver.config import load_case
    from solver.run import build_problem

    def problem(edges):
        case = load_case({case!r}, ["mesh.h3d_axial_um=0.05", "output.vtx=false",
                                    "solver.edge_assembly=" + edges])
        p = build_problem(case, MPI.COMM_WORLD)[0]
        for i, wave in enumerate(([7.0, 30.0, 20.0], [5.0, 40.0, 10.0], [3.0, 20.0, 50.0])):
            x = p.spaces[i].tabulate_dof_coordinates()
            p.w.x.array[p.dofs[i]] += 0.05 * np.sin(x @ np.array(wave))
        p.impose_boundary_values()
        p.bdf.set(0.5, None, 1)
        return p

    p, q = problem("true"), problem("false")
    assert p.edge_fluxes is not None and not p.jacobian.shares_arrays
    x = p.w.x.petsc_vec.copy()
    p.assemble_jacobian(x)
    ref = fem_petsc.create_matrix(q.problem.J)
    fem_petsc.assemble_jacobian(None, q.w.x.petsc_vec.copy(), ref, None, q.w, q.problem.J,
                                None, q.bcs)
    diff = ref.copy()
    diff.axpy(-1.0, p.jacobian_matrix, structure=PETSc.Mat.Structure.DIFFERENT_NONZERO_PATTERN)
    norms = ref.norm(), diff.norm()
    if MPI.COMM_WORLD.rank == 0:
        print("NORMS", *norms)
""")


@pytest.mark.mpi
@pytest.mark.skipif(not MPIRUN.exists(), reason="mpirun from the mpich wheel not found")
def test_two_ranks_matrix_equals_petsc_assembly(tmp_path):
    script = tmp_path / "two_ranks.py"
    script.write_text(TWO_RANKS.format(repo=str(REPO_ROOT),
                                       case=str(REPO_ROOT / "cases" / "wire3d.yaml")))
    out = subprocess.run([str(MPIRUN), "-n", "2", sys.executable, str(script)], check=True,
                         capture_output=True, text=True, timeout=600, cwd=tmp_path).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("NORMS"))
    ref_norm, diff_norm = map(float, line.split()[1:])
    print(f"|J| {ref_norm:.6e}, |difference| {diff_norm:.3e}")
    # Same entries; only the order of the floating-point sums differs (edges vs cells).
    assert ref_norm > 0 and diff_norm <= 1e-12 * ref_norm
