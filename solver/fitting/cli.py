"""Command line of fits: ``perovskite-ions fit FIT.yaml [-j N] [--executor E] [--output DIR]
[--force]``
(also ``run_case.py --fit FIT.yaml``, same options).

Exit codes as for runs: 0 done (also when ``optimizer.max_nfev`` stopped it: see the status in
fit.json), 2 invalid fit file, data or keys, or an unusable fit directory (one line on stderr,
nothing written; also a data row out of range, solver.fitting.data_checks), 3 a model run
failed (its log is named) or the fit failed (a non-finite model value or cost), 4 interrupted
by SIGTERM/SIGINT (the running model runs checkpoint, ``fit_state.json`` is written; rerun to
resume).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from solver.campaign.executors import ENGINES
from solver.cli_common import OneLineParser, jobs_count, output_dir_arg
from solver.config import CaseError
from solver.console import write
from solver.exit_codes import EXIT_INPUT, EXIT_OK
from solver.io.output_dir import OutputError
from solver.logging_setup import LEVELS, setup_logging

__all__ = ["main", "run"]


def build_parser() -> argparse.ArgumentParser:
    """Parser of ``perovskite-ions fit``."""
    parser = OneLineParser(prog="perovskite-ions fit",
                           description="Fit case keys to data (fit file format, data files, "
                           "outputs: docs/fitting.md).")
    parser.add_argument("fit_file", metavar="FIT", help="fit file (top-level key 'fit'), or a "
                        "shipped one by the name --list-presets shows (fits/<file>)")
    parser.add_argument("--output", metavar="DIR", type=output_dir_arg,
                        help="fit directory (default: results/fits/<name>)")
    parser.add_argument("-j", "--jobs", type=jobs_count, default=1, metavar="N",
                        help="model runs at the same time (one process each; default 1)")
    parser.add_argument("--executor", choices=ENGINES, default="local",
                        help="where model runs execute: local (default), dask (a LocalCluster "
                        "of -j workers, or --scheduler), mpi (under 'mpirun -n N python -m "
                        "mpi4py.futures ...'); dask needs pip install .[cluster]; "
                        "docs/cluster.md")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="--executor dask: a running scheduler (tcp://host:8786, or its "
                        "scheduler file), or slurm / pbs (dask-jobqueue)")
    parser.add_argument("--force", action="store_true",
                        help="ignore the cached model runs of earlier invocations")
    parser.add_argument("--check", action="store_true",
                        help="validate the fit file, data and keys; print a summary and exit")
    parser.add_argument("--quiet", action="store_true", help="log level warning, no summary")
    parser.add_argument("--log-level", type=str.lower, choices=LEVELS, default=None,
                        metavar="LEVEL", help=f"one of {', '.join(LEVELS)} (default: info)")
    return parser


def run(fit_file: str, *, jobs: int = 1, output: str | None = None, force: bool = False,
        quiet: bool = False, check: bool = False, executor: str = "local",
        scheduler: str | None = None) -> int:
    """Validate (``check``) or run a fit; input errors become one line on stderr, exit 2."""
    from solver.fitting.driver import check_fit, run_fit
    from solver.presets import resolve

    fit_file = resolve(fit_file)  # a shipped fit by name, from any directory
    try:
        if check:
            spec, base, obs = check_fit(fit_file)
            write(f"{fit_file}: valid; base {base}; fitting {', '.join(spec.parameters)} to "
                  f"{obs.value.size} data point(s) in {len(obs.conditions)} condition(s)")
            return EXIT_OK
        return run_fit(fit_file, jobs=jobs, output=output, force=force, quiet=quiet,
                       executor=executor, scheduler=scheduler)
    except (CaseError, OutputError) as exc:
        write(f"error: {exc}", sys.stderr)
        return EXIT_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``perovskite-ions fit`` (``argv`` without ``fit``)."""
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level, args.quiet, 0)
    return run(args.fit_file, jobs=args.jobs, output=args.output, force=args.force,
               quiet=args.quiet, check=args.check, executor=args.executor,
               scheduler=args.scheduler)
