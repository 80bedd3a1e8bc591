"""Benchmark: the 4-h forward case on the reference 1D device (issue 2 target: < 10 s, 1 core).

Runs the case twice in one process (the first run JIT-compiles the forms, or loads them from the
cache), times the second, and prints wall time, steps, rejected steps and Newton iterations.

    python benchmarks/bench_1d.py [CASE] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import solver  # noqa: F401  (dolfinx_solver first)
from solver.config import load_case
from solver.run import run_case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", nargs="?", default="cases/reference_forward.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    overrides = [*args.overrides, "output.figures=false", "output.vtx=false"]
    case = load_case(args.case, overrides)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_case(case, Path(tmp) / "warmup", quiet=True)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        s = run_case(case, Path(tmp) / "timed", quiet=True)
        wall = time.perf_counter() - t0
    report = {
        "case": args.case,
        "overrides": overrides,
        "cells": s["n_cells"],
        "first_run_s (incl. form compilation)": round(first, 2),
        "wall_time_s": round(wall, 2),
        "steps": s["steps"],
        "rejected_steps": s["rejected_steps"],
        "newton_iterations": s["newton_iterations"],
        "migration_length_um": round(s["migration_length_um"], 4),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
