"""Where the time of one run goes, from PETSc's event log, on any number of MPI ranks.

    mpirun -n N python benchmarks/breakdown.py CASE [key=value ...]

Runs the case once in this process (forms from the JIT cache if warm) with figures and field
output off and prints one JSON line (rank 0): the wall time and, per PETSc event, the largest
time over the ranks [s] (PETSc's times are inclusive: ``linear_solve`` contains the triangular
solves, ``preconditioner_setup`` the factorisation and, for ``lu_redundant``, the gathering of
the matrix on every rank). ``bench_3d.py --breakdown`` calls it for each rank count; the
per-event ratios T1 / (N T_N) show which part of a Newton iteration does not scale.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

#: label -> PETSc event name
EVENTS = {
    "newton_total": "SNESSolve",
    "residual": "SNESFunctionEval",
    "jacobian": "SNESJacobianEval",
    "linear_solve": "KSPSolve",
    "preconditioner_setup": "PCSetUp",
    "lu_numeric_factorisation": "MatLUFactorNum",
    "triangular_solves": "MatSolve",
}


def event_times(petsc) -> dict[str, float]:
    """This rank's inclusive time of each event of :data:`EVENTS` so far [s]."""
    return {k: petsc.Log.Event(v).getPerfInfo()["time"] for k, v in EVENTS.items()}


def main(argv: list[str]) -> dict:
    import solver  # noqa: F401  (the wheel's libraries before petsc4py)

    # isort: split
    from mpi4py import MPI
    from petsc4py import PETSc

    from solver.config import load_case
    from solver.run import run_case

    comm = MPI.COMM_WORLD
    case = load_case(argv[0], [*argv[1:], "output.figures=false", "output.vtx=false"])
    PETSc.Log.begin()
    tmp = tempfile.mkdtemp(prefix="pvk-breakdown-") if comm.rank == 0 else None
    out = Path(comm.bcast(tmp, root=0)) / "run"
    before = event_times(PETSc)
    comm.Barrier()
    t0 = time.perf_counter()
    try:
        summary = run_case(case, out, quiet=True)
    finally:
        comm.Barrier()
        if comm.rank == 0:
            shutil.rmtree(tmp, ignore_errors=True)
    wall = time.perf_counter() - t0
    spent = {k: v - before[k] for k, v in event_times(PETSc).items()}
    largest = {k: round(comm.allreduce(v, op=MPI.MAX), 4) for k, v in spent.items()}
    return {"ranks": comm.size, "wall_time_s": round(wall, 4),
            "setup_time_s": round(summary.get("setup_time_s", float("nan")), 2),
            "newton_iterations": summary["newton_iterations"],
            "jacobian_assemblies": summary.get("jacobian_assemblies"),
            "linear_solver": summary.get("linear_solver"),
            "outside_newton_s": round(wall - largest["newton_total"], 4),
            "largest_over_ranks_s": largest}


if __name__ == "__main__":
    result = main(sys.argv[1:])
    from mpi4py import MPI

    if MPI.COMM_WORLD.rank == 0:
        print(json.dumps(result))
