"""``run_case.py ENSEMBLE.yaml [--check] [--output DIR] [-j N] [--force] [--quiet]``: the
command line of ensemble files (called by :mod:`solver.cli`); exit codes as there (0 success,
2 invalid input or unusable output directory, nothing written)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from solver.config import CaseError
from solver.console import write
from solver.exit_codes import EXIT_INPUT, EXIT_OK
from solver.io.output_dir import OutputError, output_dir_problem

__all__ = ["run_ensemble_cli"]


def run_ensemble_cli(path: str, *, output: str | None = None, jobs: int = 1,
                     force: bool = False, check: bool = False, quiet: bool = False,
                     overrides=()) -> int:
    """Validate (``check``: and print the resolved spec) or run the ensemble file ``path``."""
    from solver.ensemble.runner import load_or_error, run_ensemble

    if overrides:
        write(f"error: {path}: --set and --restart do not apply to ensemble files", sys.stderr)
        return EXIT_INPUT
    try:
        spec = load_or_error(path)
    except CaseError as exc:
        write(f"error: {exc}", sys.stderr)
        return EXIT_INPUT
    out = Path(output) if output else Path("results") / spec.name
    if check:
        problem = output_dir_problem(out)
        if problem:
            write(f"error: {problem}", sys.stderr)
            return EXIT_INPUT
        body = yaml.safe_dump({"ensemble": spec.model_dump()}, sort_keys=False,
                              allow_unicode=True)
        write(f"# {path}: valid; resolved ensemble (output directory {out}):\n{body.rstrip()}")
        return EXIT_OK
    try:
        summary = run_ensemble(spec, out, jobs=jobs, force=force, spec_path=path)
    except OutputError as exc:
        write(f"error: {exc}", sys.stderr)
        return EXIT_INPUT
    if not quiet:
        parts = [f"{c['c_ug_per_mL']:g} µg/mL: waiting {c['waiting_mean_s']:.3g} s, switching "
                 f"{c['switching_mean_s']:.3g} s ({c['turned_on']}/{c['particles']} on)"
                 for c in summary["concentrations"]]
        write(f"{spec.name}: " + "; ".join(parts)
              + f"; {summary['wall_time_s']:.1f} s -> {out}")
    return EXIT_OK
