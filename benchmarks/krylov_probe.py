"""Probe a Krylov method on the Jacobian of the 3D wire at a given time (issue 10, item 2).

Runs ``cases/wire3d.yaml`` (forward 4 V/µm) on the given mesh to ``--t-end`` with the default
direct solver, keeps the last Newton system J d = -F (row-scaled as the solver assembles it),
and solves it once with the PETSc options given after ``--``, reporting the Krylov iterations,
the convergence reason, the solve time and the error against a MUMPS LU solve. The unknowns can
be split by field (``--split 3``: y, ln x_V, phi; ``--split 2``: transport (y, ln x_V) and phi)
for ``pc_type fieldsplit``; the splits are named y/u/phi or t/phi, so options read e.g.
``fieldsplit_phi_pc_type=gamg``.

    python benchmarks/krylov_probe.py --t-end 2e-5 --h-section-um 0.1 --h-axial-um 0.01 \
        --split 3 -- ksp_type=fgmres ksp_rtol=1e-8 pc_fieldsplit_type=multiplicative \
        fieldsplit_y_pc_type=gamg fieldsplit_u_pc_type=gamg fieldsplit_phi_pc_type=gamg

Measured on this machine (2 cores, loaded; docs/README "Linear solvers" summarises):

- fieldsplit (3 fields, multiplicative, GAMG on each): 83 / 70 iterations at t = 2e-5 s on the
  2 x 2 / 10 nm and 4 x 4 / 5 nm meshes (no growth), but no convergence in 300 iterations at
  t = 300 s, where the time step is large and the fields are strongly coupled;
- ASM (overlap 2) + ILU(1), whole runs to 5e-5 s: 1.7 -> 25.5 iterations per Newton step when
  refined 2x in each direction (15x growth).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import dolfinx_solver  # noqa: E402,F401  (before petsc4py)
import numpy as np  # noqa: E402
from petsc4py import PETSc  # noqa: E402

from solver.config import load_case  # noqa: E402
from solver.numerics.newton import NewtonSolver  # noqa: E402
from solver.run import run_case  # noqa: E402


def field_splits(pb, split: str, comm) -> list[tuple[str, PETSc.IS]]:
    """Named index sets of the owned global dofs of each field (or of the two groups)."""
    off = pb.W.dofmap.index_map.local_range[0]
    own = [np.sort(d).astype(np.int32) + off for d in pb.owned_dofs]
    if split == "3":
        return [(n, PETSc.IS().createGeneral(d, comm=comm))
                for n, d in zip(("y", "u", "phi"), own, strict=True)]
    transport = np.sort(np.r_[own[0], own[1]]).astype(np.int32)
    return [("t", PETSc.IS().createGeneral(transport, comm=comm)),
            ("phi", PETSc.IS().createGeneral(own[2], comm=comm))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--t-end", type=float, required=True, help="[s] time of the probed system")
    ap.add_argument("--h-section-um", type=float, default=0.1)
    ap.add_argument("--h-axial-um", type=float, default=0.01)
    ap.add_argument("--split", choices=("none", "2", "3"), default="none")
    ap.add_argument("--output", default="/tmp/krylov_probe")
    ap.add_argument("options", nargs="*", help="PETSc options key=value (no leading dash)")
    args = ap.parse_args(argv)

    kept = {}
    solve_once = NewtonSolver._solve_once

    def keep_last_system(self):
        stats = solve_once(self)
        pb = self.problem
        if pb.jacobian_matrix.assembled:
            kept["system"] = (pb.jacobian_matrix.copy(), pb.problem.b.copy(), pb)
        return stats

    NewtonSolver._solve_once = keep_last_system
    case = load_case(REPO / "cases" / "wire3d.yaml", [
        f"time.t_end_s={args.t_end}", "output.vtx=false", "output.figures=false",
        "pl.enabled=false", f"mesh.h3d_max_um={args.h_section_um}",
        f"mesh.h3d_axial_um={args.h_axial_um}", "mesh.max_cells=10000000"])
    run_case(case, Path(args.output), quiet=True)
    A, b, pb = kept["system"]
    comm = A.getComm()

    ksp = PETSc.KSP().create(comm)
    ksp.setOperators(A)
    ksp.setOptionsPrefix("probe_")
    opts = PETSc.Options()
    for kv in args.options:
        k, v = kv.split("=", 1)
        opts["probe_" + k] = v
    if args.split != "none":
        ksp.getPC().setType("fieldsplit")
        ksp.getPC().setFieldSplitIS(*field_splits(pb, args.split, comm))
    ksp.setFromOptions()
    x = b.duplicate()
    t0 = time.perf_counter()
    ksp.solve(b, x)
    wall = time.perf_counter() - t0

    lu = PETSc.KSP().create(comm)
    lu.setOperators(A)
    lu.setType("preonly")
    lu.getPC().setType("lu")
    lu.getPC().setFactorSolverType("mumps")
    x_lu = b.duplicate()
    lu.solve(b, x_lu)
    err = (x - x_lu).norm() / x_lu.norm()
    print(f"dofs {A.getSize()[0]}  t = {args.t_end:g} s  iterations {ksp.getIterationNumber()}  "
          f"reason {ksp.getConvergedReason()}  solve {wall:.2f} s  error vs LU {err:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
