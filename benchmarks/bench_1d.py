"""Benchmark: the 4-h forward case on the reference 1D device, optionally against an earlier commit.

For each code version (this checkout, and ``--baseline REF`` if given) one subprocess runs the
case twice in-process (the first run JIT-compiles the forms or loads them from the cache), times
the second, and reports wall and CPU time, steps, Newton iterations and the cost of one Newton
iteration split into residual assembly, Jacobian assembly, linear solve (factorisation and
solve) and the rest (Python: damping, row scaling, convergence test, time stepping, recording),
from PETSc's event log. With ``--process`` it also times the whole ``run_case.py`` command
(``--set output.figures=false``) as a separate process, ``--repeat`` times (median reported).

    python benchmarks/bench_1d.py [CASE] [--baseline 7d54ae3] [--process] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import REPO, checkout, describe, env_for
from breakdown import event_times


def measure(case_file: str, overrides: list[str]) -> dict:
    """Run the case twice in this process; report the second run (called in the subprocess)."""
    import tempfile

    from petsc4py import PETSc

    import solver  # noqa: F401  (dolfinx_solver first)
    from solver.config import load_case
    from solver.run import run_case

    case = load_case(case_file, [*overrides, "output.figures=false", "output.vtx=false"])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_case(case, Path(tmp) / "warmup", quiet=True)
        first = time.perf_counter() - t0
        PETSc.Log.begin()
        before = event_times(PETSc)
        t0, c0 = time.perf_counter(), time.process_time()
        s = run_case(case, Path(tmp) / "timed", quiet=True)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        spent = {k: v - before[k] for k, v in event_times(PETSc).items()}
    its = max(int(s["newton_iterations"]), 1)
    # PETSc's event times are inclusive; KSPSolve calls KSPSetUp (hence PCSetUp, the
    # factorisation) before it opens its own KSPSolve event, so the two add up.
    linear = spent["linear_solve"] + spent["preconditioner_setup"]
    newton_ms = {k: round(1e3 * spent[k] / its, 3) for k in ("residual", "jacobian")}
    newton_ms["linear_solve_incl_factorisation"] = round(1e3 * linear / its, 3)
    newton_ms["of_which_factorisation"] = round(1e3 * spent["preconditioner_setup"] / its, 3)
    newton_ms["other_in_newton"] = round(
        1e3 * (spent["newton_total"] - spent["residual"] - spent["jacobian"] - linear) / its, 3)
    return {
        "first_run_s": round(first, 2),
        "wall_time_s": round(wall, 2),
        "cpu_time_s": round(cpu, 2),
        "outside_newton_s": round(wall - spent["newton_total"], 2),
        "cells": s["n_cells"],
        "steps": s["steps"],
        "rejected_steps": s["rejected_steps"],
        "newton_iterations": s["newton_iterations"],
        "linear_solver": s.get("linear_solver", "mumps"),
        "ms_per_newton_iteration": newton_ms,
        "migration_length_um": s["migration_length_um"],
    }


def whole_process(case_file: str, overrides: list[str], tree: Path | None, repeat: int) -> dict:
    """Median wall and CPU (user + sys, children) time of the whole run_case.py process."""
    import resource
    import tempfile

    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeat):
            # -P: neither the script's folder nor the working directory goes first on sys.path,
            # so `import solver` follows PYTHONPATH (the baseline) or the installed checkout.
            cmd = [sys.executable, "-P", str((tree or REPO) / "run_case.py"), case_file,
                   "--quiet", "--force",
                   "--output", str(Path(tmp) / f"r{k}"), "--set", "output.figures=false"]
            for o in overrides:
                cmd += ["--set", o]
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=REPO, env=env_for(tree), check=True, capture_output=True)
            walls.append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return {"process_wall_s": round(statistics.median(walls), 2),
            "process_cpu_s": round(statistics.median(cpus), 2), "repeats": repeat}


def run_version(tree: Path | None, args) -> dict:
    """``measure`` in a subprocess importing ``solver`` from ``tree`` (None: this checkout)."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import bench_1d, solver; "
            "r = bench_1d.measure(sys.argv[2], sys.argv[3:]); r['solver_from'] = solver.__file__; "
            "print(json.dumps(r))")
    proc = subprocess.run(
        [sys.executable, "-P", "-c", code, str(Path(__file__).resolve().parent), args.case,
         *args.overrides],
        cwd=REPO, env=env_for(tree), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark run failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if args.process:
        result.update(whole_process(args.case, args.overrides, tree, args.repeat))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", nargs="?", default="cases/reference_forward.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--baseline", metavar="REF",
                        help="also measure this commit (e.g. 7d54ae3) and report the ratios")
    parser.add_argument("--process", action="store_true",
                        help="also time the whole run_case.py process")
    parser.add_argument("--repeat", type=int, default=3, help="process timings (median)")
    args = parser.parse_args()
    report = {"case": args.case, "overrides": args.overrides,
              "this_checkout": run_version(None, args)}
    if args.baseline:
        with checkout(args.baseline) as tree:
            report[f"baseline {describe(args.baseline)}"] = base = run_version(tree, args)
        new = report["this_checkout"]
        ratios = {k: round(base[k] / new[k], 2) for k in
                  ("wall_time_s", "cpu_time_s", "process_wall_s", "process_cpu_s")
                  if k in base and k in new and new[k] > 0}
        report["speed-up (baseline / this)"] = ratios
        report["migration_length_relative_change"] = (
            new["migration_length_um"] - base["migration_length_um"]
        ) / base["migration_length_um"]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
