"""Benchmark: Jacobian and residual assembly per cell, with the default and the native kernels.

Builds the problem of a case (default ``cases/wire3d.yaml``: hexahedra, box Scharfetter–Gummel
fluxes) at its initial state and times, in one process, repeated assemblies of

- the Jacobian with dolfinx's default JIT flags (``-O2 -g0``),
- the Jacobian with ``solver.native_kernels`` (``-march=native`` added),
- the Jacobian as the Newton solver assembles it (serial: into dolfinx's CSR matrix whose
  values PETSc shares, solver.jacobian_matrix; row scaling included),
- the residual (default flags),
- on serial box-hexahedron meshes, the Jacobian and residual with the fluxes assembled per edge
  (solver.edge_assembly, the default there), as the Newton solver assembles them,
- a trivial form coupling every dof of a cell with every other (sum of trial functions times sum
  of test functions) into the same PETSc matrix: the cost of inserting the element matrices,
  which no kernel change can remove.

The two Jacobian variants alternate (``--rounds``), so a load change on the machine affects both
alike; the minimum over the repeats is reported, in µs per cell, with the Frobenius norm of each
Jacobian (equal to the last digits: only rounding differs).

    python benchmarks/bench_assembly.py [CASE] [--repeat 20] [--rounds 3] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import solver  # noqa: E402,F401  (dolfinx_solver before dolfinx)


def build(case_file: str, overrides: list[str], native: bool, edges: bool = False):
    """The TransportProblem of the case at its initial state (solver.run.build_problem); with
    ``edges`` false every term is in the cell kernels (solver.edge_assembly)."""
    from mpi4py import MPI

    from solver.config import load_case
    from solver.run import build_problem

    case = load_case(case_file, [*overrides, f"solver.native_kernels={str(native).lower()}",
                                 f"solver.edge_assembly={str(edges).lower()}"])
    return build_problem(case, MPI.COMM_WORLD)[0]


def best_of(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", nargs="?", default=str(REPO / "cases" / "wire3d.yaml"))
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    a = ap.parse_args()

    import ufl
    from dolfinx import fem
    from dolfinx.fem import petsc as fem_petsc

    problems = {"default": build(a.case, a.overrides, False),
                "native": build(a.case, a.overrides, True)}
    ref = problems["default"]
    n_cells = ref.w.function_space.mesh.topology.index_map(
        ref.w.function_space.mesh.topology.dim).size_local
    # dolfinx's own PETSc matrix of each problem (the Newton solver uses solver.jacobian_matrix)
    petsc_matrix = {name: fem_petsc.create_matrix(p.problem.J) for name, p in problems.items()}
    A = petsc_matrix["default"]

    def jacobian(name):
        p, mat = problems[name], petsc_matrix[name]

        def go():
            mat.zeroEntries()
            fem_petsc.assemble_matrix(mat, p.problem.J, bcs=p.bcs)
            mat.assemble()
        return go

    def residual():
        with ref.problem.b.localForm() as loc:
            loc.set(0.0)
        fem_petsc.assemble_vector(ref.problem.b, ref.problem.F)

    trial, test = ufl.TrialFunction(ref.W), ufl.TestFunction(ref.W)
    coupling = fem.form(sum(trial[i] for i in range(3)) * sum(test[i] for i in range(3)) * ref.dx)

    def insertion():
        A.zeroEntries()
        fem_petsc.assemble_matrix(A, coupling, bcs=ref.bcs)
        A.assemble()

    best = {"default": float("inf"), "native": float("inf")}
    for _ in range(a.rounds):
        for name in problems:
            best[name] = min(best[name], best_of(jacobian(name), a.repeat))
    norms = {}
    for name in problems:
        jacobian(name)()
        norms[name] = petsc_matrix[name].norm()

    def as_newton_assembles(p) -> tuple[float, float]:
        """(Jacobian, residual) times through the Newton solver's own callbacks, at the state
        with the contact potentials imposed (as every iterate after the first: the residual
        then takes the path without dolfinx's lifting)."""
        p.impose_boundary_values()
        x = p.w.x.petsc_vec.copy()
        b = x.duplicate()

        def jac():
            p.newton.reuse_jacobian = False
            p.newton._jacobian(None, x, p.jacobian_matrix, None)

        return best_of(jac, a.repeat), best_of(lambda: p.newton._residual(None, x, b), a.repeat)

    t_res = best_of(residual, a.repeat)
    t_prod, t_prod_res = as_newton_assembles(ref)
    edge = build(a.case, a.overrides, False, edges=True)
    t_edge, t_edge_res = as_newton_assembles(edge) if edge.edge_fluxes is not None else (None, None)
    t_ins = best_of(insertion, a.repeat)
    us = 1e6 / n_cells
    n_dofs = ref.W.dofmap.index_map.size_global * ref.W.dofmap.index_map_bs
    print(f"{a.case}: {n_cells} cells, {n_dofs} dofs; "
          f"minimum of {a.rounds} x {a.repeat} assemblies")
    print("| assembly | µs per cell | note |")
    print("|---|---|---|")
    print(f"| Jacobian, default kernels (-O2) | {best["default"] * us:.2f} | "
          f"norm {norms['default']:.15g} |")
    print(f"| Jacobian, native kernels (-O2 -march=native) | {best["native"] * us:.2f} | "
          f"norm {norms['native']:.15g}; {best['default'] / best['native']:.2f}x |")
    print(f"| Jacobian as the Newton solver assembles it (default kernels) | {t_prod * us:.2f} | "
          f"{'shared CSR' if ref.jacobian.shares_arrays else 'CSR, then COO'}; includes row "
          "scaling |")
    print(f"| residual, default kernels | {t_res * us:.2f} | |")
    print(f"| residual as the Newton solver assembles it (default kernels) | "
          f"{t_prod_res * us:.2f} | row scaling included |")
    if t_edge is not None:
        print(f"| Jacobian as the Newton solver assembles it, fluxes per edge "
              f"(solver.edge_assembly) | {t_edge * us:.2f} | {t_prod / t_edge:.2f}x |")
        print(f"| residual as the Newton solver assembles it, fluxes per edge | "
              f"{t_edge_res * us:.2f} | {t_prod_res / t_edge_res:.2f}x |")
    print(f"| element-matrix insertion (trivial kernel, same matrix) | {t_ins * us:.2f} | "
          "floor of any Jacobian assembly |")


if __name__ == "__main__":
    main()
