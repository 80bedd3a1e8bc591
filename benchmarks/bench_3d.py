"""Benchmark: a 3D wire case on 1 and 2 MPI ranks (issue 4).

Reports cells, dofs, wall time (and its setup part), steps, Newton iterations, Jacobian
assemblies, Krylov iterations, peak memory per rank and the parallel efficiency T1 / (2 T2).
Each run is a separate ``mpirun -n N run_case.py`` process, so form compilation is included in
the first run only if the JIT cache is cold (warm it first).
With ``--baseline REF`` the same runs are repeated with the package of an earlier commit (a
temporary git worktree, see benchmarks/baseline.py) and the speed-ups are printed.

    python benchmarks/bench_3d.py [CASE] [--ranks 1 2] [--set key=value ...] [--out DIR]
                                  [--baseline 7d54ae3] [--breakdown]

``--breakdown`` runs the case once more per rank count (this checkout) in-process under
``mpirun`` (benchmarks/breakdown.py) and reports the time of residuals, Jacobians,
factorisations and triangular solves from PETSc's event log, with the efficiency of each.

Examples:
    python benchmarks/bench_3d.py cases/wire3d.yaml                         # 4 h reference
    python benchmarks/bench_3d.py cases/wire3d.yaml --ranks 1 2 \\
        --set mesh.h3d_max_um=0.009 --set mesh.h3d_min_um=0.009 \\
        --set mesh.max_cells=5000000 --set time.t_end_s=1e-6                 # >= 1M dofs
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import REPO, checkout, describe, env_for

MPIRUN = Path(sys.executable).parent / "mpirun"


def run(case: str, ranks: int, overrides: list[str], out: Path, tree: Path | None = None) -> dict:
    """One run as its own process; ``tree``: the package of an earlier commit (None: this one).
    ``-P`` keeps the script's folder off sys.path so that PYTHONPATH decides the package."""
    cmd = [sys.executable, "-P", str((tree or REPO) / "run_case.py"), case, "--output",
           str(out), "--quiet", "--force", "--set", "output.vtx=false",
           "--set", "output.figures=false"]
    for o in overrides:
        cmd += ["--set", o]
    if ranks > 1:
        cmd = [str(MPIRUN), "-n", str(ranks), *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env_for(tree))
    if proc.returncode != 0:
        raise SystemExit(f"run with {ranks} rank(s) failed: {proc.stderr.strip()[-500:]}")
    return json.loads((out / "summary.json").read_text())


def runs(a, root: Path, tree: Path | None) -> dict:
    rows = []
    for n in a.ranks:
        s = run(a.case, n, a.overrides, root / f"ranks{n}", tree)
        rows.append({
            "ranks": n, "cells": s["n_cells"], "dofs": s["n_dofs"],
            "t_final_s": s["t_final_s"], "wall_time_s": round(s["wall_time_s"], 1),
            # before the first time step: mesh, problem, forms (absent in older code)
            "setup_time_s": round(s["setup_time_s"], 1) if "setup_time_s" in s else None,
            "steps": s["steps"], "rejected_steps": s["rejected_steps"],
            "newton_iterations": s["newton_iterations"],
            "jacobian_assemblies": s.get("jacobian_assemblies"),
            "krylov_iterations": s.get("linear_iterations"),
            "linear_solver": s.get("linear_solver", "mumps"),
            "peak_rss_MB_per_rank": s["peak_rss_MB_per_rank"],
            "migration_length_um": round(s["migration_length_um"], 5),
            "front_lateral_spread_um": s.get("front_lateral_spread_um"),
        })
    t = {r["ranks"]: r["wall_time_s"] for r in rows}
    report = {"runs": rows}
    if 1 in t and 2 in t:
        report["parallel_efficiency_1_to_2"] = round(t[1] / (2 * t[2]), 3)
    return report


def breakdown(a) -> dict:
    """benchmarks/breakdown.py on each rank count; the efficiency T1 / (N T_N) of each event."""
    rows = {}
    for n in a.ranks:
        cmd = [sys.executable, "-P", str(Path(__file__).resolve().parent / "breakdown.py"),
               a.case, *a.overrides]
        if n > 1:
            cmd = [str(MPIRUN), "-n", str(n), *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env_for(None))
        if proc.returncode != 0:
            raise SystemExit(f"breakdown with {n} rank(s) failed: {proc.stderr.strip()[-500:]}")
        rows[n] = json.loads(proc.stdout.strip().splitlines()[-1])
    report = {"runs": list(rows.values())}
    if 1 in rows:
        def times(r: dict) -> dict:
            return {"whole_run": r["wall_time_s"], "outside_newton": r["outside_newton_s"],
                    **r["largest_over_ranks_s"]}

        one = times(rows[1])
        report["efficiency_per_event"] = {
            f"ranks {n}": {k: round(one[k] / (n * v), 2) if v > 0 else None
                           for k, v in times(r).items()}
            for n, r in rows.items() if n > 1}
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", nargs="?", default="cases/wire3d.yaml")
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--out", default=None, help="keep the runs here (default: temporary)")
    ap.add_argument("--baseline", metavar="REF", help="also run this commit (e.g. 7d54ae3)")
    ap.add_argument("--breakdown", action="store_true",
                    help="also split each rank count's time by PETSc event (one more run each)")
    a = ap.parse_args()
    report = {"case": a.case, "overrides": a.overrides}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(a.out) if a.out else Path(tmp)
        report["this_checkout"] = new = runs(a, root / "this", None)
        if a.baseline:
            with checkout(a.baseline) as tree:
                report[f"baseline {describe(a.baseline)}"] = base = runs(a, root / "base", tree)
            report["speed-up (baseline / this), wall"] = {
                f"ranks {r['ranks']}": round(b["wall_time_s"] / r["wall_time_s"], 2)
                for r, b in zip(new["runs"], base["runs"], strict=True)}
        if a.breakdown:
            report["breakdown"] = breakdown(a)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
