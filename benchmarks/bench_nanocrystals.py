"""Benchmark of the nanocrystal workloads (issue 28, "Performance"): whole-process wall and CPU
time and peak memory, measured with public tools (the OS's resource accounting of a child
process), on this machine.

1. One 23 nm CsPbBr1.2I1.8 nanocrystal through 10 min of illumination and 2 h of dark recovery
   (cases/nc_expulsion_003.yaml, t_end 7800 s): the 3D cube at 1 nm resolution
   (``body.reduction: cube``, 23³ hexahedra), and the 1D sphere reduction at the same 1 nm.
2. Seed 002's ensemble: 500 particles at 5 concentrations (ensembles/nc_exchange_ensemble.yaml),
   on one core and on all cores (``-j``).

    .venv/bin/python benchmarks/bench_nanocrystals.py [--skip-cube] [--json OUT]

Prints a Markdown table; ``--json`` also writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


def measure(cmd: list[str]) -> dict:
    """Run ``cmd`` in a child process: wall [s], CPU (user + sys of the children) [s], the
    largest resident set of any child so far [MB] (an upper bound for this one), exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"command": " ".join(cmd[1:]), "wall_s": wall, "cpu_s": cpu,
            "peak_rss_MB": after.ru_maxrss / 1024.0, "exit": proc.returncode,
            "last_line": (proc.stdout.strip().splitlines() or [""])[-1]}


def nanocrystal(reduction: str, out: Path) -> dict:
    """The seed-003 crystal: 600 s of light then 7200 s of dark, 1 nm cells."""
    cmd = [PY, "run_case.py", "cases/nc_expulsion_003.yaml", "--output", str(out), "--force",
           "--set", f"body.reduction={reduction}", "--set", "time.t_end_s=7800",
           "--set", "mesh.h_max_um=0.001", "--set", "mesh.h_min_nm=1.0"]
    row = measure(cmd)
    summary = json.loads((out / "summary.json").read_text())
    row.update({"what": f"nanocrystal 23 nm, {reduction}, 1 nm cells, 10 min light + 2 h dark",
                "cells": summary["n_cells"], "dofs": summary["n_dofs"],
                "steps": summary["steps"], "newton": summary["newton_iterations"],
                "linear_solver": summary["linear_solver"],
                "peak_rss_MB": max(summary["peak_rss_MB_per_rank"]),
                "y_mean_final": summary["body"]["y_mean"],
                "pl_peak_nm_final": summary["body"]["pl_peak_nm"]})
    return row


def ensemble(jobs: int, out: Path) -> dict:
    """Seed 002's shipped ensemble (500 particles x 5 concentrations) with ``-j jobs``."""
    row = measure([PY, "run_case.py", "ensembles/nc_exchange_ensemble.yaml", "--output",
                   str(out), "--force", "-j", str(jobs)])
    row["what"] = f"ensemble 500 particles x 5 concentrations, -j {jobs}"
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-cube", action="store_true", help="leave out the 3D cube (slow)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows.append(nanocrystal("sphere", tmp / "sphere"))
        if not args.skip_cube:
            rows.append(nanocrystal("cube", tmp / "cube"))
        rows.append(ensemble(1, tmp / "ens1"))
        rows.append(ensemble(os.cpu_count() or 1, tmp / "ensN"))
    print(f"machine: {os.cpu_count()} cores; load average before/after: {os.getloadavg()}")
    print("| workload | wall s | CPU s | peak RSS MB | details |")
    print("|---|---|---|---|---|")
    for r in rows:
        details = ", ".join(f"{k} {r[k]}" for k in ("cells", "dofs", "steps", "newton",
                                                     "linear_solver", "y_mean_final",
                                                     "pl_peak_nm_final") if k in r)
        print(f"| {r['what']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_rss_MB']:.0f} "
              f"| {details}{'' if r['exit'] == 0 else '; exit ' + str(r['exit'])} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0 if all(r["exit"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
