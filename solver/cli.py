"""Command line: ``run_case.py CASE.yaml [--set key.sub=value ...] [options]``.

Exit codes: 0 success, 2 invalid input (case file, override, arguments, output directory, or a
``CaseError`` raised by ``run_case`` while setting up), 3 solver failure (``solver.run.SolverFailure``;
for a campaign: at least one member failed). Input errors are one line on stderr,
``error: <dotted.key>: <message>``, never a traceback. Under MPI every rank validates the case
(validation is deterministic, so all ranks agree) and only rank 0 prints.
"""

import argparse
import json
import pathlib
import sys
from collections.abc import Sequence

import yaml
from mpi4py import MPI

from solver.config import Case, CaseError, case_to_dict, load_case, schema_json

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_SOLVER = 3


def _build_parser() -> argparse.ArgumentParser:
    """Argument parser of ``run_case.py``."""
    parser = argparse.ArgumentParser(
        description="Halide/vacancy migration in a perovskite nanowire: run one case "
        "(format: docs/case_format.md).",
    )
    parser.add_argument(
        "case", nargs="?", metavar="CASE",
        help="case YAML file, or a campaign file (top-level key 'campaign', see "
        "solver/campaign.py): its members run in parallel and resume where they stopped",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one case key, value parsed as YAML, e.g. --set bias.field_V_per_um=2.5 "
        "(repeatable, applied in order)",
    )
    parser.add_argument(
        "--output", metavar="DIR", help="output directory (default: results/<case name>)"
    )
    parser.add_argument(
        "--check", action="store_true", help="validate, print the resolved case and exit"
    )
    parser.add_argument(
        "--print-schema", action="store_true", help="print the JSON schema of case files and exit"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument(
        "-j", "--jobs", type=int, default=1, metavar="N",
        help="campaigns: members run at the same time (one process each; default 1)",
    )
    parser.add_argument(
        "--force", action="store_true", help="write into an existing non-empty output directory"
    )
    return parser


class _Console:
    """Prints on MPI rank 0 only."""

    def __init__(self, comm: MPI.Comm) -> None:
        self.root = comm.rank == 0

    def out(self, text: str) -> None:
        """Print ``text`` to stdout (rank 0)."""
        if self.root:
            print(text, flush=True)

    def error(self, message: str) -> None:
        """Print ``error: <message>`` to stderr (rank 0)."""
        if self.root:
            print(f"error: {message}", file=sys.stderr, flush=True)


def _output_dir_problem(output_dir: pathlib.Path, force: bool) -> str | None:
    """Why ``output_dir`` cannot be used, or None if it can."""
    if not output_dir.exists():
        return None
    if not output_dir.is_dir():
        return f"output directory {output_dir} exists and is not a directory"
    if not force and any(output_dir.iterdir()):
        return f"output directory {output_dir} exists and is not empty; use --force"
    return None


def _resolved_yaml(case: Case, case_path: str, overrides: Sequence[str], output_dir: str) -> str:
    """Header line plus the fully resolved case as YAML (for ``--check``)."""
    extra = f" with --set {' '.join(overrides)}" if overrides else ""
    header = f"# {case_path}{extra}: valid; resolved case (output directory {output_dir}):"
    body = yaml.safe_dump(case_to_dict(case), sort_keys=False, allow_unicode=True)
    return f"{header}\n{body.rstrip()}"


def _run(case: Case, args: argparse.Namespace, output_dir: pathlib.Path, con: _Console) -> int:
    """Run the solver (imported lazily: it pulls in dolfinx)."""
    from solver.run import SolverFailure, run_case

    try:
        summary = run_case(
            case,
            output_dir,
            case_path=args.case,
            overrides=list(args.overrides),
            quiet=args.quiet,
        )
    except CaseError as exc:  # input problems found while setting up (e.g. mesh too large)
        con.error(str(exc))
        return EXIT_INPUT
    except SolverFailure as exc:
        con.error(str(exc))
        return EXIT_SOLVER
    if not args.quiet:
        con.out(_summary_line(case.name, summary or {}, output_dir))
    return EXIT_OK


def _summary_line(name: str, summary: dict, output_dir: pathlib.Path) -> str:
    """One line with the main result and the run statistics."""
    nan = float("nan")
    return (
        f"{name}: L_m = {summary.get('migration_length_um', nan):.4f} µm at "
        f"t = {summary.get('t_final_s', nan):g} s; {summary.get('steps', '?')} steps "
        f"({summary.get('rejected_steps', '?')} rejected), "
        f"{summary.get('newton_iterations', '?')} Newton iterations, "
        f"{summary.get('wall_time_s', nan):.1f} s -> {output_dir}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``run_case.py`` and the ``perovskite-ions`` script.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        Exit code: 0 success, 2 invalid input, 3 solver failure. Argument errors raise
        ``SystemExit(2)`` through argparse.
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    con = _Console(comm)
    if args.print_schema:
        con.out(json.dumps(schema_json(), indent=2))
        return EXIT_OK
    if args.case is None:
        parser.error("the following arguments are required: CASE")
    from solver.campaign import is_campaign_file, run_campaign

    if is_campaign_file(args.case):
        try:
            return run_campaign(args.case, jobs=args.jobs, output=args.output, force=args.force,
                                extra_overrides=args.overrides, quiet=args.quiet)
        except CaseError as exc:
            con.error(str(exc))
            return EXIT_INPUT
    try:
        case = load_case(args.case, args.overrides)
    except CaseError as exc:
        con.error(str(exc))
        return EXIT_INPUT
    output_dir = pathlib.Path(args.output) if args.output else pathlib.Path("results") / case.name
    if args.check:
        con.out(_resolved_yaml(case, args.case, args.overrides, str(output_dir)))
        return EXIT_OK
    problem = _output_dir_problem(output_dir, args.force) if con.root else None
    problem = comm.bcast(problem, root=0)
    if problem:
        con.error(problem)
        return EXIT_INPUT
    return _run(case, args, output_dir, con)
